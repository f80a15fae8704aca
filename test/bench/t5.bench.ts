// T5 engine speed per TF.js backend available here (wasm, cpu; tensorflow when installed):
//  - training steps/s (Adam, full model and LoRA q,v r=2) and generation tokens/s (greedy and 3-beam,
//    with and without the decoder key/value cache) for the tiny FLAN-T5 fixture and for the
//    from-scratch CPU config below;
//  - GFLOP/s of the two matmul shapes a T5 layer runs: one fused 2-D projection over all rows and
//    heads, and the per-head batched attention product.
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { T5Config } from '../../engine/models/t5/config';
import { generate } from '../../engine/models/t5/generate';
import { applyLora } from '../../engine/models/t5/lora';
import { T5Model, type T5Batch } from '../../engine/models/t5/model';
import { BACKENDS, initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';
import { hasShared, sharedPath } from '../helpers/shared';
import { writeSection } from './report';

/** From-scratch config for CPU training: 256 wide, 2 + 2 layers, vocabulary 8,000. */
const SCRATCH: T5Config = {
  vocabSize: 8000, dModel: 256, dKv: 64, numHeads: 4, dFf: 1024, numLayers: 2, numDecoderLayers: 2, numBuckets: 32, maxDistance: 128,
  eps: 1e-6, gated: true, activation: 'gelu_new', tied: false, decoderStartTokenId: 0, eosTokenId: 1, padTokenId: 0,
};
const SCRATCH_SHAPE = { batch: 16, src: 128, tgt: 32 };

function randomBatch(batch: number, src: number, tgt: number, vocab: number, seed: number): T5Batch {
  let s = seed;
  const rnd = () => 3 + ((s = (s * 1103515245 + 12345) % 2 ** 31) % (vocab - 3));
  const row = (n: number) => [...Array.from({ length: n - 1 }, rnd), 1];
  return { inputIds: Array.from({ length: batch }, () => row(src)), labels: Array.from({ length: batch }, () => row(tgt)) };
}

/** Median seconds of `runs` calls after one warm-up, stopping early past `budget` seconds. */
function time(f: () => void, runs: number, budget = 60): number {
  f();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs && (performance.now() - start) / 1000 < budget; i++) {
    const t = performance.now();
    f();
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

function trainStep(model: T5Model, batch: T5Batch, opt: tf.Optimizer): () => void {
  return () => tf.tidy(() => void opt.minimize(() => model.loss(batch), false, model.trainableVariables()));
}

function genRate(model: T5Model, input: number[], numBeams: number, useCache: boolean, maxNewTokens: number): number {
  let tokens = 0;
  const s = time(() => (tokens = generate(model, input, { numBeams, useCache, maxNewTokens }).ids.length - 1), 3, 40);
  return tokens / s;
}

function gflops(a: number[], b: number[], runs = 5): number {
  const x = tf.randomNormal(a);
  const y = tf.randomNormal(b);
  const flops = 2 * a.reduce((p, d) => p * d, 1) * b[b.length - 1]!;
  const s = time(() => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D).dataSync(), runs, 20);
  x.dispose();
  y.dispose();
  return flops / s / 1e9;
}

const rows: string[][] = [];
const matmulRows: string[][] = [];
await initBackend();
registerGradients();
for (const backend of BACKENDS) {
  if (!(await tf.setBackend(backend).catch(() => false))) continue;
  const { batch, src, tgt } = SCRATCH_SHAPE;
  matmulRows.push([
    backend,
    gflops([batch * src, SCRATCH.dModel], [SCRATCH.dModel, SCRATCH.numHeads * SCRATCH.dKv]).toFixed(2),
    gflops([batch * SCRATCH.numHeads, src, SCRATCH.dKv], [batch * SCRATCH.numHeads, SCRATCH.dKv, src]).toFixed(2),
  ]);
  const setups: { name: string; model: () => Promise<T5Model>; batch: T5Batch; gen: number[]; steps: number }[] = [];
  if (hasShared) {
    const cases = [
      ['classify: oil prices rose sharply after the opec meeting', 'crude oil. energy markets.'],
      ['classify: shares of the bank fell after weak quarterly earnings', 'earnings and profits. banking.'],
    ];
    const dir = sharedPath('fixtures', 't5', 'flan-t5-tiny');
    const probe = await T5Model.fromPretrained(dir);
    const tok = probe.tokenizer!;
    const b = { inputIds: Array.from({ length: 8 }, (_, i) => tok.encode(cases[i % 2]![0]!)), labels: Array.from({ length: 8 }, (_, i) => tok.encode(cases[i % 2]![1]!)) };
    setups.push({ name: 'flan-t5-tiny fixture (d 64, 2+2 layers, vocab 600), batch 8', model: () => T5Model.fromPretrained(dir), batch: b, gen: b.inputIds[0]!, steps: 10 });
    probe.dispose();
  }
  // the plain cpu backend (about 1 GFLOP/s) needs minutes per step of the scratch config: not run there
  const big = randomBatch(batch, src, tgt, SCRATCH.vocabSize, 1);
  if (backend !== 'cpu') setups.push({ name: `scratch (d 256, 4×64 heads, d_ff 1024 gated, 2+2 layers, vocab 8000), batch ${batch}, src ${src}, tgt ${tgt}`, model: async () => T5Model.fromConfig(SCRATCH, 0), batch: big, gen: big.inputIds[0]!, steps: 3 });
  for (const s of setups) {
    const full = await s.model();
    const fullStep = time(trainStep(full, s.batch, tf.train.adam(1e-3)), s.steps, 120);
    const g = [genRate(full, s.gen, 1, true, 32), genRate(full, s.gen, 1, false, 32), genRate(full, s.gen, 3, true, 32), genRate(full, s.gen, 3, false, 32)];
    full.dispose();
    const lora = await s.model();
    applyLora(lora, {});
    const loraStep = time(trainStep(lora, s.batch, tf.train.adam(1e-3)), s.steps, 120);
    lora.dispose();
    rows.push([backend, s.name, (1 / fullStep).toFixed(2), (1 / loraStep).toFixed(2), ...g.map((x) => x.toFixed(1))]);
    console.log(rows.at(-1)!.join(' | '));
  }
}

const md = (head: string[], body: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
writeSection(
  'T5 engine (training and generation speed)',
  'npm run bench t5',
  `Load average when the benchmark started: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (timings are noisy under load). The scratch config is not run on the plain cpu backend (minutes per training step). Training: one Adam step on the whole batch (full model; LoRA q,v r=2 with the base frozen). Generation: tokens per second for one input, 32 new tokens at most (the fixture stops at its \`</s>\`), with the decoder key/value cache and without it (whole prefix re-run each step).

${md(['backend', 'model / batch', 'train steps/s (full)', 'train steps/s (LoRA)', 'greedy tok/s (cache)', 'greedy tok/s (no cache)', 'beam3 tok/s (cache)', 'beam3 tok/s (no cache)'], rows)}

Matmul GFLOP/s of the layer's two shapes (scratch config): the fused projection [${SCRATCH_SHAPE.batch * SCRATCH_SHAPE.src}×${SCRATCH.dModel}]·[${SCRATCH.dModel}×${SCRATCH.numHeads * SCRATCH.dKv}] (all rows and heads at once, as the engine runs q/k/v/o and the feed-forward) and the per-head batched attention product ${SCRATCH_SHAPE.batch * SCRATCH.numHeads}×[${SCRATCH_SHAPE.src}×${SCRATCH.dKv}]·[${SCRATCH.dKv}×${SCRATCH_SHAPE.src}].

${md(['backend', 'fused 2-D projection', 'batched per-head product'], matmulRows)}`,
);
