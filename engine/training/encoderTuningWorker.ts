// An encoder tuning thread (encoderTuning.ts starts it): holds a copy of the fine-tuned USE lite and,
// per request, loads the step's current weights, computes one shard's gradients and sends them back
// with the shard's loss and logits.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { TunedUse } from '../models/tunedUse/model';
import { initBackend } from '../tf/backend';
import { registerGradients } from '../tf/gradients';
import { assignValues } from '../tf/variables';
import { workerError } from '../workers';
import { shardGradients, type FromTuningThread, type ToTuningThread } from './encoderTuning';

const port = parentPort!;
let model: TunedUse | undefined;

port.on('message', async (m: ToTuningThread) => {
  try {
    if (m.kind === 'init') {
      await initBackend(m.backend);
      registerGradients();
      model = await TunedUse.create(m.labels);
      port.postMessage({ kind: 'ready' } satisfies FromTuningThread);
      return;
    }
    if (!model) throw new Error('encoder tuning thread: step before init');
    assignValues(model.variables, m.values);
    const { grads, loss, logits } = shardGradients(model, m.shard);
    const data = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    port.postMessage({ kind: 'gradients', grads: data, loss, logits } satisfies FromTuningThread, [...data, logits].map((d) => d.buffer as ArrayBuffer));
  } catch (e) {
    port.postMessage(workerError(e) satisfies FromTuningThread);
  }
});
