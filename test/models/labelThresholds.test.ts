// Per-label margin thresholds: each label's F1-best cut of its out-of-fold margins, the fallback
// for labels whose best F1 is low, and SVMs whose margins are lowered by them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FALLBACK_F1, THRESHOLD_GRID, outOfFoldThresholds, subtractThresholds } from '../../engine/models/compact/labelThresholds';
import { LinearSvm } from '../../engine/models/compact/linearSvm';

test("each label's threshold is its F1-best cut of the margins (the strictest on ties); a label with low best F1 takes the fallback", () => {
  // Label 0: positives at −0.62 … −0.3 and +0.4, negatives at −1.2 and −0.9: every positive and no
  // negative above −0.65 (F1 1 for −0.85 … −0.65; −0.65 is the strictest).
  // Label 1: positives at 0.2 and 0.7, negatives at 0.3 and 0.5: best F1 at 0.25 … but the grid stops
  // at 0, where F1 = 2·2 / (2·2 + 2) = 0.67.
  // Label 2: no positive: F1 0 everywhere, below FALLBACK_F1.
  const rows: [number, number, number, number[]][] = [
    [-0.62, 0.2, 0.1, [0, 1]],
    [-0.3, 0.7, -0.2, [0, 1]],
    [0.4, 0.3, 0.3, [0]],
    [-1.2, 0.5, 0.9, []],
    [-0.9, -0.1, -1, []],
  ];
  const margins = Float32Array.from(rows.flatMap(([a, b, c]) => [a, b, c]));
  const { thresholds, f1 } = outOfFoldThresholds(margins, rows.map((r) => r[3]), 3, -0.25);
  assert.deepEqual([...thresholds].map((t) => Math.round(t * 100) / 100), [-0.65, 0, -0.25]);
  assert.equal(f1[0], 1);
  assert.ok(Math.abs(f1[1]! - 2 / 3) < 1e-6);
  assert.equal(f1[2], 0);
  assert.ok(FALLBACK_F1 > 0 && THRESHOLD_GRID.includes(-0.65) && THRESHOLD_GRID.at(-1) === 0);
});

test('thresholded SVMs give margins m − t, as subtractThresholds gives them from margins', () => {
  const weights = Float32Array.from([0.5, -1, 0.25, 0.1, 2, 0, -0.5, -0.3]);
  const svm = new LinearSvm(2, 3, weights.slice());
  const rows = [{ index: Int32Array.from([0, 2]), value: Float32Array.from([1, 2]) }, { index: Int32Array.from([1]), value: Float32Array.from([0.5]) }];
  const thresholds = Float32Array.from([-0.4, 0.2]);
  const shifted = svm.thresholded(thresholds).margins(rows);
  const expected = subtractThresholds(svm.margins(rows), thresholds);
  assert.deepEqual([...expected].map((m) => Math.round(m * 1e5) / 1e5), [1.1 + 0.4, 0.7 - 0.2, -0.4 + 0.4, -0.3 - 0.2].map((m) => Math.round(m * 1e5) / 1e5));
  shifted.forEach((m, k) => assert.ok(Math.abs(m - expected[k]!) < 1e-6, `margin ${k}: ${m} vs ${expected[k]}`));
  assert.deepEqual(svm.weights, weights, 'the original SVMs are unchanged');
});
