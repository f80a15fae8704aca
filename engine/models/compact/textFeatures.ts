// The compact generator's token view of the input: TF-IDF over content words and their bigrams
// (engine/descriptions/words.ts), fitted on the training texts, optionally followed by a second
// block over character 3- to 5-grams within words (" vax", "vaxx", "ccine": misspellings, hashtags
// and word forms that whole words miss; on CAVES they lift the linear SVMs from 63.1 to 64.6 test
// micro-F1 at margin > −0.25, 59.5 to 62.6 at margin > 0). The sentence encoder gives one
// general-purpose vector per text; these sparse counts keep the exact words that separate labels
// (what a linear SVM sees). Vectors are built per batch from sparse rows, never for a whole dataset
// at once.
//
//   weight(term) = (1 + ln tf) · idf,  idf = ln((1 + N) / (1 + df)) + 1,
//   each block L2-normalised (a row of both blocks has norm √2); char-gram indices follow the terms.
import { contentWords } from '../../descriptions/words';
import type { Rng } from '../../random';

export interface SparseRow {
  index: Int32Array;
  value: Float32Array;
}

/** `charGrams`/`charIdf` since format 2 (format 1: words only). */
export interface TextFeaturesJson {
  format: 'lagamc-text-features/2';
  terms: string[];
  idf: number[];
  charGrams: string[];
  charIdf: number[];
}

export interface TextFeaturesOptions {
  /** Most word terms (default 10,000). */
  maxTerms?: number;
  /** Most character n-grams (default 0: no char-gram block). */
  maxCharGrams?: number;
  /** Least number of texts a term or n-gram must occur in (default 2). */
  minDf?: number;
}

/** Character n-grams are read from words of the lower-cased text, padded with a space each side. */
const CHAR_GRAM_SIZES = [3, 4, 5] as const;

function charGramCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().replace(/https?:\/\/\S+|www\.\S+|@\w+/g, ' ').split(/[^\p{L}\p{N}#']+/u)) {
    if (!word) continue;
    const padded = ` ${word} `;
    for (const n of CHAR_GRAM_SIZES) {
      for (let i = 0; i + n <= padded.length; i++) {
        const gram = padded.slice(i, i + n);
        counts.set(gram, (counts.get(gram) ?? 0) + 1);
      }
    }
  }
  return counts;
}

function termCounts(text: string): Map<string, number> {
  const words = contentWords(text);
  const counts = new Map<string, number>();
  const add = (t: string) => counts.set(t, (counts.get(t) ?? 0) + 1);
  words.forEach((w, i) => {
    add(w);
    if (i > 0) add(`${words[i - 1]} ${w}`);
  });
  return counts;
}

