// T5 building blocks as plain functions over tensors: RMS norm, relative position bias, multi-head
// attention (optionally with a key/value cache), the feed-forward variants and the embedding lookup.
//
// Only kernels that the wasm and cpu backends both run, forward and backward, are used:
// - the embedding lookup gathers rows forward; its gradient adds rows up in JS where the backend lacks
//   `UnsortedSegmentSum` (the gradient of `gather`, not registered on wasm);
// - the position bias is a one-hot matmul against the bucket table for the same reason;
// - softmax is `exp(logSoftmax)` (logSoftmax carries its own gradient) and the loss is log-probabilities
//   times a one-hot mask (the fused softmax-cross-entropy is not on wasm either).
// On wasm, large untransposed 2-D matmuls run far faster than transposed or many small batched ones, so
// every product goes through `matmul` (explicit transposes, forward and backward) and projections run as
// one [rows, d_model] × [d_model, heads·d_kv] matmul over the whole batch; only the score and context
// products are batched per head. The wasm backend is used single-threaded with SIMD: its pthread
// workers cannot start under Node's worker_threads, and a patched loader would be fragile.
import * as tf from '@tensorflow/tfjs-core';

/** x / sqrt(mean(x²) + eps) · w over the last axis (no mean subtraction, no bias). */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.div(x, tf.sqrt(tf.add(variance, eps))), w);
}

/**
 * a · b (optionally transposed) with every transpose materialised, forward and backward, so that the
 * backend only ever multiplies untransposed operands: on wasm a transposed operand is 10-40× slower
 * (measured: 20 GFLOP/s for x·W, 1.6 for x·Wᵀ, 0.5 for xᵀ·W), while a transpose is a cheap copy.
 * Rank 2 or 3 (batched over the first axis).
 */
export function matmul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const t = (x: tf.Tensor) => tf.transpose(x, x.rank === 2 ? [1, 0] : [0, 2, 1]);
  const f = tf.customGrad(((x: tf.Tensor, y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) => [tf.matMul(dy, t(ys!)), tf.matMul(t(xs!), dy)],
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(transposeA ? t(a) : a, transposeB ? t(b) : b);
}

/** Hugging Face's `_relative_position_bucket` for one relative position (key − query), in float32 arithmetic. */
export function positionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let bucket = 0;
  let n = numBuckets;
  let rp: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (relative > 0) bucket += n;
    rp = Math.abs(relative);
  } else {
    rp = -Math.min(relative, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (rp < maxExact) return bucket + rp;
  const f = Math.fround;
  const large = maxExact + Math.trunc(f(f(f(Math.log(f(rp / maxExact))) / f(Math.log(maxDistance / maxExact))) * (n - maxExact)));
  return bucket + Math.min(large, n - 1);
}

/**
 * Position bias [1, heads, queries, keys] for queries at `queryStart..queryStart+queries-1` against keys
 * 0..keys-1, looked up in `table` [buckets, heads] through a one-hot matmul.
 */
export function positionBias(table: tf.Tensor2D, queries: number, keys: number, queryStart: number, bidirectional: boolean, maxDistance: number): tf.Tensor4D {
  const [buckets, heads] = table.shape;
  const hot = new Float32Array(queries * keys * buckets);
  for (let q = 0; q < queries; q++) {
    for (let k = 0; k < keys; k++) hot[(q * keys + k) * buckets + positionBucket(k - (q + queryStart), bidirectional, buckets, maxDistance)] = 1;
  }
  const bias = matmul(tf.tensor2d(hot, [queries * keys, buckets]), table);
  return tf.reshape(tf.transpose(tf.reshape(bias, [queries, keys, heads]), [2, 0, 1]), [1, heads, queries, keys]);
}

/** Additive mask [1, 1, q, k] that hides keys after each query (query i sits at key position start + i). */
export function causalMask(queries: number, keys: number, start = 0): tf.Tensor4D {
  const m = new Float32Array(queries * keys);
  for (let q = 0; q < queries; q++) for (let k = q + start + 1; k < keys; k++) m[q * keys + k] = -1e9;
  return tf.tensor4d(m, [1, 1, queries, keys]);
}

/** Additive mask [batch, 1, 1, keys] from a 0/1 attention mask [batch, keys]. */
export function paddingMask(mask: tf.Tensor2D): tf.Tensor4D {
  const [b, k] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [b, 1, 1, k]);
}

/** [batch, time, heads·dkv] → [batch, heads, time, dkv]. */
export function splitHeads(x: tf.Tensor, batch: number, heads: number, dKv: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [batch, -1, heads, dKv]), [0, 2, 1, 3]);
}

/**
 * softmax(q·kᵀ + bias) · v per head (no 1/sqrt(d) scaling, as in T5). q, k, v: [batch, heads, time, dkv];
 * bias broadcasts to [batch, heads, tq, tk]. Returns [batch·tq, heads·dkv].
 */
export function attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | undefined): tf.Tensor2D {
  const [b, h, tq, d] = q.shape;
  const tk = k.shape[2];
  let scores: tf.Tensor = tf.reshape(matmul(tf.reshape(q, [b * h, tq, d]), tf.reshape(k, [b * h, tk, d]), false, true), [b, h, tq, tk]);
  if (bias) scores = tf.add(scores, bias);
  const probs = tf.exp(tf.logSoftmax(scores));
  const ctx = matmul(tf.reshape(probs, [b * h, tq, tk]), tf.reshape(v, [b * h, tk, d]));
  return tf.reshape(tf.transpose(tf.reshape(ctx, [b, h, tq, d]), [0, 2, 1, 3]), [b * tq, h * d]);
}

/** gelu_new: the tanh approximation of GELU. */
export function geluNew(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Mean token cross-entropy of `logits` [n, vocab] against `labels` [n], counting rows where `weights` is 1. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(labels, logits.shape[1])), -1);
  return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
}
