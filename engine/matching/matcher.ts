// The LAGAMC matcher: maps generated sentences to labels. Every label description is embedded
// once (one matrix); each sentence of a generated text (a description of several sentences, written
// whole, counts as one: KnownSentences in sentences.ts) goes to the label of highest cosine
// similarity, and is kept only if that score reaches the label's threshold, else it is flagged as
// hallucinated (reported, not used). A text's labels are the union of its kept matches.
//
// Thresholds, first found wins: `thresholds[label]` (tuned, see thresholds.ts), the label's own
// `threshold` in the label file, `threshold` (e.g. --threshold), the file's `threshold`, 0.4.
// A label without a description is matched by its long name or name. When the label file has a
// `noneDescription`, it is matched too: a sentence that matches it best says "no label" and is
// neither a label nor a hallucination.
import { EmbeddingCache } from '../encoders/cache';
import type { EncodeOptions, SentenceEncoder } from '../encoders/encoder';
import type { LabelSet } from '../data/labels';
import type { Prediction, ScoredLabel, SentenceMatch } from '../model/prediction';
import { KnownSentences, normalizeSentence } from './sentences';
import { topTwo, type TopTwo, type Vectors } from './similarity';

export const DEFAULT_THRESHOLD = 0.4;
/** Description vectors shared by every matcher of the process that is given no cache. */
const descriptionCache = new EmbeddingCache({ capacity: 5_000 });
/** Sentence vectors likewise: a generator writes the same sentences for many texts. */
const sentenceCache = new EmbeddingCache({ capacity: 5_000 });
/** The pseudo-label a sentence gets when it matches the label file's `noneDescription`. */
export const NONE_LABEL = '(none)';

export interface MatcherOptions {
  /** Default threshold for labels without their own (overrides the file's `threshold`). */
  threshold?: number;
  /** Per-label thresholds that override everything else (tuned ones). */
  thresholds?: Readonly<Record<string, number>>;
  /** Embedding cache for descriptions and sentences (default: one process-wide cache for each). */
  cache?: EmbeddingCache;
}

export class Matcher {
  /** Names of the matchable labels, in label-file order (the matrix rows; NONE_LABEL last if present). */
  readonly labels: readonly string[];
  /** The text embedded for each row. */
  readonly texts: readonly string[];
  /** Threshold of each row. */
  readonly thresholds: Float32Array;
  private readonly noneRow: number;
  /** Row of each embedded description text. */
  private readonly rowOf: ReadonlyMap<string, number>;
  /** Splits generated text, keeping a description of several sentences whole. */
  private readonly descriptions: KnownSentences;

  private constructor(
    readonly encoder: SentenceEncoder,
    private readonly matrix: Vectors,
    labels: string[],
    texts: string[],
    thresholds: Float32Array,
    hasNone: boolean,
    private readonly cache: EmbeddingCache | undefined,
  ) {
    this.labels = labels;
    this.texts = texts;
    this.thresholds = thresholds;
    this.noneRow = hasNone ? labels.length - 1 : -1;
    this.rowOf = new Map(texts.map((t, i) => [t, i]));
    this.descriptions = new KnownSentences(texts);
  }

  static async create(set: LabelSet, encoder: SentenceEncoder, opts: MatcherOptions = {}): Promise<Matcher> {
    if (set.labels.length === 0) throw new Error(`${set.file}: no labels to match`);
    const labels = set.labels.map((l) => l.name);
    const texts = set.labels.map((l) => normalizeSentence(l.description ?? l.longName ?? l.name));
    const fallback = opts.threshold ?? set.threshold ?? DEFAULT_THRESHOLD;
    const th = set.labels.map((l) => opts.thresholds?.[l.name] ?? l.threshold ?? fallback);
    const hasNone = set.noneDescription !== undefined && normalizeSentence(set.noneDescription) !== '';
    if (hasNone) {
      labels.push(NONE_LABEL);
      texts.push(normalizeSentence(set.noneDescription!));
      th.push(fallback);
    }
    const data = await (opts.cache ?? descriptionCache).encode(encoder, texts);
    return new Matcher(encoder, { data, rows: texts.length, dim: encoder.dim }, labels, texts, Float32Array.from(th), hasNone, opts.cache);
  }

  /** Number of real labels (rows without the none row). */
  get labelCount(): number {
    return this.noneRow < 0 ? this.labels.length : this.noneRow;
  }

  /** Vectors of texts: a text that is exactly a row's description (what a trained generator
   * mostly writes) takes that row; the others come from the cache. */
  async embed(texts: readonly string[], opts?: EncodeOptions): Promise<Vectors> {
    const dim = this.encoder.dim;
    const data = new Float32Array(texts.length * dim);
    const rest: number[] = [];
    texts.forEach((t, i) => {
      const row = this.rowOf.get(t);
      if (row === undefined) rest.push(i);
      else data.set(this.matrix.data.subarray(row * dim, (row + 1) * dim), i * dim);
    });
    if (rest.length > 0) {
      const fresh = await (this.cache ?? sentenceCache).encode(this.encoder, rest.map((i) => texts[i]!), opts);
      rest.forEach((i, k) => data.set(fresh.subarray(k * dim, (k + 1) * dim), i * dim));
    }
    return { data, rows: texts.length, dim };
  }

  /** Cosine of every text against every row, with the best two rows per text. */
  async similarities(texts: readonly string[], opts?: EncodeOptions): Promise<TopTwo & { scores: Float32Array }> {
    return (await topTwo(await this.embed(texts, opts), this.matrix, true)) as TopTwo & { scores: Float32Array };
  }

  /** One prediction per generated text (see the file header). */
  async match(generated: readonly string[], opts?: EncodeOptions): Promise<Prediction[]> {
    const split = generated.map((g) => this.descriptions.split(g).map((s) => s.text));
    const distinct = [...new Set(split.flat())];
    const row = new Map(distinct.map((s, i) => [s, i]));
    const sim = await this.similarities(distinct, opts);
    const m = this.labels.length;
    const n = this.labelCount;
    return split.map((sentences, k) => {
      const matches = sentences.map((s) => this.sentenceMatch(s, row.get(s)!, sim));
      const best = new Map<string, number>();
      for (const mt of matches) if (!mt.hallucinated && mt.label !== NONE_LABEL) best.set(mt.label, Math.max(best.get(mt.label) ?? -Infinity, mt.score));
      const labels: ScoredLabel[] = [...best].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
      // Every label's score is its best cosine over the text's sentences (0 without sentences).
      const scores: Record<string, number> = {};
      for (let j = 0; j < n; j++) {
        let s = sentences.length ? -Infinity : 0;
        for (const sentence of sentences) s = Math.max(s, sim.scores[row.get(sentence)! * m + j]!);
        scores[this.labels[j]!] = s;
      }
      return { labels, scores, generated: generated[k]!, sentences: matches };
    });
  }

  private sentenceMatch(sentence: string, i: number, sim: TopTwo): SentenceMatch {
    const b = sim.best[i]!;
    const score = sim.bestScore[i]!;
    const match: SentenceMatch = { sentence, label: this.labels[b]!, score, hallucinated: b !== this.noneRow && score < this.thresholds[b]! };
    const r = sim.second[i]!;
    if (r >= 0) match.runnerUp = { label: this.labels[r]!, score: sim.secondScore[i]! };
    return match;
  }
}
