// Greedy and beam-search generation for T5Model. The encoder runs once; the decoder keeps a key/value
// cache of its self-attention (and cross-attention keys/values computed once), so each new token costs
// one decoder position instead of re-running the whole prefix (`useCache: false` re-runs it, for
// comparison). Scores are summed log-probabilities; beam search follows Hugging Face's
// (early_stopping=True: stop once `numBeams` hypotheses ended; score = sum / generated length^lengthPenalty).
// Token selection happens in JS over the step's log-probabilities, which also applies constraints.
import * as tf from '@tensorflow/tfjs-core';
import type { SentenceConstraint } from '../constrained';
import type { KeyValue, T5Model } from './model';

export interface GenerateOptions {
  /** Tokens generated after the decoder start token (default 32). */
  maxNewTokens?: number;
  /** 1: greedy (default). */
  numBeams?: number;
  lengthPenalty?: number;
  /** Decoder key/value cache (default true). */
  useCache?: boolean;
  /** Restricts the output to allowed sentences. */
  constraint?: SentenceConstraint;
}

export interface Generated {
  /** Starts with the decoder start token; ends with `</s>` unless the token limit stopped it. */
  ids: number[];
  /** Sum of the tokens' log-probabilities (beam search: divided by length^lengthPenalty). */
  score: number;
}

/**
 * Runs the decoder one new token per call, for each input's sequence (a batch) or for `k` beams of a
 * single input.
 */
class Stepper {
  private readonly enc: tf.Tensor3D;
  /** 0/1 mask of padded inputs; absent when all inputs have the same length. */
  private readonly mask?: tf.Tensor2D;
  private cross: KeyValue[] = [];
  private self: KeyValue[] = [];
  private length = 0;

  constructor(
    private readonly model: T5Model,
    inputs: number[][],
    private readonly useCache: boolean,
  ) {
    const t = Math.max(...inputs.map((r) => r.length));
    const ids = inputs.map((r) => [...r, ...Array<number>(t - r.length).fill(model.config.padTokenId)]);
    if (inputs.some((r) => r.length !== t)) this.mask = tf.tensor2d(inputs.map((r) => Array.from({ length: t }, (_, j) => (j < r.length ? 1 : 0))));
    this.enc = tf.tidy(() => model.encode(tf.tensor2d(ids, undefined, 'int32'), this.mask));
    if (useCache) {
      const flat = tf.tidy(() => model.crossKeyValues(this.enc).flatMap((kv) => [kv.k, kv.v]));
      for (let i = 0; i < flat.length; i += 2) this.cross.push({ k: flat[i]!, v: flat[i + 1]! });
    }
  }

  /** Log-probabilities [k][vocab] of the next token of each sequence (all of length `length + 1`). */
  next(seqs: number[][]): Float32Array[] {
    const k = seqs.length;
    const v = this.model.config.vocabSize;
    const flat = tf.tidy(() => {
      let logits: tf.Tensor3D;
      if (this.useCache) {
        const state = { cross: this.cross, self: [...this.self], length: this.length };
        logits = this.model.decode(tf.tensor2d(seqs.map((s) => [s[s.length - 1]!]), [k, 1], 'int32'), this.enc, this.mask, state);
        const old = this.self;
        this.self = state.self.map((kv) => ({ k: tf.keep(kv.k), v: tf.keep(kv.v) }));
        for (const kv of old) (kv.k.dispose(), kv.v.dispose());
        this.length = state.length;
      } else {
        const enc = k === this.enc.shape[0] ? this.enc : (tf.tile(this.enc, [k, 1, 1]) as tf.Tensor3D);
        logits = this.model.decode(tf.tensor2d(seqs, undefined, 'int32'), enc, this.mask);
      }
      const last = tf.reshape(tf.slice(logits, [0, logits.shape[1] - 1, 0], [k, 1, v]), [k, v]);
      return tf.logSoftmax(last).dataSync() as Float32Array;
    });
    return Array.from({ length: k }, (_, i) => flat.subarray(i * v, (i + 1) * v));
  }

  /** Keeps the cache rows of the chosen beams, in order. */
  reorder(beams: number[]): void {
    if (!this.useCache) return;
    const idx = tf.tensor1d(beams, 'int32');
    this.replace(this.self, (t) => tf.gather(t, idx));
    if (this.cross[0]!.k.shape[0] !== beams.length) this.replace(this.cross, (t) => tf.gather(t, idx));
    idx.dispose();
  }

  private replace(kvs: KeyValue[], f: (t: tf.Tensor4D) => tf.Tensor): void {
    kvs.forEach((kv, i) => {
      kvs[i] = { k: tf.tidy(() => f(kv.k)) as tf.Tensor4D, v: tf.tidy(() => f(kv.v)) as tf.Tensor4D };
      kv.k.dispose();
      kv.v.dispose();
    });
  }

