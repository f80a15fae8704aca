// The compact generator's vocabulary: the words of the target sentences (label descriptions and
// the "none" sentence), lower-cased, with the period as a token, plus PAD, BOS, EOS and UNK.
// Decoding over the few hundred words the descriptions use, instead of a general 8k-32k subword
// vocabulary, makes each output step a small matrix product.

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'];

/**
 * Words and periods of a sentence ("Money back. Thanks!" → money back . thanks !). Dotted initials
 * ("U.S.") and decimals ("3.5") stay one token: split, they would decode as "u. S." and "3. 5", which
 * the matcher reads as sentence ends.
 */
export function words(text: string): string[] {
  return text.toLowerCase().match(/(?:\p{L}\.){2,}|\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*|[.,;:!?()"—–-]/gu) ?? [];
}

export class Vocab {
  private readonly index: Map<string, number>;

  constructor(readonly tokens: readonly string[]) {
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }

  static build(targets: Iterable<string>): Vocab {
    const seen = new Set<string>();
    for (const t of targets) for (const w of words(t)) seen.add(w);
    return new Vocab([...SPECIALS, ...[...seen].sort()]);
  }

  /** Id of a token, if the vocabulary has it. */
  id(token: string): number | undefined {
    return this.index.get(token);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Token ids of `text`, ending with EOS. */
  encode(text: string): number[] {
    return [...words(text).map((w) => this.index.get(w) ?? UNK), EOS];
  }

  /** Text of ids (stops at EOS; no space before punctuation or a closing quote, none after an opening one). */
  decode(ids: readonly number[]): string {
    let out = '';
    let glue = true;
    let quotes = 0;
    for (const id of ids) {
      if (id === EOS) break;
      if (id === PAD || id === BOS) continue;
      const w = this.tokens[id] ?? '<unk>';
      const closing = w === '"' && quotes % 2 === 1;
      out += glue || closing || /^[.,;:!?)]$/.test(w) ? w : ' ' + w;
      if (w === '"') quotes++;
      glue = w === '(' || (w === '"' && !closing);
    }
    return out.replace(/(^|\. )(\p{L})/gu, (_, p: string, c: string) => p + c.toUpperCase());
  }
}
