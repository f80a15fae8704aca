// The language server over the real protocol: `node dist/server.mjs --stdio` driven by a
// JSON-RPC client. Needs `npm run build` first (npm test builds).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, type CodeLens, type Hover, type MarkupContent } from 'vscode-languageserver-protocol';
import { DescribeRequest, EvaluateRequest, PredictRequest, SelectModelRequest, TrainRequest, VisibleRangesNotification } from '../../server/protocol';
import { MAX_DEFAULT_TUNING_EPOCHS } from '../../engine/training/encoderTuning';
import { repoRoot } from '../helpers/shared';
import { writeWorkspace, TRAIN } from './fixture';
import { LspClient } from './lspClient';

const built = existsSync(join(repoRoot, 'dist', 'server.mjs')) && existsSync(join(repoRoot, 'dist', 'worker.mjs'));
const needsBuild = { skip: built ? false : 'dist/server.mjs is missing: run `npm run build`' };

describe('language server over stdio', needsBuild, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lagamc-lsp-'));
  const files = writeWorkspace(join(dir, 'data'));
  const uri = (p: string) => pathToFileURL(p).toString();
  const trainUri = uri(files.train);
  const labelsUri = uri(files.labels);
  let lsp: LspClient;
  let modelDir = '';

  before(async () => {
    lsp = new LspClient();
    const init = (await lsp.initialize(uri(dir))) as { capabilities: Record<string, unknown> };
    assert.equal(init.capabilities.hoverProvider, true);
    assert.ok(init.capabilities.codeLensProvider);
  });
  after(async () => {
    await lsp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('publishes validation diagnostics with exact ranges', async () => {
    const bad = TRAIN + '{"id": "x", "text": "Unknown label here.", "labels": ["sport"]}\n{"text": \n';
    await lsp.open(trainUri, 'jsonl', bad);
    const diags = await lsp.until('dataset diagnostics', () => {
      const d = lsp.seen.diagnostics.get(trainUri);
      return d && d.length >= 2 ? d : undefined;
    });
    const lines = TRAIN.split('\n').length - 1;
    const unknown = diags.find((d) => d.range.start.line === lines && d.severity === 1);
    assert.ok(unknown, JSON.stringify(diags));
    assert.equal(unknown.range.start.line, lines);
    assert.ok(diags.some((d) => d.range.start.line === lines + 1 && d.severity === 1));

    await lsp.open(labelsUri, 'lagamc-labels', '{ "labels": [ { "name": "a", "description": "x" }, { "name": "a" } ] }');
    await lsp.until('label file diagnostics', () => (lsp.seen.diagnostics.get(labelsUri)?.length ?? 0) > 0);
    // Restore the real files' contents for what follows.
    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: trainUri, version: 2 }, contentChanges: [{ text: TRAIN }] });
    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: labelsUri, version: 2 }, contentChanges: [{ text: (await import('./fixture')).LABELS }] });
    await lsp.until('diagnostics cleared', () => lsp.seen.diagnostics.get(trainUri)?.length === 0 && lsp.seen.diagnostics.get(labelsUri)?.length === 0);
  });

  test('CodeLens on a dataset and on a label file', async () => {
    const lenses = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: trainUri } })) as CodeLens[];
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('Train LAGAMC'), titles.join(' | '));
    assert.ok(titles.includes('80 texts · 4 labels'), titles.join(' | '));
    const labelLenses = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: labelsUri } })) as CodeLens[];
    const labelTitles = labelLenses.map((l) => l.command?.title);
    assert.ok(labelTitles.includes('support 20 in train.jsonl'), labelTitles.join(' | '));
    assert.ok(labelTitles.includes('Refine description'), labelTitles.join(' | '));
  });

  test('description checks, Generate description edits and inline suggestions on a label file', async () => {
    const { LABELS } = await import('./fixture');
    const short = LABELS.replace('The text is about food, cooking, recipes and restaurants.', 'Food.');
    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: labelsUri, version: 3 }, contentChanges: [{ text: short }] });
    const diags = await lsp.until('description checks', () => lsp.seen.diagnostics.get(labelsUri)?.find((d) => d.code === 'description-too-short'), 60_000);
    const line = short.split('\n').findIndex((l) => l.includes('"Food."'));
    assert.equal(diags.range.start.line, line);

    const r = (await lsp.conn.sendRequest(DescribeRequest.method, { uri: labelsUri, label: 'food' } satisfies DescribeRequest.Params)) as DescribeRequest.Result;
    assert.equal(r.source, 'offline');
    assert.ok(r.description.length > 10, r.description);
    assert.equal(r.edits.length, 1);
    assert.equal(r.edits[0]!.range.start.line, line);

    const character = short.split('\n')[line]!.indexOf('Food.') + 2;
    const items = (await lsp.conn.sendRequest('textDocument/inlineCompletion', {
      textDocument: { uri: labelsUri },
      position: { line, character },
      context: { triggerKind: 1 },
    })) as { insertText: string; range: { start: { line: number } } }[];
    assert.equal(items.length, 1);
    assert.equal(items[0]!.insertText, JSON.stringify(r.description).slice(1, -1));
    assert.equal(items[0]!.range.start.line, line);

    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: labelsUri, version: 4 }, contentChanges: [{ text: LABELS }] });
    await lsp.until('label file checks clean', () => lsp.seen.diagnostics.get(labelsUri)?.length === 0, 30_000);
  });

  test('no hover prediction before a model is loaded', async () => {
    assert.equal(await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri: trainUri }, position: { line: 0, character: 5 } }), null);
  });

  test('Train cancelled through its work-done progress stops', async () => {
    const before = lsp.seen.progress.length;
    const out = join(dir, 'cancelled-model');
    const pending = lsp.conn.sendRequest(TrainRequest.method, { datasetUri: trainUri, outDir: out, epochs: 1000 } satisfies TrainRequest.Params);
    const begin = await lsp.until('progress begin', () => lsp.seen.progress.slice(before).find((p) => p.value.kind === 'begin'), 60_000);
    assert.equal(begin.value.cancellable, true);
    await lsp.conn.sendNotification('window/workDoneProgress/cancel', { token: begin.token });
    await assert.rejects(pending, /cancel/);
  });

  test('Train reports progress and loads the model it wrote (fine-tuning the encoder by default: hovers below use its logits)', async () => {
    const before = lsp.seen.progress.length;
    // The fixture's labels have 20 training texts each: the setting lowers the fusion's gate from 50,
    // and the small training set is then fine-tuned by default (`lagamc.train.fineTuneEncoder` auto).
    lsp.settings = { train: { fusionMinTexts: 20 } };
    const r = (await lsp.conn.sendRequest(TrainRequest.method, { datasetUri: trainUri, epochs: 3, select: 'micro-f1' } satisfies TrainRequest.Params)) as TrainRequest.Result;
    lsp.settings = {};
    modelDir = r.modelDir;
    const manifest = JSON.parse(readFileSync(join(modelDir, 'lagamc-model.json'), 'utf8')) as { settings: { fusionWeight?: number }; training: { select: string; fineTuneEpochs?: number; fusionMinTexts?: number } };
    assert.equal(manifest.training.select, 'micro-f1');
    // A small training set is fine-tuned for the most default epochs.
    assert.equal(manifest.training.fineTuneEpochs, MAX_DEFAULT_TUNING_EPOCHS);
    assert.equal(manifest.training.fusionMinTexts, 20);
    assert.ok(manifest.settings.fusionWeight! > 0 && existsSync(join(modelDir, 'encoder', 'weights.bin')), JSON.stringify(manifest.settings));
    const kinds = lsp.seen.progress.slice(before).map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.ok(kinds.includes('report'));
    assert.equal(kinds.at(-1), 'end');
    assert.ok(lsp.seen.progress.slice(before).some((p) => typeof p.value.percentage === 'number' && p.value.percentage > 0));
    assert.equal(typeof r.dev.macroF1, 'number');
    await lsp.until('status with the model', () => lsp.seen.status.some((s) => s.modelDir === modelDir));
  });

  test('hover shows predicted labels with scores and gold agreement', async () => {
    const hover = (await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri: trainUri }, position: { line: 1, character: 20 } })) as Hover;
    const md = (hover.contents as MarkupContent).value;
    assert.match(md, /LAGAMC predicted labels/);
    assert.match(md, /_no label predicted_|\| label \| head p \| match \| gold \|/);
    assert.match(md, /Generated sentences/);
    assert.match(md, /Gold: weather/);
  });

  test('visible lines are predicted in the background, so hovering them hits the cache', async () => {
    // Unlabelled texts: no model diagnostics predict them meanwhile.
    const texts = TRAIN.split('\n').filter(Boolean).map((l) => JSON.stringify({ text: `${(JSON.parse(l) as { text: string }).text} (again)` }));
    const extraUri = uri(join(dir, 'data', 'unlabelled.jsonl'));
    await lsp.open(extraUri, 'jsonl', texts.join('\n') + '\n');
    await lsp.conn.sendNotification('$/setTrace', { value: 'verbose' });
    const hoverTrace = async (line: number) => {
      const before = lsp.seen.trace.length;
      const h = (await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri: extraUri }, position: { line, character: 5 } })) as Hover;
      assert.match((h.contents as MarkupContent).value, /LAGAMC predicted labels/);
      return lsp.seen.trace.slice(before).find((m) => m.startsWith(`hover ${extraUri}:${line}:`));
    };
    const before = lsp.seen.trace.length;
    await lsp.conn.sendNotification(VisibleRangesNotification.method, { uri: extraUri, ranges: [{ start: { line: 30, character: 0 }, end: { line: 39, character: 0 } }] } satisfies VisibleRangesNotification.Params);
    // A prefetch still running from the last hover takes the new queue over, so its count may be higher.
    await lsp.until('the prefetch queue done', () => lsp.seen.trace.slice(before).some((m) => /^prefetch: \d+ texts predicted, queue empty$/.test(m)), 60_000);
    assert.equal(await hoverTrace(35), `hover ${extraUri}:35: cached`);
    assert.equal(await hoverTrace(70), `hover ${extraUri}:70: new`);
    await lsp.conn.sendNotification('$/setTrace', { value: 'off' });
  });

  test('predict, select model and evaluate requests', async () => {
    const preds = (await lsp.conn.sendRequest(PredictRequest.method, { texts: ['Heavy snow and freezing rain are expected tomorrow.'] })) as PredictRequest.Result;
    assert.equal(typeof preds[0]!.generated, 'string');
    assert.deepEqual(Object.keys(preds[0]!.probabilities!).sort(), ['food', 'politics', 'sports', 'weather']);
    assert.ok(preds[0]!.sentences!.every((x) => ['food', 'politics', 'sports', 'weather'].includes(x.label)));
    const sel = (await lsp.conn.sendRequest(SelectModelRequest.method, { modelDir })) as SelectModelRequest.Result;
    assert.deepEqual([...sel.labels].sort(), ['food', 'politics', 'sports', 'weather']);
    const ev = (await lsp.conn.sendRequest(EvaluateRequest.method, { datasetUri: uri(files.dev) })) as EvaluateRequest.Result;
    assert.equal(ev.report.documents, 9);
    const labelLenses = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: labelsUri } })) as CodeLens[];
    assert.ok(labelLenses.some((l) => /^F1 \d\.\d\d · P /.test(l.command?.title ?? '')));
  });

  test('a Train request cancelled with $/cancelRequest answers RequestCancelled and resumes from its checkpoint', async () => {
    const before = lsp.seen.progress.length;
    const cts = new CancellationTokenSource();
    const out = join(dir, 'cancelled-request-model');
    const pending = lsp.conn.sendRequest(TrainRequest.method, { datasetUri: trainUri, outDir: out, epochs: 1000 } satisfies TrainRequest.Params, cts.token);
    await lsp.until('an epoch done', () => lsp.seen.progress.slice(before).some((p) => /epoch [2-9]/.test(p.value.message ?? '')), 60_000);
    cts.cancel();
    await assert.rejects(pending, (e: { code?: number }) => e.code === -32800);
    const resumed = (await lsp.conn.sendRequest(TrainRequest.method, { datasetUri: trainUri, outDir: out, epochs: 3, resume: true } satisfies TrainRequest.Params)) as TrainRequest.Result;
    assert.equal(resumed.modelDir, out);
    assert.ok(existsSync(join(out, 'lagamc-model.json')));
  });

  test('1,000 random edits and malformed requests leave it alive and answering', async () => {
    let text = TRAIN;
    let version = 10;
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const junk = ['{', '"', '\n', 'labels', ']', '😀', '\\', ',', ' ', 'x'];
    for (let i = 0; i < 1000; i++) {
      const lines = text.split('\n');
      const line = rnd(lines.length + 2);
      const ch = rnd(80);
      const del = rnd(3);
      const insert = junk[rnd(junk.length)]!;
      void lsp.conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: trainUri, version: ++version },
        contentChanges: [{ range: { start: { line, character: ch }, end: { line, character: ch + del } }, text: insert }],
      });
      // Mirror the edit as the server's TextDocument applies it (positions are clamped).
      const l = Math.min(line, lines.length - 1);
      const row = lines[l]!;
      const a = line >= lines.length ? row.length : Math.min(ch, row.length);
      const b = line >= lines.length ? row.length : Math.min(ch + del, row.length);
      lines[l] = row.slice(0, a) + insert + row.slice(b);
      text = lines.join('\n');
    }
    const malformed = [
      lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///nope.jsonl' }, position: { line: -1, character: 'x' } }),
      lsp.conn.sendRequest('textDocument/hover', null),
      lsp.conn.sendRequest('textDocument/codeLens', { textDocument: {} }),
      lsp.conn.sendRequest(PredictRequest.method, { texts: 5 }),
      lsp.conn.sendRequest(TrainRequest.method, { datasetUri: 42 }),
      lsp.conn.sendRequest(EvaluateRequest.method, {}),
      lsp.conn.sendRequest('workspace/executeCommand', { command: 'nope' }),
      lsp.conn.sendRequest('lagamc/doesNotExist', [1, 2, 3]),
    ];
    const settled = await Promise.allSettled(malformed);
    assert.equal(settled.length, malformed.length);
    // A frame whose body is not JSON, and one that is JSON but no message.
    for (const body of ['{not json', '[1,2]']) lsp.proc.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: trainUri, version: ++version }, contentChanges: [{ text: TRAIN }] });
    const hover = (await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri: trainUri }, position: { line: 0, character: 10 } })) as Hover;
    assert.match((hover.contents as MarkupContent).value, /LAGAMC predicted labels/);
    assert.equal(lsp.proc.exitCode, null);
  });
});

describe('language server in an untrusted workspace', needsBuild, () => {
  test('validates files but refuses model loading and training', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagamc-lsp-untrusted-'));
    const files = writeWorkspace(dir);
    const lsp = new LspClient();
    try {
      await lsp.initialize(pathToFileURL(dir).toString(), { trusted: false });
      const uri = pathToFileURL(files.train).toString();
      await lsp.open(uri, 'jsonl', TRAIN + '{"text": 1}\n');
      await lsp.until('validation diagnostics', () => (lsp.seen.diagnostics.get(uri)?.length ?? 0) > 0);
      await assert.rejects(lsp.conn.sendRequest(TrainRequest.method, { datasetUri: uri }), /not trusted/);
      await assert.rejects(lsp.conn.sendRequest(SelectModelRequest.method, { modelDir: dir }), /not trusted/);
    } finally {
      await lsp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
