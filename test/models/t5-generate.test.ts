// T5 generation: greedy and beam search reproduce Hugging Face's ids on the fixtures, the key/value
// cache changes nothing but speed, and constrained decoding only emits allowed sentences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SentenceConstraint } from '../../engine/models/constrained';
import { generate, generateBatch } from '../../engine/models/t5/generate';
import { T5Model } from '../../engine/models/t5/model';
import { initBackend } from '../../engine/tf/backend';
import { needsShared, sharedPath } from '../helpers/shared';
import { expected, FIXTURES } from './t5Fixtures';

for (const name of FIXTURES) {
  test(`${name}: greedy and 3-beam ids equal Hugging Face's, with and without the KV cache`, needsShared, async () => {
    await initBackend();
    const model = await T5Model.fromPretrained(sharedPath('fixtures', 't5', name));
    for (const c of expected(name).cases) {
      for (const useCache of [true, false]) {
        assert.deepEqual(generate(model, c.input_ids, { maxNewTokens: 12, useCache }).ids, c.greedy_ids, `${c.input} greedy cache=${useCache}`);
        assert.deepEqual(generate(model, c.input_ids, { maxNewTokens: 12, numBeams: 3, useCache }).ids, c.beam3_ids, `${c.input} beam cache=${useCache}`);
      }
      const cut = generate(model, c.input_ids, { maxNewTokens: 3 });
      assert.deepEqual(cut.ids, c.greedy_ids.slice(0, 4));
    }
    const cases = expected(name).cases;
    for (const useCache of [true, false]) {
      const batch = generateBatch(model, cases.map((c) => c.input_ids), { maxNewTokens: 12, useCache });
      assert.deepEqual(batch.map((g) => g.ids), cases.map((c) => c.greedy_ids), `padded batch, cache=${useCache}`);
    }
    model.dispose();
  });
}

test('beam search returns its best-scoring sequence, scored as teacher forcing scores it', needsShared, async () => {
  await initBackend();
  const model = await T5Model.fromPretrained(sharedPath('fixtures', 't5', 'flan-t5-tiny'));
  const tok = model.tokenizer!;
  const sentences = ['crude oil', 'banking', 'wheat'];
  const constraint = SentenceConstraint.fromSentences(tok, sentences, model.config.eosTokenId);
  // every output the constraint allows: ordered selections of distinct sentences
  const outputs: number[][] = [];
  const grow = (used: number[]) => {
    if (used.length) outputs.push([...used.flatMap((i) => constraint.units[i]!), model.config.eosTokenId]);
    sentences.forEach((_, i) => !used.includes(i) && grow([...used, i]));
  };
  grow([]);
  const score = (input: number[], labels: number[]) => -model.loss({ inputIds: [input], labels: [labels] }).dataSync()[0]!;
  for (const c of expected('flan-t5-tiny').cases) {
    const beam = generate(model, c.input_ids, { maxNewTokens: 24, numBeams: 16, constraint });
    assert.ok(Math.abs(beam.score - score(c.input_ids, beam.ids.slice(1))) < 1e-4);
    const best = Math.max(...outputs.map((o) => score(c.input_ids, o)));
    assert.ok(Math.abs(beam.score - best) < 1e-4, `${c.input}: beam ${beam.score} (${tok.decode(beam.ids)}), best ${best}`);
  }
  model.dispose();
});

test('constrained decoding emits only allowed sentences, each at most once, then </s>', needsShared, async () => {
  await initBackend();
  for (const name of FIXTURES) {
    const model = await T5Model.fromPretrained(sharedPath('fixtures', 't5', name));
    const tok = model.tokenizer!;
    const allowed = ['crude oil', 'banking', 'wheat', 'interest rates', 'trade'];
    const constraint = SentenceConstraint.fromSentences(tok, allowed, model.config.eosTokenId);
    for (const c of expected(name).cases) {
      for (const numBeams of [1, 3]) {
        const out = generate(model, c.input_ids, { maxNewTokens: 24, numBeams, constraint });
        assert.equal(out.ids.at(-1), model.config.eosTokenId, `${c.input}: ${tok.decode(out.ids)}`);
        const sentences = tok.decode(out.ids).split('.').map((s) => s.trim()).filter(Boolean);
        assert.ok(sentences.length >= 1);
        for (const s of sentences) assert.ok(allowed.includes(s), `${name} "${c.input}" → "${tok.decode(out.ids)}"`);
        assert.equal(new Set(sentences).size, sentences.length);
      }
    }
    // a model's own unconstrained answer is kept when it is allowed
    const own = expected(name).cases[0]!;
    const ownConstraint = SentenceConstraint.fromSentences(tok, ['energy markets', 'crude oil', 'banking'], model.config.eosTokenId);
    assert.deepEqual(generate(model, own.input_ids, { maxNewTokens: 12, constraint: ownConstraint }).ids, own.greedy_ids);
    model.dispose();
  }
});
