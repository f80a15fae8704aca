// Fine-tuning USE lite (training/encoderTuning.ts): shards' gradients add up to the batch's, the
// logits learn the gold labels, and a run cancelled after its first epoch and resumed ends where
// the uninterrupted run ends; the trainer adds the logits of the labels with enough training texts
// to the SVM margins with a weight chosen on dev, saves the fine-tuned encoder, and the loaded model
// predicts dev as training scored it; small training sets are fine-tuned by default.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadExamples } from '../../engine/data/dataset';
import type { Example } from '../../engine/data/example';
import { parseLabelFile, type LabelSet } from '../../engine/data/labels';
import { demo } from '../../engine/demo/paths';
import type { SentenceEncoder } from '../../engine/encoders/encoder';
import { loadEncoder } from '../../engine/encoders/index';
import { loadLinearSvm, loadTextFeatures } from '../../engine/model/lagamc/folder';
import { evaluateModel } from '../../engine/model/evaluate';
import { loadPredictor } from '../../engine/model/load';
import { TunedUse } from '../../engine/models/tunedUse/model';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';
import { loadUseTokenizer, useTokenCount, useTokenIds, USE_MAX_TOKENS } from '../../engine/encoders/use/differentiable';
import { defaultTuningEpochs, FINE_TUNE_MAX_TOKENS, fineTunesByDefault, shardGradients, tuneEncoder } from '../../engine/training/encoderTuning';
import { FUSION_WEIGHTS, fuseMargins } from '../../engine/training/fusion';
import { marginDevScore, trainLagamc } from '../../engine/training/trainer';
import { tempDir } from '../helpers/tempDir';

let encoder: SentenceEncoder;
let set: LabelSet;
let labelText: string;
let train: Example[];
let dev: Example[];
let names: string[];
before(async () => {
  await initBackend();
  registerGradients();
  encoder = await loadEncoder();
  labelText = readFileSync(demo.labels, 'utf8');
  set = parseLabelFile(labelText, demo.labels);
  names = set.labels.map((l) => l.name);
  train = (await loadExamples(demo.train, { labels: set })).examples;
  dev = (await loadExamples(demo.dev, { labels: set })).examples;
});

const golds = (split: readonly Example[]) => split.map((e) => (e.labels ?? []).map((l) => names.indexOf(l)));

test("shards' gradients add up to the whole batch's (its mean loss), and reach the encoder and the label layer", async () => {
  const model = await TunedUse.create(names.length);
  const rows = train.slice(0, 6);
  const ids = rows.map((e) => model.ids(e.text));
  const gold = (part: readonly Example[]) => Float32Array.from(part.flatMap((e) => names.map((n) => ((e.labels ?? []).includes(n) ? 1 : 0))));
  const whole = shardGradients(model, { ids, gold: gold(rows), batchRows: 6, dropout: 0, seed: 1 });
  const a = shardGradients(model, { ids: ids.slice(0, 2), gold: gold(rows.slice(0, 2)), batchRows: 6, dropout: 0, seed: 1 });
  const b = shardGradients(model, { ids: ids.slice(2), gold: gold(rows.slice(2)), batchRows: 6, dropout: 0, seed: 1 });
  assert.ok(Math.abs(a.loss + b.loss - whole.loss) < 1e-3 * whole.loss, `${a.loss} + ${b.loss} vs ${whole.loss}`);
  whole.grads.forEach((g, i) => {
    const sum = tf.add(a.grads[i]!, b.grads[i]!);
    const scale = tf.max(tf.abs(g)).dataSync()[0]!;
    assert.ok(scale > 0, `no gradient reaches variable ${i}`);
    assert.ok(tf.max(tf.abs(tf.sub(sum, g))).dataSync()[0]! < 1e-4 * scale + 1e-7, `variable ${i}`);
  });
  assert.deepEqual([...whole.logits.subarray(0, 2 * names.length)].map((x) => x.toFixed(4)), [...a.logits].map((x) => x.toFixed(4)));
  tf.dispose([...whole.grads, ...a.grads, ...b.grads]);
  model.dispose();
});

