import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEncoder } from '../../engine/encoders/index';
import { UseTokenizer } from '../../engine/encoders/use/tokenizer';

const dot = (v: Float32Array, dim: number, a: number, b: number) => {
  let s = 0;
  for (let j = 0; j < dim; j++) s += v[a * dim + j]! * v[b * dim + j]!;
  return s;
};

test('tokenizer: best-scoring segmentation, "▁" word starts, unknown characters merged', () => {
  const vocab: [string, number][] = [['<unk>', 0], ['<s>', 0], ['</s>', 0], ['x1', 0], ['x2', 0], ['x3', 0], ['▁', -5], ['▁ab', -1], ['▁a', -2], ['b', -2], ['c', -3]];
  const tok = new UseTokenizer(vocab);
  assert.deepEqual(tok.encode('ab'), [7]);
  assert.deepEqual(tok.encode('ab c'), [7, 6, 10]);
  assert.deepEqual(tok.encode('ab zz c'), [7, 6, 0, 6, 10]);
  assert.deepEqual(tok.encode(''), []);
});

test('USE lite: unit vectors, paraphrases closer than unrelated texts, batching does not change results', async () => {
  const enc = await loadEncoder();
  assert.equal(enc.dim, 512);
  assert.equal(await loadEncoder('use'), enc, 'cached per process');
  const texts = [
    'The cat sat on the mat.',
    'A cat is sitting on a rug.',
    'How do I reset my password?',
    'I forgot my password and need to change it.',
    'Interest rates were raised by the central bank.',
    '',
  ];
  const v = await enc.encode(texts);
  assert.equal(v.length, texts.length * 512);
  for (let i = 0; i < texts.length; i++) assert.ok(Math.abs(dot(v, 512, i, i) - 1) < 1e-4, `row ${i} has unit norm`);
  assert.ok(dot(v, 512, 0, 1) > dot(v, 512, 0, 4) + 0.2);
  assert.ok(dot(v, 512, 2, 3) > dot(v, 512, 2, 4) + 0.2);
  assert.ok(dot(v, 512, 2, 3) > dot(v, 512, 2, 0) + 0.2);
  const one = await enc.encode(texts, { batchSize: 1 });
  for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i]! - one[i]!) < 1e-4);
});

test('USE lite on several threads: the encoding threads compute the batches, and the vectors equal a single-threaded encode', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  const { UseEncoder, useModelDir } = await import('../../engine/encoders/use/encoder');
  const { EncodeThreads } = await import('../../engine/encoders/use/threads');
  const words = ['rates', 'password', 'cat', 'bank', 'reset', 'mat', 'central', 'rug', 'raised', 'change'];
  const texts = Array.from({ length: 48 }, (_, i) => Array.from({ length: 1 + (i % 7) }, (_, k) => words[(i * 3 + k) % words.length]).join(' '));
  const single = await UseEncoder.load(useModelDir(), 1);
  const threaded = await UseEncoder.load(useModelDir(), 2);
  try {
    const a = await single.encode(texts, { batchSize: 4 });
    const b = await threaded.encode(texts, { batchSize: 4 });
    assert.deepEqual(b, a, 'same vectors, bit for bit');

    // The pool itself: two encoding threads compute every batch; this thread only hands them out.
    const tokens = texts.map((t) => t.split(' ').map((w) => 100 + words.indexOf(w)));
    const batches = Array.from({ length: 12 }, (_, b) => tokens.slice(4 * b, 4 * b + 4));
    const pool = await EncodeThreads.start(2, tf.getBackend(), useModelDir());
    const got: Float32Array[] = [];
    await pool.run(batches, (k, v) => (got[k] = v));
    for (const [k, ids] of batches.entries()) assert.deepEqual(got[k], await single.encodeIds(ids), `batch ${k}`);
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(pool.run(batches, () => undefined, stop.signal), { name: 'AbortError' });
    await pool.close();
  } finally {
    single.dispose();
    threaded.dispose();
  }
});
