// How the fine-tuned encoder's label logits z (models/tunedUse) join the SVM margins m that the
// label head reads: m + w·z, w chosen on dev among FUSION_WEIGHTS (trainer.ts), and z kept only for
// labels with at least FUSION_MIN_TEXTS training texts (0 for the others).
import { labelCounts } from '../data/labelMatrix';

/**
 * Weights w, chosen on dev by the fused margins' score (the first on ties; 0: the SVMs alone).
 * On CAVES dev chose 0.2 to 0.3 (BENCHMARKS.md).
 */
export const FUSION_WEIGHTS = [0, 0.1, 0.2, 0.3, 0.5, 1];
/** w without dev texts to choose it. */
export const DEFAULT_FUSION_WEIGHT = 0.2;
/**
 * Training texts a label needs for its logits to join its margins. Measured on the fine-tuned
 * encoders (BENCHMARKS.md): 50 or 100 lift both CAVES and Reuters; with 20, or no gate, dev keeps
 * w = 0 on Reuters, whose rare labels' logits are weaker than their SVMs.
 */
export const FUSION_MIN_TEXTS = 50;

/** Per label: whether it has at least `minTexts` texts in `golds` (label indices per text). */
export function fusedLabels(golds: readonly (readonly number[])[], labels: number, minTexts: number): boolean[] {
  return labelCounts(golds, labels).map((c) => c >= minTexts);
}

/** Logits z (rows × labels) with those of the labels not in `keep` set to 0, in a new array. */
export function keepLabelLogits(z: Float32Array, keep: readonly boolean[]): Float32Array {
  return z.map((x, i) => (keep[i % keep.length] ? x : 0));
}

/** Margins m + w·z (rows × labels each), in a new array. */
export function fuseMargins(m: Float32Array, z: Float32Array, w: number): Float32Array {
  if (m.length !== z.length) throw new Error(`fuseMargins: ${m.length} margins but ${z.length} logits`);
  return m.map((x, i) => x + w * z[i]!);
}
