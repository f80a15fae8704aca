// What the generator learns to write for a text: its gold labels' descriptions, in label-file
// order, joined the way the matcher splits them ("desc1. desc2."). A text with no gold label gets
// the label file's `noneDescription` (or NONE_TARGET), so it teaches the model to say so rather
// than being dropped. The `names` ablation (the paper's Table 4) uses label names instead.
import type { LabelSet } from '../data/labels';
import { humanize } from '../descriptions/words';
import { joinDescriptions } from '../matching/sentences';

export const NONE_TARGET = 'None of the labels apply.';
export type TargetMode = 'descriptions' | 'names';

/** The sentence that stands for one label in targets. */
export function labelSentence(label: LabelSet['labels'][number], mode: TargetMode): string {
  return mode === 'names' ? humanize(label.name) : (label.description ?? label.longName ?? humanize(label.name));
}

export function noneSentence(set: LabelSet): string {
  return set.noneDescription ?? NONE_TARGET;
}

/** Every sentence the generator learns to write: each label's, in label-file order, then the none sentence. */
export function writableSentences(set: LabelSet, mode: TargetMode): string[] {
  return [...set.labels.map((l) => labelSentence(l, mode)), noneSentence(set)];
}

/**
 * The label set as the generator learns to write it: each label's description is its target
 * sentence (its name in the names ablation), and the none sentence is NONE_TARGET where the label
 * file has none, so the matcher compares generated sentences with what the model was trained to
 * write, not with descriptions it never saw, and reads the none sentence as "no label" (without its
 * row it would go to the nearest label, or read as a hallucination).
 */
export function writtenLabels(set: LabelSet, mode: TargetMode): LabelSet {
  return { ...set, noneDescription: noneSentence(set), labels: set.labels.map((l) => ({ ...l, description: labelSentence(l, mode) })) };
}

export function targetText(gold: readonly string[], set: LabelSet, mode: TargetMode): string {
  const chosen = set.labels.filter((l) => gold.includes(l.name));
  return chosen.length ? joinDescriptions(chosen.map((l) => labelSentence(l, mode))) : noneSentence(set);
}
