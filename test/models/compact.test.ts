// The compact generator's decoding: greedy agrees with its own teacher-forced argmax, beam search
// with a wide beam finds the exact best-scoring output of a tiny model (checked by enumeration),
// rows leave the batch as they finish without changing any row's output, constrained decoding
// writes only allowed sentences, each at most once (with candidates: only each row's own; with
// required sentences: not ending before all are written, and given room for them; with
// fitCandidates, a row is never cut by the length limit), and a repeated sentence ends the output;
// the head shift moves only the label probabilities the decoder reads.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SentenceConstraint } from '../../engine/models/constrained';
import { CompactGenerator } from '../../engine/models/compact/model';
import { EOS } from '../../engine/models/compact/vocab';
import { initBackend } from '../../engine/tf/backend';

before(async () => {
  await initBackend();
});

// Vocabulary: 0 PAD, 1 BOS, 2 EOS, 3 UNK, then 4..7 words.
const make = (maxLength: number, seed: number) => new CompactGenerator({ vocabSize: 8, inputDim: 6, bagSize: 4, bagDim: 3, labels: 2, hidden: 10, embedding: 5, maxLength, seed });
const inputs = (g: CompactGenerator) =>
  tf.tidy(() => g.condition(tf.randomNormal([3, 6], 0, 2, 'float32', 11) as tf.Tensor2D, tf.tensor2d([1, 0, 0, 0, 0, 0.6, 0.8, 0, 0, 0, 0, 1], [3, 4])).x);

/** Summed log-probability of writing `ids` then EOS, for input row `row`. */
function score(g: CompactGenerator, x: tf.Tensor2D, row: number, ids: number[]): number {
  return tf.tidy(() => {
    const xr = tf.slice(x, [row, 0], [1, -1]) as tf.Tensor2D;
    const target = [...ids, EOS];
    const { logProbs } = g.teacherForced(xr, [target]);
    const rows = logProbs.arraySync();
    return target.reduce((s, id, t) => s + rows[t]![id]!, 0);
  });
}

test('greedy decoding picks the argmax of its own teacher-forced distribution at every step', async () => {
  const g = make(6, 5);
  const x = inputs(g);
  const out = await g.decode(x);
  out.forEach((ids, row) => {
    const target = [...ids, EOS].slice(0, 6);
    tf.tidy(() => {
      const { logProbs } = g.teacherForced(tf.slice(x, [row, 0], [1, -1]) as tf.Tensor2D, [target]);
      const rows = logProbs.arraySync();
      target.forEach((id, t) => {
        const lp = rows[t]!.map((v, i) => (i < 2 ? -Infinity : v));
        assert.equal(lp.indexOf(Math.max(...lp)), id, `row ${row} step ${t}`);
      });
    });
  });
  x.dispose();
  g.dispose();
});

test('a wide beam finds the best length-normalised output (all outputs of up to 3 tokens enumerated)', async () => {
  const g = make(3, 9);
  const x = inputs(g);
  const words = [3, 4, 5, 6, 7];
  const all: number[][] = [[]];
  for (let len = 1; len <= 2; len++) for (const prefix of all.filter((s) => s.length === len - 1)) for (const w of words) all.push([...prefix, w]);
  const beams = await g.decode(x, { numBeams: 64 });
  for (let row = 0; row < 3; row++) {
    const best = Math.max(...all.map((ids) => score(g, x, row, ids) / (ids.length + 1)));
    assert.ok(Math.abs(score(g, x, row, beams[row]!) / (beams[row]!.length + 1) - best) < 1e-5, `row ${row}`);
  }
  x.dispose();
  g.dispose();
});

test('rows leave the batch as they finish: each row decodes as it would alone, and no tensor is left behind', async () => {
  const g = make(12, 3);
  const x = tf.tidy(() => g.condition(tf.randomNormal([16, 6], 0, 3, 'float32', 4) as tf.Tensor2D, tf.randomUniform([16, 4], 0, 1, 'float32', 5) as tf.Tensor2D).x);
  for (const numBeams of [1, 3]) {
    const tensors = tf.memory().numTensors;
    const batch = await g.decode(x, { numBeams, sentenceEnd: 4 });
    assert.equal(tf.memory().numTensors, tensors, `numBeams ${numBeams}: tensors left`);
    // Rows end at different steps (else nothing leaves the batch early).
    assert.ok(new Set(batch.map((ids) => ids.length)).size >= 3, `numBeams ${numBeams}: lengths ${batch.map((ids) => ids.length)}`);
    for (let row = 0; row < 16; row++) {
      const alone = tf.slice(x, [row, 0], [1, -1]) as tf.Tensor2D;
      assert.deepEqual((await g.decode(alone, { numBeams, sentenceEnd: 4 }))[0], batch[row], `numBeams ${numBeams}, row ${row}`);
      alone.dispose();
    }
  }
  x.dispose();
  g.dispose();
});

