// A gradient thread (gradientThreads.ts starts it): holds a copy of the model's variables and, per
// request, loads the step's current values, computes one shard's loss and gradients
// (shards.ts), and sends the gradients back. It keeps no state between steps but the tensors.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { LagamcWeights } from '../model/lagamc/folder';
import { initBackend } from '../tf/backend';
import { workerError } from '../workers';
import { registerGradients } from '../tf/gradients';
import { assignValues } from '../tf/variables';
import type { FromGradientThread, ToGradientThread } from './gradientThreads';
import { LambdaWeight } from './hybridLoss';
import { shardGradients, type ShardModel } from './shards';

const port = parentPort!;
let model: ShardModel | undefined;

port.on('message', async (m: ToGradientThread) => {
  try {
    if (m.kind === 'init') {
      await initBackend(m.backend);
      registerGradients();
      const weights = LagamcWeights.create(m.config, m.adapterRank);
      const lambda = new LambdaWeight(m.lambda);
      model = { weights, lambda, labelHead: m.labelHead, variables: [...weights.variables, ...(lambda.rho ? [lambda.rho] : [])] };
      port.postMessage({ kind: 'ready' } satisfies FromGradientThread);
      return;
    }
    if (!model) throw new Error('gradient thread: step before init');
    const { variables, lambda } = model;
    assignValues(variables, m.values);
    lambda.reference = m.reference;
    const { grads, parts } = shardGradients(model, m.shard, m.totals);
    const data = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    port.postMessage({ kind: 'gradients', grads: data, parts } satisfies FromGradientThread, data.map((d) => d.buffer as ArrayBuffer));
  } catch (e) {
    port.postMessage(workerError(e) satisfies FromGradientThread);
  }
});
