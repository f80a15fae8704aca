// The wasm backend's replacement BatchMatMul (engine/tf/wasmMatMul.ts): every shape it takes over
// (transposed operands, batches, a shared a or b, rank 4) and those it leaves to wasm's own kernel
// agree with a float64 product computed here, and it frees every intermediate it makes.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/tf/backend';

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

const cases: { name: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
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
];

for (const c of cases) {
  test(`matMul on wasm: ${c.name}`, () => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 1);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', 2);
    const backend = tf.engine().backend;
    const [tensors, data] = [tf.memory().numTensors, backend.numDataIds()];
    const out = tf.matMul(a, b, c.ta ?? false, c.tb ?? false);
    const ref = reference(a, b, c.ta ?? false, c.tb ?? false);
    assert.deepEqual(out.shape, ref.shape);
    const got = out.dataSync();
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - ref.values[i]!) < 1e-4 * (1 + Math.abs(ref.values[i]!)), `element ${i}: ${got[i]} against ${ref.values[i]}`);
    out.dispose();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(backend.numDataIds(), data, 'intermediate buffers left on the wasm heap');
    tf.dispose([a, b]);
  });
}
