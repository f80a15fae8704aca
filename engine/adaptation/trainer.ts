// Training for domain adaptation, on frozen sentence embeddings (computed once per text).
//
// Methods (`lagamc adapt --method`):
//  - source:       BCE on the labelled source domain only.
//  - bce:          from the source model, BCE on the target's partial labels (hidden = negative).
//  - unsupervised: from the source model, BCE on pseudo-labels the source model gives the target
//                  texts (its own thresholds, chosen on held-out source texts); no target labels.
//  - dallmi:       from the source model, variation loss + MixUp on the partial labels, with
//                  label-balanced batches (each part can be switched off for ablations).
//  - oracle:       from the source model, BCE on every target label (an upper bound).
// Every target method keeps the weights of its best epoch by mAP on the labelled target dev split
// (the starting point counts as epoch 0), and chooses its per-label thresholds there; the source
// classifier does the same on its held-out source texts.
import * as tf from '@tensorflow/tfjs-core';
import { labelMatrix } from '../data/labelMatrix';
import { averagePrecision } from '../metrics/multilabel';
import type { ProgressListener } from '../progress';
import { registerGradients } from '../tf/gradients';
import { AdaptedClassifier } from './classifier';
import { bceWithLogits, mixupLoss, mixupTarget, variationLoss } from './losses';
import { keepPositives } from './partial';
import { beta, randomIndex, seededRng, shuffle, type Rng } from '../random';
import { batchMasks, batchSampler, type Batch } from './sampler';
import { chooseThresholds } from './thresholds';

export const METHODS = ['source', 'bce', 'unsupervised', 'dallmi', 'oracle'] as const;
export type Method = (typeof METHODS)[number];

/** Texts as row-major frozen embeddings with their labels. */
export interface EmbeddedSet {
  x: Float32Array;
  labels: string[][];
}

