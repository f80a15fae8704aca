// Fine-tuning USE lite with a label layer (models/tunedUse/model.ts), the first stage of
// `lagamc train` on training sets of at most FINE_TUNE_MAX_TOKENS tokens (or with
// --fine-tune-encoder): binary cross-entropy summed over the labels, all 6.98M weights trained
// (the token embeddings too, since 2026-12-07: CAVES head alone, seeds 1 and 2, dev macro-F1 65.14
// and 64.83 against 64.48 and 64.80 with them frozen; BENCHMARKS.md); AdamW without weight decay,
// 10% warm-up then linear decay, the label layer at 10× the encoder's rate; gradient norm clipped at 1; seeded
// dropout 0.1; batches of 32 texts of similar lengths (sorted within shuffled chunks of 50 batches).
// On CAVES one epoch at 4e-4 keeps most of what two at 2e-4 (the best dev macro-F1 measured) give,
// at half the cost (BENCHMARKS.md).
// Each batch is cut into one shard per thread: the calling thread computes the first, tuning
// threads (encoderTuningWorker.ts, each with its own backend and copy of the weights) the others,
// and the gradients are added. The logits that the last epoch computed for its training texts (with
// dropout, each by the weights before its own batch's update) are returned: the label head reads
// them on training texts, where the final weights' logits would be overconfident.
// After each epoch a checkpoint (weights, optimizer moments, that epoch's training logits) is written
// to `checkpointDir`; a resumed run continues from the last one, with the same batches and masks.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { concatFloat32, readFloat32File } from '../io/float32';
import { loadUseTokenizer, useTokenCount } from '../encoders/use/differentiable';
import { TunedUse } from '../models/tunedUse/model';
import type { ProgressListener } from '../progress';
import { seededRng, shuffle } from '../random';
import { variableValues } from '../tf/variables';
import { startThreads, type WorkerChannel, type WorkerError } from '../workers';
import { fusedLabels } from './fusion';
import { AdamW } from './optimizer';

/**
 * Peak learning rate of a one-epoch fine-tuning; n epochs take 1/n of it by default. On CAVES
 * (seed 1) one epoch at 4e-4 gave test micro/macro-F1 67.46/62.63, two at 2e-4 68.35/63.11 (dev
 * macro-F1 64.09 and 64.64; BENCHMARKS.md).
 */
export const DEFAULT_TUNING_LEARNING_RATE = 4e-4;
/** Tokens a default fine-tuning reads in all: ⌊budget / tokens⌋ epochs, at least 1, at most MAX_DEFAULT_TUNING_EPOCHS. */
export const FINE_TUNE_TOKEN_BUDGET = 1_000_000;
export const MAX_DEFAULT_TUNING_EPOCHS = 2;

/** Epochs of a fine-tuning over `tokens` tokens when none are asked for: CAVES (498k) 2, Reuters (785k) 1. */
export function defaultTuningEpochs(tokens: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_TUNING_EPOCHS, Math.floor(FINE_TUNE_TOKEN_BUDGET / Math.max(1, tokens))));
}
/**
 * Training sets of at most this many tokens (useTokenCount) are fine-tuned by default: with the
 * native matrix products (tf/nativeMatMul.ts) an epoch over CAVES' 498k tokens takes under 3 minutes
 * on 2 cores and Reuters' training split (785k) trains in 12.2 minutes with it, encoding included,
 * within the 15-minute budget; without them (XNNPACK only) an epoch takes 2.7 times as long.
 */
export const FINE_TUNE_MAX_TOKENS = 800_000;
/** The label layer's learning rate over the encoder's. */
const LABEL_LAYER_RATE = 10;
const BATCH = 32;
const CHUNK_BATCHES = 50;
const DROPOUT = 0.1;

/**
 * Whether training fine-tunes the encoder by default: when a label has `minTexts` training texts
 * (fusion.ts's gate; otherwise none would use it) and the texts hold at most `maxTokens` tokens
 * (counted only then).
 */
