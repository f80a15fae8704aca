// Label lists as a rows × labels 0/1 matrix, row-major, and texts per label.

/** Rows × labels 0/1 matrix of label lists (labels outside `names` are ignored). */
export function labelMatrix(labels: readonly (readonly string[])[], names: readonly string[]): Uint8Array {
  const col = new Map(names.map((n, j) => [n, j]));
  const y = new Uint8Array(labels.length * names.length);
  labels.forEach((ls, i) => {
    for (const l of ls) {
      const j = col.get(l);
      if (j !== undefined) y[i * names.length + j] = 1;
    }
  });
  return y;
}

/** Texts per label of label-index lists (`labels` labels). */
export function labelCounts(golds: readonly (readonly number[])[], labels: number): number[] {
  const counts = new Array<number>(labels).fill(0);
  for (const g of golds) for (const j of g) counts[j]!++;
  return counts;
}
