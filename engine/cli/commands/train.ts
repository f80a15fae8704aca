// `lagamc train`: trains a LAGAMC model (compact generator from scratch + matcher) on a dataset and
// a label file, selects the epoch by dev macro-F1 (or --select's metric) of real generated
// predictions, and writes the model folder. Without --dev, a seeded 10% of the training file is
// held out as dev.
import { readFile } from 'node:fs/promises';
import { loadExamples } from '../../data/dataset';
import type { Example } from '../../data/example';
import { DataError } from '../../data/diagnostics';
import { parseLabelFile, type LabelSet } from '../../data/labels';
import { DEFAULT_ENCODER, loadEncoder } from '../../encoders/index';
import { DEFAULT_SELECTION, SELECTION_METRICS, isSelectionMetric, type SelectionMetric } from '../../metrics/selection';
import type { ProgressEvent } from '../../progress';
import { seededRng, shuffle } from '../../random';
import { initBackend } from '../../tf/backend';
import { trainLora } from '../../training/loraTrainer';
import { DEFAULT_TUNING_LEARNING_RATE, FINE_TUNE_MAX_TOKENS, FINE_TUNE_TOKEN_BUDGET, MAX_DEFAULT_TUNING_EPOCHS } from '../../training/encoderTuning';
import { DEFAULT_FUSION_WEIGHT, FUSION_MIN_TEXTS, FUSION_WEIGHTS } from '../../training/fusion';
import { THRESHOLD_MIN_TEXTS } from '../../training/labelThresholds';
import { DEFAULT_CHAR_GRAMS, DEFAULT_AVERAGE_EPOCHS, DEFAULT_EPOCHS, DEFAULT_HEAD_LEARNING_RATE, DEFAULT_LABEL_ROWS, DEFAULT_LEARNING_RATE, HEAD_SHIFTS, SVM_CS, decodingName, trainLagamc, type TrainOptions, type TrainResult } from '../../training/trainer';
import { EXIT, UsageError, flag, jsonOption, num, required, str, type Command, type Io, type Values } from '../command';
import { pct } from '../format';
import { csvFlags, csvOptions, decodingFlags, decodingOptions } from './shared';

/** Seeded split of `examples` into (train, dev) with `share` of them in dev. */
export function holdOut(examples: readonly Example[], share: number, seed: number): [Example[], Example[]] {
  const order = shuffle([...examples.keys()], seededRng(seed));
  const nDev = Math.max(1, Math.round(examples.length * share));
  const dev = new Set(order.slice(0, nDev));
  return [examples.filter((_, i) => !dev.has(i)), examples.filter((_, i) => dev.has(i))];
}

export async function readLabelFile(file: string): Promise<{ set: LabelSet; text: string }> {
  const text = await readFile(file, 'utf8');
  const set = parseLabelFile(text, file);
  const errors = set.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new DataError(errors);
  return { set, text };
}