/** The sentences (indices into `units`) that `ids` writes, one after another, each one of `allowed` at most once; fails otherwise. */
function writtenSentences(ids: readonly number[], units: readonly number[][], allowed: readonly number[], row: number): number[] {
  let rest = ids;
  const used: number[] = [];
  while (rest.length) {
    const u = allowed.find((i) => !used.includes(i) && units[i]!.every((id, j) => rest[j] === id));
    assert.ok(u !== undefined, `row ${row}: ${JSON.stringify(ids)} is not a sequence of distinct allowed sentences`);
    used.push(u);
    rest = rest.slice(units[u]!.length);
  }
  return used;
}

/** Decodes with `required` sentences (and `candidates`, if any) and checks that every row wrote all of its own; returns the outputs. */
async function assertRequiredWritten(g: CompactGenerator, x: tf.Tensor2D, numBeams: number, constraint: SentenceConstraint, candidates: number[][] | null, required: number[][]): Promise<number[][]> {
  const out = await g.decode(x, { numBeams, constraint, ...(candidates ? { candidates } : {}), required });
  out.forEach((ids, row) => {
    const used = writtenSentences(ids, constraint.units, candidates?.[row] ?? constraint.units.map((_, i) => i), row);
    for (const r of required[row]!) assert.ok(used.includes(r), `row ${row} (${numBeams} beams) ended without required sentence ${r}: ${JSON.stringify(ids)}`);
  });
  return out;
}

test('constrained decoding writes allowed sentences only, each at most once', async () => {
  const g = make(12, 2);
  const x = inputs(g);
  const units = [[4, 5, 7], [6, 7], [4, 6, 7]];
  const constraint = new SentenceConstraint(units, EOS);
  for (const numBeams of [1, 3]) {
    (await g.decode(x, { numBeams, constraint })).forEach((ids, row) => assert.ok(writtenSentences(ids, units, [0, 1, 2], row).length >= 1));
  }
  x.dispose();
  g.dispose();
});

test("candidates restrict each row's constrained decoding to its own sentences", async () => {
  const units = [[4, 5, 7], [6, 7], [4, 6, 7]];
  const constraint = new SentenceConstraint(units, EOS);
  assert.deepEqual(constraint.allowed([], [1]), [6]);
  assert.deepEqual(constraint.allowed([6, 7], [1]), [EOS]);
  assert.deepEqual(constraint.allowed([4], [0, 2]).sort(), [5, 6]);
  assert.deepEqual(constraint.allowed([4], [2]), [6]);
  assert.deepEqual(constraint.allowed([6, 7], [1, 2]).sort(), [EOS, 4].sort());
  const g = make(12, 2);
  const x = inputs(g);
  const candidates = [[0], [1, 2], [2]];
  for (const numBeams of [1, 3]) {
    const out = await g.decode(x, { numBeams, constraint, candidates });
    out.forEach((ids, row) => assert.ok(writtenSentences(ids, units, candidates[row]!, row).length >= 1));
  }
  x.dispose();
  g.dispose();
});

test('required sentences must all be written before the end, in any order, beside optional ones', async () => {
  const units = [[4, 5, 7], [6, 7], [4, 6, 7]];
  const constraint = new SentenceConstraint(units, EOS);
  // After sentence 1 alone the end waits for sentence 2; once both are written it is allowed.
  assert.deepEqual(constraint.allowed([6, 7], [0, 1, 2], [1, 2]), [4]);
  assert.deepEqual(constraint.allowed([6, 7, 4, 6, 7], [0, 1, 2], [1, 2]).sort(), [EOS, 4].sort());
  assert.deepEqual(constraint.allowed([4, 6, 7, 6, 7], [1, 2], [1, 2]), [EOS]);
  // Without `required` the end comes after any whole sentence.
  assert.deepEqual(constraint.allowed([6, 7], [0, 1, 2]).sort(), [EOS, 4].sort());
  const g = make(12, 2);
  const x = inputs(g);
  const candidates = [[0, 1, 2], [1, 2], [0, 2]];
  const required = [[0, 1, 2], [1], [2, 0]];
  for (const numBeams of [1, 3]) await assertRequiredWritten(g, x, numBeams, constraint, candidates, required);
  x.dispose();
  g.dispose();
});