test('fine-tuning learns the gold labels, and a run cancelled after epoch 1 and resumed ends exactly where the uninterrupted run ends', async () => {
  const texts = train.map((e) => e.text);
  const g = golds(train);
  const losses: number[] = [];
  const full = await tuneEncoder(texts, g, names.length, { epochs: 2, threads: 2, checkpointDir: join(tempDir('tune'), 'ck'), onProgress: (e) => void (/^fine-tuned the encoder for epoch/.test(e.message ?? '') && losses.push(Number(/mean loss (\S+)/.exec(e.message!)![1]))) });
  assert.equal(losses.length, 2);
  assert.ok(losses[1]! < losses[0]!, `mean loss ${losses}`);
  // The final weights score the training texts' gold labels above the others.
  const z = full.model.logits(texts);
  const [on, off] = [[0, 0], [0, 0]];
  g.forEach((labels, i) => names.forEach((_, j) => ((labels.includes(j) ? on : off)[0]! += z[i * names.length + j]!, (labels.includes(j) ? on : off)[1]!++)));
  assert.ok(on[0]! / on[1]! > off[0]! / off[1]! + 1, `mean gold logit ${on[0]! / on[1]!}, others ${off[0]! / off[1]!}`);

  const dir = join(tempDir('tune'), 'ck');
  const stop = new AbortController();
  await assert.rejects(tuneEncoder(texts, g, names.length, { epochs: 2, threads: 2, checkpointDir: dir, signal: stop.signal, onProgress: (e) => void (/^fine-tuned the encoder for epoch 1/.test(e.message ?? '') && stop.abort()) }));
  assert.equal(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).epoch, 1);
  await assert.rejects(tuneEncoder(texts, g, names.length, { epochs: 3, threads: 2, checkpointDir: dir, resume: true }), /checkpointed with epochs 2; resume it with the same setting \(now 3\)/);
  const resumed = await tuneEncoder(texts, g, names.length, { epochs: 2, threads: 2, checkpointDir: dir, resume: true });
  assert.deepEqual(resumed.trainLogits, full.trainLogits);
  full.model.variables.forEach((v, i) => assert.deepEqual(resumed.model.variables[i]!.dataSync(), v.dataSync(), `variable ${i}`));
  full.model.dispose();
  resumed.model.dispose();
});

test('training fine-tunes by default when a label has the gate\'s training texts and the texts hold at most the token cap, and counts tokens as the model reads them', async () => {
  const texts = train.map((e) => e.text);
  const golds = train.map((e) => (e.labels ?? []).map((l) => names.indexOf(l)));
  const tokenizer = await loadUseTokenizer();
  const tokens = texts.reduce((sum, t) => sum + useTokenIds(tokenizer, t).length, 0);
  assert.equal(useTokenCount(tokenizer, texts), tokens);
  assert.equal(useTokenCount(tokenizer, ['word '.repeat(500)]), USE_MAX_TOKENS);
  assert.ok(tokens > 1000 && tokens < FINE_TUNE_MAX_TOKENS, `${tokens} tokens`);
  assert.deepEqual(await fineTunesByDefault(texts, golds, names.length, 30), { tune: true, tokens });
  assert.deepEqual(await fineTunesByDefault(texts, golds, names.length, 30, tokens), { tune: true, tokens });
  assert.deepEqual(await fineTunesByDefault(texts, golds, names.length, 30, tokens - 1), { tune: false, tokens });
  // The demo's labels have 22 to 36 training texts: at the default gate (50) no label would use the logits.
  assert.deepEqual(await fineTunesByDefault(texts, golds, names.length, 50), { tune: false, tokens: null });
  // Default epochs: a budget of 1M tokens, 1 or 2 epochs (CAVES' 498,350 tokens: 2; Reuters' 785k: 1).
  assert.deepEqual([tokens, 498_350, 500_000, 500_001, 785_000, 5_000_000].map(defaultTuningEpochs), [2, 2, 2, 1, 1, 1]);
});

