// Label rows: extra rows in every training batch that teach the decoder to write each label's
// sentence from the label head's side of its conditioning. A rare label's sentence occurs in only a
// few training targets, so the decoder seldom learns to write it, even when the head is sure of the
// label. A label row conditions the decoder on c = [mean (unit) encoder vector of the label's training
// texts (the label sentence's own vector for a label without texts) ; one-hot label probabilities]
// and its target is that label's single-label target. Each batch draws its labels uniformly, so
// every label gets the same share of these rows whatever its frequency.
import type { Rng } from '../random';

export interface LabelRows {
  /** Labels × (encoder width + labels): each label's conditioning vector. */
  x: Float32Array;
  /** Each label's target ids (ending in EOS). */
  ids: number[][];
  /** Labels × encoder width: each label's target vector (for the semantic term). */
  vectors: Float32Array;
}

/**
 * The label rows of a training set: `golds[i]` holds the label indices of text i, `textVectors`
 * its encoder vector (row i), `labelVectors` each label target's encoder vector (row j).
 */
export function labelRows(golds: readonly (readonly number[])[], textVectors: Float32Array, labelVectors: Float32Array, ids: number[][], dim: number): LabelRows {
  const labels = ids.length;
  const width = dim + labels;
  const x = new Float32Array(labels * width);
  const counts = new Array<number>(labels).fill(0);
  golds.forEach((gold, i) => {
    for (const j of gold) {
      counts[j]!++;
      for (let d = 0; d < dim; d++) x[j * width + d]! += textVectors[i * dim + d]!;
    }
  });
  for (let j = 0; j < labels; j++) {
    const row = x.subarray(j * width, j * width + dim);
    if (!counts[j]) row.set(labelVectors.subarray(j * dim, (j + 1) * dim));
    // The encoder's vectors have unit length; so does the mean, rescaled.
    const norm = Math.hypot(...row) || 1;
    for (let d = 0; d < dim; d++) row[d]! /= norm;
    x[j * width + dim + j] = 1;
  }
  return { x, ids, vectors: labelVectors };
}

/** `count` distinct label indices out of `labels`, drawn uniformly (all of them when count ≥ labels). */
export function drawLabels(labels: number, count: number, rng: Rng): number[] {
  const pool = Array.from({ length: labels }, (_, j) => j);
  const n = Math.min(count, labels);
  for (let i = 0; i < n; i++) {
    const k = i + Math.floor(rng() * (labels - i));
    [pool[i], pool[k]] = [pool[k]!, pool[i]!];
  }
  return pool.slice(0, n);
}
