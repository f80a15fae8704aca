// An open dataset document (JSONL, CSV, TSV) parsed record by record and kept in step with the
// LSP's incremental changes: a change marks the lines it touched, and `sync` re-parses only the
// records over those lines (a JSONL line; a CSV row, which quoted line breaks may stretch over
// several lines). Each record keeps its example and diagnostics relative to its first line, so
// the records after an edit keep theirs when lines are inserted or removed above them.
// File-level checks (duplicate ids, labels missing from the label file) run over the kept
// records on every `diagnostics` call, without re-parsing. The result equals parsing the whole
// text with `parseExamples` (test/server/incremental.test.ts checks it after random edits).
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CsvDatasetParser, CsvTokenizer } from '../engine/data/csv';
import { formatOf } from '../engine/data/dataset';
import type { DataDiagnostic, Range } from '../engine/data/diagnostics';
import type { Example, ExampleRanges } from '../engine/data/example';
import { parseJsonlLine } from '../engine/data/jsonl';
import { labelIndex, type LabelSet } from '../engine/data/labels';

interface Parsed {
  /** Lines the record covers (1 but for CSV rows with quoted line breaks). */
  span: number;
  /** The example, with line 0 as the record's first line; null when the record has errors. */
  example: Example | null;
  /** Problems of the record alone, relative to its first line. */
  diagnostics: DataDiagnostic[];
}

/** Per line: a record starting there, a line inside the record above, a line outside any record,
 * or changed (and inside the record above before the change). */
type Line = Parsed | 'inside' | 'blank' | 'dirty' | 'dirty-inside';
const isDirty = (l: Line | undefined) => l === 'dirty' || l === 'dirty-inside';

const shiftRange = (r: Range, by: number): Range => ({ start: { line: r.start.line + by, character: r.start.character }, end: { line: r.end.line + by, character: r.end.character } });

function shiftRanges(r: ExampleRanges, by: number): ExampleRanges {
  const out: ExampleRanges = { record: shiftRange(r.record, by) };
  if (r.text) out.text = shiftRange(r.text, by);
  if (r.labels) out.labels = shiftRange(r.labels, by);
  if (r.label) out.label = r.label.map((x) => shiftRange(x, by));
  if (r.id) out.id = shiftRange(r.id, by);
  return out;
}

const shiftDiagnostic = (d: DataDiagnostic, by: number): DataDiagnostic => ({ ...d, range: shiftRange(d.range, by) });

/** Line breaks as TextDocument counts them (\r\n, \r, \n). */
function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

export class DatasetState {
  /** Lines parsed since the state was created: the work the changes cost (traced by the server). */
  parsedLines = 0;
  private lines: Line[] = [];
  /** CSV: the header row's problems and its last line; JSONL: none and -1. */
  private header: { diagnostics: DataDiagnostic[]; end: number } = { diagnostics: [], end: -1 };
  private readonly format;
  private dirty = true;

  /** The document version the lines describe (-1: none yet). */
  private version = -1;

  constructor(private readonly file: string) {
    this.format = formatOf(file);
  }

  /** Records `change` before TextDocument applies it to `doc`, which then is at `version`. */
  willChange(doc: TextDocument, change: TextDocumentContentChangeEvent, version: number): void {
    const inStep = this.version === doc.version && this.lines.length === doc.lineCount;
    this.version = version;
    this.dirty = true;
    // TextDocument re-counts lines from the range as sent: a position past a line's end or the
    // document's leaves its lines out of step with its text, so such a change (and a whole-text
    // one) re-parses everything from the text.
    const valid = (p: { line: number; character: number }) => {
      const q = doc.positionAt(doc.offsetAt(p));
      return q.line === p.line && q.character === p.character;
    };
    if (!inStep || !('range' in change) || !valid(change.range.start) || !valid(change.range.end)) {
      this.lines = [];
      return;
    }
    const [start, end] = [change.range.start.line, change.range.end.line].sort((x, y) => x - y) as [number, number];
    // Records end where their last line ends: one that ended before the change stays as it is.
    const first: Line = this.lines[start] === 'inside' || this.lines[start] === 'dirty-inside' ? 'dirty-inside' : 'dirty';
    this.lines.splice(start, end - start + 1, first, ...Array.from({ length: lineBreaks(change.text) }, (): Line => 'dirty'));
    if (start <= this.header.end) this.header.end = Number.POSITIVE_INFINITY;
  }

