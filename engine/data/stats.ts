// Dataset statistics, the columns of the LAGAMC paper's Table 1: documents, labels, label
// cardinality and density, labels per text, text lengths, and the label frequency table.
import type { Example } from './example';

export interface DatasetStats {
  documents: number;
  /** Documents with no labels field or an empty one. */
  unlabelled: number;
  labels: number;
  /** Mean number of labels per document. */
  cardinality: number;
  /** Cardinality divided by the number of labels. */
  density: number;
  maxLabelsPerText: number;
  words: { mean: number; median: number; min: number; max: number };
  characters: { mean: number; max: number };
  /** Labels with their document counts, most frequent first. */
  frequencies: { label: string; count: number; share: number }[];
}

/** Accumulates statistics one example at a time, so a file can be streamed. */
export class StatsAccumulator {
  private docs = 0;
  private unlabelled = 0;
  private labelSum = 0;
  private maxLabels = 0;
  private chars = 0;
  private maxChars = 0;
  private readonly words: number[] = [];
  private readonly freq = new Map<string, number>();

  add(ex: Example): void {
    this.docs++;
    const labels = ex.labels ?? [];
    if (labels.length === 0) this.unlabelled++;
    this.labelSum += labels.length;
    this.maxLabels = Math.max(this.maxLabels, labels.length);
    for (const l of labels) this.freq.set(l, (this.freq.get(l) ?? 0) + 1);
    this.words.push(countWords(ex.text));
    this.chars += ex.text.length;
    this.maxChars = Math.max(this.maxChars, ex.text.length);
  }

  result(): DatasetStats {
    const n = this.docs;
    const L = this.freq.size;
    const w = Float64Array.from(this.words).sort();
    const median = n === 0 ? 0 : n % 2 ? w[(n - 1) / 2]! : (w[n / 2 - 1]! + w[n / 2]!) / 2;
    const cardinality = n ? this.labelSum / n : 0;
    return {
      documents: n,
      unlabelled: this.unlabelled,
      labels: L,
      cardinality,
      density: L ? cardinality / L : 0,
      maxLabelsPerText: this.maxLabels,
      words: { mean: n ? w.reduce((a, b) => a + b, 0) / n : 0, median, min: n ? w[0]! : 0, max: n ? w[n - 1]! : 0 },
      characters: { mean: n ? this.chars / n : 0, max: this.maxChars },
      frequencies: [...this.freq]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([label, count]) => ({ label, count, share: count / n })),
    };
  }
}

export function countWords(text: string): number {
  const m = text.match(/\S+/g);
  return m ? m.length : 0;
}