test("the trainer adds the fine-tuned logits of the labels with enough training texts to the SVM margins with the dev-chosen weight, saves the encoder, and the loaded model predicts dev as training scored it; resuming with other fusion settings is refused", async () => {
  const out = join(tempDir('fused'), 'model');
  const opts = { out, labelFile: demo.labels, labelFileText: labelText, encoderSpec: 'use', epochs: 1, fineTuneEncoder: true, fineTuneEpochs: 1, headShift: 0, decoding: { candidates: true } };
  // The demo's labels have 22 to 36 training texts: the default gate (50) leaves none to fuse.
  await assert.rejects(trainLagamc(set, train, dev, encoder, opts), /no label has 50 training texts or more, so the fine-tuned encoder's logits would join no label's margins: lower --fusion-min-texts/);
  const counts = names.map((n) => train.filter((e) => e.labels?.includes(n)).length);
  const keep = counts.map((c) => c >= 30);
  assert.ok(keep.some(Boolean) && !keep.every(Boolean), `counts ${counts}`);
  // Without fineTuneEncoder the demo is fine-tuned by default once the gate lets labels in.
  const { fineTuneEncoder: _, ...auto } = opts;
  const messages: string[] = [];
  const result = await trainLagamc(set, train, dev, encoder, { ...auto, fusionMinTexts: 30, onProgress: (e) => void (e.message && messages.push(e.message)) });
  assert.ok(messages.some((m) => /^fine-tuning the encoder first: the training texts hold \d+ tokens/.test(m)), messages.slice(0, 5).join('\n'));
  const manifest = JSON.parse(readFileSync(join(out, 'lagamc-model.json'), 'utf8')) as { settings: { fusionWeight?: number }; training: { fusionWeight?: number; fusionMinTexts?: number; fusedLabels?: number } };
  assert.equal(manifest.training.fusionMinTexts, 30);
  assert.equal(manifest.training.fusedLabels, keep.filter(Boolean).length);
  // The saved encoder gives exactly 0 for the labels under the gate, and the weight is the one of
  // FUSION_WEIGHTS whose margins score best on dev (the first on ties).
  const tuned = (await TunedUse.load(join(out, 'encoder')))!;
  const svm = (await loadLinearSvm(out))!;
  const features = (await loadTextFeatures(out))!;
  const m = svm.margins(dev.map((e) => features.row(e.text)));
  const z = tuned.logits(dev.map((e) => e.text));
  tuned.dispose();
  keep.forEach((k, j) => {
    const column = dev.map((_, r) => z[r * names.length + j]!);
    assert.ok(k ? column.every((x) => x !== 0) : column.every((x) => x === 0), `${names[j]} (${counts[j]} texts): ${column.slice(0, 5)}`);
  });
  const scores = FUSION_WEIGHTS.map((w) => marginDevScore(fuseMargins(m, z, w), dev.map((e) => e.labels ?? []), names).score);
  const chosen = FUSION_WEIGHTS[scores.indexOf(Math.max(...scores))]!;
  assert.ok(chosen > 0, `dev keeps the SVMs alone (scores ${scores})`);
  assert.equal(result.fusionWeight, chosen);
  assert.equal(manifest.settings.fusionWeight, chosen);
  assert.equal(manifest.training.fusionWeight, chosen);
  assert.ok(existsSync(join(out, 'encoder', 'weights.bin')));
  const predictor = await loadPredictor(out);
  const { report } = await evaluateModel(predictor, dev);
  predictor.dispose();
  assert.ok(Math.abs(report.macro.f1 - result.dev.macro.f1) < 1e-9, `${report.macro.f1} vs ${result.dev.macro.f1}`);
  assert.ok(report.mAP !== null && Math.abs(report.mAP - result.dev.mAP!) < 1e-9, `mAP ${report.mAP} vs ${result.dev.mAP}`);
  await assert.rejects(trainLagamc(set, train, dev, encoder, { ...opts, fineTuneEncoder: false, resume: true }), /this run fine-tuned the encoder; resume it with --fine-tune-encoder/);
  await assert.rejects(trainLagamc(set, train, dev, encoder, { ...opts, fusionMinTexts: 20, resume: true }), /"fusionMinTexts" is 30: resume it with --fusion-min-texts 30/);
});

test("a fine-tuned encoder saved before the token embeddings were trained (no emb in weights.json) loads with the package's embeddings; a folder lacking another weight is refused", async () => {
  const model = await TunedUse.create(names.length, 3);
  const emb = model.use.params.emb!;
  emb.assign(tf.mul(emb, 1.5));
  const dir = tempDir('tuned-old');
  await model.save(dir);
  const header = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8')) as { weights: { name: string }[] };
  const texts = train.slice(0, 3).map((e) => e.text);
  const saved = model.logits(texts);
  writeFileSync(join(dir, 'weights.json'), JSON.stringify({ ...header, weights: header.weights.filter((w) => w.name !== 'emb') }));
  const old = (await TunedUse.load(dir))!;
  const fresh = await TunedUse.create(names.length, 3);
  assert.deepEqual([...old.use.params.emb!.dataSync()].slice(0, 512), [...fresh.use.params.emb!.dataSync()].slice(0, 512), "the package's embeddings");
  assert.notDeepEqual([...old.logits(texts)], [...saved], 'the scaled embeddings were not read');
  writeFileSync(join(dir, 'weights.json'), JSON.stringify({ ...header, weights: header.weights.filter((w) => w.name !== 'tanh') }));
  await assert.rejects(TunedUse.load(dir), /weights\.json: "weights" lacks tanh/);
  [model, old, fresh].forEach((m) => m.dispose());
});
