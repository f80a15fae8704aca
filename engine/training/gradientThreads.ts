// Data-parallel training steps on several cores. TF.js's WebAssembly backend runs on one thread in
// Node, so a step's batch is cut into shards (shards.ts): the calling thread computes the first,
// each gradient thread (gradientWorker.ts, a worker thread with its own backend and a copy of the
// variables) one of the others, and the gradients are added. Per step a thread receives the
// variables' current values and returns its gradients; the optimizer stays on the calling thread.
// Results depend on the number of threads (the shards' sums are rounded differently), not on timing.
import * as tf from '@tensorflow/tfjs-core';
import type { CompactConfig } from '../models/compact/model';
import { variableValues } from '../tf/variables';
import { WorkerChannel, startThreads, type WorkerError } from '../workers';
import { batchTotals, shardGradients, splitShard, type Shard, type ShardModel, type StepParts } from './shards';

export type ToGradientThread =
  | { kind: 'init'; backend: string; config: CompactConfig; adapterRank: number; lambda: number | null; labelHead: number }
  | { kind: 'step'; values: Float32Array[]; reference: { ce: number; cos: number } | null; shard: Shard; totals: ReturnType<typeof batchTotals> };

export type FromGradientThread = { kind: 'ready' } | { kind: 'gradients'; grads: Float32Array[]; parts: StepParts } | WorkerError;

type GradientThread = WorkerChannel<ToGradientThread, FromGradientThread>;

export class GradientThreads {
  private constructor(
    private readonly model: ShardModel,
    private readonly threads: GradientThread[],
  ) {}

  /** `count` threads in all, the calling one included (1: every step on this thread). */
  static async start(model: ShardModel, count: number, init: { config: CompactConfig; adapterRank: number }): Promise<GradientThreads> {
    const message: ToGradientThread = { kind: 'init', backend: tf.getBackend(), ...init, lambda: model.lambda.fixed, labelHead: model.labelHead };
    return new GradientThreads(model, await startThreads(count - 1, 'gradientWorker.mjs', 'training/gradientWorker.ts', 'gradient thread', message));
  }

  /**
   * The batch's summed gradients (in the order of the model's variables; the caller disposes them)
   * and loss parts. Until λ has its reference scales (hybridLoss.ts: the first batch's losses) the
   * batch is computed whole, here.
   */
  async gradients(batch: Shard): Promise<{ grads: tf.Tensor[]; parts: StepParts }> {
    const totals = batchTotals(batch);
    const ready = this.model.lambda.fixed !== null || this.model.lambda.reference !== null;
    const shards = this.threads.length && ready ? splitShard(batch, this.threads.length + 1) : [batch];
    const values = shards.length > 1 ? variableValues(this.model.variables) : [];
    const reference = this.model.lambda.reference;
    // Sent before the local shard is computed, so that the threads work meanwhile; awaited below,
    // so a local failure must not leave its rejection (a closed pool's) unhandled.
    const remote = Promise.all(shards.slice(1).map((shard, i) => this.threads[i]!.request({ kind: 'step', values, reference, shard, totals })));
    remote.catch(() => {});
    const local = shardGradients(this.model, shards[0]!, totals);
    let others: Extract<FromGradientThread, { kind: 'gradients' }>[];
    try {
      // A thread answers a step with its gradients or fails the request (`request`).
      others = (await remote).filter((o) => o.kind === 'gradients');
    } catch (e) {
      tf.dispose(local.grads);
      throw e;
    }
    const grads = local.grads.map((g, i) => {
      let sum = g;
      for (const o of others) {
        const next = tf.tidy(() => tf.add(sum, tf.tensor(o.grads[i]!, g.shape)));
        sum.dispose();
        sum = next;
      }
      return sum;
    });
    const parts = { ...local.parts };
    for (const o of others) for (const k of ['total', 'ce', 'cos', 'labelHead'] as const) parts[k] += o.parts[k];
    return { grads, parts };
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