test("a row's length limit stretches to hold its required sentences, and an optional sentence starts only where they still fit", async () => {
  const units = [[4, 5, 7], [6, 7], [4, 6, 7]];
  const constraint = new SentenceConstraint(units, EOS);
  assert.equal(constraint.length([0, 1, 2]), 8);
  // Sentence 1 (2 tokens) is required: with 4 tokens left a 3-token optional sentence would not leave room for it.
  assert.deepEqual(constraint.allowed([], [0, 1, 2], [1], 4), [6]);
  assert.deepEqual(constraint.allowed([], [0, 1, 2], [1], 5).sort(), [4, 6]);
  assert.deepEqual(constraint.allowed([6, 7], [0, 1, 2], [1], 3).sort(), [EOS, 4].sort());
  assert.deepEqual(constraint.allowed([6, 7], [0, 1, 2], [1], 2), [EOS]);
  // A sentence already begun is finished whatever the room.
  assert.deepEqual(constraint.allowed([4], [0, 1, 2], [1], 1).sort(), [5, 6]);
  // Rows free among all sentences (with fitCandidates a row gets room for all its candidates: below).
  const g = make(4, 2);
  const x = inputs(g);
  const required = [[0, 1, 2], [1], [2, 0]];
  for (const numBeams of [1, 3]) {
    const out = await assertRequiredWritten(g, x, numBeams, constraint, null, required);
    out.forEach((ids, row) => assert.ok(ids.length <= Math.max(4, constraint.length(required[row]!)), `row ${row} (${numBeams} beams) ran past its limit: ${JSON.stringify(ids)}`));
  }
  x.dispose();
  g.dispose();
});

/**
 * A decoder whose next token depends only on the previous one (update gate shut, candidate state ≈
 * one-hot of the previous token, output = a table of [from, to, logit]); with LOOP: BOS → 5 → 4
 * (".") → 6 → 4 → 6 → …, the sentences [5], [6], [6], [6], …
 */
function transitionDecoder(transitions: readonly (readonly [number, number, number])[]): CompactGenerator {
  const v = 8;
  const eye = (scale: number) => Float32Array.from({ length: v * v }, (_, i) => (i % (v + 1) === 0 ? scale : 0));
  const wo = new Float32Array(v * v);
  for (const [from, to, logit] of transitions) wo[from * v + to] = logit;
  return new CompactGenerator(
    { vocabSize: v, inputDim: 3, bagSize: 0, bagDim: 0, labels: 0, hidden: v, embedding: v, maxLength: 12, seed: 4 },
    { emb: eye(1), wen: eye(10), wxn: new Float32Array(3 * v), un: new Float32Array(v * v), bz: new Float32Array(v).fill(-30), wo },
  );
}

const LOOP = [[1, 5, 10], [5, 4, 10], [4, 6, 10], [6, 4, 10]] as const;

test('decoding ends before a repeated sentence, and drops a sentence cut by the length limit, when given the sentence-end token', async () => {
  const g = transitionDecoder(LOOP);
  const x = tf.zeros([2, 3]) as tf.Tensor2D;
  const loop = [5, 4, 6, 4, 6, 4, 6, 4, 6, 4, 6, 4];
  assert.deepEqual(await g.decode(x), [loop, loop]);
  assert.deepEqual(await g.decode(x, { sentenceEnd: 4 }), [[5, 4, 6, 4], [5, 4, 6, 4]]);
  // Cut by the length limit inside the second sentence: the unfinished sentence is dropped.
  assert.deepEqual(await g.decode(x, { maxLength: 3 }), [[5, 4, 6], [5, 4, 6]]);
  assert.deepEqual(await g.decode(x, { sentenceEnd: 4, maxLength: 3 }), [[5, 4], [5, 4]]);
  assert.deepEqual(await g.decode(x, { sentenceEnd: 4, maxLength: 1 }), [[5], [5]], 'no sentence ended: kept as written');
  x.dispose();
  g.dispose();
});

