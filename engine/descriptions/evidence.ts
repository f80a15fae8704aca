// What the data says about each label: its most discriminative terms against the other labels
// (log-odds ratio with an informative Dirichlet prior, Monroe et al. 2008, on document frequencies)
// and its most representative examples (closest to the label's centroid in the encoder's space).
import type { SentenceEncoder } from '../encoders/encoder';
import type { Example } from '../data/example';
import { terms } from './words';

export interface LabelEvidence {
  label: string;
  /** Texts carrying the label. */
  support: number;
  /** Terms in decreasing z-score of the log-odds ratio (label vs all other texts), z > 0 only. */
  keyTerms: { term: string; z: number }[];
  /** Texts closest to the label's centroid, best first. */
  examples: string[];
  /** Mean of the sampled texts' embeddings: its dot product with a unit vector is that vector's mean cosine to them. */
  mean: Float32Array;
}

export interface EvidenceOptions {
  /** Texts per label embedded to find the centroid (seeded sample; default 48). */
  sample?: number;
  /** Representative examples kept per label (default 2). */
  examples?: number;
  /** Key terms kept per label (default 12). */
  keyTerms?: number;
  /** A term must occur at least this many times in the label's texts (default 3; 2 for labels with under 20 texts, 1 for a label with one text). */
  minCount?: number;
  /** Prior strength α0 (default 500). */
  priorStrength?: number;
  signal?: AbortSignal;
}

/** An evenly spread, deterministic sample of up to `k` items. */
function spread<T>(items: readonly T[], k: number): T[] {
  if (items.length <= k) return [...items];
  const step = items.length / k;
  return Array.from({ length: k }, (_, i) => items[Math.floor(i * step)]!);
}

export function keyTermsByLabel(examples: readonly Example[], labels: readonly string[], opts: EvidenceOptions = {}): Map<string, { term: string; z: number }[]> {
  const docTerms = examples.map((e) => terms(e.text));
  const total = new Map<string, number>();
  for (const ts of docTerms) for (const t of ts) total.set(t, (total.get(t) ?? 0) + 1);
  const allCount = [...total.values()].reduce((a, b) => a + b, 0);
  const a0 = opts.priorStrength ?? 500;
  const out = new Map<string, { term: string; z: number }[]>();
  for (const label of labels) {
    const inLabel = new Map<string, number>();
    let nIn = 0;
    let docs = 0;
    examples.forEach((e, i) => {
      if (!e.labels?.includes(label)) return;
      docs++;
      for (const t of docTerms[i]!) {
        inLabel.set(t, (inLabel.get(t) ?? 0) + 1);
        nIn++;
      }
    });
    const nOut = allCount - nIn;
    const minCount = opts.minCount ?? (docs >= 20 ? 3 : docs >= 2 ? 2 : 1);
    const scored: { term: string; z: number }[] = [];
    for (const [t, yi] of inLabel) {
      if (yi < minCount) continue;
      const yj = total.get(t)! - yi;
      const aw = (a0 * total.get(t)!) / allCount;
      const delta = Math.log((yi + aw) / (nIn + a0 - yi - aw)) - Math.log((yj + aw) / (nOut + a0 - yj - aw));
      const z = delta / Math.sqrt(1 / (yi + aw) + 1 / (yj + aw));
      if (z > 0) scored.push({ term: t, z });
    }
    scored.sort((a, b) => b.z - a.z || a.term.localeCompare(b.term));
    out.set(label, scored.slice(0, opts.keyTerms ?? 12));
  }
  return out;
}

export async function labelEvidence(examples: readonly Example[], labels: readonly string[], encoder: SentenceEncoder, opts: EvidenceOptions = {}): Promise<Map<string, LabelEvidence>> {
  const keyTerms = keyTermsByLabel(examples, labels, opts);
  const samples = labels.map((l) => spread(examples.filter((e) => e.labels?.includes(l)).map((e) => e.text), opts.sample ?? 48));
  const unique = [...new Set(samples.flat())];
  const vectors = await encoder.encode(unique, { ...(opts.signal ? { signal: opts.signal } : {}) });
  const row = new Map(unique.map((t, i) => [t, i]));
  const d = encoder.dim;
  const out = new Map<string, LabelEvidence>();
  labels.forEach((label, li) => {
    const texts = samples[li]!;
    const centroid = new Float32Array(d);
    for (const t of texts) {
      const r = row.get(t)! * d;
      for (let k = 0; k < d; k++) centroid[k]! += vectors[r + k]!;
    }
    if (texts.length) for (let k = 0; k < d; k++) centroid[k]! /= texts.length;
    const ranked = texts
      .map((t) => {
        const r = row.get(t)! * d;
        let s = 0;
        for (let k = 0; k < d; k++) s += centroid[k]! * vectors[r + k]!;
        return { t, s };
      })
      .sort((a, b) => b.s - a.s);
    out.set(label, {
      label,
      support: examples.filter((e) => e.labels?.includes(label)).length,
      keyTerms: keyTerms.get(label)!,
      examples: ranked.slice(0, opts.examples ?? 2).map((x) => x.t),
      mean: centroid,
    });
  });
  return out;
}
