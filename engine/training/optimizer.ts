// AdamW (decoupled weight decay) with linear warm-up then linear decay of the learning rate, and
// gradient clipping by global norm. Written out (not tf.train.adam) so that its moments and step
// count can be checkpointed and a resumed run continues exactly where it stopped.
import * as tf from '@tensorflow/tfjs-core';
import { assignValues, variableValues } from '../tf/variables';

export interface AdamWOptions {
  learningRate: number;
  totalSteps: number;
  /** Share of the steps spent warming up (default 0.05). */
  warmup?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Clip the global gradient norm to this (default 1). */
  clipNorm?: number;
  /** Per variable (same order), a factor on the learning rate (default 1 for all). */
  rateScale?: readonly number[];
}

export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly opts: AdamWOptions,
  ) {
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** Learning rate at the current step. */
  get rate(): number {
    const total = Math.max(1, this.opts.totalSteps);
    const warm = Math.max(1, Math.round(total * (this.opts.warmup ?? 0.05)));
    const s = this.step + 1;
    return this.opts.learningRate * (s <= warm ? s / warm : Math.max(0.02, (total - s) / Math.max(1, total - warm)));
  }

  /** Applies one update from `grads` (same order as the variables); returns the pre-clip global norm. */
  apply(grads: readonly tf.Tensor[]): number {
    const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0.01, clipNorm = 1 } = this.opts;
    const lr = this.rate;
    this.step++;
    const norm = tf.tidy(() => Math.sqrt(grads.reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0]!, 0)));
    const scale = norm > clipNorm ? clipNorm / norm : 1;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      this.variables.forEach((x, i) => {
        const g = tf.mul(grads[i]!, scale);
        const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        const decay = x.shape.length > 1 ? tf.mul(x, weightDecay) : tf.zerosLike(x);
        x.assign(tf.sub(x, tf.mul(tf.add(update, decay), lr * (this.opts.rateScale?.[i] ?? 1))));
      });
    });
    return norm;
  }

  state(): AdamWState {
    return { step: this.step, m: variableValues(this.m), v: variableValues(this.v) };
  }

  restore(s: AdamWState): void {
    this.step = s.step;
    assignValues(this.m, s.m);
    assignValues(this.v, s.v);
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
