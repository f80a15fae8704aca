// LAGAMC training: targets, the hybrid loss (its semantic term reaches the generator and the
// adapter; λ stays inside (0, 1); the adapter keeps the encoder's cosines), the label head's own learning rate, resuming an interrupted run reproduces the uninterrupted one,
// a cancel from a timer stops training mid-epoch, the decoding (forced labels or not) and head shift are chosen on dev, a model refuses a label file that changed since training,
// and the default SVM head (its weight C chosen on dev) and the projection head (svm: false) each save what they read and predict dev as training scored it.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadExamples } from '../../engine/data/dataset';
import type { Example } from '../../engine/data/example';
import { parseLabelFile, type LabelSet } from '../../engine/data/labels';
import { demo } from '../../engine/demo/paths';
import type { SentenceEncoder } from '../../engine/encoders/encoder';
import { adaptEncoder } from '../../engine/encoders/adapter';
import { loadEncoder } from '../../engine/encoders/index';
import { LagamcWeights, loadLinearSvm, loadTextFeatures } from '../../engine/model/lagamc/folder';
import { evaluateModel } from '../../engine/model/evaluate';
import { loadPredictor } from '../../engine/model/load';
import { Matcher, NONE_LABEL } from '../../engine/matching/matcher';
import { LinearSvm } from '../../engine/models/compact/linearSvm';
import { fitWithOutOfFold } from '../../engine/models/compact/svmThreads';
import { CompactGenerator, encoderInput } from '../../engine/models/compact/model';
import { Vocab } from '../../engine/models/compact/vocab';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';
import { LambdaWeight, expectedMeaning, semanticLoss } from '../../engine/training/hybridLoss';
import { labelHeadLoss } from '../../engine/training/labelHeadLoss';
import { AdamW } from '../../engine/training/optimizer';
import { NONE_TARGET, targetText, writtenLabels } from '../../engine/training/targets';
import { chooseLabelThresholds } from '../../engine/training/labelThresholds';
import { FORCE_LEVELS, HEAD_DECIDES_TEXTS, HEAD_SHIFTS, MARGIN_WEIGHT, SVM_CS, decodingChoices, decodingName, marginDevScore, svmDevScore, trainLagamc, type TrainOptions } from '../../engine/training/trainer';
import type { Decoding } from '../../engine/model/prediction';
import type { EvalReport } from '../../engine/metrics/multilabel';

let encoder: SentenceEncoder;
let set: LabelSet;
let labelText: string;
let train: Example[];
let dev: Example[];
before(async () => {
  await initBackend();
  registerGradients();
  encoder = await loadEncoder();
  labelText = readFileSync(demo.labels, 'utf8');
  set = parseLabelFile(labelText, demo.labels);
  train = (await loadExamples(demo.train, { labels: set })).examples.slice(0, 64);
  dev = (await loadExamples(demo.dev, { labels: set })).examples.slice(0, 16);
});

test('targets: gold descriptions in label-file order joined by ". ", the none sentence, or names; the matcher reads the same sentences', async () => {
  assert.equal(targetText(['refund', 'billing'], set, 'descriptions'), 'The customer asks about a charge, an invoice, a subscription fee or a payment method. The customer wants to return a product, get their money back or exchange an item.');
  assert.equal(targetText([], set, 'descriptions'), 'The message raises no support topic.');
  assert.equal(targetText([], { ...set, noneDescription: undefined } as LabelSet, 'descriptions'), NONE_TARGET);
  assert.equal(targetText(['feature_request', 'app_bug'], set, 'names'), 'app bug. feature request.');
  // The matcher compares generated sentences with the sentences the model learned to write.
  assert.equal(writtenLabels(set, 'names').labels.find((l) => l.name === 'app_bug')!.description, 'app bug');
  assert.deepEqual(writtenLabels(set, 'descriptions').labels.map((l) => l.description), set.labels.map((l) => l.description));
  // Without a noneDescription the matcher still knows the none sentence the model learned: "no label", not a label nor a hallucination.
  const [none] = await (await Matcher.create(writtenLabels({ ...set, noneDescription: undefined } as LabelSet, 'descriptions'), encoder)).match([NONE_TARGET]);
  assert.deepEqual(none!.labels, []);
  assert.deepEqual(none!.sentences!.map((m) => [m.label, m.hallucinated]), [[NONE_LABEL, false]]);
  const vocab = Vocab.build(['Money back. Thanks!']);
  assert.equal(vocab.decode(vocab.encode('money back. thanks!')), 'Money back. Thanks!');
});

