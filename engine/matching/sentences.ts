// How label descriptions become one target text, and how generated text is split back into
// sentences for matching.
//
// Joining: every description loses its trailing whitespace and periods, then they are joined with
// SENTENCE_SEPARATOR (". ") and the text ends with ".": ["Sports", "Politics."] → "Sports. Politics."
//
// Splitting (splitSentences): a sentence ends at ".", "!" or "?" followed by whitespace, at a line
// break, or at the end of the text. A period does not end a sentence
//  - inside a number or a word ("3.5", "example.com"): no whitespace follows it;
//  - after an abbreviation: "e.g.", "i.e.", "eg.", "cf.", "vs.", "etc." only before a lower-case word,
//    titles ("Mr.", "Dr.", ...), single initials and dotted initials ("J.", "U.S.", "U.K.").
// The terminal period of each piece is dropped ("!" and "?" are kept), whitespace is trimmed and
// empty pieces (". .", a trailing separator, blank lines) are skipped. A description that itself
// contains such an abbreviation at a sentence end ("... in the U.S. Other ...") is read as one
// sentence: write descriptions as single sentences without abbreviations at their end.
//
// Known sentences (KnownSentences): a description may itself hold several sentences ("Anger. A
// fight is near"), and the compact generator's copy of one may split where the description does
// not (".....Seems" is written ". .... seems"). A run of consecutive pieces that spells a known
// sentence word for word (sentenceKey: case and punctuation aside) therefore stays one sentence,
// so that the matcher embeds the description whole; unless every piece of the run is itself a
// known sentence ("Sports. News." stays two when both are labels, even if "Sports news" is one).

export const SENTENCE_SEPARATOR = '. ';

/** A description or sentence as it is embedded: trimmed, without trailing periods. */
export function normalizeSentence(s: string): string {
  return s.trim().replace(/[.\s]+$/, '');
}

/** The target text for a set of label descriptions, in the given order. */
export function joinDescriptions(descriptions: readonly string[]): string {
  const parts = descriptions.map(normalizeSentence).filter((d) => d !== '');
  return parts.length ? parts.join(SENTENCE_SEPARATOR) + '.' : '';
}

const NEVER_SPLIT = new Set(['e.g', 'i.e', 'eg', 'ie', 'cf', 'vs', 'viz', 'approx', 'incl', 'esp', 'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'no', 'fig']);
const INITIALS = /^(?:\p{L}\.)*\p{L}$/u;

/** Whether the period ending `word` (given without that period) is an abbreviation's; `next` is the character after the following whitespace. */
export function isAbbreviation(word: string, next: string): boolean {
  const w = word.replace(/^[("'“‘[]+/, '');
  if (w === '') return false;
  if (NEVER_SPLIT.has(w.toLowerCase())) return true;
  if (w.toLowerCase() === 'etc') return /^\p{Ll}/u.test(next);
  // "J." or "U.S.": initials are upper case; a lone lower-case letter like "a." still ends "plan a."
  return INITIALS.test(w) && (w.length > 1 || /\p{Lu}/u.test(w));
}

/** A sentence of a text: its [start, end) in the text and its normalised text. */
interface Span {
  start: number;
  end: number;
  text: string;
}

function sentenceSpans(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  const push = (end: number) => {
    const s = normalizeSentence(text.slice(start, end));
    if (s !== '' && !/^[.!?\s]*$/.test(s)) out.push({ start, end, text: s });
  };
  const boundary = /([.!?]+)\s+|\n/g;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    if (m[1] === '.') {
      const before = text.slice(start, m.index);
      const word = before.slice(before.search(/\S*$/));
      const next = text.slice(m.index + m[0].length, m.index + m[0].length + 1);
      if (isAbbreviation(word, next)) continue;
    }
    const end = m[0] === '\n' ? m.index : m.index + m[1]!.length;
    push(end);
    start = m.index + m[0].length;
  }
  push(text.length);
  return out;
}

export function splitSentences(text: string): string[] {
  return sentenceSpans(text).map((s) => s.text);
}

/** A sentence's words as KnownSentences compares them: lower case, letters and digits only ("Mergers/Acquisitions" and "mergers acquisitions" agree). */
export function sentenceKey(sentence: string): string {
  return (sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
}

/** A sentence of a text split by KnownSentences, with the index of the known sentence it spells. */
export interface KnownSplit {
  text: string;
  known?: number;
}

/** Sentences that a text is split around (see the file header): label descriptions, mostly. */
export class KnownSentences {
  private readonly byKey = new Map<string, number>();
  /** Words of the longest known sentence: no run spells a known sentence with more pieces. */
  private readonly longest: number;

  constructor(readonly sentences: readonly string[]) {
    // The first sentence with a spelling keeps it (identical descriptions are flagged as confusable by `lagamc describe` and in the editor).
    sentences.forEach((s, i) => {
      const key = sentenceKey(s);
      if (key !== '' && !this.byKey.has(key)) this.byKey.set(key, i);
    });
    this.longest = Math.max(0, ...[...this.byKey.keys()].map((k) => k.split(' ').length));
  }

  /** The sentences of `text`, each run that spells a known sentence as one (its text as written here). */
  split(text: string): KnownSplit[] {
    const spans = sentenceSpans(text);
    const keys = spans.map((s) => sentenceKey(s.text));
    const out: KnownSplit[] = [];
    for (let i = 0; i < spans.length; ) {
      let [last, known] = [i, this.byKey.get(keys[i]!)];
      let run = keys[i]!;
      let allKnown = known !== undefined;
      for (let j = i + 1; j < spans.length && run.split(' ').length < this.longest; j++) {
        run = [run, keys[j]!].filter(Boolean).join(' ');
        allKnown &&= this.byKey.has(keys[j]!);
        const k = this.byKey.get(run);
        if (k !== undefined && !allKnown) [last, known] = [j, k];
      }
      const sentence = last === i ? spans[i]!.text : normalizeSentence(text.slice(spans[i]!.start, spans[last]!.end));
      out.push(known === undefined ? { text: sentence } : { text: sentence, known });
      i = last + 1;
    }
    return out;
  }
}
