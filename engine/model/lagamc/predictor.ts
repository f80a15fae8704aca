// Prediction with a LAGAMC model: the generator, reading the label head's probabilities (from the
// text's encoder vector and TF-IDF terms, or its SVM margins, to which a fine-tuned encoder's label
// logits may be added) with the model's head shift, writes
// descriptions autoregressively (greedy or beam search, optionally constrained to the label
// sentences or, with `candidates`, to the sentences of the labels the head holds; labels may be
// forced, and with `headDecides` the rare labels are written exactly when the head holds them;
// ending at a repeated sentence), copies of label sentences get their own spelling back
// (verbatim.ts), and the matcher maps each generated sentence to the most similar label description, through the
// encoder adapter trained with the model. Sentences under the threshold are hallucinated matches:
// reported, not used. With `fallback`, a text whose sentences matched nothing gets the label its
// best sentence came closest to (flagged `fallback`). A model with a head also reports the head's
// probability of every label (withHeadProbabilities), which orders and ranks the labels.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LabelSet } from '../../data/labels';
import { adaptEncoder } from '../../encoders/adapter';
import type { SentenceEncoder } from '../../encoders/encoder';
import { loadEncoder } from '../../encoders/index';
import { Matcher } from '../../matching/matcher';
import { SentenceConstraint } from '../../models/constrained';
import type { LinearSvm } from '../../models/compact/linearSvm';
import { encoderInput, type DecodeOptions } from '../../models/compact/model';
import { TextFeatures, type SparseRow } from '../../models/compact/textFeatures';
import { EOS, type Vocab } from '../../models/compact/vocab';
import { TunedUse } from '../../models/tunedUse/model';
import { fuseMargins } from '../../training/fusion';
import { joinDescriptions } from '../../matching/sentences';
import { writableSentences, writtenLabels, type TargetMode } from '../../training/targets';
import { initBackend } from '../../tf/backend';
import type { ModelManifest } from '../manifest';
import type { Decoding, PredictOptions, Prediction, Predictor } from '../prediction';
import { VerbatimSentences } from './verbatim';
import { LAGAMC_KIND, TUNED_ENCODER_DIR, LagamcWeights, assertLabelFileUnchanged, loadLinearSvm, loadTextFeatures, loadVocab, readLabelSnapshot, type LagamcSettings } from './folder';

/** The label sentences as a decoding constraint over the generator's vocabulary. */
export function labelConstraint(set: LabelSet, vocab: Vocab, mode: TargetMode): SentenceConstraint {
  return new SentenceConstraint(writableSentences(set, mode).map((s) => vocab.encode(joinDescriptions([s])).slice(0, -1)), EOS);
}

/**
 * Decoding options of the compact generator; with `headCandidates`, each text's candidates are the
 * labels its head holds (`candidates` in Decoding); with `force`, the labels at or above that head
 * probability must be written (`force` in Decoding); the labels flagged in `decided` are written
 * exactly when the head holds them (`headDecides` in Decoding).
 */
export interface GeneratorDecoding extends DecodeOptions {
  headCandidates?: boolean;
  force?: number;
  decided?: readonly boolean[];
}

/**
 * The generator's decoding options for the requested decoding (`constraint` gives the label
 * sentences; `labelTexts`, the model's training texts per label, which `headDecides` needs);
 * generation ends at a repeated sentence.
 */
export function decodeOptions(decoding: Decoding, vocab: Vocab, constraint: () => SentenceConstraint, labelTexts?: readonly number[]): GeneratorDecoding {
  const period = vocab.id('.');
  const constrained = decoding.constrained || decoding.candidates;
  const force = decoding.force ?? undefined;
  const headDecides = decoding.headDecides ?? undefined;
  if (force !== undefined && !constrained) throw new Error('forced labels need constrained or candidates decoding');
  if (force !== undefined && !(force >= 0.5 && force <= 1)) throw new Error(`the forced labels' head probability must be between 0.5 and 1, not ${force}`);
  if (headDecides !== undefined) {
    if (!constrained) throw new Error('labels decided by the head need constrained or candidates decoding');
    if (!(Number.isInteger(headDecides) && headDecides >= 1)) throw new Error(`the training texts under which the head decides a label must be a whole number of at least 1, not ${headDecides}`);
    if (!labelTexts) throw new Error("labels decided by the head need the model's training texts per label (settings.labelTexts of lagamc-model.json), which models trained before 2026-12-07 lack: retrain it");
  }
  return {
    numBeams: decoding.numBeams ?? 1,
    ...(constrained ? { constraint: constraint() } : {}),
    ...(decoding.candidates ? { headCandidates: true } : {}),
    ...(force !== undefined ? { force } : {}),
    ...(headDecides !== undefined ? { decided: labelTexts!.map((n) => n < headDecides) } : {}),
    ...(period !== undefined ? { sentenceEnd: period } : {}),
  };
}

