// The label head's SVMs on several cores. Training needs the SVMs fitted on all training texts and,
// for the out-of-fold margins, one fit per fold on the other folds' texts (linearSvm.ts): six
// independent fits by default, which SVM threads (svmWorker.ts) share, each taking the next fit when
// it is free; with one thread they run here. The calling thread only hands them out (one that fits
// too answers the others late: see encoders/use/threads.ts). Each fit is computed as LinearSvm.fit
// computes it alone, so the result does not depend on the number of threads.
import { WorkerChannel, defaultThreads, shareJobs, startWorker, type WorkerError } from '../../workers';
import { seededRng, shuffle } from '../../random';
import { LinearSvm, type LinearSvmOptions } from './linearSvm';
import type { SparseRow } from './textFeatures';

export type ToSvmThread = { kind: 'fit'; rows: SparseRow[]; golds: (readonly number[])[]; labels: number; terms: number; opts: LinearSvmOptions };
export type FromSvmThread = { kind: 'weights'; data: Float32Array } | WorkerError;

export interface SvmFitOptions extends LinearSvmOptions {
  /** Folds of the out-of-fold margins (default 5). */
  folds?: number;
  /** SVM threads (default: the cores, at most 4); 1 = the fits run on this thread. */
  threads?: number;
  signal?: AbortSignal;
}

/** Fold of each row: a seeded, balanced assignment of the rows to `folds` folds. */
export function foldOf(count: number, folds: number, seed: number): Int32Array {
  const fold = new Int32Array(count);
  shuffle([...Array(count).keys()], seededRng(seed + 7919)).forEach((i, at) => (fold[i] = at % folds));
  return fold;
}

/**
 * The SVMs fitted on all `rows`, and the rows' out-of-fold margins (rows × labels): each row scored
 * by the SVMs fitted without its fold, so that they are not overstated as in-sample margins are.
 */
export async function fitWithOutOfFold(rows: readonly SparseRow[], golds: readonly (readonly number[])[], labels: number, terms: number, opts: SvmFitOptions = {}): Promise<{ svm: LinearSvm; outOfFold: Float32Array }> {
  const { folds: foldOption, threads: threadOption, signal, ...fitOpts } = opts;
  const folds = Math.max(2, Math.min(foldOption ?? 5, rows.length));
  const fold = foldOf(rows.length, folds, opts.seed ?? 1);
  const all = [...rows.keys()];
  // Fit 0 sees every row; fit f + 1 the rows outside fold f.
  const subsets = [all, ...Array.from({ length: folds }, (_, f) => all.filter((i) => fold[i] !== f))];
  const weights: Float32Array[] = [];
  const local = (subset: number[]) => LinearSvm.fit(subset.map((i) => rows[i]!), subset.map((i) => golds[i]!), labels, terms, fitOpts).weights;
  const threads = Math.max(1, Math.min(threadOption ?? defaultThreads(), subsets.length));
  const channels = Array.from({ length: threads > 1 ? threads : 0 }, () => new WorkerChannel<ToSvmThread, FromSvmThread>(startWorker('svmWorker.mjs', 'models/compact/svmWorker.ts'), 'SVM thread'));
  const runner = (fit: (subset: number[]) => Float32Array | Promise<Float32Array>) => async (k: number) => {
    weights[k] = await fit(subsets[k]!);
  };
  const remote = (t: WorkerChannel<ToSvmThread, FromSvmThread>) => async (subset: number[]) => {
    const m = await t.request({ kind: 'fit', rows: subset.map((i) => rows[i]!), golds: subset.map((i) => golds[i]!), labels, terms, opts: fitOpts });
    if (m.kind !== 'weights') throw new Error(`SVM thread answered "${m.kind}" to a fit`);
    return m.data;
  };
  try {
    await shareJobs(subsets.length, channels.length ? channels.map((t) => runner(remote(t))) : [runner(local)], signal);
  } finally {
    await Promise.all(channels.map((t) => t.terminate()));
  }
  const outOfFold = new Float32Array(rows.length * labels);
  for (let f = 0; f < folds; f++) {
    const held = all.filter((i) => fold[i] === f);
    const m = new LinearSvm(labels, terms, weights[f + 1]!).margins(held.map((i) => rows[i]!));
    held.forEach((i, r) => outOfFold.set(m.subarray(r * labels, (r + 1) * labels), i * labels));
  }
  return { svm: new LinearSvm(labels, terms, weights[0]!), outOfFold };
}
