// The dev metric that training selects on (`lagamc train --select`): the epoch, the SVMs' weight C
// and margin threshold, the decoding and the head shift all maximise it. Macro-F1 by default, as the
// LAGAMC paper selects; micro-F1 for tasks scored on it (Reuters); the samples' Jaccard index for
// SemEval-2018 E-c, whose official score it is. Macro-F1 rewards recall on rare labels, so a model
// selected on it predicts more labels per text than one selected on Jaccard or micro-F1.
import type { EvalReport } from './multilabel';

export const SELECTION_METRICS = {
  'macro-f1': { name: 'macro-F1', of: (r: EvalReport) => r.macro.f1 },
  'micro-f1': { name: 'micro-F1', of: (r: EvalReport) => r.micro.f1 },
  'samples-f1': { name: 'samples F1', of: (r: EvalReport) => r.samples.f1 },
  jaccard: { name: 'Jaccard', of: (r: EvalReport) => r.jaccardSamples },
} as const;

export type SelectionMetric = keyof typeof SELECTION_METRICS;

export const DEFAULT_SELECTION: SelectionMetric = 'macro-f1';

export function isSelectionMetric(s: string): s is SelectionMetric {
  return Object.hasOwn(SELECTION_METRICS, s);
}
