// Generation on several cores (TF.js's WebAssembly backend runs on one thread in Node): the rows are
// cut at multiples of GENERATION_BATCH into one contiguous range per thread, the calling thread
// generating the first and each generation thread (generationWorker.ts, a worker thread with its
// own backend, a copy of the weights and the label sentences) one of the others. Every row is
// generated in the batch it would have on one thread, so the texts do not depend on the number of
// threads. The trainer generates its dev texts with it after every epoch and for each decoding it
// tries (training/trainer.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { LabelSet } from '../../data/labels';
import type { CompactConfig } from '../../models/compact/model';
import { Vocab } from '../../models/compact/vocab';
import type { SentenceConstraint } from '../../models/constrained';
import type { TargetMode } from '../../training/targets';
import { variableValues } from '../../tf/variables';
import { WorkerChannel, startThreads, type WorkerError } from '../../workers';
import type { Decoding } from '../prediction';
import type { LagamcWeights } from './folder';
import { GENERATION_BATCH, decodeOptions, generateTexts, labelConstraint, labelVerbatim, type Generated, type GeneratorInputs } from './predictor';
import type { VerbatimSentences } from './verbatim';

/** What a generation thread needs besides the weights' values. */
export interface GenerationSetup {
  config: CompactConfig;
  adapterRank: number;
  vocab: readonly string[];
  set: LabelSet;
  mode: TargetMode;
  /** Training texts per label (Decoding `headDecides`). */
  labelTexts?: readonly number[];
}

export type ToGenerationThread =
  | ({ kind: 'init'; backend: string } & GenerationSetup)
  | { kind: 'load'; values: Float32Array[] }
  | { kind: 'generate'; inputs: GeneratorInputs; decoding: Decoding; headShift: number };

export type FromGenerationThread = { kind: 'ready' } | ({ kind: 'texts' } & Generated) | WorkerError;

type GenerationThread = WorkerChannel<ToGenerationThread, FromGenerationThread>;

/**
 * Contiguous [start, end) ranges of `rows` rows for `parts` threads, each ending at a multiple of
 * `batch` (but the last) as near as may be to an even share of the rows left; empty ranges are left out.
 */
export function generationRanges(rows: number, parts: number, batch = GENERATION_BATCH): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  for (let k = 0; k < parts && start < rows; k++) {
    const share = (rows - start) / (parts - k);
    const end = k === parts - 1 ? rows : Math.min(rows, start + Math.round(share / batch) * batch);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** The rows [start, end) of generator inputs (copies). */
function sliceInputs(inputs: GeneratorInputs, start: number, end: number): GeneratorInputs {
  const { dim } = inputs;
  const labels = inputs.margins ? inputs.margins.length / (inputs.vectors.length / dim) : 0;
  return {
    vectors: inputs.vectors.slice(start * dim, end * dim),
    dim,
    bags: inputs.bags ? inputs.bags.slice(start, end) : null,
    margins: inputs.margins ? inputs.margins.slice(start * labels, end * labels) : null,
  };
}

/** `work`'s result, or a rejection with the abort's reason as soon as `signal` is aborted. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

export class GenerationThreads {
  private constraint: SentenceConstraint | undefined;

  private constructor(
    private readonly setup: GenerationSetup,
    private readonly vocab: Vocab,
    private readonly verbatim: VerbatimSentences,
    private readonly threads: GenerationThread[],
  ) {}

  /** `count` threads in all, the calling one included (1: every row on this thread). */
  static async start(count: number, setup: GenerationSetup): Promise<GenerationThreads> {
    const message: ToGenerationThread = { kind: 'init', backend: tf.getBackend(), ...setup };
    const threads = await startThreads<ToGenerationThread, FromGenerationThread>(count - 1, 'generationWorker.mjs', 'model/lagamc/generationWorker.ts', 'generation thread', message);
    return new GenerationThreads(setup, new Vocab(setup.vocab), labelVerbatim(setup.set, setup.mode), threads);
  }

  /**
   * Generated text for each row of `inputs` with `weights` (LagamcWeights.create(setup.config,
   * setup.adapterRank) or a loaded copy of them), and the head probabilities it read, as
   * generateTexts would return them on one thread.
   * The threads are given the weights' current values first. An abort of `signal` rejects at once
   * (checked before each of this thread's batches, and while it waits for the others); the threads
   * then still finish their rows, so the pool is only fit to be closed.
   */
  async generate(weights: LagamcWeights, inputs: GeneratorInputs, decoding: Decoding, headShift: number, signal?: AbortSignal): Promise<Generated> {
    const rows = inputs.vectors.length / inputs.dim;
    const [mine, ...theirs] = generationRanges(rows, this.threads.length + 1);
    if (!mine) return { texts: [], probabilities: null };
    if (theirs.length) {
      const values = variableValues(weights.variables);
      await Promise.all(theirs.map((_, i) => this.threads[i]!.request({ kind: 'load', values })));
    }
    // Sent before the local range is generated, so that the threads work meanwhile; awaited below,
    // so a local failure must not leave its rejection (a closed pool's) unhandled.
    const remote = Promise.all(theirs.map(([start, end], i) => this.threads[i]!.request({ kind: 'generate', inputs: sliceInputs(inputs, start, end), decoding, headShift })));
    remote.catch(() => {});
    const local = await generateTexts(weights, this.vocab, this.verbatim, sliceInputs(inputs, ...mine), decodeOptions(decoding, this.vocab, () => (this.constraint ??= labelConstraint(this.setup.set, this.vocab, this.setup.mode)), this.setup.labelTexts), headShift, signal ? { signal } : {});
    const parts = [local];
    for (const answer of await untilAborted(remote, signal)) if (answer.kind === 'texts') parts.push(answer);
    const labels = this.setup.config.labels;
    const probabilities = labels ? new Float32Array(rows * labels) : null;
    if (probabilities) [mine, ...theirs].forEach(([start], i) => probabilities.set(parts[i]!.probabilities!, start * labels));
    return { texts: parts.flatMap((g) => g.texts), probabilities };
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
