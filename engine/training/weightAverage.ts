// Exponential moving average of the trained weights (Polyak averaging). Dev scores, early stopping
// and the model folder use the average, not the last step's weights: on CAVES the dev macro-F1 of
// the last step's weights swung by up to 4 points between consecutive epochs, so selection picked
// a lucky epoch (BENCHMARKS.md, the note on averaging).
import * as tf from '@tensorflow/tfjs-core';

/**
 * The decay that averages over about `epochs` epochs of `stepsPerEpoch` steps: 1 − 1/(epochs ·
 * stepsPerEpoch), or 0 (no averaging) when `epochs` is 0.
 */
export function averageDecay(epochs: number, stepsPerEpoch: number): number {
  return epochs > 0 ? 1 - 1 / Math.max(1, epochs * stepsPerEpoch) : 0;
}

/** average ← decay·average + (1 − decay)·live, variable by variable (same order and shapes). */
export function updateAverage(average: readonly tf.Variable[], live: readonly tf.Variable[], decay: number): void {
  tf.tidy(() => average.forEach((a, i) => a.assign(tf.add(tf.mul(a, decay), tf.mul(live[i]!, 1 - decay)))));
}
