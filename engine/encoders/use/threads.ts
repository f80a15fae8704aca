// Encoding on several cores: USE lite runs on TF.js's WebAssembly backend, one thread per Node
// thread, so a long encode call hands its batches to encoding threads (worker.ts, each with its own
// backend and copy of the model). The calling thread only hands them out: computing batches too, it
// answered the threads' messages late and left them idle (Reuters: no faster than one thread). A
// batch's vectors do not depend on which thread computed it, so the result equals a single-threaded
// encode.
import { WorkerChannel, shareJobs, startThreads, type WorkerError } from '../../workers';

export type ToEncodeThread = { kind: 'init'; backend: string; dir: string } | { kind: 'batch'; ids: number[][] };
export type FromEncodeThread = { kind: 'ready' } | { kind: 'vectors'; data: Float32Array } | WorkerError;

type EncodeThread = WorkerChannel<ToEncodeThread, FromEncodeThread>;

export class EncodeThreads {
  private constructor(private readonly threads: EncodeThread[]) {}

  /** `count` encoding threads, loading the model folder `dir` on `backend`. */
  static async start(count: number, backend: string, dir: string): Promise<EncodeThreads> {
    return new EncodeThreads(await startThreads(count, 'useWorker.mjs', 'encoders/use/worker.ts', 'encoding thread', { kind: 'init', backend, dir }));
  }

  /**
   * Computes every batch on the encoding threads, each taking the next batch when it is free, and
   * hands each batch's vectors to `done`. `signal` is checked before each batch; the batches in
   * flight finish before the abort is thrown.
   */
  async run(batches: readonly number[][][], done: (batch: number, vectors: Float32Array) => void, signal?: AbortSignal): Promise<void> {
    const runner = (t: EncodeThread) => async (b: number) => {
      const m = await t.request({ kind: 'batch', ids: batches[b]! });
      if (m.kind !== 'vectors') throw new Error(`encoding thread answered "${m.kind}" to a batch`);
      done(b, m.data);
    };
    await shareJobs(batches.length, this.threads.map(runner), signal);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
