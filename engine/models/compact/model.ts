// The compact generator, trained from scratch on a CPU. A T5 step at d_model 256 with 2+2 layers
// takes ~17 s for a batch of 16 on single-threaded wasm; this model avoids that cost by design:
//  - the input text is read once by the frozen sentence encoder (USE lite, 512-d, cached per text;
//    its first ENCODER_CHARS characters) and, as a shallow token encoder, by the whole text's
//    TF-IDF terms (textFeatures.ts): through the labels' SVM margins (`margins`, below) or a
//    projection, the text's features then being f = [u ; tanh(tfidf·Wb + bb)] (f = u without a bag);
//  - a label head gives each label a probability, trained by its own binary cross-entropy beside the
//    generator's loss: with `margins` (the default of `lagamc train`), p = σ(wm ⊙ m + bl) from
//    each label's linear SVM margin m on the TF-IDF terms (linearSvm.ts; wm learned on out-of-fold
//    margins, bl held at 0 by the trainer), else (`--no-svm`) p = σ(f·Wl + bl) from the features f;
//  - a one-layer GRU decoder (hidden 256) writes the target, conditioned on c = [u ; p] at every step
//    (initial state tanh(c·W0) and c added to each step's gate inputs);
//  - it decodes over the words of the label descriptions only (a few hundred tokens), so the
//    output layer is a small matrix product; constrained decoding can restrict each input to some
//    of the label sentences (`candidates`: the predictor passes the labels its head holds).
// Embedding lookups are one-hot matrix products (gather's gradient needs UnsortedSegmentSum, which
// the wasm backend lacks). In training the recurrence runs as one op with its own backward pass
// (gruSequence.ts), and everything else takes one matrix product for all steps.
import * as tf from '@tensorflow/tfjs-core';
import type { SentenceConstraint } from '../constrained';
import { gruCell, gruSequence, type GruWeights } from './gruSequence';
import { BOS, EOS, PAD } from './vocab';

export interface CompactConfig {
  vocabSize: number;
  /** Width of the sentence encoder's vector. */
  inputDim: number;
  /** Number of TF-IDF terms read by the bag projection (0: the encoder's vector only). */
  bagSize: number;
  /** Width of the bag projection. */
  bagDim: number;
  /** Labels the label head scores (0: no head). */
  labels: number;
  /**
   * Whether the label head reads the labels' linear SVM margins (linearSvm.ts) instead of the
   * features f (absent: no). The TF-IDF terms (`bagSize`) then feed the SVMs only.
   */
  margins?: boolean;
  hidden: number;
  embedding: number;
  /** Longest generated target, in tokens. */
  maxLength: number;
  seed: number;
}

export const DEFAULT_SIZES = { hidden: 256, embedding: 128, maxLength: 64, bagDim: 256 } as const;

/**
 * The sentence encoder is given a text's first 1,000 characters (USE-lite is built for sentences and
 * short paragraphs; its graph keeps at most 128 tokens, about 650 characters of news text, and its
 * cost grows with length up to there); the TF-IDF terms read the whole text.
 */
export const ENCODER_CHARS = 1000;
export const encoderInput = (text: string): string => text.slice(0, ENCODER_CHARS);

const PARAMS = ['emb', 'w0', 'b0', 'wez', 'wxz', 'uz', 'bz', 'wer', 'wxr', 'ur', 'br', 'wen', 'wxn', 'un', 'bn', 'wo', 'bo', 'wb', 'bb', 'wl', 'bl', 'wm'] as const;
export type ParamName = (typeof PARAMS)[number];

export interface DecodeOptions {
  /** 1: greedy (default). */
  numBeams?: number;
  /** Beam scores are divided by length^lengthPenalty (default 1). */
  lengthPenalty?: number;
  /** Restricts the output to allowed sentences (e.g. the label descriptions). */
  constraint?: SentenceConstraint;
  /** Per input row, the only sentences of `constraint` (indices) that it may write. */
  candidates?: readonly (readonly number[])[];
  /**
   * Each row's length limit holds all of its `candidates` and its end, so no row is cut (candidates
   * decoding; rows over all label sentences lost dev macro-F1 with it: BENCHMARKS.md, 578bce3).
   */
  fitCandidates?: boolean;
  /** Per input row, sentences of `constraint` (indices) that it must write before it ends. */
  required?: readonly (readonly number[])[];
  /**
   * Longest output in tokens (default: the config's); a row with `required` sentences gets at least
   * their length, and a sentence it is not required to write starts only where they still fit.
   */
  maxLength?: number;
  /**
   * Token that ends a sentence ("."). A hypothesis that completes a sentence it has already written
   * ends before that repeat instead: a loop means the generator has nothing new to say.
   */
  sentenceEnd?: number;
}

