// Writes a description for each chosen label: offline from the data (default) or by an LLM through
// any OpenAI-compatible endpoint. Both start from the same evidence (representative examples, key
// terms), so switching source changes only the wording step.
import type { Example } from '../data/example';
import type { LabelDef, LabelSet } from '../data/labels';
import type { SentenceEncoder } from '../encoders/encoder';
import { LlmError, type LlmClient } from '../llm/client';
import type { ProgressListener } from '../progress';
import { labelEvidence, type LabelEvidence } from './evidence';
import { offlineDescription, type OfflineOptions } from './offline';
import { cleanDescription, descriptionPrompt, type DatasetSummary } from './prompt';

export interface GeneratedDescription {
  label: string;
  description: string;
  source: 'offline' | 'llm';
  /** The description the label had before (null when it had none). */
  previous: string | null;
  /** The texts shown to the LLM / used for the snippet. */
  examples: string[];
}

export interface GenerateOptions {
  /** Labels to describe (default: all). */
  only?: readonly string[];
  /** When given, descriptions come from the LLM. */
  llm?: LlmClient;
  /** User glossary: label name → preliminary description (wins over the label file's). */
  glossary?: ReadonlyMap<string, string>;
  /** Wording of offline descriptions (offline.ts). */
  offline?: OfflineOptions;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** Preliminary description of a label: the glossary's, else the label file's, else its name. */
export function preliminary(label: LabelDef, glossary?: ReadonlyMap<string, string>): string {
  return glossary?.get(label.name) ?? label.description ?? label.longName ?? label.name;
}

/**
 * The example each offline description quotes: a label's most representative text that no other
 * label quotes (labels with fewer texts choose first, as they have fewer to choose from), so labels
 * that share texts (wheat and grain) are not described by the same one. A label whose examples are
 * all taken quotes its first.
 */
function distinctExamples(evidence: readonly LabelEvidence[]): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const ev of [...evidence].sort((a, b) => a.support - b.support || a.label.localeCompare(b.label))) {
    const pick = ev.examples.find((t) => !taken.has(t)) ?? ev.examples[0];
    if (pick === undefined) continue;
    taken.add(pick);
    out.set(ev.label, pick);
  }
  return out;
}

export async function generateDescriptions(set: LabelSet, train: readonly Example[], encoder: SentenceEncoder, opts: GenerateOptions = {}): Promise<GeneratedDescription[]> {
  const chosen = opts.only ? set.labels.filter((l) => opts.only!.includes(l.name)) : set.labels;
  const unknown = opts.only?.filter((n) => !set.labels.some((l) => l.name === n)) ?? [];
  if (unknown.length) throw new Error(`${set.file}: no label named ${unknown.map((n) => `"${n}"`).join(', ')}`);
  opts.onProgress?.({ phase: 'encode', fraction: 0, message: 'finding representative examples' });
  const evidence = await labelEvidence(train, set.labels.map((l) => l.name), encoder, { examples: opts.llm ? 2 : 4, ...(opts.signal ? { signal: opts.signal } : {}) });
  const quoted = opts.llm ? null : distinctExamples(chosen.map((l) => evidence.get(l.name) as LabelEvidence));
  const dataset: DatasetSummary = { texts: train.length, labels: set.labels.length, labelNames: set.labels.map((l) => l.name), ...(set.task ? { task: set.task } : {}) };
  let done = 0;
  const one = async (label: LabelDef): Promise<GeneratedDescription> => {
    const ev = evidence.get(label.name) as LabelEvidence;
    let description: string;
    if (opts.llm) {
      const answer = await opts.llm.chat(descriptionPrompt({ label: label.name, preliminary: preliminary(label, opts.glossary), examples: ev.examples, dataset }), opts.signal ? { signal: opts.signal } : {});
      const clean = cleanDescription(answer);
      if (!clean) throw new LlmError('malformed', `the LLM's answer for label "${label.name}" holds no description: ${JSON.stringify(answer.slice(0, 120))}`);
      description = clean;
    } else {
      const example = quoted!.get(label.name);
      description = offlineDescription(label, example ? { ...ev, examples: [example] } : ev, opts.offline);
    }
    done++;
    opts.onProgress?.({ phase: 'generate', fraction: done / chosen.length, step: done, steps: chosen.length, message: `described ${label.name}` });
    return { label: label.name, description, source: opts.llm ? 'llm' : 'offline', previous: label.description, examples: ev.examples };
  };
  // The LLM client limits concurrency itself; offline composition is instant.
  return Promise.all(chosen.map(one));
}
