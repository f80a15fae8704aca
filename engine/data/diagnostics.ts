// Structured problems found in user files. Positions are 0-based lines and UTF-16 columns, as in
// the Language Server Protocol, so the server publishes these unchanged; the CLI prints them 1-based.

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface DataDiagnostic {
  /** Path (or URI) of the file the problem is in. */
  file: string;
  severity: Severity;
  range: Range;
  /** Stable machine-readable code, e.g. `json-syntax`, `unknown-label`. */
  code: string;
  message: string;
  /** The record field the problem is about (`text`, `labels`, `id`, `description`, ...). */
  field?: string;
}

export function range(line: number, start: number, end: number, endLine = line): Range {
  return { start: { line, character: start }, end: { line: endLine, character: end } };
}

/** `file:line:col: severity [code] message`, 1-based, the form compilers print. */
export function formatDiagnostic(d: DataDiagnostic): string {
  const where = `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
  const field = d.field ? ` (field "${d.field}")` : '';
  return `${where}: ${d.severity} [${d.code}] ${d.message}${field}`;
}

export function countBySeverity(diags: readonly DataDiagnostic[]): Record<Severity, number> {
  const out: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const d of diags) out[d.severity]++;
  return out;
}

/** Thrown when a file cannot be used at all; carries the diagnostics that explain why. */
export class DataError extends Error {
  constructor(readonly diagnostics: DataDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'DataError';
  }
}
