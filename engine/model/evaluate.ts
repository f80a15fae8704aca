// Evaluating any model on a labelled dataset: predict every text (in chunks, cancellable), then
// every metric of metrics/multilabel.ts plus the hallucination rate of generative models (share of
// generated sentences whose best match was under the threshold).
import type { Example } from '../data/example';
import { evaluate, type EvalReport } from '../metrics/multilabel';
import type { ProgressListener } from '../progress';
import type { Decoding, Prediction, Predictor } from './prediction';

export interface ModelReport extends EvalReport {
  /** Hallucinated sentences / generated sentences; null for models that generate nothing. */
  hallucinationRate: number | null;
  /** Texts for which nothing matched. */
  textsWithoutLabel: number;
}

export async function evaluateModel(predictor: Predictor, examples: readonly Example[], opts: { trainFrequencies?: Map<string, number>; signal?: AbortSignal; decoding?: Decoding; onProgress?: ProgressListener; chunk?: number } = {}): Promise<{ report: ModelReport; predictions: Prediction[] }> {
  const predictions: Prediction[] = [];
  const chunk = opts.chunk ?? 256;
  for (let start = 0; start < examples.length; start += chunk) {
    opts.signal?.throwIfAborted();
    predictions.push(...(await predictor.predict(examples.slice(start, start + chunk).map((e) => e.text), { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.decoding ? { decoding: opts.decoding } : {}) })));
    opts.onProgress?.({ phase: 'evaluate', fraction: Math.min(1, (start + chunk) / examples.length), message: `predicted ${Math.min(examples.length, start + chunk)}/${examples.length}` });
  }
  const base = evaluate(
    examples.map((e) => e.labels ?? []),
    predictions.map((p) => p.labels.map((l) => l.label)),
    { labels: [...predictor.labels], scores: predictions.map((p) => p.scores), ...(opts.trainFrequencies ? { trainFrequencies: opts.trainFrequencies } : {}) },
  );
  const sentences = predictions.reduce((s, p) => s + (p.sentences?.length ?? 0), 0);
  const hallucinated = predictions.reduce((s, p) => s + (p.sentences?.filter((m) => m.hallucinated).length ?? 0), 0);
  return { report: { ...base, hallucinationRate: predictions.some((p) => p.sentences) ? (sentences ? hallucinated / sentences : 0) : null, textsWithoutLabel: predictions.filter((p) => p.labels.length === 0).length }, predictions };
}
