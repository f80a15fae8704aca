// Label-only records, as `lagamc eval` reads gold and predicted files:
// `{"id": string, "labels": string[], "scores"?: {label: number}}` per line. Dataset files
// (with `text`) are read the same way; CSV/TSV datasets go through the dataset reader.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { formatOf, readExamples } from './dataset';
import { range, type DataDiagnostic, type Range } from './diagnostics';
import { describe, type Report } from './jsonl';

export interface LabelRecord {
  id: string;
  labels: string[];
  scores?: Record<string, number>;
  line: number;
}

export async function* readLabelRecords(file: string, report: Report): AsyncGenerator<LabelRecord> {
  if (formatOf(file) !== 'jsonl') {
    for await (const ex of readExamples(file, { report })) yield { id: ex.id, labels: ex.labels ?? [], line: ex.line };
    return;
  }
  const stream = createReadStream(file, { encoding: 'utf8' });
  try {
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  } catch (e) {
    report({ file, severity: 'error', range: range(0, 0, 0), code: 'io', message: `cannot read the file: ${(e as Error).message}` });
    return;
  }
  let line = 0;
  let index = 0;
  for await (let text of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const rec = parseLabelRecord(text, line, index, file, report);
    if (text.trim() !== '') index++;
    if (rec) yield rec;
    line++;
  }
}

function parseLabelRecord(text: string, line: number, index: number, file: string, report: Report): LabelRecord | null {
  if (text.trim() === '') return null;
  const whole = range(line, 0, text.length);
  const at = (path: string[]): Range => {
    const node = findNodeAtLocation(parseTree(text)!, path);
    return node ? range(line, node.offset, node.offset + node.length) : whole;
  };
  const err = (code: string, message: string, r: Range, field?: string) => report({ file, severity: 'error', range: r, code, message, ...(field ? { field } : {}) } as DataDiagnostic);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    err('json-syntax', `malformed JSON: ${(e as Error).message}`, whole);
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    err('not-object', 'each line must be a JSON object like {"id": ..., "labels": [...]}', whole);
    return null;
  }
  const rec = v as Record<string, unknown>;
  const labels = rec.labels;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    err('labels-type', `"labels" must be an array of strings, not ${describe(labels)}`, 'labels' in rec ? at(['labels']) : whole, 'labels');
    return null;
  }
  let id = `#${index}`;
  if ('id' in rec) {
    if (typeof rec.id === 'string' || typeof rec.id === 'number') id = String(rec.id);
    else {
      err('id-type', `"id" must be a string or a number, not ${describe(rec.id)}`, at(['id']), 'id');
      return null;
    }
  }
  const out: LabelRecord = { id, labels: [...new Set(labels as string[])], line };
  if ('scores' in rec) {
    const s = rec.scores;
    if (typeof s !== 'object' || s === null || Array.isArray(s) || !Object.values(s).every((x) => typeof x === 'number' && Number.isFinite(x))) {
      err('scores-type', '"scores" must be an object mapping labels to numbers', at(['scores']), 'scores');
      return null;
    }
    out.scores = s as Record<string, number>;
  }
  return out;
}
