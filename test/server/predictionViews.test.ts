// The hover's markdown and the model diagnostics for a prediction, with and without the label
// head's probabilities: with constrained decoding every match scores 1, so the head's probability
// is what they show and rank by.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Example } from '../../engine/data/example';
import type { Prediction } from '../../engine/model/prediction';
import { renderPrediction } from '../../server/hover';
import { modelDiagnostics } from '../../server/modelDiagnostics';

const range = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 10 } });
const example = (line: number, labels: string[]): Example => ({ id: `t${line}`, text: `text ${line}`, labels, line, ranges: { record: range(line), text: range(line) } });
const sentence = (label: string) => ({ sentence: `About ${label}`, label, score: 1, hallucinated: false });

/** A prediction of `predicted` (each matched at cosine 1), with head probabilities `p` when given. */
function prediction(predicted: string[], p?: Record<string, number>): Prediction {
  const cosines = { billing: 0.31, praise: 0.42, refund: 0.27 };
  return {
    labels: predicted.map((label) => ({ label, score: 1, ...(p ? { probability: p[label]! } : {}) })),
    scores: p ?? { ...cosines, ...Object.fromEntries(predicted.map((l) => [l, 1])) },
    ...(p ? { probabilities: p } : {}),
    generated: predicted.map((l) => `About ${l}.`).join(' '),
    sentences: predicted.map(sentence),
  };
}

test('the hover shows the head probability beside the match, and a missed gold label with its probability', () => {
  const md = renderPrediction(prediction(['refund'], { billing: 0.38, praise: 0.02, refund: 0.71 }), ['billing']);
  assert.match(md, /\| label \| head p \| match \| gold \|\n\|---\|---:\|---:\|:---:\|\n\| refund \| 0\.71 \| 1\.00 \| ✗ \|/);
  assert.match(md, /missed: billing \(p 0\.38\)/);
});

test('without a head the hover shows the match score, and a missed label with its best cosine', () => {
  const md = renderPrediction(prediction(['refund']), ['billing']);
  assert.match(md, /\| label \| score \| gold \|\n\|---\|---:\|:---:\|\n\| refund \| 1\.00 \| ✗ \|/);
  assert.match(md, /missed: billing \(0\.31\)/);
});

test('possible annotation errors are ranked by the head probability of the contradicting label, not by its match (1 for both)', () => {
  const examples = [example(0, ['billing']), example(1, ['praise'])];
  const preds = [prediction(['refund'], { billing: 0.4, praise: 0.1, refund: 0.55 }), prediction(['billing'], { billing: 0.93, praise: 0.2, refund: 0.05 })];
  const diagnostics = modelDiagnostics(examples, preds, 10);
  assert.deepEqual(diagnostics.map((d) => d.range.start.line), [1, 0]);
  assert.equal(diagnostics[0]!.message, 'possible annotation error: the model predicts billing (p 0.93) but the gold labels are praise (praise: p 0.20)');
  // The cap keeps the most confident.
  assert.deepEqual(modelDiagnostics(examples, preds, 1).map((d) => d.range.start.line), [1]);
});