/** One progress line per epoch, and a live bar on an interactive terminal. */
export function progressPrinter(io: Io): (e: ProgressEvent) => void {
  return (e) => {
    if (e.phase === 'train' && io.interactive) {
      const width = 24;
      const filled = Math.round(e.fraction * width);
      const eta = e.etaSeconds !== undefined ? ` ETA ${Math.ceil(e.etaSeconds)}s` : '';
      io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] epoch ${e.epoch}/${e.epochs} step ${e.step}/${e.steps} loss ${e.loss?.total.toFixed(3)} λ ${e.lambda?.toFixed(2)}${eta}   `);
    } else if (e.message && e.phase !== 'train') io.err(`${io.interactive ? '\r' : ''}${e.message}`);
  };
}

export const trainOptions = {
  train: { type: 'string', placeholder: 'F', description: 'training data (JSONL/CSV/TSV)' },
  dev: { type: 'string', placeholder: 'F', description: 'dev data for model selection (default: a seeded 10% of --train)' },
  labels: { type: 'string', placeholder: 'F', description: 'label file with descriptions' },
  out: { type: 'string', placeholder: 'DIR', description: 'model folder to write' },
  base: { type: 'string', placeholder: 'DIR', description: 'Hugging Face T5/FLAN-T5 folder to fine-tune with LoRA (rank --rank on q,v; base frozen) instead of the compact generator' },
  rank: { type: 'string', placeholder: 'N', description: 'LoRA rank with --base (default 2)' },
  epochs: { type: 'string', placeholder: 'N', description: `most epochs (default ${DEFAULT_EPOCHS}; early stopping after 4 without dev improvement)` },
  'batch-size': { type: 'string', placeholder: 'N', description: 'most examples per step (default 128; long targets get fewer: at most 8,192 target tokens per step)' },
  'average-epochs': { type: 'string', placeholder: 'N', description: `dev scores and the saved model use the weights averaged over about the last N epochs (default ${DEFAULT_AVERAGE_EPOCHS}; 0 = the last step's weights)` },
  'learning-rate': { type: 'string', placeholder: 'X', description: `peak AdamW learning rate (default ${DEFAULT_LEARNING_RATE}; 0.001 with --base)` },
  'head-shift': { type: 'string', placeholder: 'X', description: `fix the shift added to the label head's logits before the decoder reads them (default: chosen on dev among ${HEAD_SHIFTS.join(', ')})` },
  'head-learning-rate': { type: 'string', placeholder: 'X', description: `peak learning rate of the label head and its TF-IDF projection (default ${DEFAULT_HEAD_LEARNING_RATE})` },
  'bag-terms': { type: 'string', placeholder: 'N', description: 'most TF-IDF terms the generator reads besides the sentence encoder (default 10000; 0 = encoder only)' },
  'char-grams': { type: 'string', placeholder: 'N', description: `most character 3-5-grams the linear SVMs read beside the TF-IDF terms (default ${DEFAULT_CHAR_GRAMS}; 0 = words only)` },
  'label-head': { type: 'string', placeholder: 'X', description: 'weight of the label head\'s loss; the decoder reads the head\'s label probabilities (default 1; 0 = no head, the decoder reads the TF-IDF projection)' },
  'label-rows': { type: 'string', placeholder: 'N', description: `extra rows per batch that teach the decoder each label's sentence from its label alone (default ${DEFAULT_LABEL_ROWS}; 0 = off; needs the label head)` },
  'svm-c': { type: 'string', placeholder: 'X', description: `fix the linear SVMs' weight C (default: chosen on dev among ${SVM_CS.join(', ')})` },
  'fine-tune-encoder': { type: 'boolean', description: `first fine-tune the sentence encoder (USE lite) with a label layer and add its label logits to the SVM margins the head reads (default: when the training texts hold at most ${FINE_TUNE_MAX_TOKENS} tokens and a label has --fusion-min-texts texts; CAVES' 498k take under 3 minutes on 2 cores; see README)` },
  'no-fine-tune-encoder': { type: 'boolean', description: 'never fine-tune the sentence encoder' },
  'fine-tune-epochs': { type: 'string', placeholder: 'N', description: `epochs of the encoder's fine-tuning (default: ${FINE_TUNE_TOKEN_BUDGET} tokens in all, so between 1 and ${MAX_DEFAULT_TUNING_EPOCHS} by the training texts' tokens: CAVES 2, Reuters 1)` },
  'fine-tune-learning-rate': { type: 'string', placeholder: 'X', description: `peak learning rate of the encoder's fine-tuning (default ${DEFAULT_TUNING_LEARNING_RATE} divided by the epochs)` },
  'fusion-weight': { type: 'string', placeholder: 'X', description: `fix the weight of the fine-tuned encoder's logits in the margins (default: chosen on dev among ${FUSION_WEIGHTS.join(', ')})` },
  'fusion-min-texts': { type: 'string', placeholder: 'N', description: `training texts a label needs for the fine-tuned encoder's logits to join its margins (default ${FUSION_MIN_TEXTS}; 0 = every label)` },
  'no-label-thresholds': { type: 'boolean', description: `one threshold for all labels' SVM margins (by default each label with ${THRESHOLD_MIN_TEXTS} training texts or more gets its own, its F1-best on the training texts' out-of-fold margins, kept when they raise the dev score of the margins alone)` },
  'no-svm': { type: 'boolean', description: "the label head reads a trained projection of the TF-IDF terms and the encoder's vector, instead of one Platt-scaled linear SVM per label on the terms" },
  'label-balance': { type: 'string', placeholder: 'X', description: 'weight rare labels up in the cross-entropy: exponent in [0, 1] (default 0.5; 0 = off)' },
  lambda: { type: 'string', placeholder: 'X', description: 'fix the hybrid-loss weight λ (1 = cross-entropy only); learned by default' },
  targets: { type: 'string', placeholder: 'T', description: '"descriptions" (default) or "names" (ablation: label names as targets)' },
  fallback: { type: 'boolean', description: 'when no generated sentence matches, predict the closest label' },
  threshold: { type: 'string', placeholder: 'X', description: 'matching threshold (default: the label file\'s, else 0.4)' },
  select: { type: 'string', placeholder: 'M', description: `dev metric that selects the epoch, the SVMs' C, the decoding and the head shift: ${Object.keys(SELECTION_METRICS).join(', ')} (default ${DEFAULT_SELECTION})` },
  seed: { type: 'string', placeholder: 'N', description: 'seed (default 1)' },
  threads: { type: 'string', placeholder: 'N', description: 'threads computing each training step, fitting the SVMs and generating the dev texts (default: the cores, at most 4; results are reproducible for a given N)' },
  resume: { type: 'boolean', description: 'continue an interrupted run from its last checkpoint in --out' },
  ...decodingFlags,
  ...csvFlags,
  ...jsonOption,
} as const;

/** Flags that set the encoder's fine-tuning. */
const TUNING_FLAGS = ['fine-tune-epochs', 'fine-tune-learning-rate', 'fusion-weight', 'fusion-min-texts'] as const;

/** Reads the files named by the train options and trains. */
export async function runTraining(values: Values, io: Io, signal: AbortSignal): Promise<{ result: TrainResult; out: string; select: SelectionMetric }> {
  const out = required(values, 'out');
  const labelFile = required(values, 'labels');
  if (flag(values, 'candidates') && num(values, 'label-head', 1, { min: 0 }) === 0) throw new UsageError('--candidates needs the label head: it writes only the labels the head holds (drop --label-head 0)');
  if (str(values, 'force') !== undefined && str(values, 'force') !== 'none' && num(values, 'label-head', 1, { min: 0 }) === 0) throw new UsageError('--force needs the label head: it forces the labels the head is sure of (drop --label-head 0)');
  if (str(values, 'head-decides') !== undefined && str(values, 'head-decides') !== 'none' && num(values, 'label-head', 1, { min: 0 }) === 0) throw new UsageError('--head-decides needs the label head: the head decides the rare labels (drop --label-head 0)');
  const tuningFlags = TUNING_FLAGS.filter((f) => values[f] !== undefined);
  if (flag(values, 'fine-tune-encoder') && flag(values, 'no-fine-tune-encoder')) throw new UsageError('--fine-tune-encoder and --no-fine-tune-encoder exclude each other');
  if (flag(values, 'no-fine-tune-encoder')) {
    if (tuningFlags.length) throw new UsageError(`--${tuningFlags[0]} sets the encoder's fine-tuning: drop --no-fine-tune-encoder`);
  } else if (flag(values, 'fine-tune-encoder') || tuningFlags.length) {
    const asked = flag(values, 'fine-tune-encoder') ? 'fine-tune-encoder' : tuningFlags[0]!;
    for (const f of ['no-svm', 'label-head', 'bag-terms']) if (values[f] !== undefined && (f === 'no-svm' || num(values, f, 1, { min: 0 }) === 0)) throw new UsageError(`--${asked}: the fine-tuned encoder's logits join the SVM margins of the label head, so drop --${f}${f === 'no-svm' ? '' : ' 0'}`);
  }
  if (flag(values, 'no-label-thresholds') && flag(values, 'no-svm')) throw new UsageError('--no-label-thresholds sets the thresholds on the linear SVMs\' margins: drop --no-svm');
  const select = str(values, 'select') ?? DEFAULT_SELECTION;
  if (!isSelectionMetric(select)) throw new UsageError(`--select must be one of ${Object.keys(SELECTION_METRICS).join(', ')}, got "${select}"`);
  const { set, text } = await readLabelFile(labelFile);
  const seed = num(values, 'seed', 1, { integer: true });
  const csv = csvOptions(values);
  const all = (await loadExamples(required(values, 'train'), { labels: set, csv })).examples;
  const devFile = str(values, 'dev');
  const [train, dev] = devFile ? [all, (await loadExamples(devFile, { labels: set, csv })).examples] : holdOut(all, 0.1, seed);
  const targets = str(values, 'targets') ?? 'descriptions';
  if (targets !== 'descriptions' && targets !== 'names') throw new UsageError('--targets must be "descriptions" or "names"');
  const backend = await initBackend();
  io.err(`backend: ${backend}; ${train.length} training and ${dev.length} dev texts${devFile ? '' : ' (10% of --train held out)'}`);
  const encoder = await loadEncoder(DEFAULT_ENCODER);
  const options: TrainOptions = {
    out,
    encoderSpec: DEFAULT_ENCODER,
    labelFile,
    labelFileText: text,
    targets,
    seed,
    select,
    epochs: num(values, 'epochs', DEFAULT_EPOCHS, { min: 1, integer: true }),
    batchSize: num(values, 'batch-size', 128, { min: 1, integer: true }),
    averageEpochs: num(values, 'average-epochs', DEFAULT_AVERAGE_EPOCHS, { min: 0 }),
    learningRate: num(values, 'learning-rate', DEFAULT_LEARNING_RATE, { min: 0 }),
    headLearningRate: num(values, 'head-learning-rate', DEFAULT_HEAD_LEARNING_RATE, { min: 0 }),
    bagTerms: num(values, 'bag-terms', 10_000, { min: 0, integer: true }),
    charGrams: num(values, 'char-grams', DEFAULT_CHAR_GRAMS, { min: 0, integer: true }),
    labelBalance: num(values, 'label-balance', 0.5, { min: 0, max: 1 }),
    labelHead: num(values, 'label-head', 1, { min: 0 }),
    labelRows: num(values, 'label-rows', DEFAULT_LABEL_ROWS, { min: 0, integer: true }),
    decoding: decodingOptions(values),
    svm: !flag(values, 'no-svm'),
    labelThresholds: !flag(values, 'no-label-thresholds'),
    fallback: flag(values, 'fallback'),
    resume: flag(values, 'resume'),
    signal,
    onProgress: progressPrinter(io),
  };
  if (str(values, 'lambda') !== undefined) options.lambda = num(values, 'lambda', 1, { min: 0, max: 1 });
  if (str(values, 'threads') !== undefined) options.threads = num(values, 'threads', 1, { min: 1, max: 64, integer: true });
  if (str(values, 'svm-c') !== undefined) {
    if (flag(values, 'no-svm')) throw new UsageError('--svm-c sets the linear SVMs of the label head: drop --no-svm');
    options.svmC = num(values, 'svm-c', 1, { min: 1e-6 });
  }
  if (flag(values, 'no-fine-tune-encoder')) options.fineTuneEncoder = false;
  else {
    if (flag(values, 'fine-tune-encoder')) options.fineTuneEncoder = true;
    if (str(values, 'fine-tune-epochs') !== undefined) options.fineTuneEpochs = num(values, 'fine-tune-epochs', 1, { min: 1, integer: true });
    if (str(values, 'fine-tune-learning-rate') !== undefined) options.fineTuneLearningRate = num(values, 'fine-tune-learning-rate', DEFAULT_TUNING_LEARNING_RATE, { min: 0 });
    if (str(values, 'fusion-weight') !== undefined) options.fusionWeight = num(values, 'fusion-weight', DEFAULT_FUSION_WEIGHT, { min: 0 });
    options.fusionMinTexts = num(values, 'fusion-min-texts', FUSION_MIN_TEXTS, { min: 0, integer: true });
  }
  if (str(values, 'head-shift') !== undefined) options.headShift = num(values, 'head-shift', 0, {});
  if (str(values, 'threshold') !== undefined) options.threshold = num(values, 'threshold', 0.4, { min: 0, max: 1 });
  const base = str(values, 'base');
  if (base) {
    if (options.resume) throw new UsageError('--resume is not supported with --base (LoRA runs keep only the best epoch\'s adapter)');
    for (const f of ['bag-terms', 'char-grams', 'no-svm', 'svm-c', 'no-label-thresholds', 'fine-tune-encoder', 'no-fine-tune-encoder', ...TUNING_FLAGS, 'label-balance', 'label-head', 'label-rows', 'head-learning-rate', 'head-shift', 'threads', 'num-beams', 'constrained', 'candidates', 'free', 'force', 'head-decides']) if (values[f] !== undefined) throw new UsageError(`--${f} applies to the compact generator only (without --base); decoding of a --base model is chosen at predict/eval time`);
    const { resume: _resume, lambda, bagTerms: _bagTerms, charGrams: _charGrams, svm: _svm, svmC: _svmC, labelThresholds: _labelThresholds, labelBalance: _labelBalance, labelHead: _labelHead, decoding: _decoding, ...common } = options;
    if (lambda !== undefined && lambda !== 1) throw new UsageError('--base trains with cross-entropy only (λ = 1)');
    const r = await trainLora(set, train, dev, encoder, { ...common, base, epochs: num(values, 'epochs', 5, { min: 1, integer: true }), batchSize: num(values, 'batch-size', 8, { min: 1, integer: true }), learningRate: num(values, 'learning-rate', 1e-3, { min: 0 }), rank: num(values, 'rank', 2, { min: 1, integer: true }) });
    if (io.interactive) io.err('');
    return { result: { ...r, lambda: 1, headShift: 0, decoding: {}, svmC: null, fusionWeight: null, thresholdedLabels: 0 }, out, select };
  }
  const result = await trainLagamc(set, train, dev, encoder, options);
  if (io.interactive) io.err('');
  return { result, out, select };
}

export const train: Command = {
  name: 'train',
  summary: 'train a LAGAMC model: generate label descriptions, then match them to labels',
  usage: '--train F [--dev F] --labels F --out DIR [--base DIR [--rank N]] [--epochs N] [--select M] [--lambda X] [--targets names] [--fine-tune-encoder | --no-fine-tune-encoder] [--resume] [--json]',
  options: trainOptions,
  async run({ values, io, signal }) {
    const { result, out, select } = await runTraining(values, io, signal);
    const metric = SELECTION_METRICS[select];
    if (flag(values, 'json')) io.out(JSON.stringify({ out, bestEpoch: result.bestEpoch, epochs: result.epochsRun, seconds: result.seconds, lambda: result.lambda, headShift: result.headShift, decoding: result.decoding, svmC: result.svmC, fusionWeight: result.fusionWeight, thresholdedLabels: result.thresholdedLabels, select, dev: { microF1: result.dev.micro.f1, macroF1: result.dev.macro.f1, score: metric.of(result.dev) } }, null, 2));
    else io.out(`wrote ${out}: best epoch ${result.bestEpoch} of ${result.epochsRun}${result.decoding.candidates || result.decoding.constrained ? `, decoding ${decodingName(result.decoding)}` : ''}${result.headShift ? `, head shift ${result.headShift}` : ''}${result.svmC !== null ? `, SVM C ${result.svmC}` : ''}${result.fusionWeight !== null ? `, fine-tuned encoder weight ${result.fusionWeight}` : ''}${result.thresholdedLabels ? `, per-label thresholds for ${result.thresholdedLabels} labels` : ''}, dev micro-F1 ${pct(result.dev.micro.f1)}, macro-F1 ${pct(result.dev.macro.f1)}${select === 'micro-f1' || select === 'macro-f1' ? '' : `, ${metric.name} ${pct(metric.of(result.dev))}`}, ${result.seconds.toFixed(0)} s`);
    return EXIT.ok;
  },
};
