// The compact generator's GRU run over a whole teacher-forced sequence, with a hand-written
// backward pass (back-propagation through time). Autodiff through a step-by-step loop costs memory
// that grows with the target length: TF.js keeps every op's output until the backward pass ends,
// and in it, every time step's gradient of each recurrent weight (uz, ur, un: 3 × 256 × 256 floats
// per step). Here the forward keeps only the gates and states (5 × rows × hidden per step) and the
// backward adds each step's weight gradients into one accumulator per weight. (Measured on a
// Reuters-sized half batch, 43 rows × 116 steps: peak tensor memory 1,318 MB with autodiff, 423 MB.)
//
//   z = σ(gz_t + xz + h·uz + bz)    r = σ(gr_t + xr + h·ur + br)    q = h·un
//   n = tanh(gn_t + xn + r ⊙ q + bn)    h' = (1 − z) ⊙ n + z ⊙ h
//
// gz, gr, gn: the word embeddings' gate inputs of all steps, stacked (row t·B + i: step t of row i);
// xz, xr, xn: the conditioning's gate inputs (B × hidden, the same at every step); h0: the first state.
import * as tf from '@tensorflow/tfjs-core';

export interface GruInputs {
  gz: tf.Tensor2D;
  gr: tf.Tensor2D;
  gn: tf.Tensor2D;
  h0: tf.Tensor2D;
  xz: tf.Tensor2D;
  xr: tf.Tensor2D;
  xn: tf.Tensor2D;
  uz: tf.Tensor2D;
  ur: tf.Tensor2D;
  un: tf.Tensor2D;
  bz: tf.Tensor1D;
  br: tf.Tensor1D;
  bn: tf.Tensor1D;
}

/** The recurrent weights. */
export type GruWeights = Pick<GruInputs, 'uz' | 'ur' | 'un' | 'bz' | 'br' | 'bn'>;

/**
 * One GRU step from state h, given each gate's input without the state term (word embedding plus
 * conditioning); returns the new state and the gates the backward pass needs. Decoding (model.ts)
 * runs the same cell.
 */
export function gruCell(w: GruWeights, h: tf.Tensor2D, gz: tf.Tensor2D, gr: tf.Tensor2D, gn: tf.Tensor2D): { h: tf.Tensor2D; z: tf.Tensor2D; r: tf.Tensor2D; n: tf.Tensor2D; q: tf.Tensor2D } {
  const z = tf.sigmoid(tf.add(tf.add(gz, tf.matMul(h, w.uz)), w.bz)) as tf.Tensor2D;
  const r = tf.sigmoid(tf.add(tf.add(gr, tf.matMul(h, w.ur)), w.br)) as tf.Tensor2D;
  const q = tf.matMul(h, w.un) as tf.Tensor2D;
  const n = tf.tanh(tf.add(tf.add(gn, tf.mul(r, q)), w.bn)) as tf.Tensor2D;
  return { h: tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D, z, r, n, q };
}

const ORDER = ['gz', 'gr', 'gn', 'h0', 'xz', 'xr', 'xn', 'uz', 'ur', 'un', 'bz', 'br', 'bn'] as const;

/** Transpose as a materialised matrix, made once per backward pass (wasm's matMul, engine/tf/wasmMatMul.ts, would make one per product). */
const t2 = (m: tf.Tensor2D) => tf.transpose(m) as tf.Tensor2D;

