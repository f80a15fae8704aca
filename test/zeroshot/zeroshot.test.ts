// Zero-shot from LLM feedback: the judge protocol over a real local chat-completions server with
// the real `openai` client (malformed and slow answers, budget), ranking metrics, and training from
// a simulated judge (gold labels, 15% of scores flipped) beating the untrained base encoder.
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runCli } from '../../engine/cli/cli';
import { loadExamples } from '../../engine/data/dataset';
import type { Example } from '../../engine/data/example';
import { loadLabelFile, type LabelSet } from '../../engine/data/labels';
import { demo } from '../../engine/demo/paths';
import type { SentenceEncoder } from '../../engine/encoders/encoder';
import { loadEncoder } from '../../engine/encoders/index';
import { LlmClient, LlmError } from '../../engine/llm/client';
import { precisionAtK, rankLabels } from '../../engine/metrics/ranking';
import { loadPredictor } from '../../engine/model/load';
import { BiEncoder, encodeLabels } from '../../engine/zeroshot/biencoder';
import { judge, parseJudgement } from '../../engine/zeroshot/judge';
import { select } from '../../engine/zeroshot/model';
import { trainFromFeedback } from '../../engine/zeroshot/pipeline';
import { startFakeOpenAI } from '../helpers/fakeOpenAI';
import { simulatedJudge } from '../helpers/simulatedJudge';

let encoder: SentenceEncoder;
let set: LabelSet;
let train: Example[];
let testSet: Example[];
before(async () => {
  encoder = await loadEncoder();
  set = await loadLabelFile(demo.labels);
  train = (await loadExamples(demo.train)).examples;
  testSet = [...(await loadExamples(demo.dev)).examples, ...(await loadExamples(demo.test)).examples];
});

test('precision@k averages over texts with gold labels', () => {
  const gold = [['a'], ['b', 'c'], []];
  const ranked = [['a', 'b', 'c'], ['a', 'c', 'b'], ['a', 'b', 'c']];
  assert.equal(precisionAtK(gold, ranked, 1), 0.5);
  assert.equal(precisionAtK(gold, ranked, 3), (1 / 3 + 2 / 3) / 2);
  assert.deepEqual(rankLabels({ x: 0.2, y: 0.9, z: 0.2 }), ['y', 'x', 'z']);
});

test('judgements are validated: every candidate needs a score in [0, 1]', () => {
  const c = [{ name: 'a', text: 'A.' }, { name: 'b', text: 'B.' }];
  assert.deepEqual(parseJudgement('```json\n{"scores": {"a": 1, "b": 0.25, "x": 3}}\n```', c), { scores: { a: 1, b: 0.25 } });
  assert.match((parseJudgement('{"scores": {"a": 1}}', c) as { error: string }).error, /"b" must be a number from 0 to 1, got undefined/);
  assert.match((parseJudgement('{"scores": {"a": 1, "b": 7}}', c) as { error: string }).error, /got 7/);
  assert.match((parseJudgement('sure!', c) as { error: string }).error, /not JSON/);
});

test('a malformed answer is asked again with the reason; a slow one times out and is retried', async () => {
  const c = [{ name: 'a', text: 'A.' }, { name: 'b', text: 'B.' }];
  const server = await startFakeOpenAI((_req, i) => (i === 0 ? { content: 'I think a fits.' } : i === 1 ? { delayMs: 1500, content: '{}' } : { content: JSON.stringify({ scores: { a: 0.9, b: 0.1 } }) }));
  try {
    const llm = new LlmClient({ baseURL: server.url, model: 'judge', timeoutMs: 200, retryBaseMs: 1 });
    assert.deepEqual(await judge(llm, 'A text about a.', c), { a: 0.9, b: 0.1 });
    assert.equal(server.requests.length, 3);
    assert.equal(server.requests[0]!.response_format?.type, 'json_object');
    const retry = server.requests[2]!.messages;
    assert.equal(retry[2]!.content, 'I think a fits.');
    assert.match(retry[3]!.content, /cannot be used: the answer is not JSON/);
    const bad = await startFakeOpenAI(() => ({ content: 'nope' }));
    try {
      await assert.rejects(judge(new LlmClient({ baseURL: bad.url, model: 'j' }), 'x', c, { retries: 1 }), (e: unknown) => e instanceof LlmError && e.kind === 'malformed' && /after 2 answers/.test((e as Error).message));
    } finally {
      await bad.close();
    }
  } finally {
    await server.close();
  }
});

