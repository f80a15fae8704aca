// Multi-label metrics, defined as scikit-learn defines them (zero_division = 0), plus the LAGAMC
// paper's rare-label macro-F1 and its table of actual vs predicted label counts per text.

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

export interface LabelScore extends PRF {
  /** Gold texts carrying the label. */
  support: number;
  /** Texts the label was predicted for. */
  predicted: number;
}

export interface LabelCountRow {
  /** "0", "1", "2", "3", "4" or "5+" labels per text. */
  bucket: string;
  actual: number;
  predicted: number;
}

export interface EvalReport {
  documents: number;
  /** The label set the macro averages run over (every listed label, as scikit-learn does). */
  labels: string[];
  micro: PRF;
  macro: PRF;
  weighted: PRF;
  samples: PRF;
  subsetAccuracy: number;
  hammingLoss: number;
  jaccardSamples: number;
  perLabel: Record<string, LabelScore>;
  /** Mean average precision over labels with a gold positive; null without scores. */
  mAP: number | null;
  rare: { labels: string[]; macroF1: number; frequenciesFrom: 'train' | 'gold' };
  labelCounts: LabelCountRow[];
}

export interface EvalOptions {
  /** Fixed label set; defaults to every label seen in gold or predictions, sorted. */
  labels?: string[];
  /** Per-text label scores for mAP (missing labels count as score 0). */
  scores?: (Record<string, number> | undefined)[];
  /** Label frequencies in the training data, for the rare-label subset. */
  trainFrequencies?: Map<string, number>;
}

/** Fraction of labels counted as rare: the least frequent 15% (at least one label). */
export const RARE_FRACTION = 0.15;

const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
const prf = (tp: number, fp: number, fn: number): PRF => {
  const precision = div(tp, tp + fp);
  const recall = div(tp, tp + fn);
  return { precision, recall, f1: div(2 * tp, 2 * tp + fp + fn) };
};

export function evaluate(gold: readonly string[][], pred: readonly string[][], opts: EvalOptions = {}): EvalReport {
  if (gold.length !== pred.length) throw new Error(`evaluate: ${gold.length} gold rows but ${pred.length} predictions`);
  const labels = opts.labels ?? [...new Set([...gold.flat(), ...pred.flat()])].sort();
  const col = new Map(labels.map((l, i) => [l, i]));
  const n = gold.length;
  const L = labels.length;
  const tp = new Float64Array(L);
  const fp = new Float64Array(L);
  const fn = new Float64Array(L);
  let exact = 0;
  let hamming = 0;
  let sp = 0;
  let sr = 0;
  let sf = 0;
  let sj = 0;
  for (let i = 0; i < n; i++) {
    const g = new Set(gold[i]!.filter((l) => col.has(l)));
    const p = new Set(pred[i]!.filter((l) => col.has(l)));
    let inter = 0;
    for (const l of p) {
      if (g.has(l)) {
        inter++;
        tp[col.get(l)!]++;
      } else fp[col.get(l)!]++;
    }
    for (const l of g) if (!p.has(l)) fn[col.get(l)!]++;
    const sym = g.size + p.size - 2 * inter;
    if (sym === 0) exact++;
    hamming += sym;
    sp += div(inter, p.size);
    sr += div(inter, g.size);
    sf += div(2 * inter, g.size + p.size);
    sj += div(inter, g.size + p.size - inter);
  }

  const perLabel: Record<string, LabelScore> = {};
  let macroP = 0;
  let macroR = 0;
  let macroF = 0;
  let wP = 0;
  let wR = 0;
  let wF = 0;
  let totalSupport = 0;
  labels.forEach((l, j) => {
    const s = prf(tp[j]!, fp[j]!, fn[j]!);
    const support = tp[j]! + fn[j]!;
    perLabel[l] = { ...s, support, predicted: tp[j]! + fp[j]! };
    macroP += s.precision;
    macroR += s.recall;
    macroF += s.f1;
    wP += s.precision * support;
    wR += s.recall * support;
    wF += s.f1 * support;
    totalSupport += support;
  });
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);

  return {
    documents: n,
    labels,
    micro: prf(sum(tp), sum(fp), sum(fn)),
    macro: { precision: div(macroP, L), recall: div(macroR, L), f1: div(macroF, L) },
    weighted: { precision: div(wP, totalSupport), recall: div(wR, totalSupport), f1: div(wF, totalSupport) },
    samples: { precision: div(sp, n), recall: div(sr, n), f1: div(sf, n) },
    subsetAccuracy: div(exact, n),
    hammingLoss: div(hamming, n * L),
    jaccardSamples: div(sj, n),
    perLabel,
    mAP: opts.scores ? meanAveragePrecision(gold, opts.scores, labels) : null,
    rare: rareLabels(labels, perLabel, opts.trainFrequencies),
    labelCounts: labelCountTable(gold, pred),
  };
}

/** scikit-learn's average_precision_score: sum over thresholds of (R_k - R_{k-1}) * P_k. */
export function averagePrecision(positive: readonly boolean[], score: readonly number[]): number {
  const order = score.map((_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const P = positive.reduce((a, x) => a + (x ? 1 : 0), 0);
  if (P === 0) return 0;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (positive[i]) tp++;
    else fp++;
    // ties form one threshold: only close the step after the last of equal scores
    if (k + 1 < order.length && score[order[k + 1]!] === score[i]) continue;
    const recall = tp / P;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export function meanAveragePrecision(gold: readonly string[][], scores: readonly (Record<string, number> | undefined)[], labels: readonly string[]): number | null {
  const aps: number[] = [];
  for (const l of labels) {
    const pos = gold.map((g) => g.includes(l));
    if (!pos.some(Boolean)) continue;
    aps.push(averagePrecision(pos, scores.map((s) => s?.[l] ?? 0)));
  }
  return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : null;
}

function rareLabels(labels: string[], perLabel: Record<string, LabelScore>, train?: Map<string, number>): EvalReport['rare'] {
  const freq = (l: string) => (train ? train.get(l) ?? 0 : perLabel[l]!.support);
  const k = Math.max(1, Math.ceil(RARE_FRACTION * labels.length));
  const rare = [...labels].sort((a, b) => freq(a) - freq(b) || a.localeCompare(b)).slice(0, Math.min(k, labels.length));
  return {
    labels: rare,
    macroF1: div(rare.reduce((a, l) => a + perLabel[l]!.f1, 0), rare.length),
    frequenciesFrom: train ? 'train' : 'gold',
  };
}

export function labelCountTable(gold: readonly string[][], pred: readonly string[][]): LabelCountRow[] {
  const buckets = ['0', '1', '2', '3', '4', '5+'];
  const rows = buckets.map((bucket) => ({ bucket, actual: 0, predicted: 0 }));
  const at = (k: number) => rows[Math.min(k, 5)]!;
  gold.forEach((g) => at(g.length).actual++);
  pred.forEach((p) => at(p.length).predicted++);
  return rows;
}
