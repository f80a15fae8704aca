// Hover over a dataset text: the loaded model's labels with scores (and its label head's
// probabilities), the generated sentences and what each matched (hallucinated ones marked), and the
// gold labels with agreement.
import type { Hover, MarkupContent } from 'vscode-languageserver';
import type { Example } from '../engine/data/example';
import type { Prediction } from '../engine/model/prediction';
import type { Model } from './model';

/** The hover over `ex`, the example under the pointer. */
export async function datasetHover(ex: Example | undefined, model: Model, signal: AbortSignal): Promise<Hover | null> {
  if (!model.loaded) return null;
  if (!ex || ex.text.trim() === '') return null;
  const [p] = await model.predict([ex.text], signal);
  const contents: MarkupContent = { kind: 'markdown', value: renderPrediction(p!, ex.labels) };
  return { contents, ...(ex.ranges.text ? { range: ex.ranges.text } : {}) };
}

const f2 = (x: number) => x.toFixed(2);
const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

/** Markdown for one prediction; `gold` adds an agreement column. */
export function renderPrediction(p: Prediction, gold: string[] | null): string {
  const out: string[] = ['**LAGAMC predicted labels**', ''];
  // With a label head, its probability first: with constrained decoding every match scores 1.
  const head = p.probabilities !== undefined;
  if (p.labels.length === 0) out.push('_no label predicted_');
  else {
    const columns = ['label', ...(head ? ['head p'] : []), head ? 'match' : 'score', ...(gold ? ['gold'] : [])];
    out.push(`| ${columns.join(' | ')} |`, `|---|${head ? '---:|' : ''}---:|${gold ? ':---:|' : ''}`);
    for (const l of p.labels) out.push(`| ${esc(l.label)} |${head ? ` ${f2(l.probability ?? 0)} |` : ''} ${f2(l.score)} |${gold ? ` ${gold.includes(l.label) ? '✓' : '✗'} |` : ''}`);
  }
  if (p.fallback) out.push('', '_fallback: nothing reached its threshold; the most similar label is shown_');
  if (p.sentences?.length) {
    out.push('', '**Generated sentences**', '', '| sentence | matched | score |', '|---|---|---:|');
    for (const s of p.sentences) out.push(`| ${s.hallucinated ? '⚠ ' : ''}${esc(s.sentence)} | ${s.hallucinated ? '_hallucinated_ (best: ' + esc(s.label) + ')' : esc(s.label)} | ${f2(s.score)} |`);
  }
  if (gold) {
    const predicted = new Set(p.labels.map((l) => l.label));
    const missed = gold.filter((g) => !predicted.has(g));
    const agree = gold.filter((g) => predicted.has(g)).length;
    out.push('', `Gold: ${gold.length ? gold.map(esc).join(', ') : '_none_'} — ${agree}/${gold.length} predicted${missed.length ? `; missed: ${missed.map((m) => `${esc(m)} (${head ? 'p ' : ''}${f2(p.scores[m] ?? 0)})`).join(', ')}` : ''}`);
  }
  return out.join('\n');
}