export async function fineTunesByDefault(texts: readonly string[], golds: readonly (readonly number[])[], labels: number, minTexts: number, maxTokens = FINE_TUNE_MAX_TOKENS): Promise<{ tune: boolean; tokens: number | null }> {
  if (!fusedLabels(golds, labels, minTexts).some(Boolean)) return { tune: false, tokens: null };
  const tokens = useTokenCount(await loadUseTokenizer(), texts);
  return { tune: tokens <= maxTokens, tokens };
}

export interface EncoderTuningOptions {
  /** Default: defaultTuningEpochs of the texts' tokens. */
  epochs?: number;
  /** Default: DEFAULT_TUNING_LEARNING_RATE / epochs. */
  learningRate?: number;
  seed?: number;
  /** Threads computing each batch, the calling one included (default 1). */
  threads?: number;
  /** Folder of the per-epoch checkpoints (none without it). */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir`, if any. */
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface TunedEncoder {
  model: TunedUse;
  /** The epochs and peak learning rate used. */
  epochs: number;
  learningRate: number;
  /** rows × labels logits of the training texts, computed during the last epoch. */
  trainLogits: Float32Array;
}

/** One shard of a batch: token ids, gold rows (rows × labels), the batch's size, the dropout rate and seed. */
export interface TuningShard {
  ids: number[][];
  gold: Float32Array;
  batchRows: number;
  dropout: number;
  seed: number;
}

/** The shard's gradients (the model's variables' order) of the batch-mean loss, its summed loss and logits. */
export function shardGradients(model: TunedUse, shard: TuningShard): { grads: tf.Tensor[]; loss: number; logits: Float32Array } {
  const vars = model.variables;
  const rows = shard.ids.length;
  let logits: tf.Tensor | null = null;
  const { grads, value } = tf.variableGrads(() => {
    const z = model.logitsOf(shard.ids, { rate: shard.dropout, rng: seededRng(shard.seed) });
    logits = tf.keep(z);
    const y = tf.tensor2d(shard.gold, [rows, model.labels]);
    // Binary cross-entropy on logits, stable: max(z, 0) − z·y + log(1 + e^−|z|).
    const loss = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(z))))));
    return tf.div(tf.sum(loss), shard.batchRows) as tf.Scalar;
  }, vars);
  const out = { grads: vars.map((v) => grads[v.name]!), loss: value.dataSync()[0]! * shard.batchRows, logits: (logits as unknown as tf.Tensor).dataSync() as Float32Array };
  tf.dispose([value, logits as unknown as tf.Tensor]);
  return out;
}

export type ToTuningThread = { kind: 'init'; backend: string; labels: number } | { kind: 'step'; values: Float32Array[]; shard: TuningShard };
export type FromTuningThread = { kind: 'ready' } | { kind: 'gradients'; grads: Float32Array[]; loss: number; logits: Float32Array } | WorkerError;

interface TuningState {
  epoch: number;
  epochs: number;
  learningRate: number;
  seed: number;
  threads: number;
  /** Folder (under the checkpoint folder) of this epoch's weights, moments and training logits. */
  folder: string;
  step: number;
}

/** The epoch's batches: seeded by (seed, epoch), similar lengths together. */
function epochBatches(lengths: readonly number[], seed: number, epoch: number): { batches: number[][]; rng: () => number } {
  const rng = seededRng(seed * 1000 + epoch);
  const order = shuffle([...lengths.keys()], rng);
  const batches: number[][] = [];
  for (let c = 0; c < order.length; c += BATCH * CHUNK_BATCHES) {
    const chunk = order.slice(c, c + BATCH * CHUNK_BATCHES).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let s = 0; s < chunk.length; s += BATCH) batches.push(chunk.slice(s, s + BATCH));
  }
  return { batches: shuffle(batches, rng), rng };
}

/** USE lite fine-tuned on `texts` with gold label indices `golds` among `labels` labels. */
export async function tuneEncoder(texts: readonly string[], golds: readonly (readonly number[])[], labels: number, opts: EncoderTuningOptions = {}): Promise<TunedEncoder> {
  const seed = opts.seed ?? 1;
  const threadCount = Math.max(1, opts.threads ?? 1);
  const stateFile = opts.checkpointDir ? join(opts.checkpointDir, 'state.json') : null;
  const resumed = opts.resume && stateFile && existsSync(stateFile) ? (JSON.parse(await readFile(stateFile, 'utf8')) as TuningState) : null;
  // A new run starts from no checkpoint (an earlier run's would mislead a later --resume).
  if (!resumed && opts.checkpointDir) await rm(opts.checkpointDir, { recursive: true, force: true });
  const model = resumed ? await TunedUse.load(join(opts.checkpointDir!, resumed.folder)) : await TunedUse.create(labels, seed);
  if (!model) throw new Error(`${stateFile}: its weights (${resumed!.folder}) are missing`);
  if (model.labels !== labels) throw new Error(`${stateFile}: the checkpoint has ${model.labels} labels, the label file ${labels}`);
  const ids = texts.map((t) => model.ids(t));
  const lengths = ids.map((r) => r.length);
  const epochs = opts.epochs ?? defaultTuningEpochs(lengths.reduce((sum, n) => sum + n, 0));
  const learningRate = opts.learningRate ?? DEFAULT_TUNING_LEARNING_RATE / epochs;
  if (resumed) {
    const mismatch = (['epochs', 'learningRate', 'seed', 'threads'] as const).find((k) => resumed[k] !== { epochs, learningRate, seed, threads: threadCount }[k]);
    if (mismatch) {
      model.dispose();
      throw new Error(`${stateFile}: the encoder's fine-tuning was checkpointed with ${mismatch} ${resumed[mismatch]}; resume it with the same setting (now ${({ epochs, learningRate, seed, threads: threadCount })[mismatch]})`);
    }
  }
  const gold = (rows: readonly number[]) => {
    const y = new Float32Array(rows.length * labels);
    rows.forEach((i, r) => golds[i]!.forEach((j) => (y[r * labels + j] = 1)));
    return y;
  };
  const stepsPerEpoch = epochBatches(lengths, seed, 1).batches.length;
  const vars = model.variables;
  const optimizer = new AdamW(vars, { learningRate, totalSteps: epochs * stepsPerEpoch, warmup: 0.1, weightDecay: 0, clipNorm: 1, rateScale: vars.map((v) => (v === model.labelW || v === model.labelB ? LABEL_LAYER_RATE : 1)) });
  let trainLogits: Float32Array = new Float32Array(texts.length * labels);
  let threads: WorkerChannel<ToTuningThread, FromTuningThread>[] = [];
  try {
    if (resumed) {
      const dir = join(opts.checkpointDir!, resumed.folder);
      const moments = await readFloat32File(join(dir, 'optimizer.bin'));
      const sizes = vars.map((v) => v.size);
      const total = sizes.reduce((s, n) => s + n, 0);
      if (moments.length !== 2 * total) throw new Error(`${join(dir, 'optimizer.bin')}: holds ${moments.length} values, expected ${2 * total}`);
      optimizer.restore({ step: resumed.step, m: split(moments.subarray(0, total), sizes), v: split(moments.subarray(total), sizes) });
      trainLogits = await readFloat32File(join(dir, 'train-logits.bin'));
    }
    const start = (resumed?.epoch ?? 0) + 1;
    if (start <= epochs) threads = await startThreads(threadCount - 1, 'encoderTuningWorker.mjs', 'training/encoderTuningWorker.ts', 'encoder tuning thread', { kind: 'init', backend: tf.getBackend(), labels } satisfies ToTuningThread);
    const started = performance.now();
    let done = 0;
    let examples = 0;
    for (let epoch = start; epoch <= epochs; epoch++) {
      const { batches, rng } = epochBatches(lengths, seed, epoch);
      const logits = new Float32Array(texts.length * labels);
      let lossSum = 0;
      for (const [bi, batch] of batches.entries()) {
        await new Promise((r) => setImmediate(r));
        opts.signal?.throwIfAborted();
        // Contiguous shards of the length-sorted batch, one per thread.
        const size = Math.ceil(batch.length / (threads.length + 1));
        const parts = Array.from({ length: Math.ceil(batch.length / size) }, (_, k) => batch.slice(k * size, (k + 1) * size));
        const shards = parts.map((rows) => ({ ids: rows.map((i) => ids[i]!), gold: gold(rows), batchRows: batch.length, dropout: DROPOUT, seed: Math.floor(rng() * 2 ** 31) }));
        const values = shards.length > 1 ? variableValues(vars) : [];
        const remote = Promise.all(shards.slice(1).map((shard, k) => threads[k]!.request({ kind: 'step', values, shard })));
        remote.catch(() => {});
        const local = shardGradients(model, shards[0]!);
        let others: Extract<FromTuningThread, { kind: 'gradients' }>[];
        try {
          others = (await remote).filter((o) => o.kind === 'gradients');
        } catch (e) {
          tf.dispose(local.grads);
          throw e;
        }
        const grads = others.length ? local.grads.map((g, i) => tf.tidy(() => others.reduce((s, o) => tf.add(s, tf.tensor(o.grads[i]!, g.shape)), g))) : local.grads;
        optimizer.apply(grads);
        tf.dispose(others.length ? [...local.grads, ...grads] : grads);
        [local, ...others].forEach((r, k) => parts[k]!.forEach((i, row) => logits.set(r.logits.subarray(row * labels, (row + 1) * labels), i * labels)));
        const loss = [local, ...others].reduce((s, r) => s + r.loss, 0) / batch.length;
        lossSum += loss;
        done++;
        examples += batch.length;
        const elapsed = (performance.now() - started) / 1000;
        const step = (epoch - 1) * batches.length + bi + 1;
        opts.onProgress?.({ phase: 'train', fraction: step / (epochs * batches.length), epoch, epochs, step: bi + 1, steps: batches.length, loss: { total: loss }, throughput: { value: examples / elapsed, unit: 'examples' }, etaSeconds: (elapsed / done) * (epochs * batches.length - step), message: `fine-tuning the encoder: epoch ${epoch}/${epochs}, step ${bi + 1}/${batches.length}, loss ${loss.toFixed(3)}` });
      }
      trainLogits = logits;
      opts.onProgress?.({ phase: 'train', fraction: epoch / epochs, epoch, epochs, message: `fine-tuned the encoder for epoch ${epoch}: mean loss ${(lossSum / batches.length).toFixed(3)}` });
      if (opts.checkpointDir) await checkpoint(opts.checkpointDir, model, optimizer, trainLogits, { epoch, epochs, learningRate, seed, threads: threadCount, folder: `epoch-${epoch}`, step: optimizer.step }, resumed?.folder);
    }
    return { model, trainLogits, epochs, learningRate };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    optimizer.dispose();
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** Writes the epoch's folder, then the state naming it, then removes the previous folders. */
async function checkpoint(dir: string, model: TunedUse, optimizer: AdamW, logits: Float32Array, state: TuningState, previous: string | undefined): Promise<void> {
  const folder = join(dir, state.folder);
  await model.save(folder);
  const { m, v } = optimizer.state();
  await writeFileAtomic(join(folder, 'optimizer.bin'), bytes(concatFloat32([...m, ...v])));
  await writeFileAtomic(join(folder, 'train-logits.bin'), bytes(logits));
  await writeJsonAtomic(join(dir, 'state.json'), state);
  for (let e = 1; e < state.epoch; e++) await rm(join(dir, `epoch-${e}`), { recursive: true, force: true });
  if (previous && previous !== state.folder) await rm(join(dir, previous), { recursive: true, force: true });
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function split(a: Float32Array, sizes: readonly number[]): Float32Array[] {
  let at = 0;
  return sizes.map((n) => a.slice(at, (at += n)));
}