async function trainedVsBase(errorRate: number): Promise<{ base: number; trained: number; record: { judged: number; llmCalls?: number } }> {
  const server = await startFakeOpenAI(simulatedJudge(train, errorRate));
  try {
    const llm = new LlmClient({ baseURL: server.url, model: 'judge', maxCalls: 400 });
    const { model, record } = await trainFromFeedback(train.map((e) => e.text), set, encoder, { kind: 'llm', llm }, { sample: 227, candidates: 5 });
    const labelBase = await encodeLabels(encoder, set.labels);
    const names = set.labels.map((l) => l.name);
    const docBase = await encoder.encode(testSet.map((e) => e.text));
    const rank = async (m: BiEncoder) => {
      const scores = await m.scores(docBase, m.adapt('label', labelBase, encoder.dim));
      return testSet.map((_, i) => rankLabels(select(scores, i, names, { topK: names.length }).scores));
    };
    const identity = BiEncoder.create(encoder.dim, 4, 1);
    const gold = testSet.map((e) => e.labels ?? []);
    const result = { base: precisionAtK(gold, await rank(identity), 1), trained: precisionAtK(gold, await rank(model), 1), record };
    identity.dispose();
    model.dispose();
    return result;
  } finally {
    await server.close();
  }
}

test('trained from a simulated judge, the bi-encoder ranks better than the base encoder (P@1)', async () => {
  const clean = await trainedVsBase(0);
  assert.equal(clean.record.judged, 227);
  assert.equal(clean.record.llmCalls, 227);
  assert.ok(clean.trained > clean.base + 0.1, `exact judge: P@1 base ${clean.base.toFixed(3)} → trained ${clean.trained.toFixed(3)}`);
  const noisy = await trainedVsBase(0.15);
  assert.ok(noisy.trained > noisy.base, `15% errors: P@1 base ${noisy.base.toFixed(3)} → trained ${noisy.trained.toFixed(3)}`);
});

test('lagamc zeroshot: the estimate is printed, the budget caps requests, and the model predicts without the LLM', async () => {
  const server = await startFakeOpenAI(simulatedJudge(train, 0.15));
  const out = join(tempDir('zs'), 'model');
  let stdout = '';
  let stderr = '';
  const io = { out: (t: string) => (stdout += t + '\n'), err: (t: string) => (stderr += t + '\n'), interactive: false };
  try {
    const code = await runCli(['zeroshot', '--docs', demo.train, '--labels', demo.labels, '--llm', '--base-url', server.url, '--budget', '40', '--sample', '60', '--epochs', '2', '--out', out, '--json'], io);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /the LLM will judge 60 documents: about 60 requests .*capped at 40/);
    assert.equal(server.requests.length, 40);
    // The demo's 10 labels are few enough to be judged whole: every request lists all of them.
    const listed = server.requests[0]!.messages.find((m) => m.role === 'user')!.content.match(/^- "[^"]+":/gm);
    assert.equal(listed?.length, 10);
    const record = JSON.parse(stdout);
    assert.equal(record.judged, 40);
    assert.equal(record.skipped, 20);
    assert.match(record.stopped, /budget \(40 requests\)/);
  } finally {
    await server.close();
  }
  const predictor = await loadPredictor(out);
  assert.equal(predictor.kind, 'biencoder');
  const [p] = await predictor.predict(['I was charged twice for my subscription this month.']);
  assert.equal(p!.labels.length, 1);
  assert.equal(Object.keys(p!.scores).length, 10);
  predictor.dispose();
});
