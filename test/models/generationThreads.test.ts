import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseLabelFile } from '../../engine/data/labels';
import { LagamcWeights } from '../../engine/model/lagamc/folder';
import { GenerationThreads, generationRanges } from '../../engine/model/lagamc/generationThreads';
import { decodeOptions, generateTexts, headConstraints, labelConstraint, labelVerbatim, type GeneratorInputs } from '../../engine/model/lagamc/predictor';
import type { Decoding } from '../../engine/model/prediction';
import type { CompactConfig } from '../../engine/models/compact/model';
import { Vocab } from '../../engine/models/compact/vocab';
import { initBackend } from '../../engine/tf/backend';
import { writableSentences } from '../../engine/training/targets';

const set = parseLabelFile(
  JSON.stringify({
    labels: [
      { name: 'rain', description: 'The text is about rain and storms.' },
      { name: 'sport', description: 'The text is about sports, games and athletes.' },
      { name: 'money', description: 'The text is about prices, markets and money.' },
    ],
  }),
  'three.labels.json',
);
const vocab = Vocab.build(writableSentences(set, 'descriptions'));
const config: CompactConfig = { vocabSize: vocab.size, inputDim: 8, bagSize: 6, bagDim: 4, labels: 3, margins: true, hidden: 12, embedding: 6, maxLength: 14, seed: 3 };
const rows = 300;
/** Training texts per label: with headDecides 10, the head decides rain and money. */
const labelTexts = [5, 40, 2];
let weights: LagamcWeights;
let other: LagamcWeights;

before(async () => {
  await initBackend();
  weights = LagamcWeights.create(config, 2);
  other = LagamcWeights.create({ ...config, seed: 4 }, 2);
});

after(() => {
  weights.dispose();
  other.dispose();
});

function inputs(): GeneratorInputs {
  let seed = 11;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 2;
  return { vectors: Float32Array.from({ length: rows * 8 }, rnd), dim: 8, bags: null, margins: Float32Array.from({ length: rows * 3 }, rnd) };
}

test('generation ranges end at multiples of the batch, near even shares of the rows', () => {
  assert.deepEqual(generationRanges(777, 2), [[0, 384], [384, 777]]);
  assert.deepEqual(generationRanges(300, 3), [[0, 128], [128, 256], [256, 300]]);
  assert.deepEqual(generationRanges(100, 2), [[0, 100]]);
  assert.deepEqual(generationRanges(0, 2), []);
});

test('generation threads write what one thread writes, and read the same head probabilities, with the weights they are given each time', async () => {
  const x = inputs();
  const one = (w: LagamcWeights, d: Decoding, shift: number) => generateTexts(w, vocab, labelVerbatim(set, 'descriptions'), x, decodeOptions(d, vocab, () => labelConstraint(set, vocab, 'descriptions'), labelTexts), shift);
  const pool = await GenerationThreads.start(3, { config, adapterRank: 2, vocab: vocab.tokens, set, mode: 'descriptions', labelTexts });
  try {
    for (const [d, shift] of [[{}, 0], [{ candidates: true, force: 0.7 }, 1], [{ constrained: true }, 0], [{ constrained: true, headDecides: 10 }, 0]] as [Decoding, number][]) {
      const a = await one(weights, d, shift);
      const b = await one(other, d, shift);
      assert.equal(a.texts.length, rows);
      // The two weights write differently on the threads' rows, so a thread that kept the first weights would show.
      assert.ok(a.texts.slice(128).some((t, i) => t !== b.texts[128 + i]), `${JSON.stringify(d)}: both weights write the same`);
      assert.deepEqual(await pool.generate(weights, x, d, shift), a, JSON.stringify(d));
      assert.deepEqual(await pool.generate(other, x, d, shift), b, JSON.stringify(d));
    }
  } finally {
    await pool.close();
  }
});

test('head constraints: candidates only held labels (p ≥ 0.5), forced labels required, a head-decided label required when held and excluded otherwise; the none sentence only when nothing is required', () => {
  // Two rows of three labels; the none sentence is index 3.
  const p = Float32Array.from([0.95, 0.6, 0.3, 0.55, 0.2, 0.1]);
  assert.deepEqual(headConstraints(p, 3, {}), {});
  assert.deepEqual(headConstraints(p, 3, { headCandidates: true }), { candidates: [[0, 1, 3], [0, 3]], fitCandidates: true });
  assert.deepEqual(headConstraints(p, 3, { force: 0.9 }), { candidates: [[0, 1, 2], [0, 1, 2, 3]], required: [[0], []] });
  const decided = [false, true, true];
  assert.deepEqual(headConstraints(p, 3, { decided }), { candidates: [[0, 1], [0, 3]], required: [[1], []] });
  assert.deepEqual(headConstraints(p, 3, { decided, force: 0.9 }), { candidates: [[0, 1], [0, 3]], required: [[0, 1], []] });
  assert.deepEqual(headConstraints(p, 3, { decided: [true, false, false], headCandidates: true }), { candidates: [[0, 1], [0]], required: [[0], [0]], fitCandidates: true });
});

test('decodeOptions: head-decided labels are those under N training texts; they need constrained decoding, a whole N and the training texts', () => {
  const c = () => labelConstraint(set, vocab, 'descriptions');
  assert.deepEqual(decodeOptions({ constrained: true, headDecides: 10 }, vocab, c, labelTexts).decided, [true, false, true]);
  assert.deepEqual(decodeOptions({ candidates: true, headDecides: 41 }, vocab, c, labelTexts).decided, [true, true, true]);
  assert.equal(decodeOptions({ candidates: true, headDecides: null }, vocab, c, labelTexts).decided, undefined);
  assert.throws(() => decodeOptions({ headDecides: 10 }, vocab, c, labelTexts), /labels decided by the head need constrained or candidates decoding/);
  assert.throws(() => decodeOptions({ constrained: true, headDecides: 0 }, vocab, c, labelTexts), /a whole number of at least 1, not 0/);
  assert.throws(() => decodeOptions({ constrained: true, headDecides: 10 }, vocab, c), /settings\.labelTexts/);
});

test('an aborted generation rejects with the abort, and the pool still closes', async () => {
  const pool = await GenerationThreads.start(2, { config, adapterRank: 2, vocab: vocab.tokens, set, mode: 'descriptions' });
  try {
    const controller = new AbortController();
    const texts = pool.generate(weights, inputs(), {}, 0, controller.signal);
    controller.abort(new Error('cancelled by the test'));
    await assert.rejects(texts, /cancelled by the test/);
  } finally {
    await pool.close();
  }
});

test('generation returns the head probabilities it read: σ(wm·m + bl + shift) for each row and label', async () => {
  const x = inputs();
  const wm = weights.generator.params.wm.dataSync();
  const bl = weights.generator.params.bl.dataSync();
  for (const shift of [0, 2]) {
    const g = await generateTexts(weights, vocab, labelVerbatim(set, 'descriptions'), x, decodeOptions({ candidates: true }, vocab, () => labelConstraint(set, vocab, 'descriptions')), shift);
    assert.equal(g.texts.length, rows);
    assert.equal(g.probabilities!.length, rows * 3);
    g.probabilities!.forEach((p, k) => assert.ok(Math.abs(p - 1 / (1 + Math.exp(-(wm[k % 3]! * x.margins![k]! + bl[k % 3]! + shift)))) < 1e-5, `row ${Math.floor(k / 3)}, label ${k % 3}, shift ${shift}`));
  }
});
