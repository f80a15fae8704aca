// The fusion of the fine-tuned logits with the SVM margins (training/fusion.ts): which labels are
// fused, and that the others' logits add nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuseMargins, fusedLabels, keepLabelLogits } from '../../engine/training/fusion';

test('a label is fused when it has at least the minimum of training texts', () => {
  const golds = [[0, 2], [0], [2], [0, 1], []];
  assert.deepEqual(fusedLabels(golds, 4, 2), [true, false, true, false]);
  assert.deepEqual(fusedLabels(golds, 4, 3), [true, false, false, false]);
  assert.deepEqual(fusedLabels(golds, 4, 0), [true, true, true, true]);
});

test("the labels left out keep their margins: their logits are zeroed in every row", () => {
  const m = Float32Array.from([1, -1, 0.5, 2, 0, -2]);
  const z = Float32Array.from([3, 4, 5, -3, -4, -5]);
  const kept = keepLabelLogits(z, [true, false, true]);
  assert.deepEqual([...kept], [3, 0, 5, -3, 0, -5]);
  assert.deepEqual([...fuseMargins(m, kept, 0.5)], [2.5, -1, 3, 0.5, 0, -4.5]);
  assert.throws(() => fuseMargins(m, z.subarray(0, 3), 1), /fuseMargins: 6 margins but 3 logits/);
});