/** Whether appending `end` to `ids` completes a sentence that `ids` already holds. */
function repeatsSentence(ids: readonly number[], end: number): boolean {
  const last = ids.lastIndexOf(end);
  const current = ids.slice(last + 1);
  if (last < 0 || !current.length) return false;
  let start = 0;
  for (let i = 0; i <= last; i++) {
    if (ids[i] !== end) continue;
    if (i - start === current.length && current.every((id, j) => ids[start + j] === id)) return true;
    start = i + 1;
  }
  return false;
}

interface Beam {
  ids: number[];
  /** Summed log-probability (finished beams: length-normalised). */
  score: number;
  /** Beam slot among the input's k rows. */
  row: number;
}

/** The `m` tokens (of `allowed`, or of all `allowed` ids when a number) with the highest log-probability at `base`; never PAD or BOS. */
function topTokens(lp: Float32Array, base: number, allowed: readonly number[] | number, m: number): number[] {
  const best: number[] = [];
  const consider = (id: number) => {
    if (id === PAD || id === BOS) return;
    if (best.length === m && lp[base + id]! <= lp[base + best[m - 1]!]!) return;
    let j = best.length < m ? best.length : m - 1;
    best[j] = id;
    for (; j > 0 && lp[base + best[j]!]! > lp[base + best[j - 1]!]!; j--) [best[j], best[j - 1]] = [best[j - 1]!, best[j]!];
  };
  if (typeof allowed === 'number') for (let id = 0; id < allowed; id++) consider(id);
  else allowed.forEach(consider);
  return best;
}

export interface Conditioning {
  /** The decoder's conditioning vectors: B × (encoder width + labels) with a head, else the features f. */
  x: tf.Tensor2D;
  /** The label head's logits (B × labels), or null without a head. */
  labelLogits: tf.Tensor2D | null;
}

export interface TeacherForced {
  /** (steps·B) × V log-probabilities of the next token; row t·B + i is target i's step t. */
  logProbs: tf.Tensor2D;
}

export class CompactGenerator {
  readonly params: Record<ParamName, tf.Variable>;
  private readonly names: readonly ParamName[];

