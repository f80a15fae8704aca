// The label head's loss: binary cross-entropy between its logits z and the gold label matrix y
// (B × labels, 0/1), summed over labels and averaged over texts, so that each label's gradient
// does not shrink as the label set grows. Computed in the overflow-safe form
// max(z, 0) − z·y + log(1 + e^−|z|); its gradient is given directly as (σ(z) − y)/B: differentiating
// that form through max and |·| would give a wrong subgradient at z = 0.
// The head's biases start at each label's log prior odds (priorLogits), so that its first steps
// are not spent pushing every label towards "absent": a rare label's few positive texts otherwise
// come too late to lift it, and rare-label F1 stays near 0.
import * as tf from '@tensorflow/tfjs-core';

/** ln(q / (1 − q)) per label, with q = (texts with the label + 1) / (texts + 2). */
export function priorLogits(golds: readonly (readonly string[])[], names: readonly string[]): Float32Array {
  const counts = new Map(names.map((n) => [n, 0]));
  for (const gold of golds) for (const l of gold) if (counts.has(l)) counts.set(l, counts.get(l)! + 1);
  return Float32Array.from(names, (n) => {
    const q = (counts.get(n)! + 1) / (golds.length + 2);
    return Math.log(q / (1 - q));
  });
}

/** `texts`: the divisor B (default: this batch's rows; a shard of a batch passes the whole batch's, shards.ts). */
export function labelHeadLoss(logits: tf.Tensor2D, gold: tf.Tensor2D, texts = logits.shape[0]): tf.Scalar {
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([z]);
    const perLabel = tf.add(tf.sub(tf.relu(z), tf.mul(z, gold)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(z))))));
    const value = tf.div(tf.sum(perLabel), texts);
    return { value, gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.div(tf.sub(tf.sigmoid(saved!), gold), texts)) };
  });
  return loss(logits) as tf.Scalar;
}
