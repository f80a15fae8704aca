// Fine-tuning the bundled encoder (a lever measured, not built in): USE lite (useLite.ts) with a
// linear label layer, trained on CAVES train by binary cross-entropy, then scored alone and added to
// the label head's TF-IDF SVM margins as m + w·logit(p), w and the margin threshold chosen on dev
// macro-F1. One wasm thread. BENCH_FT_EPOCHS (default 2) and BENCH_FT_LR (default 2e-4) set the run.
import * as tf from '@tensorflow/tfjs-core';
import { loadExamples } from '../../engine/data/dataset';
import { loadLabelFile } from '../../engine/data/labels';
import { LinearSvm } from '../../engine/models/compact/linearSvm';
import { TextFeatures } from '../../engine/models/compact/textFeatures';
import { seededRng, shuffle } from '../../engine/random';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';
import { DEFAULT_CHAR_GRAMS, SVM_CS, svmDevScore } from '../../engine/training/trainer';
import { hasShared, sharedPath } from '../helpers/shared';
import { writeSection } from './report';
import { forward, loadUse } from './useLite';

const TITLE = 'Encoder fine-tuning (CAVES)';
const EPOCHS = Number(process.env.BENCH_FT_EPOCHS ?? 2);
const LR = Number(process.env.BENCH_FT_LR ?? 2e-4);
const HEAD_LR = 2e-3;
const BATCH = 32;
const MAX_TOKENS = 128;
const FUSION_WEIGHTS = [0, 0.1, 0.2, 0.3, 0.5, 1];

if (!hasShared) {
  console.log(`skipped: ${TITLE} needs ../shared/datasets (the CAVES split)`);
  process.exit(0);
}
await initBackend('wasm');
registerGradients();
const dir = sharedPath('datasets', 'caves');
const labels = (await loadLabelFile(`${dir}/labels.json`)).labels.map((l) => l.name);
const L = labels.length;
const [train, dev, test] = await Promise.all(['train', 'dev', 'test'].map(async (s) => (await loadExamples(`${dir}/${s}.jsonl`)).examples));
const { params, timescales, tokenizer } = await loadUse();
type Row = { ids: number[]; y: number[] };
const rows = (split: typeof train): Row[] =>
  split.map((e) => {
    const ids = tokenizer.encode(e.text.slice(0, 1000)).slice(0, MAX_TOKENS);
    return { ids: ids.length ? ids : tokenizer.encode(' '), y: labels.map((l) => ((e.labels ?? []).includes(l) ? 1 : 0)) };
  });
const [tr, dv, te] = [rows(train), rows(dev), rows(test)];

// Fine-tuning: Adam, 10% warm-up then linear decay, gradient norm clipped at 1, dropout 0.1,
// batches of similar lengths (sorted within shuffled chunks of 50 batches).
const W = tf.variable(tf.randomNormal([512, L], 0, 0.05, 'float32', 1), true, 'labelW');
const b = tf.variable(tf.fill([L], -2), true, 'labelB');
const encoderVars = Object.values(params).filter((v) => v.trainable);
const optEncoder = tf.train.adam(LR);
const optLabels = tf.train.adam(HEAD_LR);
const rng = seededRng(1);
const steps = Math.ceil(tr.length / BATCH) * EPOCHS;
const started = performance.now();
let step = 0;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const order = shuffle([...tr.keys()], rng);
  const batches: number[][] = [];
  for (let c = 0; c < order.length; c += BATCH * 50) {
    const chunk = order.slice(c, c + BATCH * 50).sort((x, z) => tr[x]!.ids.length - tr[z]!.ids.length);
    for (let s = 0; s < chunk.length; s += BATCH) batches.push(chunk.slice(s, s + BATCH));
  }
  shuffle(batches, rng);
  for (const batch of batches) {
    const frac = step++ / steps;
    const scale = Math.max(0.02, frac < 0.1 ? frac / 0.1 : (1 - frac) / 0.9);
    (optEncoder as unknown as { learningRate: number }).learningRate = LR * scale;
    (optLabels as unknown as { learningRate: number }).learningRate = HEAD_LR * scale;
    const y = tf.tensor2d(batch.map((i) => tr[i]!.y), [batch.length, L]);
    const { grads, value } = tf.variableGrads(() => {
      const z = tf.add(tf.matMul(forward(params, timescales, batch.map((i) => tr[i]!.ids), 0.1), W), b);
      const loss = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(z))))));
      return tf.div(tf.sum(loss), batch.length) as tf.Scalar;
    }, [...encoderVars, W, b]);
    const norm = Math.sqrt(Object.values(grads).reduce((s, g) => s + tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]!), 0));
    const clip = norm > 1 ? 1 / norm : 1;
    tf.tidy(() => {
      const scaled = (names: string[]) => Object.fromEntries(names.map((n) => [n, tf.mul(grads[n]!, clip)]));
      optEncoder.applyGradients(scaled(encoderVars.map((v) => v.name)));
      optLabels.applyGradients(scaled([W.name, b.name]));
    });
    tf.dispose([y, value, ...Object.values(grads)]);
    if (step % 50 === 0) console.log(`epoch ${epoch + 1}, step ${step}/${steps}, ${((performance.now() - started) / 60000).toFixed(1)} min`);
  }
}
const minutes = (performance.now() - started) / 60000;

