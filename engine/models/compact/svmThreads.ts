// The label head's SVMs on several cores. Training needs the SVMs fitted on all training texts and,
// for the out-of-fold margins, one fit per fold on the other folds' texts (linearSvm.ts): six
// independent fits by default. Given several weights C and a score (the trainer's: dev macro-F1),
// one fit on all texts per C comes first and the best-scored C is kept for the folds. SVM threads
// (svmWorker.ts) share the fits, each taking the next one when it is free; with one thread they run
// here. The calling thread only hands them out (one that fits too answers the others late: see
// encoders/use/threads.ts). Each fit is computed as LinearSvm.fit computes it alone, so the result
// does not depend on the number of threads.
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
  /** Weights C to choose among with `score` (default: `c` alone); on equal scores the earlier C wins. */
  cs?: readonly number[];
  /** Score of SVMs fitted on all rows with one C; higher is better. */
  score?: (svm: LinearSvm) => number;
}

export interface OutOfFoldFit {
  /** The SVMs fitted on all rows with the chosen C. */
  svm: LinearSvm;
  /** rows × labels margins, each row scored by the SVMs fitted without its fold. */
  outOfFold: Float32Array;
  c: number;
  /** Each candidate C with its score (empty when there was no choice). */
  scores: { c: number; score: number }[];
}

/** Fold of each row: a seeded, balanced assignment of the rows to `folds` folds. */
export function foldOf(count: number, folds: number, seed: number): Int32Array {
  const fold = new Int32Array(count);
  shuffle([...Array(count).keys()], seededRng(seed + 7919)).forEach((i, at) => (fold[i] = at % folds));
  return fold;
}

/**
 * The SVMs fitted on all `rows` (with the best-scored of `cs`), and the rows' out-of-fold margins:
 * each row scored by the SVMs fitted without its fold, so that they are not overstated as in-sample
 * margins are.
 */
export async function fitWithOutOfFold(rows: readonly SparseRow[], golds: readonly (readonly number[])[], labels: number, terms: number, opts: SvmFitOptions = {}): Promise<OutOfFoldFit> {
  const { folds: foldOption, threads: threadOption, signal, cs: csOption, score, ...fitOpts } = opts;
  const cs = score && csOption?.length ? csOption : [fitOpts.c ?? 1];
  const folds = Math.max(2, Math.min(foldOption ?? 5, rows.length));
  const fold = foldOf(rows.length, folds, opts.seed ?? 1);
  const all = [...rows.keys()];
  const threads = Math.max(1, Math.min(threadOption ?? defaultThreads(), Math.max(cs.length, folds + 1)));
  const channels = Array.from({ length: threads > 1 ? threads : 0 }, () => new WorkerChannel<ToSvmThread, FromSvmThread>(startWorker('svmWorker.mjs', 'models/compact/svmWorker.ts'), 'SVM thread'));
  type Fit = { subset: number[]; c: number };
  const local = ({ subset, c }: Fit) => LinearSvm.fit(subset.map((i) => rows[i]!), subset.map((i) => golds[i]!), labels, terms, { ...fitOpts, c }).weights;
  const remote = (t: WorkerChannel<ToSvmThread, FromSvmThread>) => async ({ subset, c }: Fit) => {
    const m = await t.request({ kind: 'fit', rows: subset.map((i) => rows[i]!), golds: subset.map((i) => golds[i]!), labels, terms, opts: { ...fitOpts, c } });
    if (m.kind !== 'weights') throw new Error(`SVM thread answered "${m.kind}" to a fit`);
    return m.data;
  };
  const fitters: ((fit: Fit) => Float32Array | Promise<Float32Array>)[] = channels.length ? channels.map(remote) : [local];
  const fitAll = async (fits: Fit[]) => {
    const weights: Float32Array[] = [];
    await shareJobs(fits.length, fitters.map((fit) => async (k: number) => void (weights[k] = await fit(fits[k]!))), signal);
    return weights;
  };
  try {
    // With a choice, the full fits come first; the chosen one is kept and the folds use its C.
    const full = cs.length > 1 ? await fitAll(cs.map((c) => ({ subset: all, c }))) : [];
    const scores = full.map((w, k) => ({ c: cs[k]!, score: score!(new LinearSvm(labels, terms, w)) }));
    const best = scores.reduce((b, s, k) => (s.score > scores[b]!.score ? k : b), 0);
    const c = cs[best]!;
    const foldSubsets = Array.from({ length: folds }, (_, f) => all.filter((i) => fold[i] !== f));
    const fitted = await fitAll([...(full.length ? [] : [all]), ...foldSubsets].map((subset) => ({ subset, c })));
    const [svmWeights, foldWeights] = full.length ? [full[best]!, fitted] : [fitted[0]!, fitted.slice(1)];
    const outOfFold = new Float32Array(rows.length * labels);
    for (let f = 0; f < folds; f++) {
      const held = all.filter((i) => fold[i] === f);
      const m = new LinearSvm(labels, terms, foldWeights[f]!).margins(held.map((i) => rows[i]!));
      held.forEach((i, r) => outOfFold.set(m.subarray(r * labels, (r + 1) * labels), i * labels));
    }
    return { svm: new LinearSvm(labels, terms, svmWeights), outOfFold, c, scores };
  } finally {
    await Promise.all(channels.map((t) => t.terminate()));
  }
}
