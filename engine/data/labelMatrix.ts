// Label lists as a rows × labels 0/1 matrix, row-major.

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
