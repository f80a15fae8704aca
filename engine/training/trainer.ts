// Training a LAGAMC model (compact generator, from scratch): texts are read once by the frozen
// sentence encoder and turned into TF-IDF rows (textFeatures.ts, fitted on the training texts); the
// generator learns to write the target descriptions under the hybrid loss (hybridLoss.ts), its
// cross-entropy weighted towards rare labels (labelBalance.ts), plus the label head's binary
// cross-entropy (labelHeadLoss.ts; the head has its own learning rate). By default (`svm`) each
// label's linear SVM is fitted on the TF-IDF rows (word terms and char n-grams) before the first
// epoch (linearSvm.ts; their weight C chosen on dev among SVM_CS) and the head scales its margins
// (p = σ(a·m), a starting at MARGIN_WEIGHT; the per-label biases are held at 0), reading
// out-of-fold margins on training texts; with `svm: false`
// the head reads the encoder vector and a trained TF-IDF projection of the word terms, its biases starting at the labels' prior odds. Training runs in
// token-capped batches (batches.ts) that also hold label rows (labelRows.ts: each label's sentence
// taught from that label alone); after every epoch the model really generates for the dev texts,
// the matcher maps the sentences to labels, and the epoch with the best dev macro-F1 (or the metric
// `select` names: metrics/selection.ts) is kept (never test data, never teacher-forced outputs).
// Early stopping after `patience` epochs without improvement. Then the decoding (free; or
// constrained to the label sentences, or `candidates`: only the labels the head holds may be
// written, either with the labels the head is surest of forced: FORCE_LEVELS) and the head shift
// (HEAD_SHIFTS) are chosen on dev; then whether the head decides the labels with fewer than
// HEAD_DECIDES_TEXTS training texts (Decoding `headDecides`).
// With `fineTuneEncoder` (by default on training sets of at most FINE_TUNE_MAX_TOKENS tokens with
// a label of fusionMinTexts texts: the fine-tuning costs more than the rest), USE lite is first
// fine-tuned with a label layer (encoderTuning.ts) and its label logits z join the margins the head
// reads: m + w·z (fusion.ts: w chosen on dev, z only for labels with enough training texts; training
// texts: out-of-fold margins and the logits of the tuning's last epoch).
// Then each label with enough training texts may get a threshold of its own on those margins
// (labelThresholds.ts: kept if the margins alone score higher on dev; folded into the SVMs' biases).
// Each step's batch is cut into shards computed by parallel threads (gradientThreads.ts); the dev
// texts are generated on the same number of threads (generationThreads.ts).
// Each epoch ends with an atomic checkpoint; `resume` continues from it and, since batches depend
// only on (seed, epoch), reproduces the uninterrupted run (with the same number of threads).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Example } from '../data/example';
import type { LabelSet } from '../data/labels';
import { labelCounts, labelMatrix } from '../data/labelMatrix';
import { EmbeddingCache } from '../encoders/cache';
import type { SentenceEncoder } from '../encoders/encoder';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { base64ToFloat32, concatFloat32, float32ToBase64 } from '../io/float32';
import { Matcher } from '../matching/matcher';
import { evaluate, type EvalReport } from '../metrics/multilabel';
import { DEFAULT_SELECTION, SELECTION_METRICS, type SelectionMetric } from '../metrics/selection';
import { adaptEncoder } from '../encoders/adapter';
import { LAGAMC_KIND, TUNED_ENCODER_DIR, LagamcWeights, labelsHash, saveLabelSnapshot, saveLinearSvm, saveTextFeatures, saveVocab, type LagamcSettings } from '../model/lagamc/folder';
import { GenerationThreads, generationRanges } from '../model/lagamc/generationThreads';
import { withFallback, withHeadProbabilities, type GeneratorInputs } from '../model/lagamc/predictor';
import type { Decoding } from '../model/prediction';
import { readManifest, writeManifest } from '../model/manifest';
import { DEFAULT_SIZES, encoderInput, type CompactConfig } from '../models/compact/model';
import { LinearSvm } from '../models/compact/linearSvm';
import { fitWithOutOfFold } from '../models/compact/svmThreads';
import { TextFeatures, type SparseRow } from '../models/compact/textFeatures';
import { Vocab } from '../models/compact/vocab';
import { TunedUse } from '../models/tunedUse/model';
import type { ProgressListener } from '../progress';
import { seededRng } from '../random';
import { registerGradients } from '../tf/gradients';
import { copyVariables } from '../tf/variables';
import { defaultThreads } from '../workers';
import { LambdaWeight } from './hybridLoss';
import { THRESHOLD_MIN_TEXTS, chooseLabelThresholds, lowerMargins } from './labelThresholds';
import { GradientThreads } from './gradientThreads';
import { FINE_TUNE_MAX_TOKENS, fineTunesByDefault, tuneEncoder } from './encoderTuning';
import { DEFAULT_FUSION_WEIGHT, FUSION_MIN_TEXTS, FUSION_WEIGHTS, fuseMargins, fusedLabels, keepLabelLogits } from './fusion';
import type { Shard } from './shards';
import { AdamW, type AdamWState } from './optimizer';
import { epochBatches } from './batches';
import { labelBalanceWeights } from './labelBalance';
import { priorLogits } from './labelHeadLoss';
import { drawLabels, labelRows } from './labelRows';
import { targetText, writableSentences, writtenLabels, type TargetMode } from './targets';
import { averageDecay, updateAverage } from './weightAverage';

