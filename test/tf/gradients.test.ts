import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';

/** Central finite differences of a scalar function of one tensor. */
function numeric(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const at = (d: number) => {
      const v = base.slice();
      v[i]! += d;
      return tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]!);
    };
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}

test('registered gradients agree with finite differences', async () => {
  await initBackend('cpu');
  registerGradients();
  const a = tf.tensor2d([[0.5, -1.2, 0.3], [1.1, 0.4, -0.7]]);
  const b = tf.tensor2d([[0.9, 0.2], [-0.3, 1.4], [0.6, -0.8]]);
  const c = tf.tensor1d([0.7, 1.3]);
  const fns: Record<string, (x: tf.Tensor, y: tf.Tensor) => tf.Scalar> = {
    matmul: (x, y) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D))),
    matmulT: (x, y) => tf.sum(tf.tanh(tf.matMul(y as tf.Tensor2D, x as tf.Tensor2D, true, true))),
    broadcast: (x, y) => tf.sum(tf.div(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), c), tf.add(tf.exp(c), 1))),
    misc: (x, y) => tf.add(tf.sum(y), tf.mean(tf.sqrt(tf.add(tf.square(tf.maximum(x, 0.1)), tf.sigmoid(tf.transpose(tf.reshape(tf.reshape(tf.transpose(x), [6]), [3, 2]))))))),
    logSoftmax: (x, y) => tf.sum(tf.mul(tf.logSoftmax(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)), tf.tensor2d([[1, 0], [0.3, 0.7]]))),
    softmax: (x, y) => tf.sum(tf.mul(tf.softmax(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)), tf.tensor2d([[1, -2], [0.3, 0.7]]))),
    log: (x, y) => tf.sum(tf.log(tf.add(tf.abs(tf.sub(x, tf.neg(tf.mean(y)))), 1))),
  };
  for (const [name, f] of Object.entries(fns)) {
    const [ga, gb] = tf.grads(f)([a, b]);
    const na = numeric((x) => f(x, b), a);
    const nb = numeric((y) => f(a, y), b);
    ga!.dataSync().forEach((v, i) => assert.ok(Math.abs(v - na[i]!) < 2e-2, `${name}: d/da[${i}] ${v} vs ${na[i]}`));
    gb!.dataSync().forEach((v, i) => assert.ok(Math.abs(v - nb[i]!) < 2e-2, `${name}: d/db[${i}] ${v} vs ${nb[i]}`));
  }
});