/** The states after every step, stacked like the gate inputs ((steps·B) × hidden). */
export function gruSequence(inputs: GruInputs): tf.Tensor2D {
  const b = inputs.h0.shape[0];
  const hidden = inputs.h0.shape[1];
  const steps = inputs.gz.shape[0] / b;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[ORDER.length] as tf.GradSaveFunc;
    const [gz, gr, gn, h0, xz, xr, xn, uz, ur, un, bz, br, bn] = args.slice(0, ORDER.length) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    // Per-step row blocks copied in JS: wasm's Slice (and Split) take ~0.7 ms per block here.
    const bySteps = (m: tf.Tensor): tf.Tensor2D[] => {
      const data = m.dataSync() as Float32Array;
      return Array.from({ length: steps }, (_, t) => tf.tensor2d(data.subarray(t * b * hidden, (t + 1) * b * hidden), [b, hidden]));
    };
    const [gzs, grs, gns] = [bySteps(gz), bySteps(gr), bySteps(gn)];
    const zs: tf.Tensor2D[] = [];
    const rs: tf.Tensor2D[] = [];
    const ns: tf.Tensor2D[] = [];
    const qs: tf.Tensor2D[] = [];
    const hs: tf.Tensor2D[] = [];
    let h = h0;
    for (let t = 0; t < steps; t++) {
      const cell = gruCell({ uz, ur, un, bz, br, bn }, h, tf.add(gzs[t]!, xz), tf.add(grs[t]!, xr), tf.add(gns[t]!, xn));
      h = cell.h;
      zs.push(cell.z);
      rs.push(cell.r);
      ns.push(cell.n);
      qs.push(cell.q);
      hs.push(h);
    }
    save([h0, uz, ur, un, ...hs, ...zs, ...rs, ...ns, ...qs]);
    return {
      value: tf.concat(hs) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [h0s, uzs, urs, uns] = saved as tf.Tensor2D[];
        const perStep = (k: number) => saved.slice(4 + k * steps, 4 + (k + 1) * steps) as tf.Tensor2D[];
        const [hs, zs, rs, ns, qs] = [0, 1, 2, 3, 4].map(perStep) as [tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[]];
        const [uzT, urT, unT] = [uzs!, urs!, uns!].map(t2);
        const dys = bySteps(dy);
        const zero = () => tf.zeros([hidden, hidden]) as tf.Tensor2D;
        let acc = { uz: zero(), ur: zero(), un: zero(), xz: tf.zerosLike(h0s!), xr: tf.zerosLike(h0s!), xn: tf.zerosLike(h0s!), bz: tf.zeros([hidden]), br: tf.zeros([hidden]), bn: tf.zeros([hidden]), dh: tf.zerosLike(h0s!) } as Record<'uz' | 'ur' | 'un' | 'xz' | 'xr' | 'xn' | 'dh', tf.Tensor2D> & Record<'bz' | 'br' | 'bn', tf.Tensor1D>;
        const dgz: tf.Tensor2D[] = [];
        const dgr: tf.Tensor2D[] = [];
        const dgn: tf.Tensor2D[] = [];
        for (let t = steps - 1; t >= 0; t--) {
          const next = tf.tidy(() => {
            const h = t === 0 ? h0s! : hs[t - 1]!;
            const [z, r, n, q] = [zs[t]!, rs[t]!, ns[t]!, qs[t]!];
            const dhOut = tf.add(dys[t]!, acc.dh) as tf.Tensor2D;
            const dn = tf.mul(dhOut, tf.sub(1, z));
            const daz = tf.mul(tf.mul(dhOut, tf.sub(h, n)), tf.mul(z, tf.sub(1, z))) as tf.Tensor2D;
            const dan = tf.mul(dn, tf.sub(1, tf.square(n))) as tf.Tensor2D;
            const dq = tf.mul(dan, r) as tf.Tensor2D;
            const dar = tf.mul(tf.mul(dan, q), tf.mul(r, tf.sub(1, r))) as tf.Tensor2D;
            const hT = t2(h);
            const dh = tf.add(tf.add(tf.add(tf.mul(dhOut, z), tf.matMul(daz, uzT)), tf.matMul(dar, urT)), tf.matMul(dq, unT)) as tf.Tensor2D;
            return {
              grads: [daz, dar, dan],
              acc: {
                uz: tf.add(acc.uz, tf.matMul(hT, daz)),
                ur: tf.add(acc.ur, tf.matMul(hT, dar)),
                un: tf.add(acc.un, tf.matMul(hT, dq)),
                xz: tf.add(acc.xz, daz),
                xr: tf.add(acc.xr, dar),
                xn: tf.add(acc.xn, dan),
                bz: tf.add(acc.bz, tf.sum(daz, 0)),
                br: tf.add(acc.br, tf.sum(dar, 0)),
                bn: tf.add(acc.bn, tf.sum(dan, 0)),
                dh,
              } as typeof acc,
            };
          });
          tf.dispose(Object.values(acc));
          acc = next.acc;
          dgz.unshift(next.grads[0]!);
          dgr.unshift(next.grads[1]!);
          dgn.unshift(next.grads[2]!);
        }
        const stacked = [dgz, dgr, dgn].map((g) => tf.concat(g));
        tf.dispose([...dgz, ...dgr, ...dgn, ...dys, uzT, urT, unT]);
        return [stacked[0]!, stacked[1]!, stacked[2]!, acc.dh, acc.xz, acc.xr, acc.xn, acc.uz, acc.ur, acc.un, acc.bz, acc.br, acc.bn];
      },
    };
  });
  return op(...ORDER.map((k) => inputs[k])) as tf.Tensor2D;
}