export interface TrainOptions {
  /** Passes over the target training texts (default 6). */
  epochs?: number;
  /** Passes over the source texts when the source classifier is trained here (default 10). */
  sourceEpochs?: number;
  /** Rows of the uniform block of a batch (default 64). */
  batchSize?: number;
  /** Adam learning rate of target training (default 0.002). */
  learningRate?: number;
  /** Adam learning rate of source training (default 0.01). */
  sourceLearningRate?: number;
  seed?: number;
  /** DALLMi parts, on by default: MixUp term, label-balanced batches. */
  mixup?: boolean;
  balanced?: boolean;
  /** Known positives of each label per balanced batch (default max(1, round(32 / labels))). */
  positivesPerLabel?: number;
  /** MixUp weight μ ~ Beta(α, α) (default α = 0.3) and the term's weight in the loss (default 0.03), VPU's defaults. */
  mixupAlpha?: number;
  mixupWeight?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface AdaptInput {
  method: Method;
  labels: readonly string[];
  dim: number;
  /** The source model and the thresholds it uses for pseudo-labels; trained from `sourceTrain` when absent. */
  source?: { classifier: AdaptedClassifier; thresholds: number[] };
  sourceTrain?: EmbeddedSet;
  targetTrain?: EmbeddedSet;
  targetDev: EmbeddedSet;
  /** Share of each label's target positives kept (bce, dallmi); default 1. */
  keepPositives?: number;
  /** Adapter rank (0: head only); default 16 (at most the embedding width). */
  rank?: number;
  options?: TrainOptions;
}

export interface AdaptResult {
  classifier: AdaptedClassifier;
  /** Per-label thresholds chosen on the target dev split. */
  thresholds: number[];
  /** The source model's thresholds (chosen on held-out source texts), when it was trained here. */
  sourceThresholds?: number[];
  /** Last loss terms of the target training and `bestEpoch`, the epoch whose weights were kept. */
  loss?: Record<string, number>;
}

function priors(y: Uint8Array, labels: number): number[] {
  const rows = y.length / labels;
  const p = new Array<number>(labels).fill(0);
  for (let i = 0; i < y.length; i++) p[i % labels]! += y[i]!;
  return p.map((c) => c / Math.max(rows, 1));
}

function rowsTensor(x: Float32Array, dim: number, rows: readonly number[]): tf.Tensor2D {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
  return tf.tensor2d(out, [rows.length, dim]);
}

function rowsOf(y: Uint8Array, labels: number, rows: readonly number[]): tf.Tensor2D {
  const out = new Float32Array(rows.length * labels);
  rows.forEach((r, i) => {
    for (let j = 0; j < labels; j++) out[i * labels + j] = y[r * labels + j]!;
  });
  return tf.tensor2d(out, [rows.length, labels]);
}

interface Phase {
  name: string;
  /** Share of the whole job before and after this phase. */
  from: number;
  to: number;
}

interface LoopSpec {
  clf: AdaptedClassifier;
  x: Float32Array;
  rows: number;
  opts: TrainOptions;
  phase: Phase;
  /** Draws the next batch. */
  next: () => Batch;
  /** The loss of a batch and its named terms (read with dataSync inside). */
  loss: (batch: Batch, terms: Record<string, number>) => tf.Scalar;
  /** Dev score (higher is better) of the current weights: the best epoch's weights are kept. */
  select?: Selector;
}

export type Selector = (clf: AdaptedClassifier) => number;

async function loop(spec: LoopSpec): Promise<Record<string, number>> {
  registerGradients();
  const { clf, opts, phase } = spec;
  const epochs = opts.epochs ?? 6;
  const perEpoch = Math.max(1, Math.ceil(spec.rows / (opts.batchSize ?? 64)));
  const steps = epochs * perEpoch;
  const optimizer = tf.train.adam(opts.learningRate ?? 0.002);
  const started = Date.now();
  let terms: Record<string, number> = {};
  let examples = 0;
  let best = { score: -Infinity, epoch: 0, weights: [] as tf.Tensor[] };
  const consider = (epoch: number) => {
    if (!spec.select) return undefined;
    const score = spec.select(clf);
    if (score > best.score) {
      for (const t of best.weights) t.dispose();
      best = { score, epoch, weights: clf.variables.map((v) => v.clone()) };
    }
    return score;
  };
  consider(0);
  try {
    for (let step = 1; step <= steps; step++) {
      opts.signal?.throwIfAborted();
      const batch = spec.next();
      examples += batch.rows.length;
      const current: Record<string, number> = {};
      const cost = optimizer.minimize(() => spec.loss(batch, current), true, clf.variables);
      current.total = cost!.dataSync()[0]!;
      cost!.dispose();
      terms = current;
      if (!Number.isFinite(current.total)) throw new Error(`${phase.name} training diverged at step ${step} (loss ${current.total})`);
      const epoch = Math.ceil(step / perEpoch);
      const devScore = step % perEpoch === 0 || step === steps ? consider(epoch) : undefined;
      if (opts.onProgress && (step % 10 === 0 || step === steps || devScore !== undefined)) {
        const elapsed = (Date.now() - started) / 1000;
        opts.onProgress({
          phase: 'train',
          fraction: phase.from + ((phase.to - phase.from) * step) / steps,
          epoch,
          epochs,
          step,
          steps,
          loss: { ...current, total: current.total },
          throughput: { value: examples / Math.max(elapsed, 1e-3), unit: 'examples' },
          etaSeconds: (elapsed / step) * (steps - step),
          ...(devScore !== undefined ? { metrics: { devMAP: devScore } } : {}),
          message: `${phase.name}: epoch ${epoch}/${epochs}, loss ${current.total.toFixed(4)}${devScore !== undefined ? `, dev mAP ${(100 * devScore).toFixed(1)}` : ''}`,
        });
      }
      if (step % 25 === 0) await new Promise((r) => setImmediate(r));
    }
    if (best.weights.length) {
      clf.variables.forEach((v, i) => v.assign(best.weights[i] as tf.Tensor));
      terms = { ...terms, bestEpoch: best.epoch };
    }
  } finally {
    optimizer.dispose();
    for (const t of best.weights) t.dispose();
  }
  return terms;
}

/** Mean average precision of `clf` on `set` (labels without positives left out): a Selector. */
export function devMeanAP(set: { x: Float32Array; y: Uint8Array }, labels: number): Selector {
  const rows = set.y.length / labels;
  return (clf) => {
    const s = clf.scores(set.x, rows);
    let sum = 0;
    let count = 0;
    for (let j = 0; j < labels; j++) {
      const pos: boolean[] = [];
      const score: number[] = [];
      for (let i = 0; i < rows; i++) {
        pos.push(set.y[i * labels + j] === 1);
        score.push(s[i * labels + j]!);
      }
      if (!pos.includes(true)) continue;
      sum += averagePrecision(pos, score);
      count++;
    }
    return count ? sum / count : 0;
  };
}

/** BCE training on 0/1 targets `y` with uniform batches. */
export function trainBce(clf: AdaptedClassifier, x: Float32Array, y: Uint8Array, opts: TrainOptions, phase: Phase = { name: 'bce', from: 0, to: 1 }, select?: Selector): Promise<Record<string, number>> {
  const L = clf.labels.length;
  const rows = y.length / L;
  const rng = seededRng(opts.seed ?? 1);
  const next = batchSampler(y, L, { batchSize: opts.batchSize ?? 64, balanced: false, positivesPerLabel: 0 }, rng);
  return loop({
    clf,
    x,
    rows,
    opts,
    phase,
    next,
    ...(select ? { select } : {}),
    loss: (batch, terms) => {
      const z = clf.logits(rowsTensor(x, clf.dim, batch.rows));
      const l = bceWithLogits(z, rowsOf(y, L, batch.rows));
      terms.bce = l.dataSync()[0]!;
      return l;
    },
  });
}

/** Mixed pairs of a batch: each known positive (row, label) with a random unlabelled row of that label. */
function mixupPairs(p: Float32Array, u: Float32Array, n: number, L: number, alpha: number, rng: Rng) {
  const mix: number[] = [];
  const pick: number[] = [];
  const mus: number[] = [];
  const uRows: number[] = [];
  const unl: number[][] = Array.from({ length: L }, () => []);
  for (let i = 0; i < n; i++) for (let j = 0; j < L; j++) if (u[i * L + j]) unl[j]!.push(i);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      if (!p[i * L + j] || unl[j]!.length === 0) continue;
      const r = unl[j]![randomIndex(unl[j]!.length, rng)]!;
      const mu = beta(alpha, alpha, rng);
      const row = new Array<number>(n).fill(0);
      row[i]! += mu;
      row[r]! += 1 - mu;
      mix.push(...row);
      const one = new Array<number>(L).fill(0);
      one[j] = 1;
      pick.push(...one);
      mus.push(mu);
      uRows.push(r * L + j);
    }
  }
  return { count: mus.length, mix, pick, mus, uRows };
}