  constructor(
    readonly config: CompactConfig,
    values?: Partial<Record<ParamName, Float32Array>>,
  ) {
    const { vocabSize: v, hidden: h, embedding: e, bagSize, bagDim, labels } = config;
    const f = config.inputDim + (bagSize > 0 ? bagDim : 0);
    const x = labels > 0 ? config.inputDim + labels : f;
    const shapes: Record<ParamName, number[]> = {
      emb: [v, e], w0: [x, h], b0: [h],
      wez: [e, h], wxz: [x, h], uz: [h, h], bz: [h],
      wer: [e, h], wxr: [x, h], ur: [h, h], br: [h],
      wen: [e, h], wxn: [x, h], un: [h, h], bn: [h],
      wo: [h, v], bo: [v],
      wb: [bagSize, bagDim], bb: [bagDim],
      wl: [f, labels], bl: [labels], wm: [labels],
    };
    const svmHead = labels > 0 && config.margins === true;
    this.names = PARAMS.filter((n) => {
      if (n === 'wb' || n === 'bb') return bagSize > 0 && !svmHead;
      if (n === 'wl') return labels > 0 && !svmHead;
      if (n === 'bl') return labels > 0;
      if (n === 'wm') return svmHead;
      return true;
    });
    let seed = config.seed;
    this.params = Object.fromEntries(
      this.names.map((name) => {
        const shape = shapes[name];
        const given = values?.[name];
        const init = tf.tidy(() => {
          if (given) return tf.tensor(given, shape);
          if (shape.length === 1) return tf.zeros(shape);
          // TF-IDF rows have unit norm, so a bag projection with unit-variance weights gives
          // unit-variance pre-activations.
          const fanIn = name === 'wb' ? 1 : shape[0]!;
          return tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), 'float32', seed++);
        });
        const variable = tf.variable(init, true);
        init.dispose();
        return [name, variable];
      }),
    ) as Record<ParamName, tf.Variable>;
  }

  get variables(): tf.Variable[] {
    return this.names.map((n) => this.params[n]);
  }

  /** Whether `condition` reads the TF-IDF rows (through the projection Wb). */
  get readsBag(): boolean {
    return this.names.includes('wb');
  }

  /** The variables of the label head and of the TF-IDF projection it reads (empty without a head). */
  get headVariables(): tf.Variable[] {
    return this.config.labels > 0 ? this.names.filter((n) => ['wb', 'bb', 'wl', 'bl', 'wm'].includes(n)).map((n) => this.params[n]) : [];
  }

  /**
   * The decoder's conditioning vectors (c = [u ; σ(labelLogits + shift)], or f without a head) and
   * the label head's logits (null without a head). `margins` (B × labels) are the SVM margins of a
   * generator with `margins`. `shift` (0 in training) is the dev-calibrated head shift of
   * prediction (`HEAD_SHIFTS` in trainer.ts).
   */
  condition(u: tf.Tensor2D, bag: tf.Tensor2D | null, margins: tf.Tensor2D | null = null, shift = 0): Conditioning {
    let f = u;
    if (this.readsBag) {
      if (!bag) throw new Error('this generator reads TF-IDF terms: pass the bag-of-words matrix');
      f = tf.concat([u, tf.tanh(tf.add(tf.matMul(bag, this.params.wb as tf.Tensor2D), this.params.bb))], 1) as tf.Tensor2D;
    }
    if (this.config.labels === 0) return { x: f, labelLogits: null };
    let labelLogits: tf.Tensor2D;
    if (this.config.margins) {
      if (!margins) throw new Error("this generator's label head reads SVM margins: pass the margin matrix");
      labelLogits = tf.add(tf.mul(margins, this.params.wm), this.params.bl) as tf.Tensor2D;
    } else labelLogits = tf.add(tf.matMul(f, this.params.wl as tf.Tensor2D), this.params.bl) as tf.Tensor2D;
    return { x: tf.concat([u, tf.sigmoid(shift ? tf.add(labelLogits, shift) : labelLogits)], 1) as tf.Tensor2D, labelLogits };
  }

  private step(prev: number[], h: tf.Tensor2D, xz: tf.Tensor2D, xr: tf.Tensor2D, xn: tf.Tensor2D): tf.Tensor2D {
    const p = this.params;
    const e = tf.matMul(tf.oneHot(tf.tensor1d(prev, 'int32'), this.config.vocabSize) as tf.Tensor2D, p.emb as tf.Tensor2D);
    return gruCell(this.recurrent(), h, tf.add(tf.matMul(e, p.wez as tf.Tensor2D), xz) as tf.Tensor2D, tf.add(tf.matMul(e, p.wer as tf.Tensor2D), xr) as tf.Tensor2D, tf.add(tf.matMul(e, p.wen as tf.Tensor2D), xn) as tf.Tensor2D).h;
  }

  private recurrent(): GruWeights {
    const p = this.params;
    return { uz: p.uz as tf.Tensor2D, ur: p.ur as tf.Tensor2D, un: p.un as tf.Tensor2D, bz: p.bz as tf.Tensor1D, br: p.br as tf.Tensor1D, bn: p.bn as tf.Tensor1D };
  }

  private start(x: tf.Tensor2D) {
    const p = this.params;
    return {
      h: tf.tanh(tf.add(tf.matMul(x, p.w0 as tf.Tensor2D), p.b0)) as tf.Tensor2D,
      xz: tf.matMul(x, p.wxz as tf.Tensor2D) as tf.Tensor2D,
      xr: tf.matMul(x, p.wxr as tf.Tensor2D) as tf.Tensor2D,
      xn: tf.matMul(x, p.wxn as tf.Tensor2D) as tf.Tensor2D,
    };
  }

  /**
   * Teacher-forced next-token log-probabilities for targets (each ending in EOS, padded with PAD),
   * given the conditioning vectors: one (steps·B) × V matrix whose row t·B + i is target i's step
   * t. The word embeddings, their gate inputs and the output layer take one matrix product each for
   * all steps; the recurrence runs in gruSequence.ts, whose backward pass keeps memory flat in the
   * target length.
   */
  teacherForced(x: tf.Tensor2D, targets: readonly (readonly number[])[]): TeacherForced {
    const p = this.params;
    const b = targets.length;
    const steps = Math.max(...targets.map((t) => t.length));
    const prev = Array.from({ length: steps * b }, (_, r) => {
      const t = Math.floor(r / b);
      return t === 0 ? BOS : (targets[r % b]![t - 1] ?? PAD);
    });
    // (wasm's OneHot writes int32 bits whatever the dtype asked for: cast instead)
    const e = tf.matMul(tf.cast(tf.oneHot(tf.tensor1d(prev, 'int32'), this.config.vocabSize), 'float32') as tf.Tensor2D, p.emb as tf.Tensor2D);
    const s = this.start(x);
    const states = gruSequence({
      gz: tf.matMul(e, p.wez as tf.Tensor2D),
      gr: tf.matMul(e, p.wer as tf.Tensor2D),
      gn: tf.matMul(e, p.wen as tf.Tensor2D),
      h0: s.h,
      xz: s.xz,
      xr: s.xr,
      xn: s.xn,
      ...this.recurrent(),
    });
    return { logProbs: tf.logSoftmax(tf.add(tf.matMul(states, p.wo as tf.Tensor2D), p.bo)) as tf.Tensor2D };
  }

  /**
   * Autoregressive decoding of each input row: greedy (`numBeams` 1) or beam search (Hugging Face's
   * early stopping: an input is done once `numBeams` hypotheses have ended; score = summed
   * log-probability / length^lengthPenalty), optionally restricted to allowed sentences and ended
   * at a repeated sentence (`sentenceEnd`). Token choice happens in JS over each step's
   * log-probabilities; a finished input's rows leave the step's tensors (a Reuters dev set decoded
   * 3× faster, the same outputs). Returns ids without the final EOS.
   */
  async decode(x: tf.Tensor2D, opts: DecodeOptions = {}): Promise<number[][]> {
    const k = opts.numBeams ?? 1;
    const maxLength = opts.maxLength ?? this.config.maxLength;
    const penalty = opts.lengthPenalty ?? 1;
    const n = x.shape[0];
    // Each row's length limit holds all of its required sentences and, with `fitCandidates`, all of
    // its candidates and the step that ends it (each is written at most once, so it is never cut).
    const c = opts.constraint;
    const limits = Array.from({ length: n }, (_, i) => {
      const candidates = opts.fitCandidates ? opts.candidates?.[i] : undefined;
      return c ? Math.max(maxLength, c.length(opts.required?.[i] ?? []), candidates ? c.length(candidates) + 1 : 0) : maxLength;
    });
    const longest = Math.max(0, ...limits);
    const v = this.config.vocabSize;
    // The tensors hold k rows per unfinished input (`live`, in input order): row j·k + b is beam b
    // of input live[j].
    let live = Array.from({ length: n }, (_, i) => i);
    // Only beam 0 is live at the start.
    const beams: Beam[][] = Array.from({ length: n }, () => [{ ids: [], score: 0, row: 0 }]);
    const finished: Beam[][] = Array.from({ length: n }, () => []);
    let s = tf.tidy(() => {
      const st = this.start(x);
      const rows = tf.tensor1d(Array.from({ length: n * k }, (_, r) => Math.floor(r / k)), 'int32');
      return { h: tf.gather(st.h, rows), xz: tf.gather(st.xz, rows), xr: tf.gather(st.xr, rows), xn: tf.gather(st.xn, rows) } as Record<'h' | 'xz' | 'xr' | 'xn', tf.Tensor2D>;
    });
    let prev = new Array<number>(n * k).fill(BOS);
    try {
      for (let t = 0; t < longest && live.length; t++) {
        const step = tf.tidy(() => {
          const hn = this.step(prev, s.h, s.xz, s.xr, s.xn);
          return { hn: tf.keep(hn), lp: tf.keep(tf.logSoftmax(tf.add(tf.matMul(hn, this.params.wo as tf.Tensor2D), this.params.bo))) };
        });
        const lp = (await step.lp.data()) as Float32Array;
        step.lp.dispose();
        // Per input still unfinished after this step: its k rows' parent rows and next tokens.
        const stillLive: number[] = [];
        const keptRows: number[] = [];
        const parents: number[] = [];
        const next: number[] = [];
        for (const [j, i] of live.entries()) {
          // A row at its limit stops here: its beams are what it wrote.
          if (t >= limits[i]!) continue;
          const candidates: { beam: Beam; token: number; score: number }[] = [];
          for (const beam of beams[i]!) {
            const base = (j * k + beam.row) * v;
            const tokens = opts.constraint ? opts.constraint.allowed(beam.ids, opts.candidates?.[i], opts.required?.[i], limits[i]! - beam.ids.length) : null;
            // A beam contributes at most its k + 1 best tokens (k continuations besides an EOS).
            for (const token of topTokens(lp, base, tokens ?? v, k + 1)) candidates.push({ beam, token, score: beam.score + lp[base + token]! });
          }
          candidates.sort((a, b) => b.score - a.score);
          const kept: Beam[] = [];
          const keptParents: number[] = [];
          const keptTokens: number[] = [];
          for (const c of candidates) {
            if (kept.length === k) break;
            const loop = opts.sentenceEnd !== undefined && c.token === opts.sentenceEnd && repeatsSentence(c.beam.ids, opts.sentenceEnd);
            if (c.token === EOS || loop) {
              const ids = loop ? c.beam.ids.slice(0, c.beam.ids.lastIndexOf(opts.sentenceEnd!) + 1) : c.beam.ids;
              finished[i]!.push({ ids, score: c.score / Math.max(1, ids.length + 1) ** penalty, row: -1 });
              // Greedy (k = 1) stops at its first EOS; beams once k hypotheses have ended.
              if (finished[i]!.length >= k) break;
              continue;
            }
            keptParents.push(j * k + c.beam.row);
            keptTokens.push(c.token);
            kept.push({ ids: [...c.beam.ids, c.token], score: c.score, row: kept.length });
          }
          beams[i] = kept;
          if (finished[i]!.length >= k || !kept.length) continue;
          stillLive.push(i);
          for (let b = 0; b < k; b++) {
            keptRows.push(j * k + b);
            parents.push(keptParents[b] ?? j * k);
            next.push(keptTokens[b] ?? PAD);
          }
        }
        if (!stillLive.length) {
          step.hn.dispose();
          break;
        }
        const previous = s;
        s = tf.tidy(() => {
          const rows = tf.tensor1d(keptRows, 'int32');
          const h = tf.gather(step.hn, tf.tensor1d(parents, 'int32')) as tf.Tensor2D;
          if (stillLive.length === live.length) return { ...previous, h };
          return { h, xz: tf.gather(previous.xz, rows), xr: tf.gather(previous.xr, rows), xn: tf.gather(previous.xn, rows) } as typeof previous;
        });
        step.hn.dispose();
        previous.h.dispose();
        if (stillLive.length !== live.length) tf.dispose([previous.xz, previous.xr, previous.xn]);
        live = stillLive;
        prev = next;
      }
    } finally {
      tf.dispose(Object.values(s));
    }
    return finished.map((f, i) => {
      if (f.length) return f.reduce((a, b) => (b.score > a.score ? b : a)).ids;
      // An input cut by the length limit falls back to its best unfinished hypothesis, less its
      // unfinished last sentence when an earlier one ended (`sentenceEnd`).
      const scored = beams[i]!.map((b) => ({ ids: b.ids, score: b.score / Math.max(1, b.ids.length) ** penalty }));
      const { ids } = scored.reduce((a, b) => (b.score > a.score ? b : a), { ids: [] as number[], score: -Infinity });
      const end = opts.sentenceEnd === undefined ? -1 : ids.lastIndexOf(opts.sentenceEnd);
      return end < 0 ? ids : ids.slice(0, end + 1);
    });
  }

  /** Every weight as a Float32Array, by name. */
  weights(): Record<ParamName, Float32Array> {
    return Object.fromEntries(this.names.map((n) => [n, this.params[n].dataSync() as Float32Array])) as Record<ParamName, Float32Array>;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
