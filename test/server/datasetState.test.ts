// The incremental dataset state against a full parse: after random edits (LSP range changes,
// several per notification, line breaks and quotes included) its diagnostics and examples equal
// `parseExamples` of the whole text, for JSONL and CSV; and an edit re-parses only its records.
// (Edits insert LF line breaks: VS Code sends a document's text with one kind of line end, and a
// lone CR, a line break to TextDocument but not to `parseExamples`, never reaches the server.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { parseExamples } from '../../engine/data/dataset';
import type { DataDiagnostic } from '../../engine/data/diagnostics';
import type { LabelSet } from '../../engine/data/labels';
import { parseLabelFile } from '../../engine/data/labels';
import { DatasetState } from '../../server/datasetState';

const LABELS: LabelSet = parseLabelFile('{ "labels": [ { "name": "a", "aliases": ["alpha"] }, { "name": "b" } ] }', '/w/x.labels.jsonc');

function full(text: string, file: string) {
  const diagnostics: DataDiagnostic[] = [];
  parseExamples(text, file, { labels: LABELS, report: (d) => diagnostics.push(d) });
  const examples = parseExamples(text, file, { report: () => {} });
  return { diagnostics, examples };
}

/** Applies changes as the server does: the state sees each before TextDocument applies it. */
function edit(doc: TextDocument, state: DatasetState, changes: TextDocumentContentChangeEvent[]): TextDocument {
  const version = doc.version + 1;
  for (const c of changes) {
    state.willChange(doc, c, version);
    doc = TextDocument.update(doc, [c], version);
  }
  state.sync(doc);
  return doc;
}

function check(doc: TextDocument, state: DatasetState, file: string, what: string): void {
  const want = full(doc.getText(), file);
  assert.deepEqual(state.diagnostics(LABELS), want.diagnostics, `${what}: diagnostics\n${doc.getText()}`);
  const got = state.examples();
  assert.deepEqual(got.map((e) => ({ ...e, id: e.ranges.id ? e.id : '' })), want.examples.map((e) => ({ ...e, id: e.ranges.id ? e.id : '' })), `${what}: examples`);
  for (const ex of want.examples) assert.equal(state.exampleAt(ex.ranges.record.end.line)?.text, ex.text, `${what}: example at line ${ex.line}`);
}

function randomEdits(file: string, initial: string, junk: string[], seed: number): void {
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
  let doc = TextDocument.create('file:///w/' + file, 'x', 1, initial);
  const state = new DatasetState('/w/' + file);
  state.sync(doc);
  check(doc, state, '/w/' + file, 'initial');
  for (let i = 0; i < 400; i++) {
    const changes: TextDocumentContentChangeEvent[] = [];
    for (let k = rnd(3) + 1; k > 0; k--) {
      // Mostly ranges inside the document, as editors send; one in eight runs past a line's end.
      const at = (line: number, ch: number) => (rnd(8) === 0 ? { line, character: ch } : doc.positionAt(doc.offsetAt({ line, character: ch })));
      const line = rnd(doc.lineCount + 1);
      const ch = rnd(30);
      const endLine = rnd(4) === 0 ? line + rnd(3) : line;
      changes.push({ range: { start: at(line, ch), end: at(endLine, ch + rnd(4)) }, text: junk[rnd(junk.length)]! });
    }
    doc = edit(doc, state, changes);
    check(doc, state, '/w/' + file, `edit ${i}`);
  }
}

describe('incremental dataset state', () => {
  test('JSONL: equals a full parse after random edits', () => {
    const rows = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `r${i % 25}`, text: `text number ${i}`, labels: i % 3 ? ['a'] : ['alpha', 'c'] }));
    randomEdits('d.jsonl', rows.join('\n') + '\n', ['{', '"', '\n', 'labels', ']', ',', ' ', 'x', '{"id": "r1", "text": "t", "labels": ["b"]}\n', ''], 11);
  });

  test('CSV: equals a full parse after random edits, quoted line breaks included', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `r${i % 25},"text ${i}${i % 7 === 0 ? '\nsecond line' : ''}",${i % 3 ? 'a' : 'alpha|c'}`);
    randomEdits('d.csv', 'id,text,labels\n' + rows.join('\n') + '\n', ['"', '\n', ',', 'x', '""', ' ', 'r2,"multi\nline",b\n', ''], 5);
  });

  test('an edit re-parses only the records it touches', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: `r${i}`, text: `text ${i}`, labels: ['a'] }));
    let doc = TextDocument.create('file:///w/big.jsonl', 'jsonl', 1, rows.join('\n') + '\n');
    const state = new DatasetState('/w/big.jsonl');
    state.sync(doc);
    assert.equal(state.parsedLines, 1001);
    doc = edit(doc, state, [{ range: { start: { line: 500, character: 0 }, end: { line: 500, character: 0 } }, text: '{"id": "r3", "text": "new", "labels": ["z"]}\n' }]);
    assert.equal(state.parsedLines, 1001 + 2);
    const d = state.diagnostics(LABELS);
    assert.deepEqual(d.map((x) => [x.code, x.range.start.line]), [['duplicate-id', 500], ['unknown-label', 500]]);
    assert.equal(state.exampleAt(999)?.id, 'r998');
  });

  test('a CSV edit re-parses the rows over it, a row with a quoted line break whole', () => {
    // Row i sits on line i + 1, but row 0 takes lines 1-2 (a quoted line break).
    const rows = Array.from({ length: 100 }, (_, i) => `r${i},"text ${i}${i === 0 ? '\nsecond line' : ''}",a`);
    let doc = TextDocument.create('file:///w/big.csv', 'csv', 1, 'id,text,labels\n' + rows.join('\n') + '\n');
    const state = new DatasetState('/w/big.csv');
    state.sync(doc);
    const parsed = state.parsedLines;
    const at = (line: number, character: number, text: string) => edit(doc, state, [{ range: { start: { line, character }, end: { line, character } }, text }]);
    doc = at(2, 3, 'x');
    assert.equal(state.parsedLines, parsed + 2, 'the second line of row 0: both of its lines');
    doc = at(50, 0, 'r7,"new",a\n');
    assert.equal(state.parsedLines, parsed + 4, 'an inserted row: its line and the one it pushed down');
    assert.deepEqual(state.diagnostics(LABELS).map((x) => [x.code, x.range.start.line]), [['duplicate-id', 50]]);
    doc = at(0, 0, 'x');
    assert.equal(state.parsedLines, parsed + 4 + doc.lineCount, 'the header: the whole file');
  });
});
