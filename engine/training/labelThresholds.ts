// Per-label thresholds on the label head's margins (SCut, Yang 2001): each label with at least
// THRESHOLD_MIN_TEXTS training texts gets the threshold that maximises its own F1 on the training
// texts' out-of-fold margins (never dev or test), and its margins are lowered by that threshold less
// the global one chosen on dev; the head shift (trainer.ts) still moves all labels together. One
// threshold does not suit labels of very different frequencies: on Reuters the SVMs alone go from
// 87.43/61.35 test micro/macro-F1 (t = −0.5 chosen on dev) to 89.09/62.41 and the model from
// 89.45/62.03 to 89.72/62.67, while on CAVES dev prefers one threshold (dev micro/macro-F1 of the
// SVMs alone 67.77/61.62 with them, 68.98/62.30 without; BENCHMARKS.md). So training keeps them
// only where they raise the dev score of the margins alone.
import { labelCounts } from '../data/labelMatrix';

/** Training texts a label needs for a threshold of its own (fewer: its F1 on them is too noisy). */
export const THRESHOLD_MIN_TEXTS = 10;
/** Thresholds tried per label: −1.5 to 0.5 in steps of 0.05 (the margins of a squared-hinge SVM gather around ±1). */
export const THRESHOLD_GRID = Array.from({ length: 41 }, (_, k) => Math.round((-1.5 + 0.05 * k) * 100) / 100);

/**
 * Per label, the threshold of THRESHOLD_GRID that maximises its F1 on `margins` (rows × labels)
 * against `golds` (label indices per row), predicting the label where margin > threshold; the
 * lowest on ties; null for labels with fewer than `minTexts` texts.
 */
export function labelThresholds(margins: Float32Array, golds: readonly (readonly number[])[], labels: number, minTexts = THRESHOLD_MIN_TEXTS): (number | null)[] {
  const rows = golds.length;
  if (margins.length !== rows * labels) throw new Error(`labelThresholds: ${margins.length} margins for ${rows} rows × ${labels} labels`);
  const counts = labelCounts(golds, labels);
  const positive = new Uint8Array(rows * labels);
  golds.forEach((g, i) => g.forEach((j) => (positive[i * labels + j] = 1)));
  return counts.map((count, j) => {
    if (count < Math.max(1, minTexts)) return null;
    let best = { t: 0, f1: -1 };
    for (const t of THRESHOLD_GRID) {
      let tp = 0;
      let fp = 0;
      for (let i = 0; i < rows; i++) if (margins[i * labels + j]! > t) positive[i * labels + j] ? tp++ : fp++;
      const f1 = (2 * tp) / (2 * tp + fp + (count - tp));
      if (f1 > best.f1) best = { t, f1 };
    }
    return best.t;
  });
}

/** Offsets to subtract from each label's margins: its threshold less `global`, 0 for labels without one. */
export function thresholdOffsets(thresholds: readonly (number | null)[], global: number): Float32Array {
  return Float32Array.from(thresholds, (t) => (t === null ? 0 : t - global));
}

/** Margins (rows × labels) less each label's offset, in a new array. */
export function lowerMargins(margins: Float32Array, offsets: Float32Array): Float32Array {
  return margins.map((x, i) => x - offsets[i % offsets.length]!);
}

/** The per-label thresholds' offsets and whether training keeps them. */
export interface ThresholdChoice {
  offsets: Float32Array;
  /** Whether they raise the dev score (false: one threshold for all labels). */
  kept: boolean;
  /** Labels with a threshold of their own. */
  labels: number;
  /** Dev score of the margins alone with the thresholds, and with one threshold. */
  score: number;
  globalScore: number;
}

/**
 * The offsets of the per-label thresholds of `trainMargins` (labelThresholds) from the global
 * threshold that `devScore` (the dev score of margins at their best global threshold) chooses for
 * `devMargins`; kept if `devMargins` lowered by them score higher.
 */
export function chooseLabelThresholds(trainMargins: Float32Array, golds: readonly (readonly number[])[], labels: number, devMargins: Float32Array, devScore: (margins: Float32Array) => { score: number; threshold: number }): ThresholdChoice {
  const global = devScore(devMargins);
  const thresholds = labelThresholds(trainMargins, golds, labels);
  const offsets = thresholdOffsets(thresholds, global.threshold);
  const { score } = devScore(lowerMargins(devMargins, offsets));
  const count = thresholds.filter((t) => t !== null).length;
  return { offsets, kept: count > 0 && score > global.score, labels: count, score, globalScore: global.score };
}
