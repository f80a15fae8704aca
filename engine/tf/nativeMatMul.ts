// Matrix products on onnxruntime-node's native CPU kernels (MLAS), for the wasm backend's matMul
// kernels (engine/tf/wasmMatMul.ts). TF.js kernels are synchronous; the package's
// `InferenceSession.run` only wraps its binding's synchronous `run` in a promise, so the binding is
// called directly. MLAS runs the products of a USE-lite fine-tuning step 2.7 to 5.5 times faster
// than XNNPACK in wasm on one core here (`npm run bench matmul`). Each session runs on one thread: work that
// should use several cores is already split over worker threads, one backend each.
// LAGAMC_MATMUL=wasm turns it off; where onnxruntime-node cannot load, wasm computes every product.
import { createRequire } from 'node:module';
import { buildModel, DataType, type NodeSpec } from '../onnx/graph';

/** One product c = act(op(a)·op(b) + bias) over a batch; a batch of 1 on one side is shared. */
export interface Product {
  a: Float32Array;
  /** [batch, rows, cols] as stored (before any transpose). */
  aShape: [number, number, number];
  b: Float32Array;
  bShape: [number, number, number];
  transposeA: boolean;
  transposeB: boolean;
  /** Added to every row (length n), or none. */
  bias?: Float32Array;
  relu?: boolean;
  /** Receives the result, [batch, m, n] row-major. */
  out: Float32Array;
  outShape: [number, number, number];
}

export interface NativeMatMul {
  multiply(p: Product): void;
}

interface Session {
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, { data: Float32Array }>;
}
interface Binding {
  binding: { InferenceSession: new () => Session & { loadModel(buffer: ArrayBufferLike, offset: number, length: number, options: object): void } };
  initOrt(): void;
}
type TensorCtor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;

let loaded: NativeMatMul | null | undefined;

/** The native products, or null where they are off or onnxruntime-node does not load (once per thread). */
export function nativeMatMul(): NativeMatMul | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.LAGAMC_MATMUL === 'wasm') return loaded;
  try {
    const load = createRequire(import.meta.url);
    const ort = load('onnxruntime-node/dist/binding.js') as Binding;
    const { Tensor } = load('onnxruntime-common') as { Tensor: TensorCtor };
    ort.initOrt();
    loaded = sessions(ort, Tensor);
  } catch {
    // no native binary for this platform: wasm's kernels stay
  }
  return loaded;
}

function sessions(ort: Binding, Tensor: TensorCtor): NativeMatMul {
  const cache = new Map<string, Session>();
  const session = (p: Product): Session => {
    const key = `${+p.transposeA}${+p.transposeB}${+!!p.bias}${+!!p.relu}`;
    let s = cache.get(key);
    if (!s) {
      const nodes: NodeSpec[] = [];
      let [a, b, c] = ['a', 'b', 'ab'];
      if (p.transposeA) nodes.push({ op: 'Transpose', inputs: ['a'], outputs: (a = 'at', ['at']), attributes: { perm: [0, 2, 1] } });
      if (p.transposeB) nodes.push({ op: 'Transpose', inputs: ['b'], outputs: (b = 'bt', ['bt']), attributes: { perm: [0, 2, 1] } });
      nodes.push({ op: 'MatMul', inputs: [a, b], outputs: [c] });
      if (p.bias) nodes.push({ op: 'Add', inputs: [c, 'bias'], outputs: (c = 'biased', ['biased']) });
      if (p.relu) nodes.push({ op: 'Relu', inputs: [c], outputs: (c = 'relu', ['relu']) });
      nodes[nodes.length - 1]!.outputs = ['c'];
      const model = buildModel({
        name: `lagamc-matmul-${key}`,
        inputs: [
          { name: 'a', type: DataType.FLOAT, shape: ['ba', 'ra', 'ca'] },
          { name: 'b', type: DataType.FLOAT, shape: ['bb', 'rb', 'cb'] },
          ...(p.bias ? [{ name: 'bias', type: DataType.FLOAT, shape: ['n'] }] : []),
        ],
        outputs: [{ name: 'c', type: DataType.FLOAT, shape: ['batch', 'm', 'n'] }],
        nodes,
      });
      const created = new ort.binding.InferenceSession();
      created.loadModel(model.buffer, model.byteOffset, model.byteLength, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Buffers go back to the system after each run instead of staying in an arena at their peak.
        enableCpuMemArena: false,
      });
      cache.set(key, (s = created));
    }
    return s;
  };
  return {
    multiply(p) {
      const feeds: Record<string, unknown> = { a: new Tensor('float32', p.a, p.aShape), b: new Tensor('float32', p.b, p.bShape) };
      if (p.bias) feeds.bias = new Tensor('float32', p.bias, [p.bias.length]);
      // The output tensor is p.out itself: MLAS writes the result there.
      session(p).run(feeds, { c: new Tensor('float32', p.out, p.outShape) }, {});
    },
  };
}