/** The label sentences (and the none sentence) that generated copies are restored to. */
export function labelVerbatim(set: LabelSet, mode: TargetMode): VerbatimSentences {
  return new VerbatimSentences(writableSentences(set, mode));
}

/** What the generator reads of each text: its encoder vector (rows × dim), TF-IDF row and SVM margins (rows × labels), each null when the generator does not read it. */
export interface GeneratorInputs {
  vectors: Float32Array;
  dim: number;
  bags: readonly SparseRow[] | null;
  margins: Float32Array | null;
}

/** A fine-tuned encoder and the weight of its label logits in the margins (TunedUse). */
export interface TunedMargins {
  model: TunedUse;
  weight: number;
}

/** A predictor's inputs for texts whose encoder vectors are known; with `tuned`, the margins are m + w·z. */
export function generatorInputs(texts: readonly string[], vectors: Float32Array, dim: number, features: TextFeatures | null, svm: LinearSvm | null, tuned: TunedMargins | null = null): GeneratorInputs {
  const bags = features ? texts.map((t) => features.row(t)) : null;
  const m = svm && bags ? svm.margins(bags) : null;
  return { vectors, dim, bags, margins: m && tuned ? fuseMargins(m, tuned.model.logits(texts), tuned.weight) : m };
}

/** Rows generated together (generateTexts). */
export const GENERATION_BATCH = 128;

/** What generateTexts writes: each text's generation, and the head's probabilities it read (rows × labels), null without a head. */
export interface Generated {
  texts: string[];
  probabilities: Float32Array | null;
}

/** Generated text for each text (batched; `signal` is checked before each batch), with verbatim label sentences in their own spelling. */
export async function generateTexts(weights: LagamcWeights, vocab: Vocab, verbatim: VerbatimSentences, inputs: GeneratorInputs, decode: GeneratorDecoding = {}, headShift = 0, opts: { batchSize?: number; signal?: AbortSignal } = {}): Promise<Generated> {
  const batchSize = opts.batchSize ?? GENERATION_BATCH;
  const rows = inputs.vectors.length / inputs.dim;
  const { labels } = weights.generator.config;
  if ((decode.headCandidates || decode.force !== undefined || decode.decided) && labels === 0) throw new Error(`${headNeed(decode)} the generator's label head, and this model has none (trained with --label-head 0)`);
  if (decode.decided && decode.decided.length !== labels) throw new Error(`labels decided by the head: ${decode.decided.length} labels' training texts for a head of ${labels}`);
  const texts: string[] = [];
  const probabilities = labels ? new Float32Array(rows * labels) : null;
  for (let start = 0; start < rows; start += batchSize) {
    opts.signal?.throwIfAborted();
    const x = conditionRows(weights, inputs, start, Math.min(batchSize, rows - start), headShift);
    try {
      const p = probabilities ? await headProbabilities(x, labels) : null;
      if (p) probabilities!.set(p, start * labels);
      const constraints = p ? headConstraints(p, labels, decode) : {};
      for (const ids of await weights.generator.decode(x, { ...decode, ...constraints })) texts.push(verbatim.restore(vocab.decode(ids)));
    } finally {
      x.dispose();
    }
  }
  return { texts, probabilities };
}

/** The generator's conditioning vectors of input rows start … start + n − 1. */
function conditionRows(weights: LagamcWeights, inputs: GeneratorInputs, start: number, n: number, headShift: number): tf.Tensor2D {
  const { vectors, dim, bags, margins } = inputs;
  const { bagSize, labels } = weights.generator.config;
  return tf.tidy(() => {
    const u = tf.tensor2d(vectors.subarray(start * dim, (start + n) * dim), [n, dim]);
    const bag = bags && weights.generator.readsBag ? tf.tensor2d(TextFeatures.dense(bags.slice(start, start + n), bagSize), [n, bagSize]) : null;
    const m = margins ? tf.tensor2d(margins.subarray(start * labels, (start + n) * labels), [n, labels]) : null;
    return weights.generator.condition(u, bag, m, headShift).x;
  });
}

/**
 * `predictions` (one per row of `p`, rows × labels head probabilities in the order of `labels`)
 * with the head's view added: each predicted label's `probability`, the labels ordered by it (the
 * matcher's order on ties), and `probabilities`, which also become the ranking `scores`.
 */
