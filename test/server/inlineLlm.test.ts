// Inline suggestions inside a label description from the configured LLM, over the real protocol:
// the fake OpenAI endpoint answers; the key comes from the client (`lagamc/apiKey`); answers are
// cached; a cancelled suggestion aborts its LLM call; a failing endpoint falls back to the offline
// generator; an untrusted workspace never calls the LLM. Needs `npm run build` first.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import { DescribeRequest } from '../../server/protocol';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../helpers/fakeOpenAI';
import { repoRoot } from '../helpers/shared';
import { LABELS, writeWorkspace } from './fixture';
import { LspClient } from './lspClient';

const built = existsSync(join(repoRoot, 'dist', 'server.mjs')) && existsSync(join(repoRoot, 'dist', 'worker.mjs'));
const needsBuild = { skip: built ? false : 'dist/server.mjs is missing: run `npm run build`' };

interface Item {
  insertText: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/** The label file with `food`'s description replaced, and the position inside that description. */
function withFoodDescription(description: string): { text: string; position: { line: number; character: number } } {
  const text = LABELS.replace('The text is about food, cooking, recipes and restaurants.', description);
  const line = text.split('\n').findIndex((l) => l.includes(`"${description}"`));
  return { text, position: { line, character: text.split('\n')[line]!.indexOf(description) + 1 } };
}

describe('inline description suggestions from the configured LLM', needsBuild, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lagamc-lsp-llm-'));
  const files = writeWorkspace(join(dir, 'data'));
  const labelsUri = pathToFileURL(files.labels).toString();
  let fake: FakeOpenAI;
  /** What the fake endpoint answers, per preliminary description in the prompt. */
  const replies = new Map<string, FakeReply>();
  const auth: (string | undefined)[] = [];
  let lsp: LspClient;
  let version = 1;

  const suggest = async (description: string, token?: CancellationTokenSource) => {
    const { text, position } = withFoodDescription(description);
    await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: labelsUri, version: ++version }, contentChanges: [{ text }] });
    const params = { textDocument: { uri: labelsUri }, position, context: { triggerKind: 1 } };
    const answer = token ? lsp.conn.sendRequest('textDocument/inlineCompletion', params, token.token) : lsp.conn.sendRequest('textDocument/inlineCompletion', params);
    return { position, items: (await answer) as Item[] | null };
  };

  before(async () => {
    fake = await startFakeOpenAI((req, _i, authorization) => {
      auth.push(authorization);
      const preliminary = /Preliminary description: (.*)/.exec(req.messages.at(-1)!.content)?.[1] ?? '';
      return replies.get(preliminary) ?? { status: 400 };
    });
    lsp = new LspClient();
    lsp.settings = { llm: { baseUrl: fake.url, model: 'fake-model' } };
    lsp.apiKey = 'sk-test-key';
    await lsp.initialize(pathToFileURL(dir).toString());
    await lsp.open(labelsUri, 'lagamc-labels', LABELS);
  });
  after(async () => {
    await lsp.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('suggests the LLM refinement with the client key, and serves a repeated prompt from the cache', { timeout: 120_000 }, async () => {
    replies.set('Food.', { content: 'Description: Texts about food, cooking, recipes, restaurants and "dishes".' });
    const { position, items } = await suggest('Food.');
    assert.equal(items?.length, 1);
    assert.equal(items![0]!.insertText, JSON.stringify('Texts about food, cooking, recipes, restaurants and "dishes".').slice(1, -1));
    assert.equal(items![0]!.range.start.line, position.line);
    assert.equal(fake.requests.length, 1);
    assert.equal(auth[0], 'Bearer sk-test-key');
    assert.match(fake.requests[0]!.messages.at(-1)!.content, /Label: food/);
    const again = await suggest('Food.');
    assert.deepEqual(again.items, items);
    assert.equal(fake.requests.length, 1, 'the same prompt is answered from the cache');
    assert.equal(lsp.apiKeyRequests, 2);
  });

  test('a cancelled suggestion stops waiting for the LLM', { timeout: 120_000 }, async () => {
    replies.set('Meals.', { content: 'Never sent.', delayMs: 60_000 });
    const cts = new CancellationTokenSource();
    const before = fake.requests.length;
    const pending = suggest('Meals.', cts);
    // The fake records the request before it waits; poll, as it notifies nobody.
    while (fake.requests.length === before) await new Promise((r) => setTimeout(r, 20));
    cts.cancel();
    const settled = await pending.then(
      (r) => r.items,
      (e: { code?: number }) => e.code,
    );
    assert.ok(settled === null || settled === -32800 || (Array.isArray(settled) && settled.length === 0), JSON.stringify(settled));
  });

  test('a failing endpoint falls back to the offline description', { timeout: 120_000 }, async () => {
    replies.set('Cooking.', { status: 401 });
    const { items } = await suggest('Cooking.');
    const offline = (await lsp.conn.sendRequest(DescribeRequest.method, { uri: labelsUri, label: 'food' } satisfies DescribeRequest.Params)) as DescribeRequest.Result;
    assert.equal(offline.source, 'offline');
    assert.equal(items?.length, 1);
    assert.equal(items![0]!.insertText, JSON.stringify(offline.description).slice(1, -1));
  });
});

describe('inline description suggestions in an untrusted workspace', needsBuild, () => {
  test('never call the LLM nor ask for its key', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagamc-lsp-llm-untrusted-'));
    const files = writeWorkspace(dir);
    const fake = await startFakeOpenAI(() => ({ content: 'A description.' }));
    const lsp = new LspClient();
    try {
      lsp.settings = { llm: { baseUrl: fake.url, model: 'fake-model' } };
      lsp.apiKey = 'sk-test-key';
      await lsp.initialize(pathToFileURL(dir).toString(), { trusted: false });
      const uri = pathToFileURL(files.labels).toString();
      const { text, position } = withFoodDescription('Food.');
      await lsp.open(uri, 'lagamc-labels', text);
      const items = await lsp.conn.sendRequest('textDocument/inlineCompletion', { textDocument: { uri }, position, context: { triggerKind: 1 } });
      assert.equal(items, null);
      assert.equal(fake.requests.length, 0);
      assert.equal(lsp.apiKeyRequests, 0);
    } finally {
      await lsp.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
