import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinearSvm } from '../../engine/models/compact/linearSvm';
import { fitWithOutOfFold, foldOf } from '../../engine/models/compact/svmThreads';
import type { SparseRow } from '../../engine/models/compact/textFeatures';
import { seededRng } from '../../engine/random';

/** `n` random sparse unit rows over `terms` terms (entries 0 or at least 0.3 before normalising); label 0 when term 0 is present and term 1 absent, label 1 when term 2 is present. */
function problem(n: number, terms: number, seed: number): { rows: SparseRow[]; golds: number[][] } {
  const rng = seededRng(seed);
  const rows: SparseRow[] = [];
  const golds: number[][] = [];
  for (let i = 0; i < n; i++) {
    const dense = Array.from({ length: terms }, () => (rng() < 0.5 ? 0.3 + 0.7 * rng() : 0));
    const norm = Math.hypot(...dense) || 1;
    const index = dense.flatMap((v, t) => (v ? [t] : []));
    rows.push({ index: Int32Array.from(index), value: Float32Array.from(index, (t) => dense[t]! / norm) });
    golds.push([...(dense[0]! > 0 && dense[1] === 0 ? [0] : []), ...(dense[2]! > 0 ? [1] : [])]);
  }
  return { rows, golds };
}

test("dual coordinate descent reaches the primal optimum: the squared-hinge objective's gradient is zero", () => {
  const terms = 6;
  const c = 0.7;
  const { rows, golds } = problem(40, terms, 3);
  const svm = LinearSvm.fit(rows, golds, 2, terms, { c, passes: 5000, tolerance: 1e-7 });
  const margins = svm.margins(rows);
  for (let j = 0; j < 2; j++) {
    const w = svm.weights.subarray(j * (terms + 1), (j + 1) * (terms + 1));
    // ∇ = w − 2C Σ_{y·m < 1} y (1 − y·m) x, with x's constant feature 1 for the bias.
    const grad = Float64Array.from(w);
    let active = 0;
    rows.forEach((r, i) => {
      const y = golds[i]!.includes(j) ? 1 : -1;
      const slack = 1 - y * margins[i * 2 + j]!;
      if (slack <= 0) return;
      active++;
      for (let k = 0; k < r.index.length; k++) grad[r.index[k]!]! -= 2 * c * y * slack * r.value[k]!;
      grad[terms]! -= 2 * c * y * slack;
    });
    assert.ok(active > 0, 'some texts lie inside the margin, so the test is not trivial');
    for (const [k, g] of grad.entries()) assert.ok(Math.abs(g) < 1e-4, `label ${j}, weight ${k}: gradient ${g}`);
  }
});

test('the SVMs separate what is linearly separable, and margins are w·x + b', () => {
  const { rows, golds } = problem(60, 5, 9);
  const svm = LinearSvm.fit(rows, golds, 2, 5, { c: 100, passes: 2000, tolerance: 1e-6 });
  const margins = svm.margins(rows);
  rows.forEach((r, i) => {
    for (let j = 0; j < 2; j++) {
      assert.equal(margins[i * 2 + j]! > 0, golds[i]!.includes(j), `text ${i}, label ${j}: margin ${margins[i * 2 + j]}`);
      let m = svm.weights[j * 6 + 5]!;
      for (let k = 0; k < r.index.length; k++) m += svm.weights[j * 6 + r.index[k]!]! * r.value[k]!;
      assert.ok(Math.abs(m - margins[i * 2 + j]!) < 1e-5);
    }
  });
});

test("out-of-fold margins do not see the text's own labels", async () => {
  const { rows, golds } = problem(50, 6, 4);
  const { outOfFold: oof } = await fitWithOutOfFold(rows, golds, 2, 6, { folds: 5, seed: 2, threads: 1 });
  const flipped = golds.map((g, i) => (i === 7 ? (g.includes(0) ? g.filter((l) => l !== 0) : [...g, 0]) : g));
  const { outOfFold: again } = await fitWithOutOfFold(rows, flipped, 2, 6, { folds: 5, seed: 2, threads: 1 });
  assert.equal(again[7 * 2], oof[7 * 2], "text 7's margin for label 0 ignores its own label");
  const inSample = LinearSvm.fit(rows, golds, 2, 6, { seed: 2 }).margins(rows);
  const changed = [...oof.keys()].filter((k) => Math.abs(oof[k]! - inSample[k]!) > 1e-3).length;
  assert.ok(changed > oof.length / 2, 'out-of-fold margins differ from in-sample ones');
  assert.ok([...oof].every(Number.isFinite));
});

