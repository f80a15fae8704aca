// One training step's batch as shards that threads compute at the same time (gradientThreads.ts).
// Every term of the step's loss is a sum over rows divided by a count of the whole batch (token
// weights for the cross-entropy, rows for the cosine, texts for the label head), so the shards'
// losses, and their gradients, add up to the whole batch's. The two terms that are not sums over
// rows go to the first shard only: the adapter's drift guard (all pairs of the batch's targets and
// texts) and λ's entropy bonus (hybridLoss.ts). A batch computed as one shard is the plain step.
import * as tf from '@tensorflow/tfjs-core';
import type { LagamcWeights } from '../model/lagamc/folder';
import { PAD } from '../models/compact/vocab';
import { crossEntropy, expectedMeaning, semanticLoss, type LambdaWeight } from './hybridLoss';
import { labelHeadLoss } from './labelHeadLoss';

export interface Shard {
  /** Rows: the first `texts` are texts, the rest label rows (labelRows.ts). */
  texts: number;
  /** Per row, the target's token ids (ending in EOS). */
  ids: number[][];
  /** Per row, the weight of its tokens in the cross-entropy (labelBalance.ts). */
  weights: number[];
  /** texts × encoder width: the texts' encoder vectors. */
  x: Float32Array;
  /** texts × TF-IDF terms (dropout applied), or null for a generator without them. */
  bag: Float32Array | null;
  /** texts × labels SVM margins (out-of-fold, linearSvm.ts), or null for a head without them. */
  margins: Float32Array | null;
  /** label rows × (encoder width + labels): the label rows' conditioning, or null without label rows. */
  labelX: Float32Array | null;
  /** rows × encoder width: the frozen encoder's vectors of the targets. */
  targets: Float32Array;
  /** texts × labels gold matrix (0/1), or null without a label head. */
  gold: Float32Array | null;
  /** Per text, 1 when the decoder reads its gold labels instead of the head's probabilities (trainer.ts `goldConditioning`), or null for none. */
  readsGold: Float32Array | null;
  /** The drift guard's rows (the whole batch's target and text vectors) in the shard that carries it and λ's entropy; else null. */
  guard: Float32Array | null;
}

/** The whole batch's counts that each term is divided by. */
export interface BatchTotals {
  /** Σ over rows of target tokens × row weight. */
  tokenWeight: number;
  rows: number;
  texts: number;
}

/** Loss values of a step (or of a shard: its share of them). */
export interface StepParts {
  total: number;
  ce: number;
  cos: number;
  labelHead: number;
}

/** What a shard's loss is computed with; `variables` fixes the order of the gradients. */
export interface ShardModel {
  weights: LagamcWeights;
  lambda: LambdaWeight;
  /** Weight of the label head's loss (0: no head). */
  labelHead: number;
  variables: readonly tf.Variable[];
}

export function batchTotals(batch: Shard): BatchTotals {
  return { tokenWeight: batch.ids.reduce((s, ids, r) => s + ids.length * batch.weights[r]!, 0), rows: batch.ids.length, texts: batch.texts };
}

