// Per-label thresholds on the SVM margins (training/labelThresholds.ts): each label's F1-best
// threshold on the given margins, none for labels with too few texts, the offsets that lower the
// margins (in the arrays and in the saved SVMs' biases), and dev's choice on the demo data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadExamples } from '../../engine/data/dataset';
import { parseLabelFile } from '../../engine/data/labels';
import { demo } from '../../engine/demo/paths';
import { LinearSvm } from '../../engine/models/compact/linearSvm';
import { fitWithOutOfFold } from '../../engine/models/compact/svmThreads';
import { TextFeatures } from '../../engine/models/compact/textFeatures';
import { THRESHOLD_GRID, chooseLabelThresholds, labelThresholds, lowerMargins, thresholdOffsets } from '../../engine/training/labelThresholds';
import { DEFAULT_CHAR_GRAMS, marginDevScore } from '../../engine/training/trainer';

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

test("on the demo data, dev keeps the thresholds of the SVMs' out-of-fold margins with every text and rejects them with 64 training and 16 dev texts", async () => {
  const set = parseLabelFile(readFileSync(demo.labels, 'utf8'), demo.labels);
  const names = set.labels.map((l) => l.name);
  const [train, dev] = [(await loadExamples(demo.train, { labels: set })).examples, (await loadExamples(demo.dev, { labels: set })).examples];
  const choose = async (trainTexts: number, devTexts: number) => {
    const [t, d] = [train.slice(0, trainTexts), dev.slice(0, devTexts)];
    const features = TextFeatures.fit(t.map((e) => e.text), { maxTerms: 10_000, maxCharGrams: DEFAULT_CHAR_GRAMS });
    const golds = t.map((e) => (e.labels ?? []).map((l) => names.indexOf(l)));
    const devGold = d.map((e) => e.labels ?? []);
    const { svm, outOfFold } = await fitWithOutOfFold(t.map((e) => features.row(e.text)), golds, names.length, features.size, { seed: 7, c: 2, threads: 1 });
    const devMargins = svm.margins(d.map((e) => features.row(e.text)));
    const score = (m: Float32Array) => marginDevScore(m, devGold, names);
    const choice = chooseLabelThresholds(outOfFold, golds, names.length, devMargins, score);
    // The scores are those of the margins as given and as lowered by the thresholds' offsets.
    const offsets = thresholdOffsets(labelThresholds(outOfFold, golds, names.length), score(devMargins).threshold);
    assert.equal(choice.globalScore, score(devMargins).score);
    assert.equal(choice.score, score(lowerMargins(devMargins, offsets)).score);
    assert.equal(choice.labels, labelThresholds(outOfFold, golds, names.length).filter((x) => x !== null).length);
    assert.deepEqual(choice.offsets, offsets);
    assert.equal(choice.kept, choice.score > choice.globalScore);
    return choice;
  };
  const all = await choose(train.length, dev.length);
  assert.ok(all.kept && all.labels > 0, `with every text: dev ${all.score} with them, ${all.globalScore} without`);
  const few = await choose(64, 16);
  assert.equal(few.kept, false, `64 and 16 texts: dev ${few.score} with them, ${few.globalScore} without`);
});
