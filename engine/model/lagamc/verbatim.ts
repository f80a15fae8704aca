// Label sentences given back in their own spelling. The compact vocabulary lower-cases words and
// has no token for some characters ("/", "&"), so a generated copy of a label sentence differs from
// the sentence itself ("mergers acquisitions" for "Mergers/Acquisitions", a quoted title in lower
// case), and the case-sensitive sentence encoder may then place the copy nearer to another label.
// A generated sentence, or run of sentences, that spells a label sentence word for word
// (KnownSentences in matching/sentences.ts) is replaced by that sentence, so the matcher compares
// the description with itself; other sentences stay as written.
import { KnownSentences, joinDescriptions, normalizeSentence } from '../../matching/sentences';

export class VerbatimSentences {
  private readonly known: KnownSentences;

  constructor(sentences: readonly string[]) {
    this.known = new KnownSentences(sentences.map(normalizeSentence));
  }

  /** `generated` with every verbatim label sentence in its own spelling, joined as targets are. */
  restore(generated: string): string {
    const split = this.known.split(generated);
    return split.some((s) => s.known !== undefined) ? joinDescriptions(split.map((s) => (s.known === undefined ? s.text : this.known.sentences[s.known]!))) : generated;
  }
}