test('with fitCandidates a row with candidates is never cut by the length limit; free, all-sentence and plain candidates rows are', async () => {
  // After "." the end is second best (after 6): once [6] is written a row that may not repeat it ends.
  const g = transitionDecoder([...LOOP, [4, EOS, 5]]);
  const x = tf.zeros([2, 3]) as tf.Tensor2D;
  const constraint = new SentenceConstraint([[5, 4], [6, 4], [7, 4]], EOS);
  for (const numBeams of [1, 3]) {
    assert.deepEqual(await g.decode(x, { numBeams, sentenceEnd: 4, maxLength: 3 }), [[5, 4], [5, 4]], 'free: the second sentence is cut and dropped');
    assert.deepEqual(await g.decode(x, { numBeams, constraint, sentenceEnd: 4, maxLength: 3 }), [[5, 4], [5, 4]], 'all sentences allowed: cut as well');
    assert.deepEqual(await g.decode(x, { numBeams, constraint, candidates: [[0, 1], [0, 1, 2]], sentenceEnd: 4, maxLength: 3 }), [[5, 4], [5, 4]], 'candidates without fitCandidates: cut');
    assert.deepEqual(await g.decode(x, { numBeams, constraint, candidates: [[0, 1], [0, 1, 2]], fitCandidates: true, sentenceEnd: 4, maxLength: 3 }), [[5, 4, 6, 4], [5, 4, 6, 4]]);
    assert.deepEqual(await g.decode(x, { numBeams, constraint, candidates: [[0], [1]], fitCandidates: true, maxLength: 1 }), [[5, 4], [6, 4]]);
  }
  x.dispose();
  g.dispose();
});

test('the head shift moves the label probabilities the decoder reads, not the encoder vector or the head logits', () => {
  const g = make(6, 5);
  const [plain, shifted] = [0, 1.5].map((shift) =>
    tf.tidy(() => {
      const c = g.condition(tf.randomNormal([3, 6], 0, 2, 'float32', 11) as tf.Tensor2D, tf.tensor2d([1, 0, 0, 0, 0, 0.6, 0.8, 0, 0, 0, 0, 1], [3, 4]), null, shift);
      return { x: c.x.arraySync() as number[][], logits: c.labelLogits!.arraySync() as number[][] };
    }),
  );
  assert.deepEqual(shifted!.logits, plain!.logits);
  for (const [r, row] of shifted!.x.entries()) {
    assert.deepEqual(row.slice(0, 6), plain!.x[r]!.slice(0, 6));
    row.slice(6).forEach((p, j) => assert.ok(Math.abs(p - 1 / (1 + Math.exp(-(plain!.logits[r]![j]! + 1.5)))) < 1e-5));
  }
  g.dispose();
});

test("with SVM margins, the head is each label's margin scaled and shifted (Platt), and the TF-IDF projection is gone", () => {
  const g = new CompactGenerator({ vocabSize: 8, inputDim: 6, bagSize: 4, bagDim: 3, labels: 2, margins: true, hidden: 10, embedding: 5, maxLength: 6, seed: 5 }, { wm: Float32Array.from([2, -0.5]), bl: Float32Array.from([0.25, 1]) });
  assert.ok(!g.readsBag);
  for (const name of ['wb', 'bb', 'wl'] as const) assert.equal(g.params[name], undefined, `${name} is not a parameter`);
  const u = tf.randomNormal([3, 6], 0, 2, 'float32', 11) as tf.Tensor2D;
  const margins = tf.tensor2d([1, -1, 0.5, 0, -2, 3], [3, 2]);
  const { x, logits } = tf.tidy(() => {
    const c = g.condition(u, null, margins);
    return { x: c.x.arraySync(), logits: c.labelLogits!.arraySync() };
  });
  const m = margins.arraySync();
  const u0 = u.arraySync();
  logits.forEach((row, r) =>
    row.forEach((z, j) => {
      assert.ok(Math.abs(z - ([2, -0.5][j]! * m[r]![j]! + [0.25, 1][j]!)) < 1e-6, `row ${r} label ${j}`);
      assert.ok(Math.abs(x[r]![6 + j]! - 1 / (1 + Math.exp(-z))) < 1e-6);
    }),
  );
  x.forEach((row, r) => row.slice(0, 6).forEach((v, d) => assert.ok(Math.abs(v - u0[r]![d]!) < 1e-6)));
  assert.throws(() => g.condition(u, null), /reads SVM margins/);
  tf.dispose([u, margins]);
  g.dispose();
});
