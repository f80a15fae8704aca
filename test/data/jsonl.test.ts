// JSON Lines datasets: every problem reported with its line, range, code and field, and reading
// continues past it; BOM and CRLF; streaming from disk gives the same examples as parsing in memory.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadExamples, parseExamples, readExamples } from '../../engine/data/dataset';
import type { DataDiagnostic } from '../../engine/data/diagnostics';
import { parseLabelFile } from '../../engine/data/labels';

const tmp = tempDir('jsonl');
const collect = (text: string, file = 'd.jsonl', labels?: ReturnType<typeof parseLabelFile>) => {
  const diags: DataDiagnostic[] = [];
  const examples = parseExamples(text, file, { report: (d) => diags.push(d), ...(labels ? { labels } : {}) });
  return { examples, diags };
};
const brief = (d: DataDiagnostic) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character, d.field];

test('each kind of bad record is reported precisely and the good ones are kept', () => {
  const lines = [
    '{"id": "a", "text": "fine", "labels": ["x"]}',
    '{"id": "b", "text": "broken", "labels": ["x"]',
    '{"id": "c", "labels": ["x"]}',
    '{"id": "d", "text": "   ", "labels": []}',
    '{"id": "e", "text": "t", "labels": "x"}',
    '{"id": "f", "text": "t", "labels": ["x", 3]}',
    '[1, 2]',
    '',
    '{"id": "a", "text": "again", "labels": ["x", "x"]}',
    '{"id": 7, "text": "numeric id", "labels": [], "source": "web"}',
  ];
  const { examples, diags } = collect(lines.join('\n'));
  assert.deepEqual(examples.map((e) => e.id), ['a', 'a', '7']);
  assert.deepEqual(diags.map(brief), [
    ['json-syntax', 1, 45, 45, undefined],
    ['missing-text', 2, 0, lines[2]!.length, 'text'],
    ['empty-text', 3, 20, 25, 'text'],
    ['labels-type', 4, 35, 38, 'labels'],
    ['labels-type', 5, 41, 42, 'labels'],
    ['not-object', 6, 0, 6, undefined],
    ['duplicate-label', 8, 45, 48, 'labels'],
    ['duplicate-id', 8, 7, 10, 'id'],
  ]);
  assert.equal(diags.find((d) => d.code === 'duplicate-label')!.severity, 'warning');
  assert.match(diags.find((d) => d.code === 'duplicate-id')!.message, /line 1/);
  assert.deepEqual(examples[1]!.labels, ['x']);
  assert.deepEqual(examples[2]!.extra, { source: 'web' });
  assert.equal(examples[2]!.line, 9);
});

test('labels are resolved through the label file: aliases map to names, unknown labels are errors', () => {
  const labels = parseLabelFile('{"labels": [{"name": "refund", "aliases": ["return"], "description": "Money back."}]}', 'l.labels.jsonc');
  const { examples, diags } = collect('{"text": "t", "labels": ["return", "refund", "nope"]}', 'd.jsonl', labels);
  assert.deepEqual(examples[0]!.labels, ['refund']);
  assert.deepEqual(diags.map(brief), [['unknown-label', 0, 45, 51, 'labels']]);
  assert.match(diags[0]!.message, /"nope" is not defined in l\.labels\.jsonc/);
});

test('records without an id are numbered by record, not by line', () => {
  const { examples } = collect('{"text": "a"}\n\n{"text": "b", "labels": ["y"]}\n');
  assert.deepEqual(examples.map((e) => [e.id, e.line, e.labels]), [['#0', 0, null], ['#1', 2, ['y']]]);
});

test('BOM and CRLF: ranges stay on the text, streaming and in-memory parsing agree', async () => {
  const text = '\ufeff{"id": "1", "text": "first", "labels": ["a"]}\r\n{"id": "2", "text": "second", "labels": ["b"]}\r\n';
  const file = join(tmp, 'crlf.jsonl');
  writeFileSync(file, text);
  const streamed = [];
  for await (const ex of readExamples(file)) streamed.push(ex);
  const { examples, diags } = collect(text, file);
  assert.deepEqual(diags, []);
  assert.deepEqual(streamed.map((e) => [e.id, e.text, e.labels]), [['1', 'first', ['a']], ['2', 'second', ['b']]]);
  assert.deepEqual(streamed, examples);
  assert.equal(examples[1]!.ranges.text!.end.character, '{"id": "2", "text": "second"'.length);
});

test('loadExamples throws a DataError naming file, line and field, after reading the whole file', async () => {
  const file = join(tmp, 'bad.jsonl');
  writeFileSync(file, '{"text": "ok"}\n{"text": 5}\n{"text": "x", "labels": [1]}\n');
  await assert.rejects(loadExamples(file), (e: Error) => {
    assert.equal(e.name, 'DataError');
    assert.match(e.message, new RegExp(`bad\\.jsonl:2:10: error \\[text-type\\].*\\(field "text"\\)`));
    assert.match(e.message, /bad\.jsonl:3:.*labels-type/);
    return true;
  });
});

test('a large file is streamed record by record', async () => {
  const file = join(tmp, 'large.jsonl');
  const n = 200_000;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(JSON.stringify({ id: `r${i}`, text: `text number ${i}`, labels: [`l${i % 7}`] }));
  writeFileSync(file, rows.join('\n') + '\n');
  const before = process.memoryUsage().heapUsed;
  let count = 0;
  let peak = 0;
  let last = '';
  for await (const ex of readExamples(file)) {
    count++;
    last = ex.id;
    if (count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  }
  assert.equal(count, n);
  assert.equal(last, `r${n - 1}`);
  // Parsed examples with their ranges would take several hundred MB held at once.
  assert.ok(peak < 150 * 2 ** 20, `heap grew by ${(peak / 2 ** 20).toFixed(0)} MiB while streaming`);
});
