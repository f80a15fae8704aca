// A 50,000-line dataset over the real protocol: after edits (incremental range changes) the
// published diagnostics equal a full parse of the edited text, file-level checks (duplicate ids
// across lines, unknown labels) included, and the server re-parses only the changed lines: its
// `$/logTrace` reports the lines parsed so far. Needs `npm run build` first.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeLens, Diagnostic } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseExamples } from '../../engine/data/dataset';
import type { DataDiagnostic } from '../../engine/data/diagnostics';
import { parseLabelFile } from '../../engine/data/labels';
import { toLsp } from '../../server/diagnostics';
import { repoRoot } from '../helpers/shared';
import { LABELS, writeWorkspace } from './fixture';
import { LspClient } from './lspClient';

const built = existsSync(join(repoRoot, 'dist', 'server.mjs')) && existsSync(join(repoRoot, 'dist', 'worker.mjs'));
const needsBuild = { skip: built ? false : 'dist/server.mjs is missing: run `npm run build`' };

const LINES = 50_000;
const TOPICS = ['sports', 'weather', 'food', 'politics'];

/** Line i: a valid record with id r<i>, but for a malformed line, a duplicate id and an unknown label. */
function bigFile(): string {
  const rows = Array.from({ length: LINES }, (_, i) => JSON.stringify({ id: `r${i}`, text: `Text number ${i} about ${TOPICS[i % 4]}.`, labels: [TOPICS[i % 4]] }));
  rows[30_000] = '{"id": "r30000", "text": "broken"';
  rows[100] = JSON.stringify({ id: 'r5', text: 'A duplicate id.', labels: ['food'] });
  rows[20_000] = JSON.stringify({ id: 'r20000', text: 'An unknown label.', labels: ['cooking'] });
  return rows.join('\n') + '\n';
}

describe('a 50,000-line dataset edited incrementally', needsBuild, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lagamc-lsp-large-'));
  const files = writeWorkspace(dir);
  const file = join(dir, 'big.jsonl');
  const uri = pathToFileURL(file).toString();
  const labels = parseLabelFile(LABELS, files.labels);
  let lsp: LspClient;
  let doc = TextDocument.create(uri, 'jsonl', 1, bigFile());

  /** The server's diagnostics and parsed-line count once it has published `version`. */
  const published = async (version: number) => {
    await lsp.until(`diagnostics of version ${version}`, () => lsp.seen.diagnosticsVersion.get(uri) === version, 60_000);
    const trace = await lsp.until(`trace of version ${version}`, () => lsp.seen.trace.find((m) => m.includes(`${uri} version ${version}:`)), 60_000);
    return { diagnostics: lsp.seen.diagnostics.get(uri)!, parsed: Number(/: (\d+) lines parsed/.exec(trace)![1]) };
  };
  /** What a full parse of the client's copy says. */
  const expected = (): Diagnostic[] => {
    const out: DataDiagnostic[] = [];
    parseExamples(doc.getText(), file, { labels, report: (d) => out.push(d) });
    return out.map(toLsp);
  };
  const change = async (range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string) => {
    doc = TextDocument.update(doc, [{ range, text }], doc.version + 1);
    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: doc.version }, contentChanges: [{ range, text }] });
    return published(doc.version);
  };

  before(async () => {
    lsp = new LspClient();
    await lsp.initialize(pathToFileURL(dir).toString());
    await lsp.conn.sendNotification('$/setTrace', { value: 'verbose' });
  });
  after(async () => {
    await lsp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('diagnostics stay right and each edit re-parses only its lines', { timeout: 120_000 }, async () => {
    await lsp.open(uri, 'jsonl', doc.getText());
    const opened = await published(1);
    assert.deepEqual(opened.diagnostics, expected());
    assert.deepEqual(opened.diagnostics.map((d) => [d.code, d.range.start.line]), [['duplicate-id', 100], ['unknown-label', 20_000], ['json-syntax', 30_000]]);
    assert.equal(opened.parsed, LINES + 1);

    // Close the broken record: one line.
    const line = doc.getText({ start: { line: 30_000, character: 0 }, end: { line: 30_001, character: 0 } }).trimEnd();
    const fixed = await change({ start: { line: 30_000, character: line.length }, end: { line: 30_000, character: line.length } }, ', "labels": ["food"]}');
    assert.deepEqual(fixed.diagnostics, expected());
    assert.equal(fixed.parsed, opened.parsed + 1);

    // A new line 10 reuses the id of (old) line 40,000: that later line is now the duplicate, at 40,001.
    const inserted = await change({ start: { line: 10, character: 0 }, end: { line: 10, character: 0 } }, JSON.stringify({ id: 'r40000', text: 'Inserted.', labels: ['sports'] }) + '\n');
    assert.deepEqual(inserted.diagnostics, expected());
    assert.ok(inserted.diagnostics.some((d) => d.code === 'duplicate-id' && d.range.start.line === 40_001));
    assert.equal(inserted.parsed, fixed.parsed + 2);

    // Deleting the first r5 (line 5) leaves the other r5 (back on line 100) alone: no duplicate there.
    const deleted = await change({ start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, '');
    assert.deepEqual(deleted.diagnostics, expected());
    assert.deepEqual(deleted.diagnostics.map((d) => [d.code, d.range.start.line]), [['unknown-label', 20_000], ['duplicate-id', 40_000]]);
    assert.equal(deleted.parsed, inserted.parsed + 1);

    // The counts follow the edits too (one record added, one removed).
    const lenses = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    assert.ok(lenses.some((l) => l.command?.title === `${LINES} texts · 5 labels`), lenses.map((l) => l.command?.title).join(' | '));
  });
});
