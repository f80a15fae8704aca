// Matrix products on the wasm backend: onnxruntime-node's native kernels (engine/tf/nativeMatMul.ts,
// the default where it loads) against XNNPACK in wasm (LAGAMC_MATMUL=wasm), on one thread each:
//  1. single products of the shapes a USE-lite fine-tuning step computes (32 tweets of 72 tokens:
//     2,304 rows), forward and backward;
//  2. one fine-tuning step (forward and backward of USE lite and its label layer, engine/training/
//     encoderTuning.ts) on 32 CAVES training tweets;
//  3. encoding CAVES tweets with the frozen graph model (batches of 32).
// Each setting runs in a child process of this file (the kernels are chosen once per thread).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { UseEncoder, useModelDir } from '../../engine/encoders/use/encoder';
import { shardGradients } from '../../engine/training/encoderTuning';
import { TunedUse } from '../../engine/models/tunedUse/model';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';
import { nativeMatMul } from '../../engine/tf/nativeMatMul';
import { hasShared, sharedPath } from '../helpers/shared';
import { writeSection } from './report';

const PRODUCTS: { name: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
  { name: 'feed-forward in: [2304, 512]·[512, 1536]', a: [2304, 512], b: [512, 1536] },
  { name: 'feed-forward out: [2304, 1536]·[1536, 512]', a: [2304, 1536], b: [1536, 512] },
  { name: 'weight gradient: [2304, 512]ᵀ·[2304, 1536]', a: [2304, 512], b: [2304, 1536], ta: true },
  { name: 'input gradient: [2304, 1536]·[512, 1536]ᵀ', a: [2304, 1536], b: [512, 1536], tb: true },
  { name: 'attention scores: 128 × [72, 128]·[72, 128]ᵀ', a: [128, 72, 128], b: [128, 72, 128], tb: true },
];

/** Median seconds of `runs` calls after one warm-up. */
async function seconds(runs: number, f: () => unknown | Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((x, y) => x - y)[Math.floor(runs / 2)]!;
}

interface Measured {
  native: boolean;
  products: number[];
  step: number | null;
  encode: number | null;
}

async function measure(): Promise<Measured> {
  await initBackend('wasm');
  registerGradients();
  const products: number[] = [];
  for (const p of PRODUCTS) {
    const [a, b] = [tf.randomNormal(p.a, 0, 1, 'float32', 1), tf.randomNormal(p.b, 0, 1, 'float32', 2)];
    products.push(await seconds(5, () => tf.tidy(() => void tf.matMul(a, b, p.ta ?? false, p.tb ?? false).dataSync())));
    tf.dispose([a, b]);
  }
  let [step, encode]: (number | null)[] = [null, null];
  if (hasShared) {
    const tweets = readFileSync(sharedPath('datasets', 'caves', 'train.jsonl'), 'utf8').trim().split('\n').slice(0, 256).map((l) => (JSON.parse(l) as { text: string }).text);
    const model = await TunedUse.create(12);
    const ids = tweets.slice(0, 32).map((t) => model.ids(t));
    const gold = new Float32Array(32 * 12).map((_, i) => (i % 5 === 0 ? 1 : 0));
    step = await seconds(3, () => tf.dispose(shardGradients(model, { ids, gold, batchRows: 32, dropout: 0.1, seed: 1 }).grads));
    model.dispose();
    const enc = await UseEncoder.load(useModelDir(), 1);
    encode = 256 / (await seconds(3, () => enc.encode(tweets, { batchSize: 32 })));
    enc.dispose();
  }
  return { native: nativeMatMul() !== null, products, step, encode };
}

if (process.env.LAGAMC_MATMUL_BENCH_CHILD) {
  process.stdout.write(JSON.stringify(await measure()));
} else {
  const child = (env: Record<string, string>): Measured => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, ...env, LAGAMC_MATMUL_BENCH_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`matmul bench child failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Measured;
  };
  const native = child({});
  const wasm = child({ LAGAMC_MATMUL: 'wasm' });
  if (!native.native) throw new Error('onnxruntime-node did not load: nothing to compare');
  const flop = (p: (typeof PRODUCTS)[number]) => {
    const [ra, rb] = [p.a.length, p.b.length];
    const m = p.ta ? p.a[ra - 1]! : p.a[ra - 2]!;
    const k = p.ta ? p.a[ra - 2]! : p.a[ra - 1]!;
    const n = p.tb ? p.b[rb - 2]! : p.b[rb - 1]!;
    return 2 * m * k * n * (ra === 3 ? p.a[0]! : 1);
  };
  const rows = PRODUCTS.map((p, i) => `| ${p.name} | ${(1000 * wasm.products[i]!).toFixed(1)} ms (${(flop(p) / wasm.products[i]! / 1e9).toFixed(0)} GFLOP/s) | ${(1000 * native.products[i]!).toFixed(1)} ms (${(flop(p) / native.products[i]! / 1e9).toFixed(0)} GFLOP/s) | ${(wasm.products[i]! / native.products[i]!).toFixed(1)}× |`);
  if (native.step !== null && wasm.step !== null) rows.push(`| USE-lite fine-tuning step, 32 CAVES tweets (forward + backward) | ${wasm.step.toFixed(2)} s | ${native.step.toFixed(2)} s | ${(wasm.step / native.step).toFixed(1)}× |`);
  if (native.encode !== null && wasm.encode !== null) rows.push(`| encoding CAVES tweets (frozen graph model, batches of 32) | ${wasm.encode.toFixed(1)} texts/s | ${native.encode.toFixed(1)} texts/s | ${(native.encode / wasm.encode).toFixed(1)}× |`);
  const body = [
    'TF.js wasm backend, one thread. Each product runs on XNNPACK in wasm (`LAGAMC_MATMUL=wasm`, engine/tf/wasmMatMul.ts) and on onnxruntime-node\'s MLAS (engine/tf/nativeMatMul.ts, the default where it loads); medians of 5 runs (3 for the step and the encoding).',
    '',
    '| work | XNNPACK (wasm) | onnxruntime-node (MLAS) | speed-up |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
  console.log(body);
  writeSection('Matrix products (wasm backend)', 'npm run bench matmul', body);
}
