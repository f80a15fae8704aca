// The LLM client against a real local HTTP server through the real `openai` client: retries with
// backoff, the call cap, timeouts, malformed answers, auth errors, the cache and the concurrency limit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { test } from 'node:test';
import { LlmClient, LlmError } from '../../engine/llm/client';
import { startFakeOpenAI, type Script } from '../helpers/fakeOpenAI';

const ask = [{ role: 'user' as const, content: 'Describe the label "joy".' }];

async function withServer(script: Script, f: (url: string, requests: unknown[]) => Promise<void>) {
  const server = await startFakeOpenAI(script);
  try {
    await f(server.url, server.requests);
  } finally {
    await server.close();
  }
}

const isKind = (kind: string) => (e: unknown) => e instanceof LlmError && e.kind === kind;

test('answers come back; the key is sent as a bearer token and the model and JSON mode are passed', async () => {
  let auth: string | undefined;
  await withServer((req, _i, a) => ((auth = a), { content: `ok from ${req.model} json=${req.response_format?.type}` }), async (url) => {
    const llm = new LlmClient({ baseURL: url, model: 'm1', apiKey: 'sk-secret' });
    assert.equal(await llm.chat(ask, { json: true }), 'ok from m1 json=json_object');
    assert.equal(auth, 'Bearer sk-secret');
    assert.equal(llm.calls, 1);
  });
});

test('429 and 5xx are retried with backoff, then succeed; each attempt counts as a call', async () => {
  const times: number[] = [];
  await withServer((_r, i) => (times.push(Date.now()), i === 0 ? { status: 429 } : i === 1 ? { status: 503 } : { content: 'third time' }), async (url, requests) => {
    const llm = new LlmClient({ baseURL: url, model: 'm', retryBaseMs: 40 });
    assert.equal(await llm.chat(ask), 'third time');
    assert.equal(requests.length, 3);
    assert.equal(llm.calls, 3);
    assert.ok(times[1]! - times[0]! >= 25 && times[2]! - times[1]! >= 55, `backoff grows: ${times[1]! - times[0]!} ms, ${times[2]! - times[1]!} ms`);
  });
});

test('a Retry-After header sets the wait', async () => {
  const times: number[] = [];
  await withServer((_r, i) => (times.push(Date.now()), i === 0 ? { status: 429, headers: { 'retry-after': '0.3' } } : { content: 'ok' }), async (url) => {
    assert.equal(await new LlmClient({ baseURL: url, model: 'm', retryBaseMs: 1 }).chat(ask), 'ok');
    assert.ok(times[1]! - times[0]! >= 280, `waited ${times[1]! - times[0]!} ms`);
  });
});

test('retries stop after maxRetries; a 400 is not retried', async () => {
  await withServer(() => ({ status: 500 }), async (url, requests) => {
    const llm = new LlmClient({ baseURL: url, model: 'm', retryBaseMs: 1, maxRetries: 2 });
    await assert.rejects(llm.chat(ask), isKind('server'));
    assert.equal(requests.length, 3);
  });
  await withServer(() => ({ status: 400 }), async (url, requests) => {
    await assert.rejects(new LlmClient({ baseURL: url, model: 'm', retryBaseMs: 1 }).chat(ask), isKind('bad-request'));
    assert.equal(requests.length, 1);
  });
});

test('the call cap stops requests, retries included, with a clear error', async () => {
  await withServer((_r, i) => (i % 2 === 0 ? { status: 429 } : { content: `answer ${i}` }), async (url, requests) => {
    const llm = new LlmClient({ baseURL: url, model: 'm', retryBaseMs: 1, maxCalls: 3 });
    assert.equal(await llm.chat([{ role: 'user', content: 'a' }]), 'answer 1');
    await assert.rejects(llm.chat([{ role: 'user', content: 'b' }]), (e: unknown) => isKind('budget')(e) && /budget \(3 requests\)/.test((e as Error).message));
    assert.equal(requests.length, 3);
    assert.equal(llm.remaining, 0);
  });
});

test('a slow server times out (and is retried), a malformed body and a missing message are errors', async () => {
  await withServer(() => ({ delayMs: 2_000, content: 'late' }), async (url, requests) => {
    const llm = new LlmClient({ baseURL: url, model: 'm', timeoutMs: 150, maxRetries: 1, retryBaseMs: 1 });
    await assert.rejects(llm.chat(ask), (e: unknown) => isKind('timeout')(e) && /did not answer within 0\.15 s/.test((e as Error).message));
    assert.equal(requests.length, 2);
  });
  await withServer(() => ({ raw: '{"choices": [' }), async (url) => {
    await assert.rejects(new LlmClient({ baseURL: url, model: 'm', maxRetries: 0 }).chat(ask), isKind('malformed'));
  });
  await withServer(() => ({ raw: JSON.stringify({ choices: [] }) }), async (url) => {
    await assert.rejects(new LlmClient({ baseURL: url, model: 'm' }).chat(ask), (e: unknown) => isKind('malformed')(e) && /without a message/.test((e as Error).message));
  });
});

test('a refused key says how to set one and never shows the key; an unreachable server is named', async () => {
  await withServer(() => ({ status: 401 }), async (url) => {
    await assert.rejects(new LlmClient({ baseURL: url, model: 'm', apiKey: 'sk-do-not-print' }).chat(ask), (e: unknown) => {
      assert.ok(isKind('auth')(e));
      assert.match((e as Error).message, /refused the API key \(HTTP 401\).*LAGAMC_LLM_API_KEY/);
      assert.doesNotMatch((e as Error).message + (e as Error).stack, /sk-do-not-print/);
      return true;
    });
  });
  const closed = await startFakeOpenAI(() => ({ content: '' }));
  await closed.close();
  await assert.rejects(new LlmClient({ baseURL: closed.url, model: 'm', maxRetries: 0 }).chat(ask), (e: unknown) => isKind('unreachable')(e) && (e as Error).message.includes(closed.url));
});

test('the cache answers repeated requests without a call, and persists to its file', async () => {
  const cacheFile = join(tempDir('llm'), 'cache.json');
  await withServer((_r, i) => ({ content: `answer ${i}` }), async (url, requests) => {
    const llm = new LlmClient({ baseURL: url, model: 'm', cacheFile });
    assert.equal(await llm.chat(ask), 'answer 0');
    assert.equal(await llm.chat(ask), 'answer 0');
    assert.equal(await llm.chat(ask, { json: true }), 'answer 1');
    assert.equal(requests.length, 2);
    assert.equal(llm.cacheHits, 1);
    assert.equal(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8'))).length, 2);
    const again = new LlmClient({ baseURL: url, model: 'm', cacheFile });
    assert.equal(await again.chat(ask), 'answer 0');
    assert.equal(again.calls, 0);
  });
});

test('no more requests are in flight than the concurrency limit', async () => {
  let inFlight = 0;
  let peak = 0;
  await withServer(async (req) => {
    peak = Math.max(peak, ++inFlight);
    await new Promise((r) => setTimeout(r, 30));
    inFlight--;
    return { content: req.messages[0]!.content };
  }, async (url) => {
    const llm = new LlmClient({ baseURL: url, model: 'm', concurrency: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => llm.chat([{ role: 'user', content: `q${i}` }])));
    assert.deepEqual(answers, ['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    assert.equal(peak, 2);
  });
});