test('the semantic term carries gradient to the generator (bag projection and label head included), the projection and the adapter', () => {
  const weights = LagamcWeights.create({ vocabSize: 12, inputDim: 8, bagSize: 5, bagDim: 3, labels: 3, hidden: 6, embedding: 4, maxLength: 8, seed: 3 }, 2);
  const u = tf.randomNormal([2, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
  const bag = tf.tensor2d([0.6, 0, 0.8, 0, 0, 0, 1, 0, 0, 0], [2, 5]);
  const t = tf.tidy(() => {
    const v = tf.randomNormal([2, 8], 0, 1, 'float32', 2);
    return tf.div(v, tf.norm(v, 2, 1, true)) as tf.Tensor2D;
  });
  const targets = [[4, 5, 2], [6, 2]];
  // Rows t·2 + i: target i's step t.
  const mask = tf.tensor2d([0, 1, 2].flatMap((s) => targets.map((y) => (s < y.length ? 1 : 0))), [6, 1]);
  const lengths = tf.tensor2d(targets.map((y) => y.length), [2, 1]);
  const { grads } = tf.variableGrads(() => {
    const { logProbs } = weights.generator.teacherForced(weights.generator.condition(u, bag).x, targets);
    const meaning = weights.adapter.apply(expectedMeaning(logProbs, mask, lengths, weights.generator.params.emb as tf.Tensor2D, weights.projection as tf.Tensor2D));
    return semanticLoss(meaning, weights.adapter.apply(t), { adapted: weights.adapter.apply(t), frozen: t });
  }, weights.variables);
  const norm = (v: tf.Variable) => tf.norm(grads[v.name]!).dataSync()[0]!;
  for (const name of ['emb', 'wo', 'uz', 'un', 'w0', 'wxn', 'wb', 'bb', 'wl', 'bl'] as const) assert.ok(norm(weights.generator.params[name]) > 1e-6, `generator ${name}`);
  assert.ok(norm(weights.projection) > 1e-6, 'projection');
  assert.ok(weights.adapter.variables.some((v) => norm(v) > 1e-6), 'adapter');
  weights.dispose();
});

test('the label head loss is the binary cross-entropy summed over labels and averaged over texts, with gradient (σ(z) − y)/B, also at large logits', () => {
  const z = [2, -1, 0.5, 40, -40, 0];
  const y = [1, 0, 0, 1, 1, 0];
  const zt = tf.tensor2d(z, [2, 3]);
  const yt = tf.tensor2d(y, [2, 3]);
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  // −[y log σ(z) + (1 − y) log(1 − σ(z))], with log σ(−40) written as −40 − log(1 + e^−40).
  const expected = z.map((v, i) => (y[i] ? (v < -30 ? -v : -Math.log(sigmoid(v))) : -Math.log(1 - sigmoid(v)))).reduce((a, b) => a + b) / 2;
  assert.ok(Math.abs(labelHeadLoss(zt, yt).dataSync()[0]! - expected) < 1e-5);
  const grad = [...tf.grad((t: tf.Tensor) => labelHeadLoss(t as tf.Tensor2D, yt))(zt).dataSync()];
  grad.forEach((g, i) => assert.ok(Math.abs(g - (sigmoid(z[i]!) - y[i]!) / 2) < 1e-6, `logit ${i}`));
  tf.dispose([zt, yt]);
});

test('AdamW scales each variable\'s step by its rate factor; the label head\'s variables are the TF-IDF projection and the head', () => {
  const a = tf.variable(tf.tensor1d([1, 1]));
  const b = tf.variable(tf.tensor1d([1, 1]));
  const optimizer = new AdamW([a, b], { learningRate: 0.01, totalSteps: 1, warmup: 0, rateScale: [1, 3] });
  optimizer.apply([tf.tensor1d([0.5, -0.5]), tf.tensor1d([0.5, -0.5])]);
  const [da, db] = [a, b].map((v) => [...v.dataSync()].map((x) => x - 1));
  // Adam's first step moves each entry by the learning rate against the gradient's sign.
  da!.forEach((d, i) => assert.ok(Math.abs(d - (i ? 0.01 : -0.01)) < 1e-6, `a[${i}] moved ${d}`));
  db!.forEach((d, i) => assert.ok(Math.abs(d - 3 * da![i]!) < 1e-6, `b[${i}] moved ${d}`));
  optimizer.dispose();
  tf.dispose([a, b]);
  const generator = new CompactGenerator({ vocabSize: 8, inputDim: 4, bagSize: 6, bagDim: 3, labels: 2, hidden: 4, embedding: 2, maxLength: 4, seed: 1 });
  assert.deepEqual(generator.headVariables, [generator.params.wb, generator.params.bb, generator.params.wl, generator.params.bl]);
  const noHead = new CompactGenerator({ ...generator.config, labels: 0 });
  assert.deepEqual(noHead.headVariables, []);
  tf.dispose([...generator.variables, ...noHead.variables]);
});

test('λ is learned but stays inside (0, 1), at σ((cos_rel − ce_rel)/β)', () => {
  const lambda = new LambdaWeight(null);
  const opt = tf.train.sgd(0.5);
  let cosScale = 1;
  for (let i = 0; i < 400; i++) {
    if (i === 1) cosScale = 0.1; // the semantic term falls to a tenth of its first value; CE does not
    opt.minimize(() => lambda.combine({ ce: tf.scalar(2.0), cos: tf.scalar(0.6 * cosScale) }), false, [lambda.rho!]);
  }
  const expected = 1 / (1 + Math.exp(-(0.1 - 1) / 0.5));
  assert.ok(Math.abs(lambda.value - expected) < 0.01, `λ ${lambda.value} vs ${expected}`);
  assert.ok(lambda.value > 0.05 && lambda.value < 0.95);
  assert.equal(new LambdaWeight(1).value, 1, 'a fixed λ (the CE-only ablation) is not learned');
});

function options(out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { out, labelFile: demo.labels, labelFileText: labelText, encoderSpec: 'use', epochs: 2, batchSize: 16, hidden: 32, patience: 5, seed: 7, cacheDir: join(out, '..', 'cache'), ...extra };
}

test("the matcher's adapter keeps the frozen encoder's cosines between the label descriptions and texts it never saw, unrelated ones included (so they still read as hallucinations)", async () => {
  const out = join(tempDir('guard'), 'model');
  await trainLagamc(set, train, dev, encoder, options(out, { epochs: 4 }));
  const weights = await LagamcWeights.load(out);
  const descriptions = set.labels.map((l) => l.description!);
  const unseen = (await loadExamples(demo.test, { labels: set })).examples.map((e) => e.text);
  const unrelated = ['Stock markets fell sharply on Monday', 'The recipe needs two eggs and a cup of flour', 'The striker scored in the final minute', 'Heavy rain is expected over the weekend'];
  const cosines = async (enc: SentenceEncoder) => {
    const d = await enc.encode(descriptions);
    const t = await enc.encode([...unseen, ...unrelated]);
    const dim = enc.dim;
    return Array.from({ length: t.length / dim }, (_, i) => descriptions.map((_, j) => t.subarray(i * dim, (i + 1) * dim).reduce((s, x, k) => s + x * d[j * dim + k]!, 0)));
  };
  const [frozen, adapted] = [await cosines(encoder), await cosines(adaptEncoder(encoder, weights.adapter))];
  weights.dispose();
  const drift = frozen.flatMap((row, i) => row.map((c, j) => Math.abs(adapted[i]![j]! - c)));
  const [largest, mean] = [Math.max(...drift), drift.reduce((a, b) => a + b, 0) / drift.length];
  // Before the guard held the texts and weighed 100: largest change 0.60, mean 0.37.
  assert.ok(largest < 0.25 && mean < 0.08, `largest cosine change ${largest.toFixed(3)}, mean ${mean.toFixed(3)}`);
});

test('a run cancelled after epoch 1 and resumed ends with exactly the weights of an uninterrupted run', async () => {
  const root = tempDir('resume');
  await trainLagamc(set, train, dev, encoder, options(join(root, 'whole')));
  const controller = new AbortController();
  await assert.rejects(
    trainLagamc(set, train, dev, encoder, options(join(root, 'parts'), { signal: controller.signal, onProgress: (e) => e.phase === 'evaluate' && e.epoch === 1 && controller.abort() })),
    (e: Error) => e.name === 'AbortError',
  );
  const events: string[] = [];
  const resumed = await trainLagamc(set, train, dev, encoder, options(join(root, 'parts'), { resume: true, onProgress: (e) => e.message && events.push(e.message) }));
  assert.ok(events.some((m) => /^resuming after epoch 1/.test(m)), events.join('\n'));
  assert.equal(resumed.epochsRun, 2);
  // The last step's weights, their average, and the saved model (the average at the best epoch).
  const weights = (dir: string, file: string) => JSON.parse(readFileSync(join(root, dir, file), 'utf8')).weights;
  for (const file of ['checkpoint/generator.json', 'checkpoint/average/generator.json', 'generator.json']) assert.deepEqual(weights('parts', file), weights('whole', file), file);
  const log = readFileSync(join(root, 'parts', 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.map((r) => r.epoch), [1, 2]);
  assert.ok(log.every((r) => r.lambda > 0 && r.lambda < 1));
});

test("the saved model holds the averaged weights (the last step's without averaging)", async () => {
  const root = tempDir('average');
  const weights = (dir: string, file: string) => JSON.parse(readFileSync(join(root, dir, file), 'utf8')).weights;
  await trainLagamc(set, train, dev, encoder, options(join(root, 'averaged'), { epochs: 1 }));
  await trainLagamc(set, train, dev, encoder, options(join(root, 'last'), { epochs: 1, averageEpochs: 0 }));
  assert.deepEqual(weights('averaged', 'generator.json'), weights('averaged', 'checkpoint/average/generator.json'));
  assert.notDeepEqual(weights('averaged', 'generator.json'), weights('averaged', 'checkpoint/generator.json'));
  assert.deepEqual(weights('averaged', 'checkpoint/generator.json'), weights('last', 'checkpoint/generator.json'), 'averaging does not change training');
  assert.deepEqual(weights('last', 'generator.json'), weights('last', 'checkpoint/generator.json'));
  assert.ok(!existsSync(join(root, 'last', 'checkpoint', 'average')));
});

test('a cancel that arrives from the event loop (Ctrl-C, a client request) stops training mid-epoch', async () => {
  const root = tempDir('cancel');
  const controller = new AbortController();
  let steps = 0;
  const out = join(root, 'model');
  await assert.rejects(
    trainLagamc(set, train, dev, encoder, options(out, { batchSize: 4, signal: controller.signal, onProgress: (e) => e.phase === 'train' && ++steps === 2 && setTimeout(() => controller.abort(), 0) })),
    (e: Error) => e.name === 'AbortError',
  );
  assert.ok(steps < train.length / 4, `stopped after ${steps} steps, not within the first epoch`);
});

test('what a given decoding leaves open is chosen: a mode, forced labels or neither; forcing without a head or with free decoding is refused', () => {
  const names = (d: Decoding) => decodingChoices(d, 1).map(decodingName);
  assert.deepEqual(names({ force: null }), ['free', 'candidates']);
  assert.deepEqual(names({ force: 0.8 }), ['constrained forcing p ≥ 0.8', 'candidates forcing p ≥ 0.8']);
  assert.deepEqual(names({ candidates: true, constrained: false }), ['candidates', ...FORCE_LEVELS.map((f) => `candidates forcing p ≥ ${f}`)]);
  assert.deepEqual(names({ candidates: false, constrained: true, force: 0.9 }), ['constrained forcing p ≥ 0.9']);
  assert.deepEqual(names({ candidates: false, constrained: false }), ['free']);
  assert.deepEqual(decodingChoices({}, 0), [{}]);
  assert.throws(() => decodingChoices({ force: 0.8 }, 0), /forced labels need the label head/);
  assert.throws(() => decodingChoices({ candidates: false, constrained: false, force: 0.8 }, 1), /not free/);
  // A given headDecides keeps every choice constrained.
  const decided = ', the head deciding labels under 20 training texts';
  assert.deepEqual(names({ headDecides: 20 }), [`constrained${decided}`, ...FORCE_LEVELS.map((f) => `constrained forcing p ≥ ${f}${decided}`), `candidates${decided}`, ...FORCE_LEVELS.map((f) => `candidates forcing p ≥ ${f}${decided}`)]);
  assert.throws(() => decodingChoices({ headDecides: 20 }, 0), /labels decided by the head need the label head/);
  assert.throws(() => decodingChoices({ candidates: false, constrained: false, headDecides: 20 }, 1), /labels decided by the head need constrained or candidates decoding, not free/);
});

/**
 * The "decoding|shift" pairs that training tries on dev after training, in order, given the first
 * ones it reported (`tried`, the free decoding at shift 0 included): decodingChoices × shifts, then,
 * if their best (the first on ties) is constrained or candidates, it with the head deciding the labels
 * under HEAD_DECIDES_TEXTS training texts at each shift (every demo label has fewer).
 */
function expectedTried(tried: Map<string, number>, choices: Decoding[], shifts: number[]): string[] {
  const first = choices.flatMap((d) => shifts.map((s) => `${decodingName(d)}|${s}`));
  const scores = first.map((k) => tried.get(k)!);
  const winner = choices[Math.floor(first.indexOf(first[scores.indexOf(Math.max(...scores))]!) / shifts.length)]!;
  return [...first, ...(winner.constrained || winner.candidates ? shifts.map((s) => `${decodingName({ ...winner, headDecides: HEAD_DECIDES_TEXTS })}|${s}`) : [])];
}

test('the decoding (free, constrained or candidates, forced or not) and head shift are chosen on dev after training (best dev macro-F1, earlier pair on ties) and prediction applies them; a fixed shift leaves only the decoding to choose', async () => {
  const root = tempDir('shift');
  const out = join(root, 'model');
  const tried = new Map<string, number>();
  const result = await trainLagamc(set, train, dev, encoder, options(out, { epochs: 3, onProgress: (e) => {
    const m = e.message?.match(/^decoding (.+), head shift (\S+):/);
    if (m) tried.set(`${m[1]}|${m[2]}`, e.metrics!.devMacroF1!);
  } }));
  const log = readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; devMacroF1: number });
  const all = new Map([['free|0', log.find((r) => r.epoch === result.bestEpoch)!.devMacroF1], ...tried]);
  const choices = decodingChoices({}, 1);
  // Free, constrained forcing each level, candidates unforced and forcing each level; each at every shift.
  assert.deepEqual(choices.map(decodingName), ['free', ...FORCE_LEVELS.map((f) => `constrained forcing p ≥ ${f}`), 'candidates', ...FORCE_LEVELS.map((f) => `candidates forcing p ≥ ${f}`)]);
  assert.deepEqual([...all.keys()], expectedTried(all, choices, HEAD_SHIFTS));
  const best = Math.max(...all.values());
  const [name, shift] = [...all.keys()].find((k) => all.get(k) === best)!.split('|') as [string, string];
  assert.equal(result.headShift, Number(shift));
  assert.equal(decodingName(result.decoding), name);
  const manifest = JSON.parse(readFileSync(join(out, 'lagamc-model.json'), 'utf8')) as { settings: { headShift?: number; decoding: Decoding } };
  assert.equal(manifest.settings.headShift ?? 0, Number(shift));
  assert.equal(decodingName(manifest.settings.decoding), name);
  const report = JSON.parse(readFileSync(join(out, 'report-dev.json'), 'utf8')) as { macro: { f1: number } };
  assert.equal(report.macro.f1, best);
  // The saved model predicts dev as the choice saw it.
  const predictor = await loadPredictor(out);
  const { report: again } = await evaluateModel(predictor, dev);
  predictor.dispose();
  assert.ok(Math.abs(again.macro.f1 - report.macro.f1) < 1e-9, `${again.macro.f1} vs ${report.macro.f1}`);
  // A hand-edited manifest with an impossible forced-label setting is refused, naming file and field.
  const edited = join(root, 'edited');
  cpSync(out, edited, { recursive: true });
  const manifestFile = join(edited, 'lagamc-model.json');
  const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { settings: { decoding: Decoding } };
  m.settings.decoding = { candidates: true, force: 0.3 };
  writeFileSync(manifestFile, JSON.stringify(m));
  await assert.rejects(loadPredictor(edited), (e: Error) => e.message.startsWith(`${manifestFile}: "settings.decoding.force" must be null or a head probability from 0.5 to 1`));
  m.settings.decoding = { constrained: true, headDecides: 0.5 };
  writeFileSync(manifestFile, JSON.stringify(m));
  await assert.rejects(loadPredictor(edited), (e: Error) => e.message.startsWith(`${manifestFile}: "settings.decoding.headDecides" must be null or a whole number of training texts`));
  // The training texts per label are recorded; a model without them (trained before them) refuses headDecides, naming its folder and the field.
  const settings = (m as unknown as { settings: { labelTexts?: number[] } }).settings;
  assert.deepEqual(settings.labelTexts, set.labels.map((l) => train.filter((e) => e.labels?.includes(l.name)).length));
  delete settings.labelTexts;
  m.settings.decoding = { constrained: true };
  writeFileSync(manifestFile, JSON.stringify(m));
  const old = await loadPredictor(edited);
  assert.equal((await old.predict([dev[0]!.text])).length, 1);
  await assert.rejects(old.predict([dev[0]!.text], { decoding: { headDecides: 20 } }), (e: Error) => e.message.startsWith(`${edited}: labels decided by the head need the model's training texts per label (settings.labelTexts`));
  old.dispose();

  const fixedOut = join(root, 'fixed');
  const fixedTried = new Map<string, number>();
  const fixed = await trainLagamc(set, train, dev, encoder, options(fixedOut, { epochs: 1, headShift: 1.5, onProgress: (e) => {
    const x = e.message?.match(/^decoding (.+), head shift (\S+):/);
    if (x) fixedTried.set(`${x[1]}|${x[2]}`, e.metrics!.devMacroF1!);
  } }));
  assert.equal(fixed.headShift, 1.5);
  assert.equal((JSON.parse(readFileSync(join(fixedOut, 'lagamc-model.json'), 'utf8')) as { settings: { headShift?: number } }).settings.headShift, 1.5);
  const fixedLog = JSON.parse(readFileSync(join(fixedOut, 'train-log.jsonl'), 'utf8').trim()) as { devMacroF1: number };
  const fixedAll = new Map([['free|1.5', fixedLog.devMacroF1], ...fixedTried]);
  assert.deepEqual([...fixedAll.keys()], expectedTried(fixedAll, choices, [1.5]));
});

test('--select jaccard: the epoch, decoding and head shift are those of the best dev Jaccard index, named in the manifest; resuming with another metric is refused', async () => {
  const root = tempDir('select');
  const out = join(root, 'model');
  const tried = new Map<string, number>();
  const result = await trainLagamc(set, train, dev, encoder, options(out, { epochs: 2, select: 'jaccard', onProgress: (e) => {
    const m = e.message?.match(/^decoding (.+), head shift (\S+): dev Jaccard/);
    if (m) tried.set(`${m[1]}|${m[2]}`, e.metrics!.devScore!);
  } }));
  const log = readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; devScore: number });
  const bestEpoch = log.reduce((b, r) => (r.devScore > b.devScore ? r : b));
  assert.equal(result.bestEpoch, bestEpoch.epoch);
  const all = new Map([['free|0', bestEpoch.devScore], ...tried]);
  assert.deepEqual([...all.keys()], expectedTried(all, decodingChoices({}, 1), HEAD_SHIFTS));
  const best = Math.max(...all.values());
  const [name, shift] = [...all.keys()].find((k) => all.get(k) === best)!.split('|') as [string, string];
  assert.equal(decodingName(result.decoding), name);
  assert.equal(result.headShift, Number(shift));
  // The score is the dev report's Jaccard index, not another of its metrics.
  const report = JSON.parse(readFileSync(join(out, 'report-dev.json'), 'utf8')) as EvalReport;
  assert.equal(report.jaccardSamples, best);
  assert.equal(result.dev.jaccardSamples, best);
  const manifest = JSON.parse(readFileSync(join(out, 'lagamc-model.json'), 'utf8')) as { training: { select: string; devScore: number; devMacroF1: number } };
  assert.deepEqual([manifest.training.select, manifest.training.devScore, manifest.training.devMacroF1], ['jaccard', best, report.macro.f1]);
  await assert.rejects(trainLagamc(set, train, dev, encoder, options(out, { epochs: 3, resume: true })), (e: Error) => e.message === `${join(out, 'checkpoint', 'state.json')}: "select" is "jaccard": the run selects on that metric; resume it with --select jaccard`);
});

