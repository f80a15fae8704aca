// Constrained decoding to known sentences (T5 and compact generators): a trie over each allowed
// sentence's token ids, so that the decoder can only emit one or more distinct allowed sentences,
// then end-of-sequence. Sentences are joined by
// the matcher's separator ". " (target text "desc1. desc2."): each sentence is tokenised as
// `desc` + "." without special tokens, and with a Metaspace (SentencePiece) tokenizer the space that
// follows becomes the next sentence's leading "▁", so the sentences' token ids simply follow each other.
// Ambiguous prefixes (one sentence a prefix of another, or of a longer token path) are tracked as a
// set of trie positions, not resolved greedily.

interface Node {
  children: Map<number, Node>;
  /** Index of the sentence ending here. */
  end?: number;
  /** Indices of every sentence at or below this node. */
  below: number[];
}

interface Position {
  node: Node;
  used: number[];
}

const newNode = (): Node => ({ children: new Map(), below: [] });

export class SentenceConstraint {
  private readonly root = newNode();

  constructor(
    readonly units: number[][],
    readonly eosTokenId: number,
  ) {
    units.forEach((ids, i) => {
      if (!ids.length) throw new Error(`allowed sentence ${i + 1} has no tokens`);
      let node = this.root;
      node.below.push(i);
      for (const id of ids) {
        let next = node.children.get(id);
        if (!next) node.children.set(id, (next = newNode()));
        next.below.push(i);
        node = next;
      }
      node.end ??= i;
    });
  }

  /** Tokenises `sentences` for the separator (default ". ", the matcher's) with a subword tokenizer. */
  static fromSentences(tokenizer: { encode(text: string, addSpecialTokens: boolean): number[] }, sentences: string[], eosTokenId: number, separator = '. '): SentenceConstraint {
    const end = separator.trimEnd();
    const units = sentences.map((s) => {
      const t = s.trim();
      return tokenizer.encode(end && t.endsWith(end) ? t : t + end, false);
    });
    return new SentenceConstraint(units, eosTokenId);
  }

  /** Tokens of the given sentences together. */
  length(sentences: readonly number[]): number {
    return sentences.reduce((s, i) => s + this.units[i]!.length, 0);
  }

  private fresh(used: number[]): boolean {
    return this.root.below.some((i) => !used.includes(i));
  }

  /** Trie positions reachable after `generated` (tokens after the decoder start token). */
  private positions(generated: number[]): Position[] {
    let states: Position[] = [{ node: this.root, used: [] }];
    for (const tok of generated) {
      const next: Position[] = [];
      for (const { node, used } of states) {
        const child = node.children.get(tok);
        if (child && child.below.some((i) => !used.includes(i))) next.push({ node: child, used });
        if (node.end !== undefined && !used.includes(node.end)) {
          const start = this.root.children.get(tok);
          const done = [...used, node.end];
          if (start && start.below.some((i) => !done.includes(i))) next.push({ node: start, used: done });
        }
      }
      states = next;
    }
    return states;
  }

  /**
   * Token ids allowed after `generated`; `</s>` only once a whole sentence has been emitted. With
   * `permitted` (sentence indices), only those sentences may be written; with `required`, `</s>`
   * only once each of those has been written too; with `room` (tokens left), a sentence not in
   * `required` may start only if it and the required sentences not yet written fit in it.
   */
  allowed(generated: number[], permitted?: readonly number[], required?: readonly number[], room?: number): number[] {
    const out = new Set<number>();
    const ok = (used: number[]) => (i: number) => !used.includes(i) && (!permitted || permitted.includes(i));
    const starts = (used: number[]) => {
      const may = ok(used);
      if (room === undefined || !required?.length) return may;
      const owed = required.reduce((s, r) => s + (used.includes(r) ? 0 : this.units[r]!.length), 0);
      return (i: number) => may(i) && (required.includes(i) || this.units[i]!.length + owed <= room);
    };
    for (const { node, used } of this.positions(generated)) {
      const may = node === this.root ? starts(used) : ok(used);
      for (const [tok, child] of node.children) if (child.below.some(may)) out.add(tok);
      if (node.end !== undefined && !used.includes(node.end)) {
        const done = [...used, node.end];
        if (!required || required.every((i) => done.includes(i))) out.add(this.eosTokenId);
        if (this.fresh(done)) {
          const next = starts(done);
          for (const [tok, child] of this.root.children) if (child.below.some(next)) out.add(tok);
        }
      }
    }
    if (!out.size) out.add(this.eosTokenId);
    return [...out];
  }
}
