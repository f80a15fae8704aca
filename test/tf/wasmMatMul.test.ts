// The wasm backend's replacement BatchMatMul and _FusedMatMul (engine/tf/wasmMatMul.ts): every shape
// they take over (transposed operands, batches, a shared a or b, rank 4, bias and ReLU) and those
// they leave to wasm's own kernels agree with a float64 product computed here, and they free every
// intermediate they make. Run once with the native products (engine/tf/nativeMatMul.ts, where
// onnxruntime-node loads) and once, in a child process, with LAGAMC_MATMUL=wasm (XNNPACK).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/tf/backend';
import { nativeMatMul } from '../../engine/tf/nativeMatMul';

const wasmOnly = process.env.LAGAMC_MATMUL === 'wasm';
const path = wasmOnly ? 'XNNPACK' : 'native';

before(async () => {
  await initBackend('wasm');
});

/** a·b in float64 from the stored values: batch over the leading dimensions (one side may have none or 1). */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): { values: Float64Array; shape: number[] } {
  const [av, bv] = [a.dataSync(), b.dataSync()];
  const [ra, rb] = [a.rank, b.rank];
  const [m, k] = ta ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outer);
  const [batchA, batchB] = [tf.util.sizeFromShape(a.shape.slice(0, -2)), tf.util.sizeFromShape(b.shape.slice(0, -2))];
  const values = new Float64Array(batch * m * n);
  for (let s = 0; s < batch; s++) {
    const [sa, sb] = [batchA === 1 ? 0 : s, batchB === 1 ? 0 : s];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += av[sa * m * k + (ta ? p * m + i : i * k + p)]! * bv[sb * k * n + (tb ? j * k + p : p * n + j)]!;
        values[(s * m + i) * n + j] = sum;
      }
  }
  return { values, shape: [...outer, m, n] };
}

const cases: { name: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean; bias?: boolean; relu?: boolean; nativeOnly?: boolean }[] = [
  { name: '2-D, b transposed (a backward pass: dy·wᵀ)', a: [70, 48], b: [40, 48], tb: true },
  { name: '2-D, a transposed (a backward pass: xᵀ·dy)', a: [70, 48], b: [70, 40], ta: true },
  { name: '2-D, both transposed', a: [48, 70], b: [40, 48], ta: true, tb: true },
  { name: 'batch of products, b transposed (attention q·kᵀ)', a: [6, 40, 36], b: [6, 40, 36], tb: true },
  { name: 'rank 4 batch (heads)', a: [2, 3, 40, 36], b: [2, 3, 36, 44] },
  { name: 'one b for a batch of a', a: [5, 40, 36], b: [36, 44] },
  { name: 'one b for a batch of a, a transposed', a: [5, 36, 40], b: [1, 36, 44], ta: true },
  { name: 'one a for a batch of b', a: [40, 36], b: [4, 44, 36], tb: true },
  { name: "small products (wasm's own kernel)", a: [3, 4, 5], b: [3, 5, 6] },
  { name: "plain 2-D product (wasm's own XNNPACK path)", a: [70, 48], b: [48, 40] },
  { name: 'fused: bias', a: [70, 48], b: [48, 40], bias: true },
  // wasm's own _FusedMatMul adds the bias wrongly to a product with a transposed operand (no engine
  // code asks for one; graph models' fused products are not transposed).
  { name: 'fused: bias and ReLU, a transposed', a: [48, 70], b: [48, 40], ta: true, bias: true, relu: true, nativeOnly: true },
  { name: 'fused: bias and ReLU, b transposed', a: [70, 48], b: [40, 48], tb: true, bias: true, relu: true, nativeOnly: true },
  { name: 'fused: ReLU, no bias, a transposed', a: [48, 70], b: [48, 40], ta: true, relu: true },
];

const run = cases.filter((c) => !(wasmOnly && c.nativeOnly));
for (const c of run) {
  test(`matMul on wasm (${path}): ${c.name}`, () => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 1);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', 2);
    const n = c.tb ? c.b[c.b.length - 2]! : c.b[c.b.length - 1]!;
    const bias = c.bias ? tf.randomNormal([n], 0, 1, 'float32', 3) : undefined;
    const backend = tf.engine().backend;
    const [tensors, data] = [tf.memory().numTensors, backend.numDataIds()];
    const fused = c.bias || c.relu;
    const out = fused
      ? tf.fused.matMul({ a, b, transposeA: c.ta ?? false, transposeB: c.tb ?? false, ...(bias ? { bias } : {}), activation: c.relu ? 'relu' : 'linear' })
      : tf.matMul(a, b, c.ta ?? false, c.tb ?? false);
    const ref = reference(a, b, c.ta ?? false, c.tb ?? false);
    if (fused) {
      const bv = bias?.dataSync();
      ref.values.forEach((v, i) => {
        const x = v + (bv ? bv[i % n]! : 0);
        ref.values[i] = c.relu ? Math.max(0, x) : x;
      });
    }
    assert.deepEqual(out.shape, ref.shape);
    const got = out.dataSync();
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - ref.values[i]!) < 1e-4 * (1 + Math.abs(ref.values[i]!)), `element ${i}: ${got[i]} against ${ref.values[i]}`);
    out.dispose();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(backend.numDataIds(), data, 'intermediate buffers left on the wasm heap');
    tf.dispose([a, b, ...(bias ? [bias] : [])]);
  });
}

if (!wasmOnly) {
  test('the native products load here (onnxruntime-node ships a binary for this platform)', () => {
    assert.ok(nativeMatMul(), 'onnxruntime-node did not load: every product falls back to wasm');
  });

  test('the same cases with LAGAMC_MATMUL=wasm (XNNPACK and wasm kernels only)', () => {
    const file = fileURLToPath(import.meta.url);
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', file], { env: { ...process.env, LAGAMC_MATMUL: 'wasm', NODE_TEST_CONTEXT: undefined }, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, new RegExp(`# pass ${cases.filter((c) => !c.nativeOnly).length}\\b`));
  });
}