/** The shard's loss and its gradients (in the order of `model.variables`; the caller disposes them). */
export function shardGradients(model: ShardModel, shard: Shard, totals: BatchTotals): { grads: tf.Tensor[]; parts: StepParts } {
  const { weights, lambda, labelHead } = model;
  const n = shard.ids.length;
  const b = shard.texts;
  const dim = shard.x.length / b;
  return tf.tidy(() => {
    const u = tf.tensor2d(shard.x, [b, dim]);
    const bag = shard.bag ? tf.tensor2d(shard.bag, [b, shard.bag.length / b]) : null;
    const margins = shard.margins ? tf.tensor2d(shard.margins, [b, shard.margins.length / b]) : null;
    const targets = tf.tensor2d(shard.targets, [n, dim]);
    const labelX = shard.labelX ? tf.tensor2d(shard.labelX, [n - b, shard.labelX.length / (n - b)]) : null;
    const gold = shard.gold ? tf.tensor2d(shard.gold, [b, shard.gold.length / b]) : null;
    const readsGold = shard.readsGold ? tf.tensor2d(shard.readsGold, [b, 1]) : null;
    const guard = shard.guard ? tf.tensor2d(shard.guard, [shard.guard.length / dim, dim]) : null;
    const steps = Math.max(...shard.ids.map((t) => t.length));
    // Rows t·n + i: target i's step t, as in the teacher-forced log-probabilities.
    const at = (f: (ids: number[], i: number, t: number) => number) => Array.from({ length: steps * n }, (_, r) => f(shard.ids[r % n]!, r % n, Math.floor(r / n)));
    const oneHots = tf.cast(tf.oneHot(tf.tensor1d(at((ids, _i, t) => ids[t] ?? PAD), 'int32'), weights.generator.config.vocabSize), 'float32') as tf.Tensor2D;
    const mask = tf.tensor2d(at((ids, _i, t) => (t < ids.length ? 1 : 0)), [steps * n, 1]);
    const tokenWeights = tf.tensor2d(at((ids, i, t) => (t < ids.length ? shard.weights[i]! : 0)), [steps * n, 1]);
    const lengths = tf.tensor2d(shard.ids.map((r) => r.length), [n, 1]);
    const parts = { ce: 0, cos: 0, labelHead: 0 };
    const { value, grads } = tf.variableGrads(() => {
      let { x, labelLogits } = weights.generator.condition(u, bag, margins);
      if (readsGold && gold && labelLogits) x = tf.concat([u, tf.add(tf.mul(readsGold, gold), tf.mul(tf.sub(1, readsGold), tf.sigmoid(labelLogits)))], 1) as tf.Tensor2D;
      const { logProbs } = weights.generator.teacherForced(labelX ? (tf.concat([x, labelX]) as tf.Tensor2D) : x, shard.ids);
      const ce = crossEntropy(logProbs, oneHots, tokenWeights, totals.tokenWeight);
      const meaning = weights.adapter.apply(expectedMeaning(logProbs, mask, lengths, weights.generator.params.emb as tf.Tensor2D, weights.projection as tf.Tensor2D));
      const cos = semanticLoss(meaning, weights.adapter.apply(targets), guard ? { adapted: weights.adapter.apply(guard), frozen: guard } : null, totals.rows);
      parts.ce = ce.dataSync()[0]!;
      parts.cos = cos.dataSync()[0]!;
      const hybrid = lambda.combine({ ce, cos }, guard !== null);
      if (!labelLogits || !gold || labelHead === 0) return hybrid;
      const head = labelHeadLoss(labelLogits, gold, totals.texts);
      parts.labelHead = head.dataSync()[0]!;
      return tf.add(hybrid, tf.mul(head, labelHead)) as tf.Scalar;
    }, model.variables as tf.Variable[]);
    return { grads: model.variables.map((v) => grads[v.name]!), parts: { total: value.dataSync()[0]!, ...parts } };
  });
}

/**
 * Cuts a batch into at most `count` shards, each with at least one text, its texts and its label
 * rows in contiguous runs; the first shard carries the guard.
 */
export function splitShard(batch: Shard, count: number): Shard[] {
  const k = Math.max(1, Math.min(count, batch.texts));
  const labelRows = batch.ids.length - batch.texts;
  const cut = (total: number, i: number) => Math.round((total * i) / k);
  const rowsOf = (a: Float32Array | null, rows: number, from: number, to: number) => (a ? a.slice((a.length / rows) * from, (a.length / rows) * to) : null);
  return Array.from({ length: k }, (_, i) => {
    const [t0, t1] = [cut(batch.texts, i), cut(batch.texts, i + 1)];
    const [l0, l1] = [cut(labelRows, i), cut(labelRows, i + 1)];
    const rows = [...Array.from({ length: t1 - t0 }, (_, r) => t0 + r), ...Array.from({ length: l1 - l0 }, (_, r) => batch.texts + l0 + r)];
    const width = batch.targets.length / batch.ids.length;
    const targets = new Float32Array(rows.length * width);
    rows.forEach((row, r) => targets.set(batch.targets.subarray(row * width, (row + 1) * width), r * width));
    return {
      texts: t1 - t0,
      ids: rows.map((r) => batch.ids[r]!),
      weights: rows.map((r) => batch.weights[r]!),
      x: rowsOf(batch.x, batch.texts, t0, t1)!,
      bag: rowsOf(batch.bag, batch.texts, t0, t1),
      margins: rowsOf(batch.margins, batch.texts, t0, t1),
      labelX: labelRows > 0 && l1 > l0 ? rowsOf(batch.labelX, labelRows, l0, l1) : null,
      targets,
      gold: rowsOf(batch.gold, batch.texts, t0, t1),
      readsGold: rowsOf(batch.readsGold, batch.texts, t0, t1),
      guard: i === 0 ? batch.guard : null,
    };
  });
}
