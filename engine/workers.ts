// Worker threads of the engine. TF.js's WebAssembly backend runs on one thread in Node, so work that
// should use several cores (training steps: training/gradientThreads.ts; generating texts:
// model/lagamc/generationThreads.ts; encoding texts with USE lite: encoders/use/threads.ts; the
// label head's SVM fits: models/compact/svmThreads.ts) runs on worker threads, each with its own
// backend. This module says how many, starts one (or a set, each sent its init: `startThreads`),
// `WorkerChannel` carries one request at a time to it, and `shareJobs` hands out a list of jobs.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Threads used by default: the cores, at most 4 (beyond that, splitting one job gains little). */
export const defaultThreads = (): number => Math.max(1, Math.min(4, availableParallelism()));

/**
 * Starts a worker script: `bundle` beside the running bundle (dist/), or, when the engine runs
 * from its TypeScript sources (tests, benchmarks), `source` (relative to engine/) through tsx.
 */
export function startWorker(bundle: string, source: string): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${bundle}`, here));
  const file = new URL(`./${source}`, here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); });`, { eval: true });
}

/**
 * `count` workers of one script (startWorker), each sent `init` and ready once it answers; if any
 * fails, all are terminated and the error says which threads (`name`, e.g. "encoding thread").
 */
export async function startThreads<To, From extends { kind: string }>(count: number, bundle: string, source: string, name: string, init: To): Promise<WorkerChannel<To, From>[]> {
  const threads = Array.from({ length: Math.max(0, count) }, () => new WorkerChannel<To, From>(startWorker(bundle, source), name));
  try {
    await Promise.all(threads.map((t) => t.request(init)));
  } catch (e) {
    await Promise.all(threads.map((t) => t.terminate()));
    throw new Error(`cannot start the ${name}s: ${(e as Error).message}`);
  }
  return threads;
}

/** The answer every worker may give instead of its result. */
export type WorkerError = { kind: 'error'; message: string };

/**
 * One request at a time to a worker, answered by one message; an `error` answer, a crash or an exit
 * rejects it. The worker keeps the process alive only while a request is pending.
 */
export class WorkerChannel<To, From extends { kind: string }> {
  private waiting: { resolve(m: From): void; reject(e: Error): void } | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly worker: Worker,
    name: string,
  ) {
    worker.unref();
    worker.on('message', (m: From | WorkerError) => {
      const w = this.waiting;
      this.waiting = null;
      worker.unref();
      if (m.kind === 'error') w?.reject(new Error((m as WorkerError).message));
      else w?.resolve(m as From);
    });
    const fail = (e: Error) => {
      this.failure = e;
      this.waiting?.reject(e);
      this.waiting = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${name} exited (code ${code})`)));
  }

  request(m: To, transfer: ArrayBuffer[] = []): Promise<From> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.ref();
      this.worker.postMessage(m, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The message a worker sends back for a failure. */
export const workerError = (e: unknown): WorkerError => ({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });

/**
 * Runs jobs 0 … count − 1, each runner taking the next job when it is free. `signal` is checked
 * before each job; the jobs in flight finish before a failure or the abort is thrown.
 */
export async function shareJobs(count: number, runners: readonly ((job: number) => Promise<void> | void)[], signal?: AbortSignal): Promise<void> {
  let next = 0;
  const work = async (run: (job: number) => Promise<void> | void) => {
    while (next < count) {
      // Let a pending abort (Ctrl-C, an editor's cancel) be delivered before each job.
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      if (next >= count) return;
      await run(next++);
    }
  };
  const results = await Promise.allSettled(runners.map(work));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
