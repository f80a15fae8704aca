// The compact generator's TF-IDF view of texts: fitted vocabulary (min document frequency, cap),
// smoothed idf, sublinear tf, unit rows; the char n-gram block; reproducible dropout; a clear error
// for a bad file, and earlier models' words-only files still read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextFeatures } from '../../engine/models/compact/textFeatures';
import { seededRng } from '../../engine/random';

const texts = ['Side effects of the vaccine', 'vaccine side effects again, side effects', 'Big pharma profits', 'pharma profits from the vaccine'];

test('fit keeps terms in at least two texts, with idf = ln((1+N)/(1+df)) + 1', () => {
  const f = TextFeatures.fit(texts);
  assert.deepEqual(f.terms, ['effects', 'pharma', 'pharma profits', 'profits', 'side', 'side effects', 'vaccine']);
  assert.ok(Math.abs(f.idf[f.terms.indexOf('vaccine')]! - (Math.log(5 / 4) + 1)) < 1e-6);
  assert.ok(Math.abs(f.idf[f.terms.indexOf('pharma')]! - (Math.log(5 / 3) + 1)) < 1e-6);
  assert.deepEqual(TextFeatures.fit(texts, { maxTerms: 2 }).terms, ['vaccine', 'effects'].sort());
});

test('rows are sublinear TF-IDF with unit norm; unknown words are ignored', () => {
  const f = TextFeatures.fit(texts);
  const r = f.row('side effects, side effects, vaccine, unknownword');
  const w = (t: string, c: number) => (1 + Math.log(c)) * f.idf[f.terms.indexOf(t)]!;
  const raw = [w('effects', 2), w('side', 2), w('side effects', 2), w('vaccine', 1)];
  const norm = Math.hypot(...raw);
  assert.deepEqual([...r.index], ['effects', 'side', 'side effects', 'vaccine'].map((t) => f.terms.indexOf(t)));
  r.value.forEach((v, k) => assert.ok(Math.abs(v - raw[k]! / norm) < 1e-6));
  assert.equal(f.row('nothing known here').index.length, 0);
});

test('char 3-5-grams form a second unit block after the terms and catch word forms the terms miss', () => {
  const f = TextFeatures.fit(texts, { maxCharGrams: 1000 });
  const words = TextFeatures.fit(texts);
  assert.deepEqual(f.terms, words.terms);
  assert.equal(f.size, f.terms.length + f.charGrams.length);
  // n-grams of the padded words in at least two texts: " vac" (3 texts), "ects" (2), not "big" (1)
  for (const g of [' va', ' vac', 'vacc', 'ects', 'cts ', ' si', 'pharm']) assert.ok(f.charGrams.includes(g), g);
  assert.ok(!f.charGrams.includes(' bi') && !f.charGrams.some((g) => g.length < 3 || g.length > 5));
  assert.ok(Math.abs(f.charIdf[f.charGrams.indexOf(' vac')]! - (Math.log(5 / 4) + 1)) < 1e-6);
  const r = f.row('Vaccines, side effects');
  const termPart = [...r.index].map((i, k) => [i, r.value[k]!] as const).filter(([i]) => i < f.terms.length);
  const charPart = [...r.index].map((i, k) => [i, r.value[k]!] as const).filter(([i]) => i >= f.terms.length);
  assert.deepEqual(termPart.map(([i]) => f.terms[i]), ['effects', 'side', 'side effects']);
  assert.deepEqual(termPart.map(([, v]) => v), [...words.row('Vaccines, side effects').value]);
  assert.ok(Math.abs(Math.hypot(...charPart.map(([, v]) => v)) - 1) < 1e-6);
  // "vaccines" is no term, but its grams " va", "vac", "vacc", "ccin", ... are known
  const grams = charPart.map(([i]) => f.charGrams[i - f.terms.length]);
  for (const g of [' vac', 'vacc', 'ccin']) assert.ok(grams.includes(g), g);
  assert.ok([...r.index].every((v, k) => k === 0 || v > r.index[k - 1]!));
  assert.equal(TextFeatures.fit(texts, { maxCharGrams: 5 }).charGrams.length, 5);
});

test('dense rows; dropout zeroes entries, scales the rest and repeats with the seed', () => {
  const f = TextFeatures.fit(texts);
  const rows = texts.map((t) => f.row(t));
  const plain = TextFeatures.dense(rows, f.size);
  assert.equal(plain.length, texts.length * f.size);
  const a = TextFeatures.dense(rows, f.size, { rate: 0.5, rng: seededRng(3) });
  const b = TextFeatures.dense(rows, f.size, { rate: 0.5, rng: seededRng(3) });
  assert.deepEqual(a, b);
  let dropped = 0;
  a.forEach((v, i) => {
    if (plain[i] === 0) assert.equal(v, 0);
    else if (v === 0) dropped++;
    else assert.ok(Math.abs(v - 2 * plain[i]!) < 1e-6);
  });
  assert.ok(dropped > 0 && dropped < plain.filter((v) => v !== 0).length);
});

test('round trip through JSON, a words-only file of format 1 still reads, and a bad file is named with its field', () => {
  const f = TextFeatures.fit(texts, { maxCharGrams: 1000 });
  const back = TextFeatures.fromJSON(JSON.parse(JSON.stringify(f.toJSON())), 'features.json');
  assert.deepEqual(back.row('side effects of pharma'), f.row('side effects of pharma'));
  const words = TextFeatures.fit(texts);
  const v1 = TextFeatures.fromJSON({ format: 'lagamc-text-features/1', terms: words.terms, idf: [...words.idf] }, 'features.json');
  assert.deepEqual(v1.row('side effects of pharma'), words.row('side effects of pharma'));
  assert.throws(() => TextFeatures.fromJSON({ format: 'lagamc-text-features/1', terms: ['a'], idf: [] }, 'm/features.json'), /m\/features\.json: "idf" must hold one finite number per term \(1\)/);
  assert.throws(() => TextFeatures.fromJSON({ format: 'lagamc-text-features/2', terms: ['a'], idf: [1], charGrams: ['abc'], charIdf: [1, 2] }, 'm/features.json'), /m\/features\.json: "charIdf" must hold one finite number per char n-gram \(1\)/);
  assert.throws(() => TextFeatures.fromJSON({ format: 'lagamc-text-features/2', terms: ['a'], idf: [1] }, 'm/features.json'), /"charGrams" must be an array of strings/);
  assert.throws(() => TextFeatures.fromJSON({ format: 'x' }, 'm/features.json'), /"format" must be "lagamc-text-features\/2" \(or \/1\)/);
});