test('predict refuses a model whose label file changed since training', async () => {
  const root = tempDir('labels');
  const labels = join(root, 'x.labels.jsonc');
  copyFileSync(demo.labels, labels);
  const out = join(root, 'model');
  await trainLagamc(set, train, dev, encoder, options(out, { labelFile: labels, epochs: 1 }));
  const ok = await loadPredictor(out);
  const [p] = await ok.predict(['I was charged twice this month.']);
  assert.ok(p!.generated !== undefined && p!.sentences !== undefined);
  // Constrained beam search writes label descriptions only, each matching its own label exactly.
  // (The compact vocabulary is lower-cased.)
  const key = (sentence: string) => sentence.toLowerCase().replace(/\.$/, '');
  const sentences = new Map([...set.labels.map((l) => [key(l.description!), l.name] as const), [key(set.noneDescription!), null] as const]);
  for (const q of await ok.predict(['I was charged twice this month.', 'The app crashes when I open it.', 'Thanks, great service!'], { decoding: { numBeams: 3, constrained: true } })) {
    assert.ok(q.sentences!.length >= 1);
    for (const m of q.sentences!) {
      const label = sentences.get(key(m.sentence));
      assert.ok(label !== undefined, `"${m.sentence}" is not a label sentence`);
      if (label !== null) assert.equal(m.label, label);
    }
  }
  ok.dispose();
  writeFileSync(labels, labelText.replace('The customer thanks the team', 'The customer praises the team'));
  await assert.rejects(loadPredictor(out), /x\.labels\.jsonc no longer matches the model .*re-described: praise.*Retrain/);
});

