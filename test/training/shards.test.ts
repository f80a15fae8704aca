import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { LagamcWeights } from '../../engine/model/lagamc/folder';
import type { CompactConfig } from '../../engine/models/compact/model';
import { EOS } from '../../engine/models/compact/vocab';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';
import { GradientThreads } from '../../engine/training/gradientThreads';
import { LambdaWeight } from '../../engine/training/hybridLoss';
import { batchTotals, shardGradients, splitShard, type Shard, type ShardModel } from '../../engine/training/shards';

const config: CompactConfig = { vocabSize: 12, inputDim: 8, bagSize: 6, bagDim: 4, labels: 3, margins: true, hidden: 6, embedding: 4, maxLength: 8, seed: 5 };
let model: ShardModel;

before(async () => {
  await initBackend();
  registerGradients();
  const weights = LagamcWeights.create(config, 2);
  const lambda = new LambdaWeight(null);
  lambda.reference = { ce: 2.5, cos: 0.4 };
  model = { weights, lambda, labelHead: 1, variables: [...weights.variables, lambda.rho!] };
});

after(() => {
  model.weights.dispose();
  model.lambda.dispose();
});

/** Five texts and two label rows with varied lengths, weights, bags, SVM margins and gold labels. */
function batch(): Shard {
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const fill = (n: number) => Float32Array.from({ length: n }, rnd);
  const ids = [[4, 5, EOS], [6, EOS], [7, 8, 9, 4, EOS], [5, EOS], [10, 11, EOS], [4, 6, EOS], [9, EOS]];
  const targets = fill(7 * 8);
  return {
    texts: 5,
    ids,
    weights: [1, 2, 0.5, 1, 1.5, 1, 1],
    x: fill(5 * 8),
    bag: Float32Array.from(fill(5 * 6), (v) => Math.max(0, v)),
    margins: fill(5 * 3),
    labelX: fill(2 * (8 + 3)),
    targets,
    gold: Float32Array.from([1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0]),
    readsGold: Float32Array.from([0, 1, 0, 0, 1]),
    guard: targets,
  };
}

const values = (grads: tf.Tensor[]) => grads.map((g) => [...g.dataSync()]);

function assertClose(a: number[][], b: number[][], what: string) {
  a.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - b[i]![j]!) <= 1e-5 + 1e-4 * Math.abs(x), `${what}: variable ${i}[${j}] ${x} vs ${b[i]![j]}`)));
}

test('a batch cut into shards gives the whole batch\'s loss and gradients (every variable, λ included)', () => {
  const whole = batch();
  const totals = batchTotals(whole);
  const one = shardGradients(model, whole, totals);
  for (const k of [2, 3]) {
    const shards = splitShard(whole, k);
    assert.equal(shards.length, k);
    assert.equal(shards.reduce((s, x) => s + x.texts, 0), 5);
    assert.equal(shards.reduce((s, x) => s + x.ids.length, 0), 7);
    assert.ok(shards[0]!.guard && shards.slice(1).every((s) => s.guard === null), 'only the first shard carries the guard');
    const parts = shards.map((s) => shardGradients(model, s, totals));
    const summed = parts[0]!.grads.map((_, i) => [...tf.tidy(() => tf.addN(parts.map((p) => p.grads[i]!))).dataSync()]);
    assertClose(values(one.grads), summed, `${k} shards`);
    for (const key of ['total', 'ce', 'cos', 'labelHead'] as const) {
      const sum = parts.reduce((s, p) => s + p.parts[key], 0);
      assert.ok(Math.abs(sum - one.parts[key]) < 1e-5, `${key}: ${sum} vs ${one.parts[key]}`);
    }
    parts.forEach((p) => tf.dispose(p.grads));
  }
  // The comparison is not between zeros: every generator variable and λ has a gradient (the adapter's A has none while its B is still zero).
  const nonZero = new Set(model.variables.filter((_, i) => tf.tidy(() => tf.norm(one.grads[i]!).dataSync()[0]!) > 0));
  for (const v of [...model.weights.generator.variables, model.lambda.rho!]) assert.ok(nonZero.has(v), `${v.name} has a gradient`);
  tf.dispose(one.grads);
});

test('gradient threads (worker threads with their own backend) return the same gradients as one thread', async () => {
  const whole = batch();
  const single = await GradientThreads.start(model, 1, { config, adapterRank: 2 });
  const three = await GradientThreads.start(model, 3, { config, adapterRank: 2 });
  try {
    const a = await single.gradients(whole);
    const b = await three.gradients(whole);
    assertClose(values(a.grads), values(b.grads), 'three threads');
    assert.ok(Math.abs(a.parts.total - b.parts.total) < 1e-5);
    tf.dispose([...a.grads, ...b.grads]);
  } finally {
    await single.close();
    await three.close();
  }
});

test('a step whose own shard fails rejects with that error, and closing the threads after it is safe', async () => {
  const bad = { ...batch() };
  bad.guard = new Float32Array(3); // only the first shard, computed on this thread, reads the guard
  const two = await GradientThreads.start(model, 2, { config, adapterRank: 2 });
  try {
    await assert.rejects(two.gradients(bad), /shape/);
  } finally {
    await two.close();
  }
  // The thread's pending request is rejected by the close: it must not surface as an unhandled rejection.
  await new Promise((r) => setTimeout(r, 200));
});
