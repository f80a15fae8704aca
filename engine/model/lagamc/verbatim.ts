// Label sentences given back in their own spelling. The compact vocabulary lower-cases words and
// has no token for some characters ("/", "&"), so a generated copy of a label sentence differs from
// the sentence itself ("mergers acquisitions" for "Mergers/Acquisitions", a quoted title in lower
// case), and the case-sensitive sentence encoder may then place the copy nearer to another label.
// A generated sentence that spells a label sentence word for word (same tokens) is replaced by that
// sentence, so the matcher compares the description with itself; other sentences stay as written.
import { joinDescriptions, normalizeSentence, splitSentences } from '../../matching/sentences';
import { words } from '../../models/compact/vocab';

const key = (sentence: string) => words(normalizeSentence(sentence)).join(' ');

export class VerbatimSentences {
  private readonly bySpelling = new Map<string, string>();

  constructor(sentences: readonly string[]) {
    // The first sentence with a spelling keeps it (identical descriptions are flagged as confusable by `lagamc describe` and in the editor).
    for (const s of sentences) if (!this.bySpelling.has(key(s))) this.bySpelling.set(key(s), normalizeSentence(s));
  }

  /** `generated` with every verbatim label sentence in its own spelling, joined as targets are. */
  restore(generated: string): string {
    const sentences = splitSentences(generated);
    return sentences.some((s) => this.bySpelling.has(key(s))) ? joinDescriptions(sentences.map((s) => this.bySpelling.get(key(s)) ?? s)) : generated;
  }
}
