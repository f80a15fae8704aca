// Matrix products on the WebAssembly backend. Where onnxruntime-node loads, products above a small
// size run on its native kernels (engine/tf/nativeMatMul.ts), fused bias and ReLU included.
// Otherwise XNNPACK: TF.js's wasm BatchMatMul uses it only for one un-transposed product
// ([1, m, k]·[1, k, n]); a batch of products or a transposed operand (every backward pass of a
// matMul, attention's q·kᵀ) goes to a plain C++ loop several times slower. This kernel, registered in
// place of wasm's own, then transposes operands explicitly and cuts a batch into single products (or,
// when b is shared, stacks a's rows into one), so that each reaches XNNPACK. Sums are rounded
// differently from the loop's, nothing else.
import * as tf from '@tensorflow/tfjs-core';
import { nativeMatMul, type NativeMatMul } from './nativeMatMul';

type KernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo;
interface WasmBackend {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** Multiply-adds per product under which wasm's own loop is as fast as the copies around XNNPACK or a native call. */
const MIN_PRODUCT = 32 ** 3;

let installed = false;

/** Replaces the wasm backend's BatchMatMul and _FusedMatMul kernels (once per thread; call after the backend is set). */
export function installWasmMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const fused = tf.getKernel('_FusedMatMul', 'wasm');
  if (installed || !original || !fused) return;
  installed = true;
  const native = nativeMatMul();
  const kernel = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc as KernelFunc;
  const ops = { matMul: original.kernelFunc as KernelFunc, reshape: kernel('Reshape'), transpose: kernel('Transpose') };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ((args: Parameters<KernelFunc>[0]) => (native && nativeProduct(native, args)) ?? xnnMatMul(ops, args) ?? ops.matMul(args)) as tf.KernelFunc,
  });
  if (!native) return;
  const fusedKernel = fused.kernelFunc as KernelFunc;
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel({
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    kernelFunc: ((args: Parameters<KernelFunc>[0]) => nativeProduct(native, args) ?? fusedKernel(args)) as tf.KernelFunc,
  });
}

/**
 * The product (with _FusedMatMul's bias and linear or ReLU activation) computed natively, straight
 * from and into the wasm heap; null for small products and shapes or activations it does not cover.
 */
function nativeProduct(native: NativeMatMul, args: Parameters<KernelFunc>[0]): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { transposeA, transposeB, activation } = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
  const backend = args.backend as WasmBackend;
  if (!a || !b || preluActivationWeights || (activation !== undefined && activation !== 'linear' && activation !== 'relu')) return null;
  const shapes = productShapes(a, b, transposeA, transposeB);
  if (!shapes) return null;
  const { m, n, batchA, batchB, outer } = shapes;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return null;
  const [ra, rb] = [a.shape.length, b.shape.length];
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...outer, m, n], 'float32');
  // Views taken after the output is made: making it may grow the heap and detach earlier views.
  const heap = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  native.multiply({
    a: heap(a),
    aShape: [batchA, a.shape[ra - 2]!, a.shape[ra - 1]!],
    b: heap(b),
    bShape: [batchB, b.shape[rb - 2]!, b.shape[rb - 1]!],
    transposeA,
    transposeB,
    ...(bias ? { bias: heap(bias) } : {}),
    relu: activation === 'relu',
    out: heap(out),
    outShape: [batch, m, n],
  });
  return out;
}

/**
 * m, k, n and the batches of a product either kernel takes over; null for other dtypes, ranks under
 * 2, unequal inner sizes, products under MIN_PRODUCT, or outer dimensions that broadcast other than
 * as a whole batch against one matrix (wasm's own kernel handles those).
 */
function productShapes(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): { m: number; k: number; n: number; batchA: number; batchB: number; outer: number[] } | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const [ra, rb] = [a.shape.length, b.shape.length];
  const [m, k] = transposeA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [kb, n] = transposeB ? [b.shape[rb - 1]!, b.shape[rb - 2]!] : [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (k !== kb || m * k * n < MIN_PRODUCT) return null;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  return { m, k, n, batchA, batchB, outer: tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)) };
}

type Ops = Record<'matMul' | 'reshape' | 'transpose', KernelFunc>;

/** The product through XNNPACK-eligible calls, or null where wasm's own kernel is as good (or the shapes are not ours to check). */
function xnnMatMul(ops: Ops, args: Parameters<KernelFunc>[0]): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as WasmBackend;
  const shapes = productShapes(a, b, transposeA, transposeB);
  if (!shapes) return null;
  const { m, k, n, batchA, batchB, outer } = shapes;
  // One un-transposed product: wasm's own kernel already reaches XNNPACK.
  if (!transposeA && !transposeB && batchA === 1 && batchB === 1) return null;
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => (temps.push(t), t);
  try {
    // Operands as [batch, m, k] and [batch, k, n], transposed in memory where asked.
    const a3 = keep(ops.reshape({ inputs: { x: a }, backend, attrs: { shape: transposeA ? [batchA, k, m] : [batchA, m, k] } }));
    const b3 = keep(ops.reshape({ inputs: { x: b }, backend, attrs: { shape: transposeB ? [batchB, n, k] : [batchB, k, n] } }));
    const aa = transposeA ? keep(ops.transpose({ inputs: { x: a3 }, backend, attrs: { perm: [0, 2, 1] } })) : a3;
    const bb = transposeB ? keep(ops.transpose({ inputs: { x: b3 }, backend, attrs: { perm: [0, 2, 1] } })) : b3;
    let out: tf.TensorInfo;
    if (batchB === 1) {
      // One matrix b for every batch: a's rows stacked into one product.
      const rows = keep(ops.reshape({ inputs: { x: aa }, backend, attrs: { shape: [1, batchA * m, k] } }));
      out = keep(ops.matMul({ inputs: { a: rows, b: bb }, backend, attrs: { transposeA: false, transposeB: false } }));
    } else {
      // One product per batch; operands and results copied by memcpy (wasm's Slice and Concat are
      // slower than the products).
      const heap = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
      const pick = (x: tf.TensorInfo, i: number, batch: number) => {
        if (batch === 1) return x;
        const [rows, cols] = [x.shape[1]!, x.shape[2]!];
        const part = backend.makeOutput([1, rows, cols], 'float32');
        heap(part).set(heap(x).subarray(i * rows * cols, (i + 1) * rows * cols));
        return part;
      };
      out = keep(backend.makeOutput([batchB, m, n], 'float32'));
      for (let i = 0; i < batchB; i++) {
        const x = pick(aa, i, batchA);
        const y = pick(bb, i, batchB);
        const p = ops.matMul({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } });
        heap(out).set(heap(p), i * m * n);
        for (const t of [p, ...(x === aa ? [] : [x]), y]) backend.disposeData(t.dataId);
      }
    }
    return ops.reshape({ inputs: { x: out }, backend, attrs: { shape: [...outer, m, n] } });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}
