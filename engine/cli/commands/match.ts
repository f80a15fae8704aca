// `lagamc match --labels F --text TEXT`: matches generated text (label descriptions written by a
// generator, or by hand) to the labels: every sentence with its best label, score, runner-up and
// whether it is a hallucination (under the threshold), and the resulting labels.
import { loadLabelFile } from '../../data/labels';
import { loadEncoder } from '../../encoders/index';
import { Matcher } from '../../matching/matcher';
import { loadThresholds } from '../../matching/thresholds';
import type { Prediction, ScoredLabel } from '../../model/prediction';
import { EXIT, UsageError, flag, jsonOption, num, required, str, type Command, type OptionSpec, type Values } from '../command';
import { fixed, table } from '../format';

/** Options shared by `match` and `predict --zero-shot`. */
export const matcherFlags: Record<string, OptionSpec> = {
  threshold: { type: 'string', placeholder: 'X', description: 'default threshold in [0, 1] for labels without their own (default: the file\'s, else 0.4)' },
  thresholds: { type: 'string', placeholder: 'F', description: 'tuned per-label thresholds (JSON written by threshold tuning); override all others' },
  encoder: { type: 'string', placeholder: 'SPEC', description: '"use" (bundled Universal Sentence Encoder lite, default) or a sentence-transformers ONNX folder' },
};

export async function matcherFromFlags(values: Values): Promise<Matcher> {
  const set = await loadLabelFile(required(values, 'labels'));
  const threshold = str(values, 'threshold') === undefined ? undefined : num(values, 'threshold', 0, { min: 0, max: 1 });
  const thresholdsFile = str(values, 'thresholds');
  const thresholds = thresholdsFile ? await loadThresholds(thresholdsFile) : undefined;
  return Matcher.create(set, await loadEncoder(str(values, 'encoder')), { ...(threshold !== undefined ? { threshold } : {}), ...(thresholds ? { thresholds } : {}) });
}

/** A prediction as JSON, with the hallucinated sentences also listed on their own. */
export function predictionJson(p: Prediction): object {
  return { ...p, hallucinated: (p.sentences ?? []).filter((s) => s.hallucinated).map((s) => s.sentence) };
}

/** "label (score)", or "label (p X, match Y)" with the label head's probability. */
export function scoredLabel(l: ScoredLabel): string {
  return `${l.label} (${l.probability !== undefined ? `p ${fixed(l.probability)}, match ` : ''}${fixed(l.score)})`;
}

export function formatMatch(p: Prediction): string {
  const rows = (p.sentences ?? []).map((s) => [s.sentence, s.label, fixed(s.score), s.runnerUp ? `${s.runnerUp.label} ${fixed(s.runnerUp.score)}` : '', s.hallucinated ? 'hallucinated' : 'kept']);
  const sentences = rows.length ? table(['sentence', 'best label', 'score', 'runner-up', ''], rows, ['l', 'l', 'r', 'l', 'l']) : '(no sentences)';
  const labels = p.labels.length ? p.labels.map(scoredLabel).join(', ') : '(none)';
  return `${sentences}\n\nlabels: ${labels}`;
}

export const match: Command = {
  name: 'match',
  summary: 'match generated sentences to label descriptions; flag hallucinations',
  usage: '--labels F --text TEXT [--text TEXT...] [--threshold X] [--thresholds F] [--encoder SPEC] [--json]',
  options: {
    labels: { type: 'string', placeholder: 'F', description: 'label file (*.labels.jsonc or labels.json)' },
    text: { type: 'string', placeholder: 'TEXT', multiple: true, description: 'generated text to match, sentences joined by ". " (repeatable)' },
    ...matcherFlags,
    ...jsonOption,
  },
  async run({ values, io, signal }) {
    const texts = (values.text as string[] | undefined) ?? [];
    if (texts.length === 0) throw new UsageError('--text is required');
    const matcher = await matcherFromFlags(values);
    const preds = await matcher.match(texts, { signal });
    if (flag(values, 'json')) io.out(JSON.stringify(preds.length === 1 ? predictionJson(preds[0]!) : preds.map(predictionJson), null, 2));
    else io.out(preds.map(formatMatch).join('\n\n'));
    return EXIT.ok;
  },
};