test('the default head is the scaled SVM margins (svm.json written, over terms and char n-grams, C chosen on dev, no projection, biases held at 0, candidates decoding: only labels the head holds); with svm: false it is the trained projection; predictions report the head\'s probabilities; each saved model predicts dev as training scored it', async () => {
  for (const svmHead of [true, false]) {
    const out = join(tempDir('svm'), 'model');
    const result = await trainLagamc(set, train, dev, encoder, options(out, { epochs: 2, headShift: 0, ...(svmHead ? { decoding: { candidates: true } } : { svm: false }) }));
    assert.equal(existsSync(join(out, 'svm.json')), svmHead);
    const weights = await LagamcWeights.load(out);
    if (svmHead) {
      const svm = JSON.parse(readFileSync(join(out, 'svm.json'), 'utf8')) as { format: string; labels: number };
      assert.equal(svm.format, 'lagamc-linear-svm/1');
      assert.equal(svm.labels, set.labels.length);
      assert.equal(weights.generator.config.margins, true);
      assert.ok(weights.generator.params.wm && !weights.generator.params.wb && !weights.generator.params.wl);
      // The biases are held at 0 (p = σ(a·m)) while the margin weights learn.
      assert.ok(weights.generator.params.bl.dataSync().every((b) => b === 0));
      assert.ok(weights.generator.params.wm.dataSync().some((a) => a !== MARGIN_WEIGHT));
      // Candidates decoding (forced or not, the head deciding the rare labels or not, chosen on dev): every predicted label is one the head holds (p ≥ 0.5).
      const manifest = JSON.parse(readFileSync(join(out, 'lagamc-model.json'), 'utf8')) as { settings: { decoding: Decoding } };
      assert.equal(manifest.settings.decoding.candidates, true);
      assert.ok(decodingChoices({ candidates: true }, 1).some((d) => [d, { ...d, headDecides: HEAD_DECIDES_TEXTS }].some((c) => JSON.stringify(c) === JSON.stringify(manifest.settings.decoding))), JSON.stringify(manifest.settings.decoding));
      const features = (await loadTextFeatures(out))!;
      const svms = (await loadLinearSvm(out))!;
      // The SVMs read the word terms and char n-grams (one weight per feature and a bias).
      assert.ok(features.charGrams.length > 0 && svms.terms === features.terms.length + features.charGrams.length);
      // Their weight C is the one of SVM_CS whose SVMs score best on dev (the first on ties), recorded in the manifest.
      const names = set.labels.map((l) => l.name);
      const [trainRows, devRows] = [train, dev].map((split) => split.map((e) => features.row(e.text)));
      const fit = (c: number) => LinearSvm.fit(trainRows, train.map((e) => (e.labels ?? []).map((l) => names.indexOf(l))), names.length, svms.terms, { seed: 7, c });
      const devScores = SVM_CS.map((c) => svmDevScore(fit(c), devRows, dev.map((e) => e.labels ?? []), names).score);
      assert.equal(result.svmC, SVM_CS[devScores.indexOf(Math.max(...devScores))], `dev scores ${devScores}`);
      // Saved lowered by the per-label thresholds from the out-of-fold margins when those raise the dev score of the margins alone, as fitted otherwise.
      const golds = train.map((e) => (e.labels ?? []).map((l) => names.indexOf(l)));
      const { svm: all, outOfFold } = await fitWithOutOfFold(trainRows, golds, names.length, svms.terms, { seed: 7, c: result.svmC!, threads: 1 });
      const devGold = dev.map((e) => e.labels ?? []);
      const choice = chooseLabelThresholds(outOfFold, golds, names.length, all.margins(devRows), (m) => marginDevScore(m, devGold, names));
      assert.equal(result.thresholdedLabels, choice.kept ? choice.labels : 0);
      assert.deepEqual(svms.weights, choice.kept ? all.lowered(choice.offsets).weights : fit(result.svmC!).weights);
      assert.equal((JSON.parse(readFileSync(join(out, 'lagamc-model.json'), 'utf8')) as { training: { svmC?: number } }).training.svmC, result.svmC);
      const texts = dev.map((e) => e.text);
      const u = await encoder.encode(texts.map(encoderInput));
      const labels = set.labels.length;
      const p = tf.tidy(() => tf.slice(weights.generator.condition(tf.tensor2d(u, [texts.length, encoder.dim]), null, tf.tensor2d(svms.margins(texts.map((t) => features.row(t))), [texts.length, labels])).x, [0, encoder.dim], [texts.length, labels]).dataSync());
      const predictor = await loadPredictor(out);
      const predictions = await predictor.predict(texts);
      predictor.dispose();
      let held = 0;
      predictions.forEach((q, i) => {
        // Each prediction reports the head's probability of every label, which ranks the labels and orders the predicted ones.
        set.labels.forEach((l, j) => assert.ok(Math.abs(q.probabilities![l.name]! - p[i * labels + j]!) < 1e-6, `dev text ${i}: ${l.name} reported at ${q.probabilities![l.name]}, head ${p[i * labels + j]}`));
        assert.deepEqual(q.scores, q.probabilities);
        q.labels.forEach((l, k) => {
          assert.equal(l.probability, q.probabilities![l.label]);
          if (k > 0) assert.ok(q.labels[k - 1]!.probability! >= l.probability!);
        });
        for (const { label } of q.labels) {
          const j = set.labels.findIndex((l) => l.name === label);
          assert.ok(p[i * labels + j]! >= 0.5, `dev text ${i}: ${label} predicted at head probability ${p[i * labels + j]}`);
          held++;
        }
      });
      assert.ok(held > 0, "no label predicted on dev");
      // Forced at 0.6: every label at or above it is predicted too (its sentence written, so matched).
      const forcedPredictor = await loadPredictor(out);
      const forced = await forcedPredictor.predict(texts, { decoding: { candidates: true, force: 0.6 } });
      forcedPredictor.dispose();
      let sure = 0;
      forced.forEach((q, i) => {
        const got = q.labels.map((l) => l.label);
        set.labels.forEach((l, j) => {
          if (p[i * labels + j]! >= 0.6) {
            assert.ok(got.includes(l.name), `dev text ${i}: ${l.name} at head probability ${p[i * labels + j]} not predicted when forced: ${q.generated}`);
            sure++;
          }
          if (got.includes(l.name)) assert.ok(p[i * labels + j]! >= 0.5);
        });
      });
      assert.ok(sure > 0, 'no label at head probability ≥ 0.6 on dev');
      // The head deciding every label (each has fewer than 1000 training texts): exactly the labels it holds are predicted.
      // With 1 (every label has a training text) it decides none: the same predictions as unforced candidates decoding.
      const decidingPredictor = await loadPredictor(out);
      const decided = await decidingPredictor.predict(texts, { decoding: { candidates: true, force: null, headDecides: 1000 } });
      const none = await decidingPredictor.predict(texts, { decoding: { candidates: true, force: null, headDecides: 1 } });
      const free = await decidingPredictor.predict(texts, { decoding: { candidates: true, force: null, headDecides: null } });
      decidingPredictor.dispose();
      decided.forEach((q, i) => assert.deepEqual(q.labels.map((l) => l.label).sort(), set.labels.map((l) => l.name).filter((_, j) => p[i * labels + j]! >= 0.5).sort(), `dev text ${i}: ${q.generated}`));
      assert.deepEqual(none.map((q) => q.generated), free.map((q) => q.generated));
      assert.ok(decided.some((q, i) => q.generated !== free[i]!.generated), 'deciding every label changed no generated text');
    } else {
      assert.equal(weights.generator.config.margins, undefined);
      assert.equal(result.svmC, null);
      assert.ok(!weights.generator.params.wm && weights.generator.params.wb && weights.generator.params.wl);
      // The projection reads the word terms only.
      const features = (await loadTextFeatures(out))!;
      assert.ok(features.charGrams.length === 0 && weights.generator.config.bagSize === features.terms.length);
    }
    weights.dispose();
    const predictor = await loadPredictor(out);
    const { report } = await evaluateModel(predictor, dev);
    predictor.dispose();
    assert.ok(Math.abs(report.macro.f1 - result.dev.macro.f1) < 1e-9, `${svmHead ? 'SVM head' : 'projection head'}: ${report.macro.f1} vs ${result.dev.macro.f1}`);
    // Training's dev report ranks the labels as prediction does: by the head's probabilities.
    assert.ok(report.mAP !== null && Math.abs(report.mAP - result.dev.mAP!) < 1e-9, `${svmHead ? 'SVM head' : 'projection head'} mAP: ${report.mAP} vs ${result.dev.mAP}`);
  }
});

test('a model without label head trains free decoding only, and refuses candidates decoding, forced labels and head-decided labels naming its folder', async () => {
  const out = join(tempDir('headless'), 'model');
  const result = await trainLagamc(set, train, dev, encoder, options(out, { epochs: 1, labelHead: 0 }));
  assert.deepEqual(result.decoding, {});
  const predictor = await loadPredictor(out);
  assert.equal((await predictor.predict([dev[0]!.text])).length, 1);
  await assert.rejects(predictor.predict([dev[0]!.text], { decoding: { candidates: true } }), (e: Error) => e.message.startsWith(`${out}: candidates decoding needs the generator's label head`));
  await assert.rejects(predictor.predict([dev[0]!.text], { decoding: { constrained: true, force: 0.8 } }), (e: Error) => e.message.startsWith(`${out}: forced labels need the generator's label head`));
  await assert.rejects(predictor.predict([dev[0]!.text], { decoding: { constrained: true, headDecides: 20 } }), (e: Error) => e.message.startsWith(`${out}: labels decided by the head need the generator's label head`));
  predictor.dispose();
});