test('SVM threads: the fits shared among threads give the same SVMs and margins as one thread; an abort stops them', async () => {
  const { rows, golds } = problem(300, 40, 5);
  const one = await fitWithOutOfFold(rows, golds, 2, 40, { seed: 3, threads: 1 });
  const three = await fitWithOutOfFold(rows, golds, 2, 40, { seed: 3, threads: 3 });
  assert.deepEqual(three.svm.weights, one.svm.weights);
  assert.deepEqual(three.outOfFold, one.outOfFold);
  assert.deepEqual(one.svm.weights, LinearSvm.fit(rows, golds, 2, 40, { seed: 3 }).weights, 'the SVMs on all rows are those LinearSvm.fit gives');
  const fold = foldOf(rows.length, 5, 3);
  const held = [...rows.keys()].filter((i) => fold[i] === 0);
  const inside = [...rows.keys()].filter((i) => fold[i] !== 0);
  const m = LinearSvm.fit(inside.map((i) => rows[i]!), inside.map((i) => golds[i]!), 2, 40, { seed: 3 }).margins(held.map((i) => rows[i]!));
  held.forEach((i, r) => assert.equal(one.outOfFold[i * 2 + 1], m[r * 2 + 1], `row ${i}: scored by the SVMs fitted without its fold`));
  const stop = new AbortController();
  stop.abort();
  await assert.rejects(fitWithOutOfFold(rows, golds, 2, 40, { threads: 2, signal: stop.signal }), { name: 'AbortError' });
});

test("with several weights C, the best-scored one is fitted on all rows and used by the folds", async () => {
  const { rows, golds } = problem(200, 30, 6);
  // Held-out accuracy of label 1 on other rows of the same problem: a real score, as the trainer's dev macro-F1.
  const dev = problem(200, 30, 7);
  const score = (svm: LinearSvm) => {
    const m = svm.margins(dev.rows);
    return dev.golds.filter((g, i) => m[i * 2 + 1]! > 0 === g.includes(1)).length;
  };
  const cs = [1, 0.01, 3];
  const expected = cs.map((c) => score(LinearSvm.fit(rows, golds, 2, 30, { seed: 4, c })));
  assert.ok(new Set(expected).size > 1, `the weights C score differently (${expected}), so the choice is tested`);
  const best = cs[expected.indexOf(Math.max(...expected))]!;
  for (const threads of [1, 2]) {
    const chosen = await fitWithOutOfFold(rows, golds, 2, 30, { seed: 4, threads, cs, score });
    assert.equal(chosen.c, best, `${threads} thread(s)`);
    assert.deepEqual(chosen.scores, cs.map((c, k) => ({ c, score: expected[k] })));
    const fixed = await fitWithOutOfFold(rows, golds, 2, 30, { seed: 4, threads, c: best });
    assert.deepEqual(chosen.svm.weights, fixed.svm.weights, 'the SVMs are those of the chosen C');
    assert.deepEqual(chosen.outOfFold, fixed.outOfFold, 'the folds are fitted with the chosen C');
    assert.deepEqual(fixed.scores, [], 'no choice without a score');
  }
  // Equal scores keep the first C.
  assert.equal((await fitWithOutOfFold(rows, golds, 2, 30, { seed: 4, threads: 1, cs: [0.5, 2], score: () => 1 })).c, 0.5);
});

test('an SVM survives its JSON form; a bad file is named with its field', () => {
  const { rows, golds } = problem(20, 4, 1);
  const svm = LinearSvm.fit(rows, golds, 2, 4);
  const back = LinearSvm.fromJSON(JSON.parse(JSON.stringify(svm.toJSON())), 'svm.json');
  assert.deepEqual([...back.margins(rows)], [...svm.margins(rows)]);
  assert.throws(() => LinearSvm.fromJSON({ ...svm.toJSON(), format: 'x' }, 'm/svm.json'), /m\/svm\.json: "format" must be "lagamc-linear-svm\/1"/);
  assert.throws(() => LinearSvm.fromJSON({ ...svm.toJSON(), terms: 5 }, 'm/svm.json'), /m\/svm\.json: "weights" holds 10 values, expected 12/);
  assert.throws(() => LinearSvm.fromJSON({ ...svm.toJSON(), labels: 0 }, 'm/svm.json'), /"labels" must be a positive integer/);
});
