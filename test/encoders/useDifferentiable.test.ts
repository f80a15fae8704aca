import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { UseEncoder } from '../../engine/encoders/use/encoder';
import { USE_TRAINABLE, loadUseWeights, useForward } from '../../engine/encoders/use/differentiable';
import { registerGradients } from '../../engine/tf/gradients';

test('differentiable USE lite: the graph model\'s vectors, and gradients reach every trainable weight', async () => {
  const texts = ['The vaccine was rushed and nobody knows what is in it', 'ok', 'Big Pharma only wants money, mandates next, then what?'];
  const graph = await UseEncoder.load(undefined, 1);
  const expected = await graph.encode(texts);
  graph.dispose();
  registerGradients();
  const w = await loadUseWeights();
  const ids = texts.map((t) => w.tokenizer.encode(t));
  const out = useForward(w, ids);
  const got = (await tf.div(out, tf.norm(out, 'euclidean', 1, true)).data()) as Float32Array;
  assert.equal(got.length, expected.length);
  let worst = 0;
  for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k]! - expected[k]!));
  assert.ok(worst < 1e-5, `largest difference from the graph model: ${worst}`);
  const trainable = USE_TRAINABLE.map((n) => w.params[n]!);
  assert.equal(trainable.reduce((s, v) => s + v.size, 0), 4_927_232, 'trainable weights');
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(useForward(w, ids))) as tf.Scalar, trainable);
  for (const [i, v] of trainable.entries()) assert.ok((await tf.max(tf.abs(grads[v.name]!)).data())[0]! > 0, `no gradient reaches ${USE_TRAINABLE[i]}`);
});
