// Row lookup (gather) differentiable with respect to the table on every backend: the wasm backend
// registers no UnsortedSegmentSum, which gather's gradient needs, so there the rows of dy are added
// up in JS (O(n·d), where a one-hot matrix product costs O(n·rows·d)). Used by the T5 layers and the
// fine-tuned USE lite's token embeddings.
import * as tf from '@tensorflow/tfjs-core';

/** Sums the rows of `dy` [n, d] into a [rows, d] table at `ids` (the gradient of a row gather). */
function scatterRows(dy: tf.Tensor2D, ids: tf.Tensor1D, rows: number): tf.Tensor2D {
  if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return tf.unsortedSegmentSum(dy, ids, rows);
  // wasm registers no UnsortedSegmentSum: add the rows up here (O(n·d), unlike a one-hot matmul's O(n·rows·d))
  const d = dy.shape[1];
  const g = dy.dataSync();
  const at = ids.dataSync();
  const out = new Float32Array(rows * d);
  for (let i = 0; i < at.length; i++) {
    const src = i * d;
    const dst = at[i]! * d;
    for (let j = 0; j < d; j++) out[dst + j]! += g[src + j]!;
  }
  return tf.tensor2d(out, [rows, d]);
}

/** Rows of `table` for `ids`, differentiable w.r.t. the table on every backend. */
export function embed(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([flat]); // keeps the ids alive until the backward pass
    return {
      value: tf.gather(t, flat),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => scatterRows(dy as tf.Tensor2D, saved[0] as tf.Tensor1D, table.shape[0]),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  const rows = f(table) as tf.Tensor2D;
  return tf.reshape(rows, [...ids.shape, table.shape[1]]);
}
