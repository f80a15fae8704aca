// Training the bi-encoder from a teacher's judgements. Each judged document has soft targets t_c
// in [0, 1] for its candidate labels. With s = scale·cos(doc, label) (scale 20, i.e. temperature
// 0.05), the loss per batch is
//   BCE:      mean over judged (doc, candidate) pairs of BCE(σ(s + b), t_c)   (b learnable)
//   listwise: mean over docs with Σ t > 0 of −Σ_c p_c · log softmax_all(s)_c, p ∝ t ⊙ softmax_all(s)
// The listwise softmax runs over ALL labels, so every label the teacher did not favour, candidate
// of another document or not, is a negative; this subsumes in-batch negatives. The listwise target
// weighs the teacher's positives by the model's own current belief (held fixed within the step): a
// noisy judge's false positive on a label the model finds implausible carries little weight, while
// a positive the model already half-believes dominates. In the zero-shot benchmark (15% of scores
// flipped) this lifted test P@1 / macro-F1 on CAVES from 48.25 / 22.05 to 50.33 / 26.43, GoEmotions
// 38.51 / 8.40 to 39.08 / 13.12, Reuters 67.97 / 12.48 to 69.79 / 10.90; with another judge seed,
// Reuters P@1 went from 59.2 to 71.3 (the plain target is much less stable). Both
// adapters start at the identity, so training begins from the base encoder's own ranking. On the
// demo data with 15% of scores flipped, 5 epochs beat 10 and 20 (later epochs fit the flips), and
// BCE alone does worse than with the listwise term. Seeded.
import * as tf from '@tensorflow/tfjs-core';
import type { ProgressListener } from '../progress';
import { seededRng, shuffle } from '../random';
import { registerGradients } from '../tf/gradients';
import type { BiEncoder } from './biencoder';

export const SCALE = 20;

export interface Judged {
  /** Row of the document in the document matrix. */
  doc: number;
  /** Candidate label index → teacher's relevance in [0, 1]. */
  targets: Map<number, number>;
}

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface TrainResult {
  epochs: number;
  finalLoss: number;
  seconds: number;
}

export async function trainBiEncoder(model: BiEncoder, docBase: Float32Array, labelBase: Float32Array, dim: number, judged: readonly Judged[], opts: TrainOptions = {}): Promise<TrainResult> {
  registerGradients();
  const epochs = opts.epochs ?? 5;
  const batchSize = opts.batchSize ?? 32;
  const nLabels = labelBase.length / dim;
  const rng = seededRng(opts.seed ?? 1);
  const bias = tf.variable(tf.scalar(-SCALE * 0.3), true, 'biencoder-bias');
  const optimizer = tf.train.adam(opts.learningRate ?? 0.005);
  const labels = tf.tensor2d(labelBase, [nLabels, dim]);
  const started = performance.now();
  const steps = epochs * Math.ceil(judged.length / batchSize);
  let step = 0;
  let finalLoss = NaN;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = shuffle([...judged.keys()], rng);
      let sum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        opts.signal?.throwIfAborted();
        const batch = order.slice(start, start + batchSize).map((i) => judged[i]!);
        const b = batch.length;
        const x = new Float32Array(b * dim);
        const target = new Float32Array(b * nLabels);
        const mask = new Float32Array(b * nLabels);
        const listWeight = new Float32Array(b);
        batch.forEach((j, r) => {
          x.set(docBase.subarray(j.doc * dim, (j.doc + 1) * dim), r * dim);
          let total = 0;
          for (const [c, t] of j.targets) {
            target[r * nLabels + c] = t;
            mask[r * nLabels + c] = 1;
            total += t;
          }
          listWeight[r] = total > 0 ? 1 : 0;
        });
        const lossValue = tf.tidy(() => {
          const xt = tf.tensor2d(x, [b, dim]);
          const t = tf.tensor2d(target, [b, nLabels]);
          const m = tf.tensor2d(mask, [b, nLabels]);
          // Computed outside the minimised function: the weights are targets, not trained through.
          const belief = tf.softmax(tf.mul(tf.matMul(model.doc.apply(xt), model.label.apply(labels), false, true), SCALE));
          const weighted = tf.mul(t, belief);
          const p = tf.div(weighted, tf.maximum(tf.sum(weighted, 1, true), 1e-30));
          const w = tf.tensor1d(listWeight);
          const cost = optimizer.minimize(() => {
            const s = tf.mul(tf.matMul(model.doc.apply(xt), tf.transpose(model.label.apply(labels))), SCALE);
            const z = tf.add(s, bias);
            // BCE(σ(z), t) = log(1 + e^z) − t·z; z is bounded by the scale, so e^z cannot overflow.
            const bce = tf.div(tf.sum(tf.mul(tf.sub(tf.log(tf.add(tf.exp(z), 1)), tf.mul(t, z)), m)), tf.maximum(tf.sum(m), 1));
            const logSoftmax = tf.sub(s, tf.log(tf.sum(tf.exp(s), 1, true)));
            const perDoc = tf.neg(tf.sum(tf.mul(p, logSoftmax), 1));
            const list = tf.div(tf.sum(tf.mul(perDoc, w)), Math.max(1, listWeight.reduce((a, v) => a + v, 0)));
            return tf.add(bce, list) as tf.Scalar;
          }, true, [...model.variables, bias]);
          return cost!.dataSync()[0]!;
        });
        sum += lossValue;
        batches++;
        step++;
        const elapsed = (performance.now() - started) / 1000;
        opts.onProgress?.({ phase: 'train', fraction: step / steps, epoch, epochs, step, steps, loss: { total: lossValue }, etaSeconds: (elapsed / step) * (steps - step), throughput: { value: (step * batchSize) / elapsed, unit: 'documents' } });
      }
      finalLoss = sum / Math.max(1, batches);
    }
  } finally {
    labels.dispose();
    bias.dispose();
    optimizer.dispose();
  }
  return { epochs, finalLoss, seconds: (performance.now() - started) / 1000 };
}
