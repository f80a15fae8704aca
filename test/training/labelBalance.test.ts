// Rare-label example weights: (n_max / n_label)^α averaged over an example's labels, mean 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelBalanceWeights } from '../../engine/training/labelBalance';

const golds = [['a'], ['a'], ['a'], ['a'], ['b'], ['a', 'b'], []];

test('α = 0 weights all examples alike; α = 1 gives every label the same total weight', () => {
  assert.deepEqual([...labelBalanceWeights(golds, 0)], new Array(golds.length).fill(1));
  const w = labelBalanceWeights(golds, 1);
  // counts: a 5, b 2, none 1 → raw 1, 2.5, (1 + 2.5)/2, 5; scaled to mean 1.
  const raw = [1, 1, 1, 1, 2.5, 1.75, 5];
  const mean = raw.reduce((s, x) => s + x, 0) / raw.length;
  w.forEach((x, i) => assert.ok(Math.abs(x - raw[i]! / mean) < 1e-6, `example ${i}`));
  // The one text without labels weighs as much as the five texts labelled "a" together.
  assert.ok(Math.abs(w[6]! - 5 * w[0]!) < 1e-6);
});

test('α between gives a milder lift, and a bad α is refused', () => {
  const half = labelBalanceWeights(golds, 0.5);
  const full = labelBalanceWeights(golds, 1);
  assert.ok(half[4]! / half[0]! > 1 && half[4]! / half[0]! < full[4]! / full[0]!);
  assert.throws(() => labelBalanceWeights(golds, 2), /label balance must be within \[0, 1\], got 2/);
});