/** `counts(text)` for each text, `limit` most frequent keys in at least `minDf` texts, sorted, with their idf. */
function fitVocabulary(texts: readonly string[], counts: (text: string) => Map<string, number>, limit: number, minDf: number): [string[], Float32Array] {
  if (limit <= 0) return [[], new Float32Array(0)];
  const df = new Map<string, number>();
  for (const text of texts) for (const t of counts(text).keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const kept = [...df]
    .filter(([, d]) => d >= minDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return [kept.map(([t]) => t), Float32Array.from(kept, ([, d]) => Math.log((1 + texts.length) / (1 + d)) + 1)];
}

/** Unit-norm sublinear TF-IDF pairs [offset + index, weight] of `counts`' known keys. */
function block(counts: Map<string, number>, index: ReadonlyMap<string, number>, idf: Float32Array, offset: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (const [t, c] of counts) {
    const i = index.get(t);
    if (i !== undefined) pairs.push([offset + i, (1 + Math.log(c)) * idf[i]!]);
  }
  const norm = Math.sqrt(pairs.reduce((s, [, v]) => s + v * v, 0)) || 1;
  return pairs.map(([i, v]) => [i, v / norm]);
}

export class TextFeatures {
  private readonly index: Map<string, number>;
  private readonly charIndex: Map<string, number>;

  constructor(
    readonly terms: readonly string[],
    readonly idf: Float32Array,
    readonly charGrams: readonly string[] = [],
    readonly charIdf: Float32Array = new Float32Array(0),
  ) {
    this.index = new Map(terms.map((t, i) => [t, i]));
    this.charIndex = new Map(charGrams.map((t, i) => [t, i]));
  }

  /** Each block keeps its most frequent keys among those in at least `minDf` texts (ties by key). */
  static fit(texts: Iterable<string>, opts: TextFeaturesOptions = {}): TextFeatures {
    const all = [...texts];
    const minDf = opts.minDf ?? 2;
    const [terms, idf] = fitVocabulary(all, termCounts, opts.maxTerms ?? 10_000, minDf);
    const [grams, gramIdf] = fitVocabulary(all, charGramCounts, opts.maxCharGrams ?? 0, minDf);
    return new TextFeatures(terms, idf, grams, gramIdf);
  }

  /** Terms, then char n-grams. */
  get size(): number {
    return this.terms.length + this.charGrams.length;
  }

  /** The TF-IDF row of one text: known keys only, each block of unit norm (empty for a text with none). */
  row(text: string): SparseRow {
    const pairs = block(termCounts(text), this.index, this.idf, 0);
    if (this.charGrams.length) pairs.push(...block(charGramCounts(text), this.charIndex, this.charIdf, this.terms.length));
    pairs.sort((a, b) => a[0] - b[0]);
    return { index: Int32Array.from(pairs, ([i]) => i), value: Float32Array.from(pairs, ([, v]) => v) };
  }

  /**
   * Dense (rows × size) matrix of sparse rows. With `dropout` (training), each entry is zeroed with
   * that probability and the rest scaled by 1/(1 − p), drawn from `rng` so batches are reproducible.
   */
  static dense(rows: readonly SparseRow[], size: number, dropout?: { rate: number; rng: Rng }): Float32Array {
    const out = new Float32Array(rows.length * size);
    const scale = dropout ? 1 / (1 - dropout.rate) : 1;
    rows.forEach((r, b) => {
      for (let k = 0; k < r.index.length; k++) {
        if (dropout && dropout.rng() < dropout.rate) continue;
        out[b * size + r.index[k]!] = r.value[k]! * scale;
      }
    });
    return out;
  }

  toJSON(): TextFeaturesJson {
    return { format: 'lagamc-text-features/2', terms: [...this.terms], idf: [...this.idf], charGrams: [...this.charGrams], charIdf: [...this.charIdf] };
  }

  /** Reads format 2, and format 1 (words only) of earlier models. */
  static fromJSON(json: unknown, file: string): TextFeatures {
    const j = json as Partial<Omit<TextFeaturesJson, 'format'>> & { format?: unknown };
    if (j?.format !== 'lagamc-text-features/2' && j?.format !== 'lagamc-text-features/1') throw new Error(`${file}: "format" must be "lagamc-text-features/2" (or /1), got ${JSON.stringify(j?.format)}`);
    const strings = (key: 'terms' | 'charGrams'): string[] => {
      const v = j[key];
      if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) throw new Error(`${file}: "${key}" must be an array of strings`);
      return v;
    };
    const weights = (key: 'idf' | 'charIdf', length: number, of: string): Float32Array => {
      const v = j[key];
      if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${file}: "${key}" must hold one finite number per ${of} (${length})`);
      return Float32Array.from(v);
    };
    const terms = strings('terms');
    const idf = weights('idf', terms.length, 'term');
    if (j.format === 'lagamc-text-features/1') return new TextFeatures(terms, idf);
    const grams = strings('charGrams');
    return new TextFeatures(terms, idf, grams, weights('charIdf', grams.length, 'char n-gram'));
  }
}
