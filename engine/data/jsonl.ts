// JSON Lines records: `{"text": string, "labels": string[], "id"?: string, ...}` on each line.
// The fast path is JSON.parse; when a line has a problem, jsonc-parser locates the exact range.
import { parseTree, findNodeAtLocation, printParseErrorCode, type Node, type ParseError, type ParseErrorCode } from 'jsonc-parser';
import { range, type DataDiagnostic, type Range } from './diagnostics';
import type { Example, ExampleRanges } from './example';

export type Report = (d: DataDiagnostic) => void;

const STRICT = { disallowComments: true, allowTrailingComma: false } as const;

function nodeRange(line: number, node: Node | undefined, fallback: Range): Range {
  return node ? range(line, node.offset, node.offset + node.length) : fallback;
}

/**
 * Parses one line (without its line break). Returns null for blank lines and for lines that cannot
 * yield a usable example; every problem goes to `report` with the line and field it concerns.
 */
export function parseJsonlLine(text: string, line: number, index: number, file: string, report: Report): Example | null {
  if (text.trim() === '') return null;
  const whole = range(line, 0, text.length);
  const err = (code: string, message: string, r: Range, field?: string, severity: DataDiagnostic['severity'] = 'error') =>
    report({ file, severity, range: r, code, message, field });

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    parseTree(text, errors, STRICT);
    const first = errors[0];
    const at = first ? range(line, first.offset, Math.min(text.length, first.offset + Math.max(1, first.length))) : whole;
    err('json-syntax', `malformed JSON: ${first ? readableParseError(first.error) : 'cannot parse'}`, at);
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    err('not-object', 'each line must be a JSON object like {"text": ..., "labels": [...]}', whole);
    return null;
  }
  const rec = value as Record<string, unknown>;
  const tree = parseTree(text, [], STRICT)!;
  const at = (...path: (string | number)[]) => findNodeAtLocation(tree, path);
  const ranges: ExampleRanges = { record: whole };
  let ok = true;

  ranges.text = nodeRange(line, at('text'), whole);
  if (!('text' in rec)) {
    err('missing-text', 'the record has no "text" field', whole, 'text');
    ok = false;
  } else if (typeof rec.text !== 'string') {
    err('text-type', `"text" must be a string, not ${describe(rec.text)}`, ranges.text, 'text');
    ok = false;
  } else if (rec.text.trim() === '') {
    err('empty-text', '"text" is empty', ranges.text, 'text');
    ok = false;
  }

  let labels: string[] | null = null;
  if ('labels' in rec) {
    ranges.labels = nodeRange(line, at('labels'), whole);
    if (!Array.isArray(rec.labels)) {
      err('labels-type', `"labels" must be an array of strings, not ${describe(rec.labels)}`, ranges.labels, 'labels');
      ok = false;
    } else {
      labels = [];
      ranges.label = [];
      rec.labels.forEach((l, i) => {
        const r = nodeRange(line, at('labels', i), ranges.labels!);
        if (typeof l !== 'string' || l.trim() === '') {
          err('labels-type', `"labels"[${i}] must be a non-empty string, not ${describe(l)}`, r, 'labels');
          ok = false;
        } else if (labels!.includes(l)) {
          err('duplicate-label', `label "${l}" is listed twice in this record`, r, 'labels', 'warning');
        } else {
          labels!.push(l);
          ranges.label!.push(r);
        }
      });
    }
  }

  let id = `#${index}`;
  if ('id' in rec) {
    ranges.id = nodeRange(line, at('id'), whole);
    if (typeof rec.id === 'string' && rec.id !== '') id = rec.id;
    else if (typeof rec.id === 'number' && Number.isFinite(rec.id)) id = String(rec.id);
    else {
      err('id-type', `"id" must be a non-empty string or a number, not ${describe(rec.id)}`, ranges.id, 'id');
      ok = false;
    }
  }
  if (!ok) return null;

  const extra: Record<string, unknown> = {};
  let hasExtra = false;
  for (const [k, v] of Object.entries(rec)) {
    if (k !== 'text' && k !== 'labels' && k !== 'id') {
      extra[k] = v;
      hasExtra = true;
    }
  }
  return { id, text: rec.text as string, labels, line, ranges, ...(hasExtra ? { extra } : {}) };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return `a ${typeof v}`;
}

/** jsonc-parser's error code as words: `CloseBracketExpected` -> `close bracket expected`. */
export function readableParseError(code: ParseErrorCode): string {
  return printParseErrorCode(code).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