  dispose(): void {
    this.enc.dispose();
    this.mask?.dispose();
    for (const kv of [...this.cross, ...this.self]) (kv.k.dispose(), kv.v.dispose());
  }
}

/** log-probabilities with every token the constraint forbids set to -Infinity. */
function constrain(logp: Float32Array, generated: number[], constraint: SentenceConstraint | undefined): Float32Array {
  if (!constraint) return logp;
  const out = new Float32Array(logp.length).fill(-Infinity);
  for (const id of constraint.allowed(generated)) out[id] = logp[id]!;
  return out;
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** Generates from one tokenised input (ids including its `</s>`). */
export function generate(model: T5Model, inputIds: number[], opts: GenerateOptions = {}): Generated {
  if ((opts.numBeams ?? 1) <= 1) return generateBatch(model, [inputIds], opts)[0]!;
  const release = model.freezeForInference();
  const stepper = new Stepper(model, [inputIds], opts.useCache ?? true);
  try {
    return beamSearch(model, stepper, opts.maxNewTokens ?? 32, opts.numBeams!, opts.lengthPenalty ?? 1, opts.constraint);
  } finally {
    stepper.dispose();
    release();
  }
}

/**
 * Generates for several inputs: greedy decoding runs them as one batch (larger matmuls, faster on
 * every backend); beam search runs them one by one.
 */
export function generateBatch(model: T5Model, inputs: number[][], opts: GenerateOptions = {}): Generated[] {
  if ((opts.numBeams ?? 1) > 1) return inputs.map((ids) => generate(model, ids, opts));
  const release = model.freezeForInference();
  const stepper = new Stepper(model, inputs, opts.useCache ?? true);
  try {
    return greedy(model, stepper, inputs.length, opts.maxNewTokens ?? 32, opts.constraint);
  } finally {
    stepper.dispose();
    release();
  }
}

function greedy(model: T5Model, stepper: Stepper, n: number, maxNew: number, constraint?: SentenceConstraint): Generated[] {
  const { decoderStartTokenId: start, eosTokenId: eos, padTokenId: pad } = model.config;
  const out: Generated[] = Array.from({ length: n }, () => ({ ids: [start], score: 0 }));
  const seqs = out.map(() => [start]);
  for (let t = 0; t < maxNew && out.some((o) => o.ids.at(-1) !== eos); t++) {
    const logps = stepper.next(seqs);
    out.forEach((o, i) => {
      if (o.ids.at(-1) === eos) return void seqs[i]!.push(pad); // finished rows only feed padding
      const logp = constrain(logps[i]!, o.ids.slice(1), constraint);
      const tok = argmax(logp);
      o.score += logp[tok]!;
      o.ids.push(tok);
      seqs[i]!.push(tok);
    });
  }
  return out;
}

function beamSearch(model: T5Model, stepper: Stepper, maxNew: number, k: number, lengthPenalty: number, constraint?: SentenceConstraint): Generated {
  const eos = model.config.eosTokenId;
  let running = [{ ids: [model.config.decoderStartTokenId], score: 0 }];
  const finished: Generated[] = [];
  for (let t = 0; t < maxNew && running.length; t++) {
    const logps = stepper.next(running.map((b) => b.ids));
    const candidates: { beam: number; tok: number; score: number }[] = [];
    running.forEach((b, i) => {
      const logp = constrain(logps[i]!, b.ids.slice(1), constraint);
      // the best 2k tokens of each beam contain the best 2k continuations overall
      const top = topK(logp, 2 * k);
      for (const tok of top) if (logp[tok]! > -Infinity) candidates.push({ beam: i, tok, score: b.score + logp[tok]! });
    });
    candidates.sort((a, b) => b.score - a.score);
    const last = t === maxNew - 1;
    const next: typeof running = [];
    const keep: number[] = [];
    candidates.slice(0, 2 * k).forEach((c, rank) => {
      const ids = [...running[c.beam]!.ids, c.tok];
      if (c.tok === eos || last) {
        if (rank < k) finished.push({ ids, score: c.score / (ids.length - 1) ** lengthPenalty });
      } else if (next.length < k) {
        next.push({ ids, score: c.score });
        keep.push(c.beam);
      }
    });
    finished.sort((a, b) => b.score - a.score).splice(k);
    if (finished.length >= k || last) break;
    running = next;
    stepper.reorder(keep);
  }
  return finished[0] ?? { ids: running[0]!.ids, score: running[0]!.score };
}

function topK(x: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (best.length < k) {
      best.push(i);
      best.sort((a, b) => x[b]! - x[a]!);
    } else if (x[i]! > x[best[k - 1]!]!) {
      best[k - 1] = i;
      best.sort((a, b) => x[b]! - x[a]!);
    }
  }
  return best;
}
