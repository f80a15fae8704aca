import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluate, averagePrecision, labelCountTable } from '../../engine/metrics/multilabel';
import { needsShared, sharedPath } from '../helpers/shared';

const readJsonl = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: ${actual} vs scikit-learn ${expected}`);

test('metrics equal scikit-learn on fixtures/metrics/case1 to 1e-9', needsShared, () => {
  const dir = sharedPath('fixtures', 'metrics', 'case1');
  const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8'));
  const gold = readJsonl(`${dir}/gold.jsonl`);
  const pred = readJsonl(`${dir}/pred.jsonl`);
  const r = evaluate(gold.map((g) => g.labels), pred.map((p) => p.labels), { labels: expected.labels, scores: pred.map((p) => p.scores) });
  for (const avg of ['micro', 'macro'] as const) for (const k of ['precision', 'recall', 'f1'] as const) close(r[avg][k], expected[avg][k], `${avg} ${k}`);
  close(r.weighted.f1, expected.weighted_f1, 'weighted f1');
  close(r.samples.f1, expected.samples_f1, 'samples f1');
  close(r.subsetAccuracy, expected.subset_accuracy, 'subset accuracy');
  close(r.hammingLoss, expected.hamming_loss, 'hamming loss');
  close(r.jaccardSamples, expected.jaccard_samples, 'jaccard samples');
  close(r.mAP!, expected.mAP, 'mAP');
  for (const l of expected.labels) {
    for (const k of ['precision', 'recall', 'f1'] as const) close(r.perLabel[l]![k], expected.per_label[l][k], `${l} ${k}`);
    assert.equal(r.perLabel[l]!.support, expected.per_label[l].support);
  }
});

test('average precision handles tied scores as one threshold', () => {
  // sklearn: average_precision_score([1,0,1,0], [0.9,0.5,0.5,0.1]) = 0.5*1 + 0.5*(2/3)
  close(averagePrecision([true, false, true, false], [0.9, 0.5, 0.5, 0.1]), 0.5 + 0.5 * (2 / 3), 'AP');
});

test('rare labels come from training frequencies, label counts bucket at 5+', () => {
  const gold = [['a'], ['a', 'b'], ['c']];
  const pred = [['a'], ['a'], ['a', 'b', 'c', 'd', 'e', 'f']];
  const r = evaluate(gold, pred, { labels: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], trainFrequencies: new Map([['a', 50], ['b', 1], ['c', 7], ['d', 9], ['e', 9], ['f', 9], ['g', 9]]) });
  assert.deepEqual(r.rare.labels, ['b', 'c']); // ceil(0.15 * 7) = 2 least frequent
  assert.equal(r.rare.frequenciesFrom, 'train');
  assert.equal(r.rare.macroF1, (r.perLabel.b!.f1 + r.perLabel.c!.f1) / 2);
  assert.deepEqual(labelCountTable(gold, pred).map((x) => [x.bucket, x.actual, x.predicted]), [
    ['0', 0, 0], ['1', 2, 2], ['2', 1, 0], ['3', 0, 0], ['4', 0, 0], ['5+', 0, 1],
  ]);
});