/** DALLMi's two loss terms on a batch; `mixup` is absent when switched off or when no pair can be formed. */
export function dallmiTerms(clf: AdaptedClassifier, x: Float32Array, known: Uint8Array, batch: Batch, opts: TrainOptions, rng: Rng): { variation: tf.Scalar; mixup?: tf.Scalar } {
  const L = clf.labels.length;
  const n = batch.rows.length;
  const { p, u } = batchMasks(batch, known, L);
  const h = clf.embed(rowsTensor(x, clf.dim, batch.rows));
  const z = clf.head(h);
  const variation = variationLoss(z, tf.tensor2d(p, [n, L]), tf.tensor2d(u, [n, L]));
  if (opts.mixup === false) return { variation };
  const pairs = mixupPairs(p, u, n, L, opts.mixupAlpha ?? 0.3, rng);
  if (pairs.count === 0) return { variation };
  const logits = z.dataSync();
  const target = tf.tensor1d(pairs.mus.map((mu, k) => mixupTarget(mu, logits[pairs.uRows[k]!]!)));
  const zMixed = clf.head(tf.matMul(tf.tensor2d(pairs.mix, [pairs.count, n]), h));
  return { variation, mixup: mixupLoss(zMixed, tf.tensor2d(pairs.pick, [pairs.count, L]), target) };
}

/** DALLMi target training on known positives `known` (rows × labels). */
export function trainDallmi(clf: AdaptedClassifier, x: Float32Array, known: Uint8Array, opts: TrainOptions, phase: Phase = { name: 'dallmi', from: 0, to: 1 }, select?: Selector): Promise<Record<string, number>> {
  const L = clf.labels.length;
  const rows = known.length / L;
  const rng = seededRng(opts.seed ?? 1);
  const balanced = opts.balanced !== false;
  const next = batchSampler(known, L, { batchSize: opts.batchSize ?? 64, balanced, positivesPerLabel: opts.positivesPerLabel ?? Math.max(1, Math.round(32 / L)) }, rng);
  const loss = (batch: Batch, terms: Record<string, number>): tf.Scalar => {
    const { variation, mixup } = dallmiTerms(clf, x, known, batch, opts, rng);
    terms.variation = variation.dataSync()[0]!;
    if (!mixup) return variation;
    terms.mixup = mixup.dataSync()[0]!;
    return tf.add(variation, tf.mul(mixup, opts.mixupWeight ?? 0.03)) as tf.Scalar;
  };
  return loop({ clf, x, rows, opts, phase, next, loss, ...(select ? { select } : {}) });
}