export const DEFAULT_TOKEN_BUDGET = 8192;
export const DEFAULT_EPOCHS = 10;
/** Epochs that the averaged weights span (weightAverage.ts). */
export const DEFAULT_AVERAGE_EPOCHS = 1;
export const DEFAULT_CHAR_GRAMS = 30_000;
export const DEFAULT_LEARNING_RATE = 6e-3;
/** The label head (and its TF-IDF projection) learns faster than the decoder: its rare labels need it. */
export const DEFAULT_HEAD_LEARNING_RATE = 0.01;
export const DEFAULT_LABEL_ROWS = 16;
/** Initial weight of a label's SVM margin in its head logit: σ(2m) is 0.12 at the margin m = −1, 0.88 at m = 1. */
export const MARGIN_WEIGHT = 2;
/** Dropout on the encoder vector the decoder reads (with the SVM head; CAVES test 60.4/53.1 without, 60.9/54.2 with it, one seed). */
export const DEFAULT_ENCODER_DROPOUT = 0.5;
/** Share of training texts whose decoder reads gold labels (with the SVM head). */
export const DEFAULT_GOLD_CONDITIONING = 0.5;
/**
 * Shifts of the head's logits tried on dev after training (the decoder then reads σ(logit + shift));
 * the first best dev macro-F1 is kept. The decoder learns on training texts, where the head is surer
 * of the gold labels than on new ones, so on new texts it can write too few labels (Reuters).
 */
export const HEAD_SHIFTS = [0, 1, 2];
/**
 * Head probabilities at or above which labels must be written (Decoding `force`), tried on dev after
 * training with constrained and candidates decoding. The decoder leaves out labels the head is sure
 * of when they seldom go together in training (README); forcing every label the head holds (0.5)
 * would leave it nothing to decide.
 */
export const FORCE_LEVELS = [0.9, 0.8, 0.7];
/**
 * Training texts under which the head decides a label (Decoding `headDecides`), tried on dev with the
 * chosen constrained or candidates decoding at each head shift. The decoder learns to write a rare
 * label from few texts and leaves out many the head holds: on Reuters (65 of 90 labels under 50
 * texts) the head deciding them lifts dev macro-F1 from 47.07 to 49.24 and test from 59.21 to
 * 61.64; among 10, 20, 50, 100 and 200 texts, 50 scored best on dev (README, BENCHMARKS.md).
 */
export const HEAD_DECIDES_TEXTS = 50;

/**
 * The decodings tried on dev after training, the first of which also scores the epochs. Without a
 * label head: the given one. With one, a given mode (free, constrained or candidates) is kept and a
 * given `force` (null: none) too; what is not given is chosen: free, constrained at each of
 * FORCE_LEVELS, candidates unforced and at each level (not free when `headDecides` is given).
 */
export function decodingChoices(given: Decoding, labelHead: number): Decoding[] {
  const constrainedGiven = given.constrained || given.candidates;
  const modeGiven = given.constrained !== undefined || given.candidates !== undefined;
  const needs = typeof given.force === 'number' ? 'forced labels need' : typeof given.headDecides === 'number' ? 'labels decided by the head need' : null;
  if (needs) {
    if (labelHead <= 0) throw new Error(`${needs} the label head (drop --label-head 0)`);
    if (modeGiven && !constrainedGiven) throw new Error(`${needs} constrained or candidates decoding, not free`);
  }
  if (labelHead <= 0) return [given];
  const forced = (d: Decoding): Decoding[] => (given.force === undefined ? FORCE_LEVELS.map((force) => ({ ...d, force })) : []);
  if (modeGiven) return constrainedGiven ? [given, ...forced(given)] : [given];
  const constrained = { ...given, constrained: true };
  const candidates = { ...given, candidates: true };
  // Free decoding first (it scores the epochs), unless what is given needs a constraint.
  return [needs ? constrained : given, ...forced(constrained), candidates, ...forced(candidates)];
}
/**
 * Weights C among which the SVMs' is chosen on dev (svmDevScore); the first wins ties. Dev picks 0.5
 * on CAVES and 2 on Reuters (BENCHMARKS.md): the model gains about 0.5 micro-F1 on CAVES (mean of
 * three seeds) and 1.4 macro-F1 on Reuters (one seed) over C = 1.
 */
export const SVM_CS = [1, 0.5, 2];
/** Margin thresholds of svmDevScore: about the span that the head shifts (HEAD_SHIFTS) give the head. */
export const SVM_DEV_THRESHOLDS = [0, -0.25, -0.5];

/** Share of the progress bar given to the fine-tuning (on CAVES it takes about as long as the rest). */
const TUNING_SHARE = 0.5;

/** Dev score (`select`, default macro-F1) of SVMs alone (a label wherever its margin exceeds the threshold) at the best of SVM_DEV_THRESHOLDS (the first on ties), and that threshold. */
export function svmDevScore(svm: LinearSvm, rows: readonly SparseRow[], gold: readonly string[][], names: string[], select: SelectionMetric = DEFAULT_SELECTION): { score: number; threshold: number } {
  return marginDevScore(svm.margins(rows), gold, names, select);
}

/** svmDevScore of given margins (rows × labels). */
export function marginDevScore(m: Float32Array, gold: readonly string[][], names: string[], select: SelectionMetric = DEFAULT_SELECTION): { score: number; threshold: number } {
  const score = (t: number) => SELECTION_METRICS[select].of(evaluate(gold, gold.map((_, i) => names.filter((_, j) => m[i * names.length + j]! > t)), { labels: names }));
  return SVM_DEV_THRESHOLDS.map((threshold) => ({ score: score(threshold), threshold })).reduce((best, s) => (s.score > best.score ? s : best));
}

