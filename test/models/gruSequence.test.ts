import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { gruSequence, type GruInputs } from '../../engine/models/compact/gruSequence';
import { initBackend } from '../../engine/tf/backend';
import { registerGradients } from '../../engine/tf/gradients';

before(async () => {
  await initBackend();
  registerGradients();
});

const B = 3;
const H = 5;
const STEPS = 4;

/** The same recurrence written step by step with autodiff ops. */
function reference(i: GruInputs): tf.Tensor2D {
  let h = i.h0;
  const states: tf.Tensor2D[] = [];
  const rows = (m: tf.Tensor2D, t: number) => tf.slice(m, [t * B, 0], [B, H]) as tf.Tensor2D;
  for (let t = 0; t < STEPS; t++) {
    const z = tf.sigmoid(tf.add(tf.add(tf.add(rows(i.gz, t), i.xz), tf.matMul(h, i.uz)), i.bz));
    const r = tf.sigmoid(tf.add(tf.add(tf.add(rows(i.gr, t), i.xr), tf.matMul(h, i.ur)), i.br));
    const n = tf.tanh(tf.add(tf.add(tf.add(rows(i.gn, t), i.xn), tf.mul(r, tf.matMul(h, i.un))), i.bn));
    h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D;
    states.push(h);
  }
  return tf.concat(states) as tf.Tensor2D;
}

test('the GRU sequence with its hand-written backward pass matches step-by-step autodiff: states and every input\'s gradient', () => {
  let seed = 1;
  const rand = (shape: number[]) => tf.randomNormal(shape, 0, 0.7, 'float32', seed++);
  const values = { gz: rand([STEPS * B, H]), gr: rand([STEPS * B, H]), gn: rand([STEPS * B, H]), h0: rand([B, H]), xz: rand([B, H]), xr: rand([B, H]), xn: rand([B, H]), uz: rand([H, H]), ur: rand([H, H]), un: rand([H, H]), bz: rand([H]), br: rand([H]), bn: rand([H]) };
  const vars = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, tf.variable(v, true, `gru_${k}`)])) as unknown as GruInputs & Record<string, tf.Variable>;
  // A loss that weighs every state entry differently, so each step's gradient differs.
  const weights = rand([STEPS * B, H]);
  const loss = (f: (i: GruInputs) => tf.Tensor2D) => () => tf.sum(tf.mul(tf.tanh(f(vars)), weights)) as tf.Scalar;
  const list = Object.values(vars) as tf.Variable[];
  const ours = tf.variableGrads(loss(gruSequence), list);
  const theirs = tf.variableGrads(loss(reference), list);
  assert.ok(Math.abs(ours.value.dataSync()[0]! - theirs.value.dataSync()[0]!) < 1e-5, 'same states');
  for (const v of list) {
    const a = ours.grads[v.name]!.dataSync();
    const b = theirs.grads[v.name]!.dataSync();
    assert.ok(tf.tidy(() => tf.norm(theirs.grads[v.name]!).dataSync()[0]!) > 1e-3, `${v.name}: a non-zero gradient to compare`);
    a.forEach((x, j) => assert.ok(Math.abs(x - b[j]!) < 1e-4 + 1e-4 * Math.abs(b[j]!), `${v.name}[${j}]: ${x} vs ${b[j]}`));
  }
  tf.dispose([...list, ...Object.values(values), weights, ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
});