export function withHeadProbabilities(predictions: readonly Prediction[], labels: readonly string[], p: Float32Array): Prediction[] {
  const n = labels.length;
  const col = new Map(labels.map((l, j) => [l, j]));
  return predictions.map((pred, i) => {
    const probabilities = Object.fromEntries(labels.map((l, j) => [l, p[i * n + j]!]));
    const scored = pred.labels.map((l) => ({ ...l, probability: p[i * n + col.get(l.label)!]! }));
    return { ...pred, labels: scored.sort((a, b) => b.probability - a.probability), scores: probabilities, probabilities };
  });
}

/** The head's probabilities in conditioning vectors (their last `labels` columns). */
async function headProbabilities(x: tf.Tensor2D, labels: number): Promise<Float32Array> {
  const p = tf.slice(x, [0, x.shape[1] - labels], [x.shape[0], labels]);
  try {
    return (await p.data()) as Float32Array;
  } finally {
    p.dispose();
  }
}

/** What an option that reads the head needs, for the error when the model has none. */
function headNeed(decode: GeneratorDecoding): string {
  return decode.headCandidates ? 'candidates decoding needs' : decode.force !== undefined ? 'forced labels need' : 'labels decided by the head need';
}

/**
 * Per row of a rows × labels probability matrix, the sentences it may write (index `labels` in
 * writableSentences is the none sentence) and those it must write. The head holds a label at
 * probability ≥ 0.5. With `headCandidates` only held labels may be written; with `force` the labels
 * at or above it must be; a label flagged in `decided` must be written when held and may not be
 * otherwise. The none sentence may be written only when no label must. With `headCandidates` each
 * row's length limit also holds all of its candidates (`fitCandidates`).
 */
export function headConstraints(p: Float32Array, labels: number, decode: GeneratorDecoding): Pick<DecodeOptions, 'candidates' | 'required' | 'fitCandidates'> {
  const { force, decided, headCandidates } = decode;
  if (!headCandidates && force === undefined && !decided) return {};
  const rows = p.length / labels;
  const cols = Array.from({ length: labels }, (_, j) => j);
  const required: number[][] = [];
  const candidates: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const held = (j: number) => p[i * labels + j]! >= 0.5;
    const must = cols.filter((j) => (force !== undefined && p[i * labels + j]! >= force) || (decided?.[j] && held(j)));
    required.push(must);
    candidates.push([...cols.filter((j) => (decided?.[j] || headCandidates ? held(j) : true)), ...(must.length ? [] : [labels])]);
  }
  return { candidates, ...(force !== undefined || decided ? { required } : {}), ...(headCandidates ? { fitCandidates: true } : {}) };
}

export function withFallback(predictions: Prediction[]): Prediction[] {
  return predictions.map((p) => {
    if (p.labels.length || !p.sentences?.length) return p;
    const best = p.sentences.reduce((a, b) => (b.score > a.score ? b : a));
    return { ...p, labels: [{ label: best.label, score: best.score }], fallback: true };
  });
}

export class LagamcPredictor implements Predictor {
  readonly kind = LAGAMC_KIND;
  readonly labels: readonly string[];

  constructor(
    readonly dir: string,
    private readonly settings: LagamcSettings,
    private readonly encoder: SentenceEncoder,
    private readonly weights: LagamcWeights,
    private readonly vocab: Vocab,
    private readonly features: TextFeatures | null,
    private readonly svm: LinearSvm | null,
    private readonly tuned: TunedMargins | null,
    private readonly matcher: Matcher,
    private readonly constraint: SentenceConstraint,
    private readonly verbatim: VerbatimSentences,
  ) {
    this.labels = matcher.labels.slice(0, matcher.labelCount);
  }

  static async create(dir: string, settings: LagamcSettings, set: LabelSet, weights: LagamcWeights, vocab: Vocab, features: TextFeatures | null, svm: LinearSvm | null, tuned: TunedMargins | null): Promise<LagamcPredictor> {
    const encoder = await loadEncoder(settings.encoder);
    const matcher = await Matcher.create(writtenLabels(set, settings.targets), adaptEncoder(encoder, weights.adapter), settings.threshold !== undefined ? { threshold: settings.threshold } : {});
    return new LagamcPredictor(dir, settings, encoder, weights, vocab, features, svm, tuned, matcher, labelConstraint(set, vocab, settings.targets), labelVerbatim(set, settings.targets));
  }