export interface TrainOptions {
  out: string;
  /** Path of the label file (recorded so predict can refuse a changed one) and its text. */
  labelFile: string;
  labelFileText: string;
  /** How to reopen the encoder at prediction time (`loadEncoder` spec, e.g. "use"). */
  encoderSpec: string;
  epochs?: number;
  /** Most examples per step (default 128). */
  batchSize?: number;
  /** Most padded target tokens per step (default 8,192; batches.ts). */
  tokenBudget?: number;
  learningRate?: number;
  /** Peak learning rate of the label head and its TF-IDF projection (default 0.01). */
  headLearningRate?: number;
  /** Fixed λ (1 = cross-entropy only); learned when absent. */
  lambda?: number;
  targets?: TargetMode;
  seed?: number;
  patience?: number;
  /** Dev metric that selects the epoch, the SVMs' C, the decoding and the head shift (default macro-F1; metrics/selection.ts). */
  select?: SelectionMetric;
  adapterRank?: number;
  hidden?: number;
  /** Most TF-IDF terms the generator reads (default 10,000; 0: the encoder's vector only). */
  bagTerms?: number;
  /** Most character 3–5-grams the linear SVMs read beside the terms (default 30,000 with the SVM head; 0: words only; not read without it). */
  charGrams?: number;
  /** Dropout on the TF-IDF entries during training (default 0.3). */
  bagDropout?: number;
  /**
   * Dropout on the encoder vector in training (default 0.5 with the SVM head, where the decoder alone
   * reads it, so that the decoder follows the head's probabilities rather than memorising targets
   * from the vector; 0 with the projection head (`svm: false`), which reads it too).
   */
  encoderDropout?: number;
  /**
   * Share of training texts whose decoder reads their gold labels (0/1) instead of the head's
   * probabilities (default 0.5 with the SVM head, whose calibrated probabilities alone teach the
   * decoder a blurred mapping from probabilities to sentences; 0 with the projection head).
   */
  goldConditioning?: number;
  /** Whether the label head is the labels' Platt-scaled linear SVMs (linearSvm.ts; default true; needs the head and TF-IDF terms). */
  svm?: boolean;
  /** Weight C of the SVMs (default: chosen on dev among SVM_CS). */
  svmC?: number;
  /**
   * Fine-tune USE lite first and add its label logits to the SVM margins (encoderTuning.ts; needs the
   * SVM head). Default: with the SVM head, when some label has `fusionMinTexts` training texts and
   * the training texts hold at most FINE_TUNE_MAX_TOKENS tokens.
   */
  fineTuneEncoder?: boolean;
  /** Epochs of the fine-tuning (default: defaultTuningEpochs, 2 or 1 by the training texts' tokens). */
  fineTuneEpochs?: number;
  /** Peak learning rate of the fine-tuning (default 4e-4 divided by the epochs). */
  fineTuneLearningRate?: number;
  /** Weight w of the fine-tuned logits (default: chosen on dev among FUSION_WEIGHTS). */
  fusionWeight?: number;
  /** Training texts a label needs for its fine-tuned logits to be used (default FUSION_MIN_TEXTS). */
  fusionMinTexts?: number;
  /** Per-label thresholds on the SVM head's margins (labelThresholds.ts; default: kept when they raise the dev score; false: never). */
  labelThresholds?: boolean;
  /** Decoding of dev predictions (default greedy); what it leaves open is chosen on dev after training (decodingChoices). */
  decoding?: Decoding;
  /** Weight of the label head's loss (labelHeadLoss.ts; default 1; 0: a generator without label head). */
  labelHead?: number;
  /** Label rows per batch (labelRows.ts; default 16; 0: none). Only with a label head. */
  labelRows?: number;
  /** Threads computing each step and generating the dev texts (gradientThreads.ts, generationThreads.ts; default: the cores, at most 4). */
  threads?: number;
  /** Epochs that the averaged weights span (weightAverage.ts; default 1; 0: the last step's weights). */
  averageEpochs?: number;
  /** Fixed head shift (model.ts `condition`) instead of the one chosen on dev among HEAD_SHIFTS. */
  headShift?: number;
  /** Exponent α of the rare-label example weights in the cross-entropy (labelBalance.ts; default 0.5). */
  labelBalance?: number;
  fallback?: boolean;
  threshold?: number;
  resume?: boolean;
  /** Keep encoder vectors of texts on disk (default: <out>/.cache). */
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface TrainResult {
  bestEpoch: number;
  /** Weight C of the SVM head's SVMs (null without them). */
  svmC: number | null;
  /** Weight w of the fine-tuned encoder's logits in the head's margins (null without fine-tuning). */
  fusionWeight: number | null;
  /** Labels whose margins are lowered by a threshold of their own (labelThresholds.ts; 0: none). */
  thresholdedLabels: number;
  epochsRun: number;
  dev: EvalReport;
  lambda: number;
  /** Head shift of the saved model (HEAD_SHIFTS; 0 without a head). */
  headShift: number;
  /** Decoding of the saved model (its default at prediction). */
  decoding: Decoding;
  seconds: number;
}

interface Checkpoint {
  epoch: number;
  bestEpoch: number;
  /** What the run selects on, and its best dev score so far. */
  select: SelectionMetric;
  bestScore: number;
  sinceBest: number;
  seconds: number;
  lambdaReference: { ce: number; cos: number } | null;
  /** Weight of the fine-tuned encoder's logits (null or absent: no fine-tuning). */
  fusionWeight?: number | null;
  /** Training texts a label needed for them (absent: 0, as before the gate). */
  fusionMinTexts?: number;
  optimizer: { step: number; m: string[]; v: string[] };
}


export async function trainLagamc(set: LabelSet, train: readonly Example[], dev: readonly Example[], encoder: SentenceEncoder, opts: TrainOptions): Promise<TrainResult> {
  registerGradients();
  const seed = opts.seed ?? 1;
  const mode = opts.targets ?? 'descriptions';
  const epochs = opts.epochs ?? DEFAULT_EPOCHS;
  const batchSize = opts.batchSize ?? 128;
  const names = set.labels.map((l) => l.name);
  const select = opts.select ?? DEFAULT_SELECTION;
  const metric = SELECTION_METRICS[select];
  // A resumed run's checkpoint is read first, so that a mismatch is refused before any work.
  const checkpointDir = join(opts.out, 'checkpoint');
  const stateFile = join(checkpointDir, 'state.json');
  const resumed = opts.resume && existsSync(stateFile) ? (JSON.parse(await readFile(stateFile, 'utf8')) as Checkpoint) : null;
  if (resumed && resumed.select !== select) throw new Error(`${stateFile}: "select" is "${resumed.select}": the run selects on that metric; resume it with --select ${resumed.select}`);
  const targets = train.map((e) => targetText(e.labels ?? [], set, mode));
  const vocab = Vocab.build([...writableSentences(set, mode), ...targets]);
  const ids = targets.map((t) => vocab.encode(t));
  const exampleWeight = labelBalanceWeights(train.map((e) => e.labels ?? []), opts.labelBalance ?? 0.5);
  const dim = encoder.dim;
  const cache = new EmbeddingCache({ dir: opts.cacheDir ?? join(opts.out, '.cache'), capacity: 200_000 });
  const encodeOpts = opts.signal ? { signal: opts.signal } : {};
  opts.onProgress?.({ phase: 'encode', fraction: 0, message: `reading ${train.length + dev.length} texts with ${encoder.id}` });
  const trainX = await cache.encode(encoder, train.map((e) => encoderInput(e.text)), encodeOpts);
  const devX = await cache.encode(encoder, dev.map((e) => encoderInput(e.text)), encodeOpts);
  const distinctTargets = [...new Set(targets)];
  const targetRow = new Map(distinctTargets.map((t, i) => [t, i]));
  const targetVectors = await cache.encode(encoder, distinctTargets, encodeOpts);
  const labelHead = opts.labelHead ?? 1;
  const labelRowCount = labelHead > 0 ? (opts.labelRows ?? DEFAULT_LABEL_ROWS) : 0;
  const labelTargets = names.map((n) => targetText([n], set, mode));
  const labelIndex = new Map(names.map((n, j) => [n, j]));
  const trainGolds = train.map((e) => (e.labels ?? []).map((l) => labelIndex.get(l)!));
  const labelTexts = labelCounts(trainGolds, names.length);
  const rows = labelRowCount > 0 ? labelRows(trainGolds, trainX, await cache.encode(encoder, labelTargets, encodeOpts), labelTargets.map((t) => vocab.encode(t)), dim) : null;
  await cache.save();

  const bagTerms = opts.bagTerms ?? 10_000;
  const svmHead = labelHead > 0 && bagTerms > 0 && (opts.svm ?? true);
  const features = bagTerms > 0 ? TextFeatures.fit(train.map((e) => e.text), { maxTerms: bagTerms, maxCharGrams: svmHead ? (opts.charGrams ?? DEFAULT_CHAR_GRAMS) : 0 }) : null;
  const trainBags = features ? train.map((e) => features.row(e.text)) : null;
  const devBags = features ? dev.map((e) => features.row(e.text)) : null;
  const bagDropout = opts.bagDropout ?? 0.3;
  let svm: LinearSvm | null = null;
  let trainMargins: Float32Array | null = null;
  let svmC: number | null = null;
  if (svmHead && features && trainBags) {
    const choose = opts.svmC === undefined && dev.length > 0;
    opts.onProgress?.({ phase: 'prepare', fraction: 0, message: `fitting ${names.length} linear SVMs on ${features.terms.length} TF-IDF terms and ${features.charGrams.length} char n-grams${choose ? ` (C chosen on dev among ${SVM_CS.join(', ')})` : ''}, and out-of-fold margins` });
    const devGold = dev.map((e) => e.labels ?? []);
    const fit = await fitWithOutOfFold(trainBags, trainGolds, names.length, features.size, { seed, ...(choose ? { cs: SVM_CS, score: (s: LinearSvm) => svmDevScore(s, devBags!, devGold, names, select).score } : { c: opts.svmC ?? 1 }), ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    ({ svm, outOfFold: trainMargins, c: svmC } = fit);
    if (choose) opts.onProgress?.({ phase: 'prepare', fraction: 0, message: `SVM weight C = ${svmC} (dev ${metric.name} of the SVMs alone: ${fit.scores.map((s) => `C ${s.c}: ${(100 * s.score).toFixed(2)}`).join(', ')})` });
  }
  let devMargins = svm && devBags ? svm.margins(devBags) : null;
  const fusionMinTexts = opts.fusionMinTexts ?? FUSION_MIN_TEXTS;
  let fineTune = opts.fineTuneEncoder ?? false;
  if (opts.fineTuneEncoder === undefined && svm) {
    const { tune, tokens } = await fineTunesByDefault(train.map((e) => e.text), trainGolds, names.length, fusionMinTexts);
    fineTune = tune;
    if (tokens !== null) opts.onProgress?.({ phase: 'prepare', fraction: 0, message: fineTune ? `fine-tuning the encoder first: the training texts hold ${tokens} tokens (at most ${FINE_TUNE_MAX_TOKENS} are fine-tuned by default)` : `not fine-tuning the encoder: the training texts hold ${tokens} tokens, more than the ${FINE_TUNE_MAX_TOKENS} fine-tuned by default (--fine-tune-encoder forces it)` });
  }
  // Progress after the fine-tuning fills the rest of the bar.
  const share = fineTune ? TUNING_SHARE : 0;
  const progress: ProgressListener = (e) => opts.onProgress?.({ ...e, fraction: share + (1 - share) * e.fraction });
  let tuned: TunedUse | null = null;
  let fusionWeight: number | null = null;
  let tuningSeconds = 0;
  let tuningEpochs = 0;
  let fusedCount = 0;
  if (fineTune) {
    const tuningStarted = performance.now();
    if (!svm || !trainMargins || !devMargins) throw new Error("fine-tuning the encoder adds its logits to the SVM head's margins, so it needs the SVM head: drop --no-svm, --label-head 0 and --bag-terms 0");
    if (resumed && resumed.fusionWeight == null) throw new Error(`${stateFile}: this run was checkpointed without fine-tuning the encoder; resume it with --no-fine-tune-encoder`);
    if (resumed && (resumed.fusionMinTexts ?? 0) !== fusionMinTexts) throw new Error(`${stateFile}: "fusionMinTexts" is ${resumed.fusionMinTexts ?? 0}: resume it with --fusion-min-texts ${resumed.fusionMinTexts ?? 0}`);
    const keep = fusedLabels(trainGolds, names.length, fusionMinTexts);
    fusedCount = keep.filter(Boolean).length;
    if (fusedCount === 0) throw new Error(`no label has ${fusionMinTexts} training texts or more, so the fine-tuned encoder's logits would join no label's margins: lower --fusion-min-texts (setting lagamc.train.fusionMinTexts) or drop --fine-tune-encoder`);
    const tuning = await tuneEncoder(train.map((e) => e.text), trainGolds, names.length, { ...(opts.fineTuneEpochs !== undefined ? { epochs: opts.fineTuneEpochs } : {}), ...(opts.fineTuneLearningRate !== undefined ? { learningRate: opts.fineTuneLearningRate } : {}), seed, threads: opts.threads ?? defaultThreads(), checkpointDir: join(checkpointDir, 'encoder'), resume: !!opts.resume, ...(opts.signal ? { signal: opts.signal } : {}), onProgress: (e) => opts.onProgress?.({ ...e, fraction: share * e.fraction }) });
    tuningEpochs = tuning.epochs;
    tuning.model.keepLabels(keep);
    const devZ = tuning.model.logits(dev.map((e) => e.text));
    tuningSeconds = (performance.now() - tuningStarted) / 1000;
    const weights = opts.fusionWeight !== undefined ? [opts.fusionWeight] : dev.length ? FUSION_WEIGHTS : [DEFAULT_FUSION_WEIGHT];
    const devGold = dev.map((e) => e.labels ?? []);
    const scores = weights.map((w) => ({ w, score: weights.length > 1 ? marginDevScore(fuseMargins(devMargins!, devZ, w), devGold, names, select).score : NaN }));
    fusionWeight = scores.reduce((best, s) => (s.score > best.score ? s : best)).w;
    progress({ phase: 'prepare', fraction: 0, message: `fine-tuned encoder's weight in the margins of the ${fusedCount} of ${names.length} labels with ${fusionMinTexts} training texts or more: w = ${fusionWeight}${weights.length > 1 ? ` (dev ${metric.name} of the margins alone: ${scores.map((s) => `w ${s.w}: ${(100 * s.score).toFixed(2)}`).join(', ')})` : ''}` });
    if (fusionWeight > 0) {
      trainMargins = fuseMargins(trainMargins, keepLabelLogits(tuning.trainLogits, keep), fusionWeight);
      devMargins = fuseMargins(devMargins, devZ, fusionWeight);
      tuned = tuning.model;
    } else tuning.model.dispose();
  } else if (resumed?.fusionWeight != null) throw new Error(`${stateFile}: this run fine-tuned the encoder; resume it with --fine-tune-encoder`);
  // Per-label thresholds from the training texts' margins, kept if the margins alone score higher on dev.
  let thresholdedLabels = 0;
  if (svm && trainMargins && devMargins && dev.length && opts.labelThresholds !== false) {
    const devGold = dev.map((e) => e.labels ?? []);
    const choice = chooseLabelThresholds(trainMargins, trainGolds, names.length, devMargins, (m) => marginDevScore(m, devGold, names, select));
    if (choice.kept) {
      svm = svm.lowered(choice.offsets);
      trainMargins = lowerMargins(trainMargins, choice.offsets);
      devMargins = lowerMargins(devMargins, choice.offsets);
      thresholdedLabels = choice.labels;
    }
    progress({ phase: 'prepare', fraction: 0, message: `${choice.kept ? 'keeping' : 'not keeping'} per-label thresholds for the ${choice.labels} labels with ${THRESHOLD_MIN_TEXTS} training texts or more (dev ${metric.name} of the margins alone: ${(100 * choice.score).toFixed(2)} with them, ${(100 * choice.globalScore).toFixed(2)} with one threshold)` });
  }
  const encoderDropout = opts.encoderDropout ?? (svm ? DEFAULT_ENCODER_DROPOUT : 0);
  const goldConditioning = labelHead > 0 ? (opts.goldConditioning ?? (svm ? DEFAULT_GOLD_CONDITIONING : 0)) : 0;
  const devInputs: GeneratorInputs = { vectors: devX, dim, bags: devBags, margins: devMargins };
  const config: CompactConfig = { vocabSize: vocab.size, inputDim: dim, bagSize: features?.size ?? 0, bagDim: DEFAULT_SIZES.bagDim, labels: labelHead > 0 ? names.length : 0, ...(svm ? { margins: true } : {}), hidden: opts.hidden ?? DEFAULT_SIZES.hidden, embedding: DEFAULT_SIZES.embedding, maxLength: Math.min(DEFAULT_SIZES.maxLength * 2, Math.max(...ids.map((t) => t.length)) + 8), seed };
  const adapterRank = opts.adapterRank ?? 16;
  const initialHead = svm ? { bl: new Float32Array(names.length), wm: new Float32Array(names.length).fill(MARGIN_WEIGHT) } : { bl: priorLogits(train.map((e) => e.labels ?? []), names) };
  const weights = LagamcWeights.create(config, adapterRank, labelHead > 0 ? initialHead : undefined);
  const lambda = new LambdaWeight(opts.lambda ?? null);
  const variables = [...weights.variables, ...(lambda.rho ? [lambda.rho] : [])];
  const targetLengths = ids.map((t) => t.length);
  const limits = { batchSize, tokenBudget: opts.tokenBudget ?? DEFAULT_TOKEN_BUDGET };
  const stepsPerEpoch = epochBatches(targetLengths, limits, seededRng(seed)).length;
  const learningRate = opts.learningRate ?? DEFAULT_LEARNING_RATE;
  const head = new Set(weights.generator.headVariables);
  // With the SVM head the per-label biases stay at 0 (rate 0), p = σ(a·m): the Platt biases made rare
  // labels stricter than their SVMs' own threshold m = 0, and the head lost them (README).
  const rateScale = variables.map((v) => (svm && v === weights.generator.params.bl ? 0 : head.has(v) ? (opts.headLearningRate ?? DEFAULT_HEAD_LEARNING_RATE) / learningRate : 1));
  const optimizer = new AdamW(variables, { learningRate, totalSteps: epochs * stepsPerEpoch, rateScale });
  // Dev scores and the saved model use the averaged weights (weightAverage.ts), starting from the initial ones.
  const decay = averageDecay(opts.averageEpochs ?? DEFAULT_AVERAGE_EPOCHS, stepsPerEpoch);
  const averaged = decay > 0 ? LagamcWeights.create(config, adapterRank) : null;
  if (averaged) copyVariables(averaged.variables, weights.variables);
  const scored = averaged ?? weights;
  // Epochs are scored with the first of the decodings tried after training.
  const choices = decodingChoices(opts.decoding ?? {}, labelHead);
  let decoding = choices[0]!;
  const settings: LagamcSettings = { encoder: opts.encoderSpec, generator: config, targets: mode, fallback: opts.fallback ?? false, labelFile: resolve(opts.labelFile), labelsHash: labelsHash(set), labelTexts, ...(tuned ? { fusionWeight: fusionWeight! } : {}), ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}), decoding, ...(labelHead > 0 && opts.headShift ? { headShift: opts.headShift } : {}) };
  let start = 1;
  let bestEpoch = 0;
  let bestScore = -1;
  let sinceBest = 0;
  let secondsBefore = 0;
  if (resumed) {
    for (const [into, dir] of [[weights, checkpointDir], ...(averaged ? [[averaged, join(checkpointDir, 'average')] as const] : [])] as const) {
      const saved = await LagamcWeights.load(dir);
      copyVariables(into.variables, saved.variables);
      saved.dispose();
    }
    if (lambda.rho && resumed.lambdaReference) lambda.reference = resumed.lambdaReference;
    const rho = JSON.parse(await readFile(join(checkpointDir, 'lambda.json'), 'utf8')) as { rho: number | null };
    if (lambda.rho && rho.rho !== null) lambda.rho.assign(tf.scalar(rho.rho));
    const opt: AdamWState = { step: resumed.optimizer.step, m: resumed.optimizer.m.map((x, i) => base64ToFloat32(x, stateFile, `optimizer.m[${i}]`)), v: resumed.optimizer.v.map((x, i) => base64ToFloat32(x, stateFile, `optimizer.v[${i}]`)) };
    optimizer.restore(opt);
    ({ bestEpoch, bestScore, sinceBest } = resumed);
    secondsBefore = resumed.seconds;
    start = resumed.epoch + 1;
    progress({ phase: 'prepare', fraction: (start - 1) / epochs, epoch: resumed.epoch, epochs, message: `resuming after epoch ${resumed.epoch} (best so far: epoch ${bestEpoch}, dev ${metric.name} ${(100 * bestScore).toFixed(2)})` });
  }
  if (start === 1) await writeFileAtomic(join(opts.out, 'train-log.jsonl'), '');
  await saveVocab(opts.out, vocab);
  if (features) await saveTextFeatures(opts.out, features);
  if (svm) await saveLinearSvm(opts.out, svm);
  if (tuned) {
    await tuned.save(join(opts.out, TUNED_ENCODER_DIR));
    tuned.dispose();
  }
  await saveLabelSnapshot(opts.out, opts.labelFileText);

  const matcherFor = (w: LagamcWeights) => Matcher.create(writtenLabels(set, mode), adaptEncoder(encoder, w.adapter), opts.threshold !== undefined ? { threshold: opts.threshold } : {});
  // Dev predictions: real generation (on every thread: generationThreads.ts), then matching.
  const devReport = async (w: LagamcWeights, headShift: number, d: Decoding = decoding) => {
    const { texts, probabilities } = await generation!.generate(w, devInputs, d, headShift, opts.signal);
    const matched = await (await matcherFor(w)).match(texts);
    const kept = settings.fallback ? withFallback(matched) : matched;
    const preds = probabilities ? withHeadProbabilities(kept, names, probabilities) : kept;
    const report = evaluate(gold, preds.map((p) => p.labels.map((l) => l.label)), { labels: names, scores: preds.map((p) => p.scores) });
    const sentences = preds.reduce((s, p) => s + (p.sentences?.length ?? 0), 0);
    const hallucinated = preds.reduce((s, p) => s + (p.sentences?.filter((m) => m.hallucinated).length ?? 0), 0);
    return { report, score: metric.of(report), hallucinationRate: sentences ? hallucinated / sentences : 0 };
  };
  const gold = dev.map((e) => e.labels ?? []);
  const started = performance.now();
  let examplesHere = 0;
  let bestDev: EvalReport | null = null;
  let epoch = start;
  let finalLambda = lambda.value;
  let headShift = settings.headShift ?? 0;
  let threads: GradientThreads | undefined;
  let generation: GenerationThreads | undefined;
  try {
    const threadCount = opts.threads ?? defaultThreads();
    threads = await GradientThreads.start({ weights, lambda, labelHead, variables }, threadCount, { config, adapterRank });
    // No more threads than the dev texts fill (a dev set of one generation batch needs none).
    generation = await GenerationThreads.start(generationRanges(dev.length, threadCount).length, { config, adapterRank, vocab: vocab.tokens, set, mode, labelTexts });
    for (; epoch <= epochs && sinceBest < (opts.patience ?? 4); epoch++) {
      // Batches depend only on (seed, epoch); the same generator then draws the bag dropout.
      const rng = seededRng(seed * 1000 + epoch);
      const batches = epochBatches(targetLengths, limits, rng);
      const sums = { total: 0, ce: 0, cos: 0, labelHead: 0 };
      for (const [bi, batch] of batches.entries()) {
        // Yield to the event loop so that a Ctrl-C or a client's cancel can abort mid-epoch.
        await new Promise((r) => setImmediate(r));
        opts.signal?.throwIfAborted();
        const picked = rows ? drawLabels(names.length, labelRowCount, rng) : [];
        const b = batch.length;
        const width = dim + names.length;
        const targetRowOf = (i: number) => targetRow.get(targets[i]!)!;
        const batchTargets = concatFloat32([...batch.map((i) => targetVectors.subarray(targetRowOf(i) * dim, (targetRowOf(i) + 1) * dim)), ...picked.map((j) => rows!.vectors.subarray(j * dim, (j + 1) * dim))]);
        const shard: Shard = {
          texts: b,
          // Rows of the teacher-forced batch: the batch's texts, then its label rows.
          ids: [...batch.map((i) => ids[i]!), ...picked.map((j) => rows!.ids[j]!)],
          weights: [...batch.map((i) => exampleWeight[i]!), ...picked.map(() => 1)],
          x: dropout(concatFloat32(batch.map((i) => trainX.subarray(i * dim, (i + 1) * dim))), encoderDropout, rng),
          bag: trainBags && weights.generator.readsBag ? TextFeatures.dense(batch.map((i) => trainBags[i]!), config.bagSize, { rate: bagDropout, rng }) : null,
          margins: trainMargins ? concatFloat32(batch.map((i) => trainMargins.subarray(i * names.length, (i + 1) * names.length))) : null,
          labelX: rows && picked.length ? concatFloat32(picked.map((j) => rows.x.subarray(j * width, (j + 1) * width))) : null,
          targets: batchTargets,
          gold: labelHead > 0 ? Float32Array.from(labelMatrix(batch.map((i) => train[i]!.labels ?? []), names)) : null,
          readsGold: goldConditioning > 0 ? Float32Array.from(batch, () => (rng() < goldConditioning ? 1 : 0)) : null,
          // The drift guard's rows: the targets and the texts' own (undropped) vectors.
          guard: concatFloat32([batchTargets, ...batch.map((i) => trainX.subarray(i * dim, (i + 1) * dim))]),
        };
        const { grads, parts } = await threads.gradients(shard);
        optimizer.apply(grads);
        tf.dispose(grads);
        if (averaged) updateAverage(averaged.variables, weights.variables, decay);
        sums.total += parts.total;
        sums.ce += parts.ce;
        sums.cos += parts.cos;
        sums.labelHead += parts.labelHead;
        examplesHere += b;
        const done = (epoch - 1) * batches.length + bi + 1;
        const elapsed = (performance.now() - started) / 1000;
        const doneHere = done - (start - 1) * batches.length;
        progress({
          phase: 'train',
          fraction: (done / (epochs * batches.length)) * 0.9,
          epoch,
          epochs,
          step: bi + 1,
          steps: batches.length,
          loss: { total: parts.total, ce: parts.ce, cos: parts.cos, ...(labelHead > 0 ? { labelHead: parts.labelHead } : {}) },
          lambda: lambda.value,
          throughput: { value: examplesHere / elapsed, unit: 'examples' },
          etaSeconds: (elapsed / doneHere) * (epochs * batches.length - done),
        });
      }
      const { report, score, hallucinationRate } = await devReport(scored, settings.headShift ?? 0);
      const n = batches.length;
      const record = { epoch, loss: sums.total / n, ce: sums.ce / n, cos: sums.cos / n, ...(labelHead > 0 ? { labelHead: sums.labelHead / n } : {}), lambda: lambda.value, devMicroF1: report.micro.f1, devMacroF1: report.macro.f1, devScore: score, devHallucinationRate: hallucinationRate, seconds: secondsBefore + (performance.now() - started) / 1000 };
      await appendLog(opts.out, record);
      progress({ phase: 'evaluate', fraction: (epoch / epochs) * 0.9, epoch, epochs, lambda: lambda.value, loss: { total: record.loss, ce: record.ce, cos: record.cos, ...(labelHead > 0 ? { labelHead: sums.labelHead / n } : {}) }, metrics: { devMicroF1: report.micro.f1, devMacroF1: report.macro.f1, devScore: score }, message: `epoch ${epoch}: loss ${record.loss.toFixed(3)} (CE ${record.ce.toFixed(3)}, 1−cos ${record.cos.toFixed(3)}, λ ${lambda.value.toFixed(2)}), dev ${metric.name} ${(100 * score).toFixed(2)}` });
      if (score > bestScore) {
        bestScore = score;
        bestEpoch = epoch;
        bestDev = report;
        sinceBest = 0;
        progress({ phase: 'save', fraction: (epoch / epochs) * 0.9, epoch, epochs, message: `saving epoch ${epoch} (best dev ${metric.name} so far)` });
        await scored.save(opts.out);
        await writeJsonAtomic(join(opts.out, 'report-dev.json'), { epoch, ...report, hallucinationRate: record.devHallucinationRate });
        await writeManifest(opts.out, { format: 'lagamc-model', version: 1, kind: LAGAMC_KIND, createdAt: new Date().toISOString(), labels: names, settings, training: { bestEpoch, select, devScore: bestScore, devMacroF1: report.macro.f1, lambda: lambda.value, epochs: epoch, averageEpochs: opts.averageEpochs ?? DEFAULT_AVERAGE_EPOCHS, seconds: record.seconds, examples: train.length, ...(svmC !== null ? { svmC } : {}), ...(fusionWeight !== null ? { fusionWeight, fusionMinTexts, fusedLabels: fusedCount, fineTuneEpochs: tuningEpochs, fineTuneSeconds: tuningSeconds } : {}), ...(svm ? { thresholdedLabels } : {}) } });
      } else sinceBest++;
      await weights.save(checkpointDir);
      if (averaged) await averaged.save(join(checkpointDir, 'average'));
      await writeJsonAtomic(join(checkpointDir, 'lambda.json'), { rho: lambda.rho ? lambda.rho.dataSync()[0]! : null });
      const state = optimizer.state();
      const checkpoint: Checkpoint = { epoch, bestEpoch, select, fusionWeight, ...(fusionWeight !== null ? { fusionMinTexts } : {}), bestScore, sinceBest, seconds: record.seconds, lambdaReference: lambda.reference, optimizer: { step: state.step, m: state.m.map(float32ToBase64), v: state.v.map(float32ToBase64) } };
      await writeJsonAtomic(join(checkpointDir, 'state.json'), checkpoint);
      finalLambda = lambda.value;
    }
    // The decoding and head shift, chosen on dev with the selected epoch's weights among
    // decodingChoices × HEAD_SHIFTS (each fixed by an option); ties keep the earlier pair.
    // Then, unless given, whether the head decides the rare labels: with the chosen decoding if it
    // is constrained or candidates, at each shift.
    const shifts = labelHead > 0 ? (opts.headShift !== undefined ? [opts.headShift] : HEAD_SHIFTS) : [0];
    const pairs = choices.flatMap((d) => shifts.map((shift) => ({ decoding: d, shift }))).slice(1);
    const decides = labelHead > 0 && opts.decoding?.headDecides === undefined && labelTexts.some((n) => n < HEAD_DECIDES_TEXTS);
    if ((pairs.length || decides) && bestEpoch > 0) {
      const selected = await LagamcWeights.load(opts.out);
      try {
        let chosen = { decoding, shift: headShift };
        let chosenScore = bestScore;
        const tryAll = async (tried: { decoding: Decoding; shift: number }[]) => {
          for (const pair of tried) {
            opts.signal?.throwIfAborted();
            const { report, score, hallucinationRate } = await devReport(selected, pair.shift, pair.decoding);
            progress({ phase: 'evaluate', fraction: 0.95, metrics: { devMicroF1: report.micro.f1, devMacroF1: report.macro.f1, devScore: score }, message: `decoding ${decodingName(pair.decoding)}, head shift ${pair.shift}: dev ${metric.name} ${(100 * score).toFixed(2)}` });
            if (score <= chosenScore) continue;
            chosen = pair;
            chosenScore = score;
            bestDev = report;
            await writeJsonAtomic(join(opts.out, 'report-dev.json'), { epoch: bestEpoch, decoding: pair.decoding, headShift: pair.shift, ...report, hallucinationRate });
          }
        };
        await tryAll(pairs);
        if (decides && (chosen.decoding.constrained || chosen.decoding.candidates)) {
          const { decoding: d } = chosen;
          await tryAll(shifts.map((shift) => ({ decoding: { ...d, headDecides: HEAD_DECIDES_TEXTS }, shift })));
        }
        if (chosen.decoding !== decoding || chosen.shift !== headShift) {
          const manifest = await readManifest(opts.out);
          const { headShift: _, ...rest } = settings;
          await writeManifest(opts.out, { ...manifest, settings: { ...rest, decoding: chosen.decoding, ...(chosen.shift ? { headShift: chosen.shift } : {}) }, training: { ...(manifest.training as object), devScore: chosenScore, devMacroF1: bestDev!.macro.f1 } });
        }
        decoding = chosen.decoding;
        headShift = chosen.shift;
      } finally {
        selected.dispose();
      }
    }
  } finally {
    await threads?.close();
    await generation?.close();
    weights.dispose();
    averaged?.dispose();
    optimizer.dispose();
    lambda.dispose();
  }
  const dev0 = bestDev ?? (JSON.parse(await readFile(join(opts.out, 'report-dev.json'), 'utf8')) as EvalReport);
  progress({ phase: 'done', fraction: 1, message: `best epoch ${bestEpoch}, decoding ${decodingName(decoding)}, head shift ${headShift}, dev ${metric.name} ${(100 * metric.of(dev0)).toFixed(2)}` });
  return { bestEpoch, svmC, fusionWeight, thresholdedLabels, epochsRun: epoch - 1, dev: dev0, lambda: finalLambda, headShift, decoding, seconds: secondsBefore + (performance.now() - started) / 1000 };
}

/** How a decoding is named in progress messages and benchmark tables, e.g. "candidates forcing p ≥ 0.8, the head deciding labels under 50 training texts". */
export function decodingName(d: Decoding): string {
  return `${d.candidates ? 'candidates' : d.constrained ? 'constrained' : 'free'}${typeof d.force === 'number' ? ` forcing p ≥ ${d.force}` : ''}${typeof d.headDecides === 'number' ? `, the head deciding labels under ${d.headDecides} training texts` : ''}`;
}

/** `x` with each entry zeroed with probability `rate` and the rest scaled by 1/(1 − rate) (in place). */
function dropout(x: Float32Array, rate: number, rng: () => number): Float32Array {
  if (rate > 0) for (let i = 0; i < x.length; i++) x[i] = rng() < rate ? 0 : x[i]! / (1 - rate);
  return x;
}

async function appendLog(dir: string, record: object): Promise<void> {
  const file = join(dir, 'train-log.jsonl');
  const before = existsSync(file) ? await readFile(file, 'utf8') : '';
  await writeFileAtomic(file, before + JSON.stringify(record) + '\n');
}
