import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { UseEncoder } from '../../engine/encoders/use/encoder';
import { USE_TRAINABLE, loadUseWeights, useForward } from '../../engine/encoders/use/differentiable';
import { registerGradients } from '../../engine/tf/gradients';

test('differentiable USE lite: the graph model\'s vectors, and gradients reach every trainable weight, the token embeddings\' only their tokens\' rows', async () => {
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
  assert.equal(trainable.reduce((s, v) => s + v.size, 0), 6_975_744, 'trainable weights (the token embeddings 2,048,512 of them)');
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(useForward(w, ids))) as tf.Scalar, trainable);
  for (const [i, v] of trainable.entries()) assert.ok((await tf.max(tf.abs(grads[v.name]!)).data())[0]! > 0, `no gradient reaches ${USE_TRAINABLE[i]}`);
  // The embeddings' gradient fills exactly the rows of the tokens read.
  const g = (await grads[w.params.emb!.name]!.data()) as Float32Array;
  const rows = new Set<number>();
  for (let k = 0; k < g.length; k++) if (g[k] !== 0) rows.add(Math.floor(k / 256));
  assert.deepEqual([...rows].sort((a, b) => a - b), [...new Set(ids.flat())].sort((a, b) => a - b));
});