/** Label probabilities, rows × labels. */
function probabilities(split: Row[]): Float32Array {
  const out = new Float32Array(split.length * L);
  const order = [...split.keys()].sort((x, z) => split[x]!.ids.length - split[z]!.ids.length);
  for (let s = 0; s < order.length; s += 64) {
    const part = order.slice(s, s + 64);
    const p = tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(forward(params, timescales, part.map((i) => split[i]!.ids)), W), b)));
    const v = p.dataSync() as Float32Array;
    part.forEach((i, r) => out.set(v.subarray(r * L, (r + 1) * L), i * L));
    p.dispose();
  }
  return out;
}

/** Micro/macro-F1 (percent) of score > t. */
function f1(score: (i: number, j: number) => number, split: Row[], t: number): [number, number] {
  let [tp, fp, fn] = [0, 0, 0];
  const per = labels.map(() => [0, 0, 0]);
  split.forEach((r, i) =>
    r.y.forEach((gold, j) => {
      const on = score(i, j) > t;
      const k = on && gold ? 0 : on ? 1 : gold ? 2 : -1;
      if (k < 0) return;
      per[j]![k]!++;
      [tp, fp, fn] = [tp + (k === 0 ? 1 : 0), fp + (k === 1 ? 1 : 0), fn + (k === 2 ? 1 : 0)];
    }),
  );
  const macro = per.reduce((s, [a, c, e]) => s + (a ? (2 * a) / (2 * a + c! + e!) : 0), 0) / L;
  return [(200 * tp) / (2 * tp + fp + fn), 100 * macro];
}

/** The threshold among `grid` with the best dev macro-F1, and dev/test F1 there. */
function chosen(devScore: (i: number, j: number) => number, testScore: (i: number, j: number) => number, grid: number[]) {
  let best = { t: grid[0]!, dev: [-1, -1] as [number, number] };
  for (const t of grid) {
    const r = f1(devScore, dv, t);
    if (r[1] > best.dev[1]) best = { t, dev: r };
  }
  return { ...best, test: f1(testScore, te, best.t) };
}

const pDev = probabilities(dv);
const pTest = probabilities(te);
const logit = (p: number) => Math.log(Math.max(p, 1e-6) / Math.max(1 - p, 1e-6));
const alone = chosen((i, j) => pDev[i * L + j]!, (i, j) => pTest[i * L + j]!, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);

// The label head's SVMs (TF-IDF terms and char n-grams, C chosen on dev as the trainer chooses it).
const features = TextFeatures.fit(train.map((e) => e.text), { maxTerms: 10_000, maxCharGrams: DEFAULT_CHAR_GRAMS });
const golds = train.map((e) => (e.labels ?? []).map((l) => labels.indexOf(l)));
const trainBags = train.map((e) => features.row(e.text));
const [devBags, testBags] = [dev, test].map((s) => s.map((e) => features.row(e.text)));
const marginGrid = Array.from({ length: 21 }, (_, k) => -2 + k * 0.125);
let svm: { c: number; mDev: Float32Array; mTest: Float32Array; score: number } = { c: 0, mDev: new Float32Array(0), mTest: new Float32Array(0), score: -1 };
for (const c of SVM_CS) {
  const s = LinearSvm.fit(trainBags, golds, L, features.size, { c, seed: 1 });
  const { score } = svmDevScore(s, devBags!, dev.map((e) => e.labels ?? []), labels);
  if (score > svm.score) svm = { c, mDev: s.margins(devBags!), mTest: s.margins(testBags!), score };
}
const fused = FUSION_WEIGHTS.map((w) => ({
  w,
  ...chosen((i, j) => svm.mDev[i * L + j]! + w * logit(pDev[i * L + j]!), (i, j) => svm.mTest[i * L + j]! + w * logit(pTest[i * L + j]!), marginGrid),
}));
const best = fused.reduce((a, r) => (r.dev[1] > a.dev[1] ? r : a));

const f = (x: [number, number]) => `${x[0].toFixed(2)} | ${x[1].toFixed(2)}`;
const setting = `${EPOCHS} epoch${EPOCHS === 1 ? '' : 's'}, learning rate ${LR}`;
const table = [
  '| model | test micro-F1 | test macro-F1 | dev micro-F1 | dev macro-F1 | choice | fine-tuning minutes |',
  '|---|---|---|---|---|---|---|',
  `| TF-IDF SVMs alone (C = ${svm.c} chosen on dev) | ${f(fused[0]!.test)} | ${f(fused[0]!.dev)} | margin > ${fused[0]!.t} | |`,
  `| fine-tuned USE lite alone (${setting}) | ${f(alone.test)} | ${f(alone.dev)} | p > ${alone.t} | ${minutes.toFixed(1)} |`,
  ...fused.slice(1).map((r) => `| SVM margins + ${r.w} · logit of fine-tuned USE lite${r === best ? ' (dev-chosen)' : ''} | ${f(r.test)} | ${f(r.dev)} | margin > ${r.t} | |`),
].join('\n');
console.log(table);
writeSection(
  TITLE,
  'npm run bench encoderFineTune',
  `USE lite re-implemented with differentiable TF.js ops (test/bench/useLite.ts; the same vectors as the graph model, tested) and fine-tuned with a linear label layer on the CAVES training split (binary cross-entropy summed over labels; embeddings frozen, the other 4.93M weights trained; Adam, ${HEAD_LR} for the label layer, 10% warm-up then linear decay; gradient norm clipped at 1; dropout 0.1; batches of ${BATCH} texts of similar lengths; texts cut at ${MAX_TOKENS} tokens) on one wasm thread; then added to the label head's SVM margins as m + w·logit(p), w and the margin threshold chosen on dev macro-F1. Not part of \`lagamc train\`.\n\n${table}\n`,
);