  /** What the generator reads of each text. */
  private async inputs(texts: readonly string[], opts: PredictOptions): Promise<GeneratorInputs> {
    const x = await this.encoder.encode(texts.map(encoderInput), { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) });
    return generatorInputs(texts, x, this.encoder.dim, this.features, this.svm, this.tuned);
  }

  private async generateFrom(inputs: GeneratorInputs, opts: PredictOptions): Promise<Generated> {
    let decode: GeneratorDecoding;
    try {
      decode = decodeOptions({ ...this.settings.decoding, ...opts.decoding }, this.vocab, () => this.constraint, this.settings.labelTexts);
    } catch (e) {
      throw new Error(`${this.dir}: ${(e as Error).message}`);
    }
    if ((decode.headCandidates || decode.force !== undefined || decode.decided) && !this.weights.generator.config.labels) throw new Error(`${this.dir}: ${headNeed(decode)} the generator's label head, and this model has none (trained with --label-head 0)`);
    return generateTexts(this.weights, this.vocab, this.verbatim, inputs, decode, this.settings.headShift ?? 0, opts.signal ? { signal: opts.signal } : {});
  }

  /** Generated text for each input text. */
  async generate(texts: readonly string[], opts: PredictOptions = {}): Promise<string[]> {
    return (await this.generateFrom(await this.inputs(texts, opts), opts)).texts;
  }

  async predict(texts: readonly string[], opts: PredictOptions = {}): Promise<Prediction[]> {
    const { texts: generated, probabilities } = await this.generateFrom(await this.inputs(texts, opts), opts);
    const matched = await this.matcher.match(generated, opts.signal ? { signal: opts.signal } : {});
    const predictions = this.settings.fallback ? withFallback(matched) : matched;
    return probabilities ? withHeadProbabilities(predictions, this.labels, probabilities) : predictions;
  }

  dispose(): void {
    this.weights.dispose();
    this.tuned?.model.dispose();
  }
}

export async function loadLagamc(dir: string, manifest: ModelManifest): Promise<Predictor> {
  await initBackend();
  const settings = manifest.settings as LagamcSettings | undefined;
  if (!settings || typeof settings.encoder !== 'string') throw new Error(`${join(dir, 'lagamc-model.json')}: "settings" is missing or incomplete`);
  const force = settings.decoding?.force;
  if (force != null && (typeof force !== 'number' || !(force >= 0.5 && force <= 1) || !(settings.decoding!.constrained || settings.decoding!.candidates))) {
    throw new Error(`${join(dir, 'lagamc-model.json')}: "settings.decoding.force" must be null or a head probability from 0.5 to 1 with constrained or candidates decoding, not ${JSON.stringify(force)}`);
  }
  const headDecides = settings.decoding?.headDecides;
  if (headDecides != null && (typeof headDecides !== 'number' || !Number.isInteger(headDecides) || headDecides < 1 || !(settings.decoding!.constrained || settings.decoding!.candidates))) {
    throw new Error(`${join(dir, 'lagamc-model.json')}: "settings.decoding.headDecides" must be null or a whole number of training texts (at least 1) with constrained or candidates decoding, not ${JSON.stringify(headDecides)}`);
  }
  if (settings.labelTexts !== undefined && (!Array.isArray(settings.labelTexts) || settings.labelTexts.length !== manifest.labels.length || !settings.labelTexts.every((n) => Number.isInteger(n) && n >= 0))) {
    throw new Error(`${join(dir, 'lagamc-model.json')}: "settings.labelTexts" must list a whole number of training texts for each of the ${manifest.labels.length} labels`);
  }
  const set = await readLabelSnapshot(dir);
  await assertLabelFileUnchanged(dir, settings, set);
  const weights = await LagamcWeights.load(dir);
  const features = await loadTextFeatures(dir);
  const svm = await loadLinearSvm(dir);
  if (weights.generator.config.margins && (!svm || !features)) throw new Error(`${dir}: the generator reads SVM margins, but svm.json or features.json is missing`);
  let tuned: TunedMargins | null = null;
  if (settings.fusionWeight !== undefined) {
    if (typeof settings.fusionWeight !== 'number' || !(settings.fusionWeight > 0) || !svm) throw new Error(`${join(dir, 'lagamc-model.json')}: "settings.fusionWeight" must be a positive number, and only with svm.json, not ${JSON.stringify(settings.fusionWeight)}`);
    const model = await TunedUse.load(join(dir, TUNED_ENCODER_DIR));
    if (!model) throw new Error(`${dir}: the model adds a fine-tuned encoder's logits to its margins, but ${join(TUNED_ENCODER_DIR, 'weights.json')} is missing`);
    if (model.labels !== svm.labels) throw new Error(`${join(dir, TUNED_ENCODER_DIR, 'weights.json')}: ${model.labels} labels, but svm.json has ${svm.labels}`);
    tuned = { model, weight: settings.fusionWeight };
  }
  return LagamcPredictor.create(dir, settings, set, weights, await loadVocab(dir), features, svm, tuned);
}
