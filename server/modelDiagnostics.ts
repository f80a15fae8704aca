// Diagnostics from the loaded model on a labelled dataset: texts whose gold labels the model
// confidently contradicts (possible annotation errors) and generated sentences that matched no
// label description above the threshold (hallucinations). Ranked by confidence, capped per file.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Example } from '../engine/data/example';
import { labelConfidence, type Prediction } from '../engine/model/prediction';

/** Texts predicted per file at most (larger files are checked on their first texts). */
export const MAX_CHECKED_TEXTS = 2000;

interface Ranked {
  confidence: number;
  diagnostic: Diagnostic;
}

export function modelDiagnostics(examples: readonly Example[], preds: readonly Prediction[], cap: number): Diagnostic[] {
  const ranked: Ranked[] = [];
  examples.forEach((ex, i) => {
    const p = preds[i];
    if (!p || !ex.labels) return;
    const range = ex.ranges.text ?? ex.ranges.record;
    const gold = new Set(ex.labels);
    const extra = p.labels.filter((l) => !gold.has(l.label));
    const missed = ex.labels.filter((g) => !p.labels.some((l) => l.label === g));
    if (extra.length > 0 && missed.length > 0) {
      // Labels come best first; the head's probability, where there is one, is the model's confidence.
      const confidence = extra[0]!.probability ?? extra[0]!.score;
      const head = p.probabilities !== undefined;
      ranked.push({
        confidence,
        diagnostic: {
          range,
          severity: DiagnosticSeverity.Information,
          source: 'lagamc model',
          code: 'model-contradicts-gold',
          message: `possible annotation error: the model predicts ${extra.map((l) => `${l.label} (${labelConfidence(l)})`).join(', ')} but the gold labels are ${ex.labels.join(', ') || 'none'} (${missed.map((m) => `${m}: ${head ? 'p ' : ''}${(p.scores[m] ?? 0).toFixed(2)}`).join(', ')})`,
        },
      });
    }
    for (const s of p.sentences ?? []) {
      if (!s.hallucinated) continue;
      ranked.push({
        confidence: 1 - s.score,
        diagnostic: {
          range,
          severity: DiagnosticSeverity.Hint,
          source: 'lagamc model',
          code: 'hallucinated-sentence',
          message: `generated sentence "${s.sentence}" matched no label above its threshold (best: ${s.label}, ${s.score.toFixed(2)})`,
        },
      });
    }
  });
  return ranked
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, cap)
    .map((r) => r.diagnostic);
}
