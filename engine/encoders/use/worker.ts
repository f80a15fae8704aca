// An encoding thread (threads.ts starts it): loads USE lite on its own backend, then answers each
// batch of token ids with the batch's raw (not yet normalised) vectors.
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../../tf/backend';
import { workerError } from '../../workers';
import { UseEncoder } from './encoder';
import type { FromEncodeThread, ToEncodeThread } from './threads';

const port = parentPort!;
let encoder: UseEncoder | undefined;

port.on('message', async (m: ToEncodeThread) => {
  try {
    if (m.kind === 'init') {
      await initBackend(m.backend);
      encoder = await UseEncoder.load(m.dir, 1);
      port.postMessage({ kind: 'ready' } satisfies FromEncodeThread);
      return;
    }
    if (!encoder) throw new Error('encoding thread: batch before init');
    const data = (await encoder.encodeIds(m.ids)).slice();
    port.postMessage({ kind: 'vectors', data } satisfies FromEncodeThread, [data.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage(workerError(e) satisfies FromEncodeThread);
  }
});
