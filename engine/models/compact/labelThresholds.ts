// Per-label margin thresholds for the label head's SVMs (SCut with a fallback, Yang 2001). One
// threshold for all labels suits few of them: on Reuters a label with many texts is best cut near
// m = 0, a rare one far below. Each label's threshold is the one of THRESHOLD_GRID that maximises
// its F1 on the out-of-fold margins of the training texts (svmThreads.ts: margins as unsure as those
// of new texts, from all training texts rather than the few dev texts a rare label has); a label
// whose best F1 there stays below FALLBACK_F1 has no threshold worth trusting and takes the global
// one. The trainer keeps these thresholds only where they beat the global one on dev
// (trainer.ts), and then folds them into the SVMs' biases (LinearSvm.thresholded), so that every
// later reader of the margins (the head, prediction) sees m − t.

/** Candidate thresholds −1.5, −1.45, …, 0; on equal F1 the highest (strictest) wins. */
export const THRESHOLD_GRID = Array.from({ length: 31 }, (_, k) => Math.round((-1.5 + 0.05 * k) * 100) / 100);
/** Below this out-of-fold F1 a label takes the global threshold. */
export const FALLBACK_F1 = 0.3;

export interface LabelThresholds {
  /** Threshold of each label. */
  thresholds: Float32Array;
  /** Each label's best out-of-fold F1 (over THRESHOLD_GRID). */
  f1: Float32Array;
}

/** Thresholds from `margins` (rows × labels) and the rows' gold label indices; `fallback` for labels whose best F1 is below FALLBACK_F1. */
export function outOfFoldThresholds(margins: Float32Array, golds: readonly (readonly number[])[], labels: number, fallback: number): LabelThresholds {
  const thresholds = new Float32Array(labels);
  const f1 = new Float32Array(labels);
  const positive = golds.map((g) => new Set(g));
  for (let j = 0; j < labels; j++) {
    let best = { t: fallback, f1: -1 };
    for (const t of THRESHOLD_GRID) {
      let [tp, fp, fn] = [0, 0, 0];
      positive.forEach((g, i) => {
        const predicted = margins[i * labels + j]! > t;
        if (predicted && g.has(j)) tp++;
        else if (predicted) fp++;
        else if (g.has(j)) fn++;
      });
      const score = tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
      if (score >= best.f1) best = { t, f1: score };
    }
    thresholds[j] = best.f1 < FALLBACK_F1 ? fallback : best.t;
    f1[j] = best.f1;
  }
  return { thresholds, f1 };
}

/** `margins` (rows × labels) less each label's threshold: a new array. */
export function subtractThresholds(margins: Float32Array, thresholds: Float32Array): Float32Array {
  return margins.map((m, k) => m - thresholds[k % thresholds.length]!);
}
