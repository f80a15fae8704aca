import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../engine/tf/backend';
import { averageDecay, updateAverage } from '../../engine/training/weightAverage';

test('the average spans about the requested epochs, and 0 epochs turns it off', () => {
  assert.equal(averageDecay(1, 50), 0.98);
  assert.equal(averageDecay(2, 25), 0.98);
  assert.equal(averageDecay(1, 1), 0);
  assert.equal(averageDecay(0, 50), 0);
});

test('each update moves the average towards the live weights by (1 − decay) of the gap', async () => {
  await initBackend();
  const average = [tf.variable(tf.tensor1d([1, 2])), tf.variable(tf.tensor2d([[0, -4]]))];
  const live = [tf.variable(tf.tensor1d([3, 6])), tf.variable(tf.tensor2d([[8, 4]]))];
  updateAverage(average, live, 0.75);
  assert.deepEqual(average.map((v) => Array.from(v.dataSync())), [[1.5, 3], [2, -2]]);
  for (let k = 1; k < 4; k++) updateAverage(average, live, 0.75);
  // After k updates towards fixed weights w: w + (a₀ − w)·decay^k.
  assert.deepEqual(average.map((v) => Array.from(v.dataSync())), [[3 - 2 * 0.75 ** 4, 6 - 4 * 0.75 ** 4], [8 - 8 * 0.75 ** 4, 4 - 8 * 0.75 ** 4]]);
  updateAverage(average, live, 0);
  assert.deepEqual(average.map((v) => Array.from(v.dataSync())), [[3, 6], [8, 4]], 'decay 0 copies');
  tf.dispose([...average, ...live]);
});
