// An SVM thread (svmThreads.ts starts it): answers each fit request with the fitted weights.
import { parentPort } from 'node:worker_threads';
import { workerError } from '../../workers';
import { LinearSvm } from './linearSvm';
import type { FromSvmThread, ToSvmThread } from './svmThreads';

const port = parentPort!;

port.on('message', (m: ToSvmThread) => {
  try {
    const { weights } = LinearSvm.fit(m.rows, m.golds, m.labels, m.terms, m.opts);
    port.postMessage({ kind: 'weights', data: weights } satisfies FromSvmThread, [weights.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage(workerError(e) satisfies FromSvmThread);
  }
});
