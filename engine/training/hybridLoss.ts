// The hybrid loss L = λ·CE + (1−λ)·(1 − cos(v_gen, v_target)), with a learnable λ that stays in (0, 1).
//
// v_gen must be differentiable (the paper's code compares decoded strings, so its cosine carries no
// gradient). Here it is the generator's expected meaning: at each target position the softmax-
// weighted mean of the word embeddings, averaged over the target, projected into the sentence
// encoder's space and passed through the trainable encoder adapter. v_target is the frozen
// encoder's vector of the target text through the same adapter. The cosine term therefore reaches
// the decoder (through its softmax), the word embeddings, the projection and the adapter.
//
// λ = σ(ρ). Minimising L over λ alone would drive λ to 0 or 1, whichever term is smaller. Two
// things prevent it: both terms are divided by their values on the first batch (so λ compares
// relative progress, not scales), and an entropy bonus β·H(λ) is subtracted. The optimum over λ is
// then λ* = σ((cos_rel − ce_rel)/β): it leans towards the term that has improved more, and with
// relative terms in [0, ~1.5] and β = 0.5 it stays within about [0.05, 0.95]. A fixed λ (e.g. 1 for
// the CE-only ablation) turns the learning off.
import * as tf from '@tensorflow/tfjs-core';

export const ENTROPY_WEIGHT = 0.5;

export interface HybridParts {
  ce: tf.Scalar;
  cos: tf.Scalar;
}

export class LambdaWeight {
  readonly rho: tf.Variable | null;
  /** First-batch values of CE and (1 − cos), the scales the terms are divided by. */
  reference: { ce: number; cos: number } | null = null;

  constructor(readonly fixed: number | null, initial = 0.5) {
    this.rho = fixed === null ? tf.variable(tf.scalar(Math.log(initial / (1 - initial))), true) : null;
  }

  get value(): number {
    return this.fixed ?? 1 / (1 + Math.exp(-this.rho!.dataSync()[0]!));
  }

  /**
   * The loss to minimise; `reference` is taken from the first call. Without `entropy` the bonus is
   * left out: a batch's shards (shards.ts) add it once, in the first shard.
   */
  combine(parts: HybridParts, entropy = true): tf.Scalar {
    if (this.fixed !== null) return tf.add(tf.mul(parts.ce, this.fixed), tf.mul(parts.cos, 1 - this.fixed)) as tf.Scalar;
    this.reference ??= { ce: Math.max(1e-6, parts.ce.dataSync()[0]!), cos: Math.max(1e-6, parts.cos.dataSync()[0]!) };
    const lambda = tf.sigmoid(this.rho!);
    const ce = tf.div(parts.ce, this.reference.ce);
    const cos = tf.div(parts.cos, this.reference.cos);
    const hybrid = tf.add(tf.mul(lambda, ce), tf.mul(tf.sub(1, lambda), cos)) as tf.Scalar;
    if (!entropy) return hybrid;
    const h = tf.neg(tf.add(tf.mul(lambda, tf.log(lambda)), tf.mul(tf.sub(1, lambda), tf.log(tf.sub(1, lambda)))));
    return tf.sub(hybrid, tf.mul(h, ENTROPY_WEIGHT)) as tf.Scalar;
  }

  dispose(): void {
    this.rho?.dispose();
  }
}

/**
 * Weighted mean token cross-entropy over teacher-forced log-probabilities ((steps·B) × V, row
 * t·B + i: model.ts `teacherForced`): `oneHots` holds the target tokens in the same rows, `weights`
 * ((steps·B) × 1) each token's weight (0 on padding, else its example's weight), `total` the sum of
 * all weights.
 */
export function crossEntropy(logProbs: tf.Tensor2D, oneHots: tf.Tensor2D, weights: tf.Tensor2D, total: number): tf.Scalar {
  return tf.div(tf.neg(tf.sum(tf.mul(tf.mul(logProbs, oneHots), weights))), total) as tf.Scalar;
}

/**
 * The generator's differentiable sentence vector: mean over real target positions (`mask`,
 * (steps·B) × 1) of the expected word embedding exp(logProbs)·E, projected by `projection`
 * (embedding × encoder width); `lengths` (B × 1) are the targets' lengths.
 */
export function expectedMeaning(logProbs: tf.Tensor2D, mask: tf.Tensor2D, lengths: tf.Tensor2D, embedding: tf.Tensor2D, projection: tf.Tensor2D): tf.Tensor2D {
  const b = lengths.shape[0];
  const perStep = tf.reshape(tf.mul(tf.matMul(tf.exp(logProbs), embedding), mask), [-1, b, embedding.shape[1]]);
  return tf.matMul(tf.div(tf.sum(perStep, 0), lengths), projection) as tf.Tensor2D;
}

/**
 * Weight of the adapter's drift guard (semanticLoss). At 1, with the targets alone as its rows, the
 * CAVES model's adapter raised two label descriptions' cosine from 0.885 to 0.999 and 200 Reuters
 * headlines' mean best cosine with a description from 0.25 to 0.89 (2 of them read as hallucinated
 * instead of 198), and cut top-1 matching of test tweets to descriptions from 32.1 to 11.4
 * micro-F1; at 100 with the texts among the rows all three stay as the frozen encoder has them,
 * and the model's test F1 moved by less than a seed moves it (BENCHMARKS.md).
 */
export const GUARD_WEIGHT = 100;

/**
 * The semantic term: (1 − cos) between generated and target meanings (unit rows), summed over the
 * rows and divided by `rows` (default: this batch's rows; a shard of a batch passes the whole
 * batch's count, shards.ts), plus a guard against the trivial solution. The adapter sits on both
 * sides, so pulling vectors together would raise cos and ruin matching; the guard keeps the
 * adapted pairwise cosines of `guard`'s rows (the batch's targets and its input texts: real
 * sentences that are not descriptions) equal to the frozen encoder's (GUARD_WEIGHT × the mean
 * squared difference over the pairs), so the adapter may move sentences but not merge them, nor
 * draw unrelated text towards the descriptions.
 */
export function semanticLoss(generated: tf.Tensor2D, adaptedTarget: tf.Tensor2D, guard: { adapted: tf.Tensor2D; frozen: tf.Tensor2D } | null, rows = generated.shape[0]): tf.Scalar {
  const cos = tf.div(tf.sum(tf.sub(1, tf.sum(tf.mul(generated, adaptedTarget), 1))), rows) as tf.Scalar;
  if (!guard) return cos;
  // Plain products with explicit transposes: transposed operands are ~10x slower on wasm.
  const gram = (m: tf.Tensor2D) => tf.matMul(m, tf.transpose(m));
  const drift = tf.mul(tf.mean(tf.square(tf.sub(gram(guard.adapted), gram(guard.frozen)))), GUARD_WEIGHT);
  return tf.add(cos, drift) as tf.Scalar;
}
