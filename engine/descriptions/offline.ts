// Offline label descriptions, composed from the data alone (no LLM): the label's readable name,
// its most discriminative terms, and a short representative snippet, as one sentence:
//   Texts about side effects: fever, sore arm, headache and chills, as in "my arm is so sore".
import type { LabelDef } from '../data/labels';
import type { LabelEvidence } from './evidence';
import { isAbbreviation, splitSentences } from '../matching/sentences';
import { humanize } from './words';

export interface OfflineOptions {
  /** Key terms named in the sentence (default 4). */
  terms?: number;
  /** Words of the snippet kept (default 12); 0 leaves the snippet out. */
  snippetWords?: number;
}

/** Picks terms in rank order, skipping a unigram already inside a chosen bigram and vice versa. */
function pickTerms(ranked: readonly { term: string }[], exclude: ReadonlySet<string>, n: number): string[] {
  const chosen: string[] = [];
  for (const { term } of ranked) {
    if (chosen.length >= n) break;
    if (exclude.has(term)) continue;
    const words = term.split(' ');
    if (chosen.some((c) => c === term || c.split(' ').some((w) => words.includes(w)))) continue;
    chosen.push(term);
  }
  return chosen;
}

/**
 * Sentence punctuation inside a snippet ("wow!!!so", ".....Seems", "example.com") becomes a comma,
 * and leading or trailing runs go; periods of numbers and abbreviations stay, except those that end
 * a sentence once the compact generator has written them back (lower case, the next word
 * capitalised: "S. Africa" comes out as "s. Africa"), which go ("S Africa"; "S.AFRICA" gives
 * "S AFRICA"). The description then reads, and is written back by the generator, as one sentence
 * (the matcher keeps a description of several sentences whole anyway: KnownSentences).
 */
function oneSentence(text: string): string {
  const MARK = '\u0001'; // a run that becomes a comma; the text's own commas ("3,000") stay as they are
  return text
    .replace(/[.!?]+/g, (run: string, at: number) => {
      const before = text.slice(0, at);
      const after = text.slice(at + run.length);
      if (run !== '.') return MARK;
      if (/\p{N}$/u.test(before) && /^\p{N}/u.test(after)) return run;
      if (/(?:^|[^\p{L}])\p{L}$/u.test(before) && /^\p{L}\./u.test(after)) return run; // inside "U.S."
      const word = before.slice(before.search(/\S*$/));
      const next = after.trimStart().charAt(0);
      if (!isAbbreviation(word, next)) return MARK;
      return isAbbreviation(word.toLowerCase(), next.toUpperCase()) ? run : /^\s/.test(after) ? '' : ' ';
    })
    .replace(/,?\s*\u0001[\s\u0001,]*/g, ', ')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

/** The start of the text's first sentence (a title, when the text has one), so the description stays one sentence. */
function snippet(text: string, words: number): string {
  const first = splitSentences(text.replace(/https?:\/\/\S+|@\w+/g, ''))[0] ?? '';
  const clean = oneSentence(first.replace(/\s+/g, ' ').replace(/"/g, "'").trim());
  const parts = clean.split(' ');
  return parts.length <= words ? clean : parts.slice(0, words).join(' ') + ' …';
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function offlineDescription(label: Pick<LabelDef, 'name' | 'longName'>, evidence: LabelEvidence | undefined, opts: OfflineOptions = {}): string {
  // A long name reads mid-sentence in lower case, word by word, except acronyms and initials:
  // "Consumer Price Index" → "consumer price index", "U.S. Dollar" → "U.S. dollar".
  const topic = label.longName ? label.longName.replace(/\b[A-Z][a-z]+\b/g, (w) => w.toLowerCase()) : humanize(label.name);
  const nameWords = new Set(humanize(label.name).split(' ').concat(topic.toLowerCase().split(/\s+/)));
  const keyTerms = evidence ? pickTerms(evidence.keyTerms, nameWords, opts.terms ?? 4) : [];
  let sentence = `Texts about ${topic}`;
  if (keyTerms.length) sentence += `: ${list(keyTerms)}`;
  const words = opts.snippetWords ?? 12;
  const example = evidence?.examples[0];
  if (words > 0 && example) sentence += `, as in "${snippet(example, words)}"`;
  return sentence + '.';
}
