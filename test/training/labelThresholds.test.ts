// Per-label thresholds on the SVM margins (training/labelThresholds.ts): each label's F1-best
// threshold on the given margins, none for labels with too few texts, and the offsets that lower the
// margins (in the arrays and in the saved SVMs' biases).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinearSvm } from '../../engine/models/compact/linearSvm';
import { THRESHOLD_GRID, labelThresholds, lowerMargins, thresholdOffsets } from '../../engine/training/labelThresholds';

test("each label's threshold is the grid value with its best F1 on the margins (the lowest on ties); labels with fewer texts get none", () => {
  // Label 0: positives at 0.31, −0.22, −0.73; negatives at −0.42, −0.93 (margins off the grid). Predicted where margin > t:
  // t in [−0.42, −0.22): 2 TP, 1 FN → F1 4/5; in [−0.93, −0.73): 3 TP, 1 FP → 6/7, the best; below: 6/8. Lowest grid t there: −0.9.
  // Label 1: one positive (at 0.81), under the minimum of 2 texts.
  // Label 2: positives at 0.52 and 0.47, negatives at −0.33, −0.21, −0.12: F1 1 for t in [−0.12, 0.47); the lowest grid t: −0.1.
  const margins = Float32Array.from([0.31, 0.81, 0.52, -0.22, -1, 0.47, -0.73, -1, -0.33, -0.42, -1, -0.21, -0.93, -1, -0.12]);
  const golds = [[0, 1, 2], [0, 2], [0], [], []];
  assert.deepEqual(labelThresholds(margins, golds, 3, 2), [-0.9, null, -0.1]);
  // With a minimum of 1 label 1 gets one too: its negatives all sit at −1, so −1 is the lowest t that leaves them out.
  assert.equal(labelThresholds(margins, golds, 3, 1)[1], -1);
  assert.throws(() => labelThresholds(margins.subarray(0, 12), golds, 3), /labelThresholds: 12 margins for 5 rows × 3 labels/);
  assert.ok(THRESHOLD_GRID.includes(-0.9) && THRESHOLD_GRID.includes(-0.1) && THRESHOLD_GRID.includes(-1) && THRESHOLD_GRID[0] === -1.5 && THRESHOLD_GRID.at(-1) === 0.5);
});

test('the offsets are each threshold less the global one (0 without one) and lower the margins, as the lowered SVMs compute them', () => {
  const offsets = thresholdOffsets([-0.75, null, 0], -0.25);
  assert.deepEqual([...offsets], [-0.5, 0, 0.25]);
  const m = Float32Array.from([1, 1, 1, 0, 0, 0]);
  assert.deepEqual([...lowerMargins(m, offsets)], [1.5, 1, 0.75, 0.5, 0, -0.25]);
  const rows = [{ index: Int32Array.from([0, 2]), value: Float32Array.from([1, 0.5]) }, { index: Int32Array.from([1]), value: Float32Array.from([2]) }, { index: Int32Array.from([0, 1]), value: Float32Array.from([0.3, 0.3]) }];
  const svm = LinearSvm.fit(rows, [[0], [1, 2], [2]], 3, 3, { seed: 1 });
  const lowered = svm.lowered(offsets);
  const [before, after] = [svm.margins(rows), lowered.margins(rows)];
  lowerMargins(before, offsets).forEach((x, i) => assert.ok(Math.abs(x - after[i]!) < 1e-6, `${i}: ${x} against ${after[i]}`));
  // Only the biases (each row's last weight) move; the fitted SVMs are left as they were.
  assert.deepEqual([...lowered.weights].filter((_, k) => k % 4 !== 3), [...svm.weights].filter((_, k) => k % 4 !== 3));
  assert.notDeepEqual([...lowered.weights], [...svm.weights]);
  assert.throws(() => svm.lowered(offsets.subarray(0, 2)), /LinearSvm.lowered: 2 offsets for 3 labels/);
});