  /** Brings the records up to `doc` (after its changes were applied), parsing only the changed ones. */
  sync(doc: TextDocument): void {
    if (!this.dirty && this.version === doc.version) return;
    // A change to the CSV header (or a state that lost track of the lines) parses the whole file.
    if (this.version !== doc.version || this.lines.length !== doc.lineCount || this.header.end === Number.POSITIVE_INFINITY) this.lines = [];
    this.version = doc.version;
    this.dirty = false;
    if (this.lines.length === 0) {
      this.header = { diagnostics: [], end: -1 };
      if (this.format !== 'jsonl') return this.parseAllCsv(doc);
      // Lines as `parseExamples` splits them (TextDocument's own may be out of step, see willChange).
      const text = doc.getText();
      this.lines = [];
      (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n').forEach((t, i) => this.parseJsonl(i, t.endsWith('\r') ? t.slice(0, -1) : t));
      return;
    }
    const lineText = (i: number) => {
      const t = doc.getText({ start: { line: i, character: 0 }, end: { line: i + 1, character: 0 } }).replace(/\r?\n$|\r$/, '');
      return i === 0 && t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
    };
    for (let i = 0; i < this.lines.length; i++) {
      if (!isDirty(this.lines[i])) continue;
      if (this.format === 'jsonl') {
        this.parseJsonl(i, lineText(i));
        continue;
      }
      // The CSV records over the changed lines: from the start of the record holding the first
      // one, to a line end after the last where the quotes balance and an unchanged record follows.
      let a = i;
      while (a > this.header.end + 1 && (this.lines[a] === 'inside' || this.lines[a] === 'dirty-inside')) a--;
      let e = i;
      let quotes = 0;
      for (let k = a; k < e; k++) quotes += (lineText(k).match(/"/g) ?? []).length;
      for (;;) {
        quotes += (lineText(e).match(/"/g) ?? []).length;
        const next = this.lines[e + 1];
        if (next === undefined || (quotes % 2 === 0 && !isDirty(next) && next !== 'inside')) break;
        e++;
      }
      if (!this.parseCsvSegment(doc, a, e, lineText)) return this.parseAllCsv(doc);
      i = e;
    }
  }

  private parseJsonl(line: number, text: string): void {
    this.parsedLines++;
    const diagnostics: DataDiagnostic[] = [];
    const example = parseJsonlLine(text, 0, 0, this.file, (d) => diagnostics.push(d));
    this.lines[line] = text.trim() === '' ? 'blank' : { span: 1, example, diagnostics };
  }

  private parseAllCsv(doc: TextDocument): void {
    const text = doc.getText();
    this.parsedLines += lineBreaks(text) + 1;
    this.lines = Array.from({ length: lineBreaks(text) + 1 }, (): Line => 'blank');
    const rows = this.csvRows(text);
    const diagnostics: DataDiagnostic[] = [];
    const examples: Example[] = [];
    const parser = new CsvDatasetParser(this.file, { delimiter: this.delimiter }, (d) => diagnostics.push(d), (ex) => examples.push(ex));
    parser.push(text);
    parser.end();
    const [head, ...body] = rows;
    this.header = { diagnostics: [], end: head ? head.end : 0 };
    this.place(body, examples, diagnostics, 0, (d) => this.header.diagnostics.push(d));
  }

  /**
   * Re-parses the CSV records on lines a..e, after the header. False when the quotes run past e
   * (a stray quote miscounted), so the caller parses the whole file instead.
   */
  private parseCsvSegment(doc: TextDocument, a: number, e: number, lineText: (i: number) => string): boolean {
    this.parsedLines += e - a + 1;
    const headerText = doc.getText({ start: { line: 0, character: 0 }, end: { line: this.header.end + 1, character: 0 } }).replace(/\r?\n$|\r$/, '');
    const segment = Array.from({ length: e - a + 1 }, (_, k) => lineText(a + k)).join('\n');
    // The segment is parsed after the header; its lines come back shifted by `by`.
    const text = headerText + '\n' + segment;
    const by = a - this.header.end - 1;
    const rows = this.csvRows(text).slice(1);
    const diagnostics: DataDiagnostic[] = [];
    const examples: Example[] = [];
    const parser = new CsvDatasetParser(this.file, { delimiter: this.delimiter }, (d) => diagnostics.push(d), (ex) => examples.push(ex));
    parser.push(text);
    parser.end();
    if (diagnostics.some((d) => d.code === 'csv-unterminated-quote')) return false;
    for (let k = a; k <= e; k++) this.lines[k] = 'blank';
    this.place(rows, examples, diagnostics, by, () => {});
    return true;
  }

  /** Row spans of CSV text (first line and last line of each row). */
  private csvRows(text: string): { start: number; end: number }[] {
    const rows: { start: number; end: number }[] = [];
    const tokenizer = new CsvTokenizer(this.file, this.delimiter, () => {}, (fields, line) => rows.push({ start: line, end: fields[fields.length - 1]!.endLine }));
    tokenizer.push(text);
    tokenizer.end();
    return rows;
  }

  /** Stores parsed rows (lines shifted by `by`) as records; problems above the first row go to `outside`. */
  private place(rows: { start: number; end: number }[], examples: Example[], diagnostics: DataDiagnostic[], by: number, outside: (d: DataDiagnostic) => void): void {
    const records = rows.map((r): Parsed => ({ span: r.end - r.start + 1, example: null, diagnostics: [] }));
    // The row a line belongs to: the last that starts at or before it.
    const rowAt = (line: number) => {
      let lo = 0;
      let hi = rows.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid]!.start <= line) (found = mid), (lo = mid + 1);
        else hi = mid - 1;
      }
      return found;
    };
    for (const d of diagnostics) {
      const r = rowAt(d.range.start.line);
      if (r < 0) outside(d);
      else records[r]!.diagnostics.push(shiftDiagnostic(d, -rows[r]!.start));
    }
    for (const ex of examples) {
      const r = rowAt(ex.line);
      records[r]!.example = { ...ex, line: 0, ranges: shiftRanges(ex.ranges, -rows[r]!.start) };
    }
    rows.forEach((row, r) => {
      this.lines[row.start + by] = records[r]!;
      for (let k = row.start + 1; k <= row.end; k++) this.lines[k + by] = 'inside';
    });
  }

  private get delimiter(): string {
    return this.format === 'tsv' ? '\t' : ',';
  }

  /** Every record with its first line, in file order. */
  private *records(): Generator<[number, Parsed]> {
    for (let i = 0; i < this.lines.length; i++) {
      const r = this.lines[i];
      if (typeof r === 'object') yield [i, r];
    }
  }

  /** The example of the record at `line` as `parseExamples` gives it: a missing id is `#N`, N the
   * records before it (for CSV, rows with too few fields count here but not in `parseExamples`). */
  private materialize(line: number, r: Parsed, index: number): Example {
    const ex = r.example!;
    return { ...ex, line, ranges: shiftRanges(ex.ranges, line), id: ex.ranges.id ? ex.id : `#${index}`, ...(ex.labels ? { labels: [...ex.labels] } : {}) };
  }

  /** All problems of the file, as `parseExamples` reports them with `labels`. */
  diagnostics(labels?: LabelSet): DataDiagnostic[] {
    const out: DataDiagnostic[] = [...this.header.diagnostics];
    const ids = new Map<string, number>();
    const index = labels ? labelIndex(labels) : null;
    for (const [line, r] of this.records()) {
      for (const d of r.diagnostics) out.push(shiftDiagnostic(d, line));
      const ex = r.example;
      if (!ex) continue;
      if (ex.ranges.id) {
        const first = ids.get(ex.id);
        if (first !== undefined) out.push({ file: this.file, severity: 'error', range: shiftRange(ex.ranges.id, line), code: 'duplicate-id', message: `id "${ex.id}" was already used on line ${first + 1}`, field: 'id' });
        else ids.set(ex.id, line);
      }
      if (index && ex.labels) {
        ex.labels.forEach((l, i) => {
          if (!index.has(l)) out.push({ file: this.file, severity: 'error', range: shiftRange(ex.ranges.label?.[i] ?? ex.ranges.record, line), code: 'unknown-label', message: `label "${l}" is not defined in ${labels!.file}`, field: 'labels' });
        });
      }
    }
    return out;
  }

  /** The first `limit` examples of the file that `keep` accepts. */
  examples(limit = Number.POSITIVE_INFINITY, keep: (ex: Example) => boolean = () => true): Example[] {
    const out: Example[] = [];
    let index = 0;
    for (const [line, r] of this.records()) {
      if (out.length >= limit) break;
      if (r.example && keep(r.example)) out.push(this.materialize(line, r, index));
      index++;
    }
    return out;
  }

  /** The record covering `line` and its first line, if it has an example. */
  private recordAt(line: number): [number, Parsed] | undefined {
    let start = line;
    while (start > 0 && this.lines[start] === 'inside') start--;
    const r = this.lines[start];
    return typeof r === 'object' && r.example && line < start + r.span ? [start, r] : undefined;
  }

  /** The example whose record covers `line`, if any. */
  exampleAt(line: number): Example | undefined {
    const at = this.recordAt(line);
    if (!at) return undefined;
    let index = 0;
    for (let i = 0; i < at[0]; i++) if (typeof this.lines[i] === 'object') index++;
    return this.materialize(at[0], at[1], index);
  }

  /** The text of the example whose record covers `line`, if any (without building the example). */
  textAt(line: number): string | undefined {
    return this.recordAt(line)?.[1].example!.text;
  }

  /** Texts and distinct gold labels of the file. */
  counts(): { texts: number; labels: number } {
    let texts = 0;
    const labels = new Set<string>();
    for (const [, r] of this.records()) {
      if (!r.example) continue;
      texts++;
      for (const l of r.example.labels ?? []) labels.add(l);
    }
    return { texts, labels: labels.size };
  }
}