/** Trains a source classifier on `set`, holding out 10% (seeded) to choose its thresholds. */
export async function trainSource(set: EmbeddedSet, labels: readonly string[], dim: number, rank: number, opts: TrainOptions, phase: Phase): Promise<{ classifier: AdaptedClassifier; thresholds: number[] }> {
  const L = labels.length;
  const order = shuffle([...set.labels.keys()], seededRng((opts.seed ?? 1) + 7));
  const held = Math.max(1, Math.floor(order.length / 10));
  const pick = (idx: number[]) => ({ x: gatherRows(set.x, dim, idx), y: labelMatrix(idx.map((i) => set.labels[i]!), labels) });
  const train = pick(order.slice(held));
  const dev = pick(order.slice(0, held));
  const classifier = AdaptedClassifier.create(dim, labels, priors(train.y, L), { rank, seed: opts.seed ?? 1 });
  await trainBce(classifier, train.x, train.y, opts, phase, devMeanAP(dev, L));
  return { classifier, thresholds: chooseThresholds(classifier.scores(dev.x, held), dev.y, L) };
}

function gatherRows(x: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}

/** Runs one method end to end and chooses the thresholds on the target dev split. */
export async function adapt(input: AdaptInput): Promise<AdaptResult> {
  const { method, labels, dim } = input;
  const L = labels.length;
  const opts = input.options ?? {};
  const rank = input.rank ?? Math.min(16, dim);
  let source = input.source;
  let sourceThresholds: number[] | undefined;
  const needsSource = method === 'source' || method === 'unsupervised' || (!source && input.sourceTrain !== undefined);
  const split = needsSource && !source ? 0.5 : 0;
  if (needsSource && !source) {
    if (!input.sourceTrain) throw new Error(`method "${method}" needs a source model or source training data`);
    source = await trainSource(input.sourceTrain, labels, dim, rank, { ...opts, epochs: opts.sourceEpochs ?? 10, learningRate: opts.sourceLearningRate ?? 0.01 }, { name: 'source', from: 0, to: method === 'source' ? 0.95 : split });
    sourceThresholds = source.thresholds;
  }
  const finish = (classifier: AdaptedClassifier, loss?: Record<string, number>): AdaptResult => {
    const devY = labelMatrix(input.targetDev.labels, labels);
    const thresholds = chooseThresholds(classifier.scores(input.targetDev.x, input.targetDev.labels.length), devY, L);
    opts.onProgress?.({ phase: 'evaluate', fraction: 1, message: 'thresholds chosen on the target dev split' });
    return { classifier, thresholds, ...(sourceThresholds ? { sourceThresholds } : {}), ...(loss ? { loss } : {}) };
  };
  if (method === 'source') return finish(source!.classifier);

  const target = input.targetTrain;
  if (!target) throw new Error(`method "${method}" needs target training data`);
  const rows = target.labels.length;
  const clf = source ? source.classifier.copy() : AdaptedClassifier.create(dim, labels, priors(labelMatrix(target.labels, labels), L), { rank, seed: opts.seed ?? 1 });
  const phase: Phase = { name: method, from: split, to: 0.95 };
  let y: Uint8Array;
  if (method === 'unsupervised') {
    const s = source!.classifier.scores(target.x, rows);
    y = new Uint8Array(s.length);
    for (let k = 0; k < s.length; k++) y[k] = s[k]! >= source!.thresholds[k % L]! ? 1 : 0;
  } else if (method === 'oracle') y = labelMatrix(target.labels, labels);
  else y = labelMatrix(keepPositives(target.labels, input.keepPositives ?? 1, opts.seed ?? 1), labels);
  // a source model trained here is not returned
  if (sourceThresholds) source!.classifier.dispose();
  const select = devMeanAP({ x: input.targetDev.x, y: labelMatrix(input.targetDev.labels, labels) }, L);
  const loss = method === 'dallmi' ? await trainDallmi(clf, target.x, y, opts, phase, select) : await trainBce(clf, target.x, y, opts, phase, select);
  return finish(clf, loss);
}
