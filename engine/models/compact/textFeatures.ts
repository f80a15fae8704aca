// The compact generator's token view of the input: TF-IDF over content words and their bigrams
// (engine/descriptions/words.ts), fitted on the training texts. The sentence encoder gives one
// general-purpose vector per text; these sparse counts keep the exact words that separate labels
// (what a linear SVM sees), at the cost of one matrix product per batch. Vectors are built per batch
// from sparse rows, never for a whole dataset at once.
//
//   weight(term) = (1 + ln tf) · idf,  idf = ln((1 + N) / (1 + df)) + 1,  rows L2-normalised.
import { contentWords } from '../../descriptions/words';
import type { Rng } from '../../random';

export interface SparseRow {
  index: Int32Array;
  value: Float32Array;
}

export interface TextFeaturesJson {
  format: 'lagamc-text-features/1';
  terms: string[];
  idf: number[];
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

export class TextFeatures {
  private readonly index: Map<string, number>;

  constructor(
    readonly terms: readonly string[],
    readonly idf: Float32Array,
  ) {
    this.index = new Map(terms.map((t, i) => [t, i]));
  }

  /** The `maxTerms` terms with the highest document frequency among those in at least `minDf` texts (ties by term). */
  static fit(texts: Iterable<string>, opts: { maxTerms?: number; minDf?: number } = {}): TextFeatures {
    const df = new Map<string, number>();
    let n = 0;
    for (const text of texts) {
      n++;
      for (const t of termCounts(text).keys()) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const kept = [...df]
      .filter(([, d]) => d >= (opts.minDf ?? 2))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxTerms ?? 10_000)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return new TextFeatures(
      kept.map(([t]) => t),
      Float32Array.from(kept, ([, d]) => Math.log((1 + n) / (1 + d)) + 1),
    );
  }

  get size(): number {
    return this.terms.length;
  }

  /** The L2-normalised TF-IDF row of one text (known terms only; empty for a text with none). */
  row(text: string): SparseRow {
    const pairs: [number, number][] = [];
    for (const [t, c] of termCounts(text)) {
      const i = this.index.get(t);
      if (i !== undefined) pairs.push([i, (1 + Math.log(c)) * this.idf[i]!]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(pairs.reduce((s, [, v]) => s + v * v, 0)) || 1;
    return { index: Int32Array.from(pairs, ([i]) => i), value: Float32Array.from(pairs, ([, v]) => v / norm) };
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
    return { format: 'lagamc-text-features/1', terms: [...this.terms], idf: [...this.idf] };
  }

  static fromJSON(json: unknown, file: string): TextFeatures {
    const j = json as Partial<TextFeaturesJson>;
    if (j?.format !== 'lagamc-text-features/1') throw new Error(`${file}: "format" must be "lagamc-text-features/1", got ${JSON.stringify(j?.format)}`);
    if (!Array.isArray(j.terms) || !j.terms.every((t) => typeof t === 'string')) throw new Error(`${file}: "terms" must be an array of strings`);
    if (!Array.isArray(j.idf) || j.idf.length !== j.terms.length || !j.idf.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`${file}: "idf" must hold one finite number per term (${j.terms.length})`);
    }
    return new TextFeatures(j.terms, Float32Array.from(j.idf));
  }
}
