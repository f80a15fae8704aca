// Reading dataset files (JSON Lines, CSV, TSV): streamed from disk, or parsed from an editor's text.
// Every problem is reported with file, range and field, and reading goes on past it.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvDatasetParser, type CsvOptions } from './csv';
import { DataError, type DataDiagnostic } from './diagnostics';
import type { Example } from './example';
import { parseJsonlLine, type Report } from './jsonl';
import { labelIndex, type LabelSet } from './labels';

export type DatasetFormat = 'jsonl' | 'csv' | 'tsv';

export function formatOf(file: string): DatasetFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.tsv$/i.test(file)) return 'tsv';
  return 'jsonl';
}

export interface ReadOptions {
  csv?: CsvOptions;
  /** When given, labels are resolved through names and aliases, and unknown labels are reported. */
  labels?: LabelSet;
  /** Receives every diagnostic; without it, problems are collected and thrown by loadExamples. */
  report?: Report;
}

/** Checks that need the whole file: duplicate ids and labels missing from the label file. */
function checker(file: string, report: Report, labels?: LabelSet): (ex: Example) => void {
  const ids = new Map<string, number>();
  const index = labels ? labelIndex(labels) : null;
  return (ex) => {
    if (ex.ranges.id) {
      const first = ids.get(ex.id);
      if (first !== undefined) {
        report({ file, severity: 'error', range: ex.ranges.id, code: 'duplicate-id', message: `id "${ex.id}" was already used on line ${first + 1}`, field: 'id' });
      } else ids.set(ex.id, ex.line);
    }
    if (index && ex.labels) {
      const resolved: string[] = [];
      ex.labels.forEach((l, i) => {
        const def = index.get(l);
        if (!def) {
          report({ file, severity: 'error', range: ex.ranges.label?.[i] ?? ex.ranges.record, code: 'unknown-label', message: `label "${l}" is not defined in ${labels!.file}`, field: 'labels' });
        } else if (!resolved.includes(def.name)) resolved.push(def.name);
      });
      ex.labels = resolved;
    }
  };
}

/** Streams the examples of a file; never holds the whole file in memory. */
export async function* readExamples(file: string, opts: ReadOptions = {}): AsyncGenerator<Example> {
  const report = opts.report ?? (() => {});
  const check = checker(file, report, opts.labels);
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (e) {
    report({ file, severity: 'error', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, code: 'io', message: `cannot read the file: ${(e as Error).message}` });
    return;
  }
  const format = formatOf(file);
  if (format === 'jsonl') {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let line = 0;
    let index = 0;
    for await (let text of rl) {
      if (line === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const ex = parseJsonlLine(text, line, index, file, report);
      if (ex) {
        check(ex);
        index++;
        yield ex;
      } else if (text.trim() !== '') index++;
      line++;
    }
    return;
  }
  const queue: Example[] = [];
  const parser = new CsvDatasetParser(file, { ...opts.csv, delimiter: opts.csv?.delimiter ?? (format === 'tsv' ? '\t' : ',') }, report, (ex) => {
    check(ex);
    queue.push(ex);
  });
  for await (const chunk of stream) {
    parser.push(chunk as string);
    while (queue.length) yield queue.shift()!;
  }
  parser.end();
  while (queue.length) yield queue.shift()!;
}

/** Parses a dataset held in memory (an open editor document). */
export function parseExamples(text: string, file: string, opts: ReadOptions = {}): Example[] {
  const report = opts.report ?? (() => {});
  const check = checker(file, report, opts.labels);
  const out: Example[] = [];
  const format = formatOf(file);
  if (format === 'jsonl') {
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let index = 0;
    text.split('\n').forEach((raw, line) => {
      const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      const ex = parseJsonlLine(t, line, index, file, report);
      if (ex) {
        check(ex);
        out.push(ex);
      }
      if (t.trim() !== '') index++;
    });
    return out;
  }
  const parser = new CsvDatasetParser(file, { ...opts.csv, delimiter: opts.csv?.delimiter ?? (format === 'tsv' ? '\t' : ',') }, report, (ex) => {
    check(ex);
    out.push(ex);
  });
  parser.push(text);
  parser.end();
  return out;
}

export interface Loaded {
  examples: Example[];
  diagnostics: DataDiagnostic[];
}

/** Reads a whole file into memory; throws DataError if it has errors (warnings are returned). */
export async function loadExamples(file: string, opts: Omit<ReadOptions, 'report'> = {}): Promise<Loaded> {
  const diagnostics: DataDiagnostic[] = [];
  const examples: Example[] = [];
  for await (const ex of readExamples(file, { ...opts, report: (d) => diagnostics.push(d) })) examples.push(ex);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new DataError(errors);
  return { examples, diagnostics };
}
