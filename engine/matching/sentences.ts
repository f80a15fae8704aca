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

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const push = (end: number) => {
    const s = normalizeSentence(text.slice(start, end));
    if (s !== '' && !/^[.!?\s]*$/.test(s)) out.push(s);
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
