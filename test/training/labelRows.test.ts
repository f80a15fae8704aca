// Label rows (each label's sentence taught from one-hot head probabilities and the mean vector of
// its texts) and the head's prior-odds biases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRng } from '../../engine/random';
import { priorLogits } from '../../engine/training/labelHeadLoss';
import { drawLabels, labelRows } from '../../engine/training/labelRows';

test('a label row conditions on the unit mean vector of the label\'s texts (its own vector without texts) and a one-hot label', () => {
  // Two-dimensional "encoder" vectors for three texts and three labels; label 2 has no text.
  const texts = Float32Array.from([1, 0, 0, 1, 0.6, 0.8]);
  const labelVectors = Float32Array.from([0, 1, 1, 0, 0.8, -0.6]);
  const ids = [[5, 1], [6, 1], [7, 8, 1]];
  const rows = labelRows([[0], [0, 1], [1]], texts, labelVectors, ids, 2);
  const row = (j: number) => [...rows.x.subarray(j * 5, (j + 1) * 5)];
  const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-6);
  // Label 0: mean of (1, 0) and (0, 1), rescaled to unit length.
  assert.ok(close(row(0), [Math.SQRT1_2, Math.SQRT1_2, 1, 0, 0]), String(row(0)));
  // Label 1: mean of (0, 1) and (0.6, 0.8) = (0.3, 0.9), rescaled.
  const n = Math.hypot(0.3, 0.9);
  assert.ok(close(row(1), [0.3 / n, 0.9 / n, 0, 1, 0]), String(row(1)));
  assert.ok(close(row(2), [0.8, -0.6, 0, 0, 1]), String(row(2)));
  assert.deepEqual(rows.ids, ids);
  assert.equal(rows.vectors, labelVectors);
});

test('each batch draws distinct labels uniformly, reproducibly from its seed', () => {
  const counts = new Array<number>(10).fill(0);
  const rng = seededRng(7);
  for (let i = 0; i < 2000; i++) {
    const drawn = drawLabels(10, 4, rng);
    assert.equal(new Set(drawn).size, 4);
    for (const j of drawn) counts[j]!++;
  }
  // 800 expected per label; a biased draw (e.g. towards low indices) would leave this band.
  counts.forEach((c, j) => assert.ok(c > 700 && c < 900, `label ${j}: ${c}`));
  assert.deepEqual(drawLabels(10, 4, seededRng(3)), drawLabels(10, 4, seededRng(3)));
  assert.deepEqual(drawLabels(3, 16, seededRng(1)).sort(), [0, 1, 2]);
});

test('the head\'s biases start at each label\'s smoothed log prior odds', () => {
  const golds = [['a'], ['a', 'b'], [], ['a']];
  const logit = (q: number) => Math.log(q / (1 - q));
  const b = priorLogits(golds, ['a', 'b', 'c']);
  [logit(4 / 6), logit(2 / 6), logit(1 / 6)].forEach((v, i) => assert.ok(Math.abs(b[i]! - v) < 1e-6, `label ${i}`));
});
