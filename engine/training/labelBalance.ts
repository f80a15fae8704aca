// Example weights that lift rare labels in the cross-entropy. Mostly-single-label data lets a
// generator win most of its loss by writing the frequent labels' descriptions, which starves
// macro-F1. Each example is weighted by the mean over its gold labels (or the "no label" group) of
// (n_max / n_label)^α, where n counts training examples, and the weights are scaled to mean 1.
// α = 0 weights every example equally; α = 1 fully equalises the labels' total weight.

export function labelBalanceWeights(golds: readonly (readonly string[])[], alpha: number): Float32Array {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`label balance must be within [0, 1], got ${alpha}`);
  const NONE = '\u0000none';
  const keys = golds.map((g) => (g.length ? g : [NONE]));
  const counts = new Map<string, number>();
  for (const k of keys) for (const l of k) counts.set(l, (counts.get(l) ?? 0) + 1);
  const max = Math.max(...counts.values());
  const raw = keys.map((k) => k.reduce((s, l) => s + (max / counts.get(l)!) ** alpha, 0) / k.length);
  const mean = raw.reduce((s, w) => s + w, 0) / (raw.length || 1);
  return Float32Array.from(raw, (w) => w / mean);
}
