// Plain-text tables and numbers for the CLI's human output.

export function table(header: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, j) => ((align[j] ?? (j === 0 ? 'l' : 'r')) === 'l' ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ').trimEnd();
  const body = cells.slice(1).map(line);
  if (header.every((h) => h === '')) return body.join('\n');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...body].join('\n');
}

export const pct = (x: number, digits = 2) => (100 * x).toFixed(digits);
export const fixed = (x: number, digits = 3) => x.toFixed(digits);
