import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRng } from '../../engine/random';
import { adapt, devMeanAP, type EmbeddedSet } from '../../engine/adaptation/trainer';
import { labelMatrix } from '../../engine/data/labelMatrix';
import type { ProgressEvent } from '../../engine/progress';
import { initBackend } from '../../engine/tf/backend';

/** Texts of two labels as 8-dimensional points around label centres, shifted by `shift` (the domain). */
function domain(n: number, shift: number, seed: number): EmbeddedSet {
  const rng = seededRng(seed);
  const dim = 8;
  const x = new Float32Array(n * dim);
  const labels: string[][] = [];
  for (let i = 0; i < n; i++) {
    const a = rng() < 0.4;
    const b = rng() < 0.3;
    labels.push([...(a ? ['a'] : []), ...(b ? ['b'] : [])]);
    for (let d = 0; d < dim; d++) x[i * dim + d] = (rng() - 0.5) * 0.6 + shift * (d % 2 ? 1 : -1);
    x[i * dim] += a ? 1 : 0;
    x[i * dim + 1] += b ? 1 : 0;
  }
  return { x, labels };
}

test('adapt: DALLMi from a source model learns a shifted target from 30% of its positives, reports progress', async () => {
  await initBackend();
  const events: ProgressEvent[] = [];
  const dev = domain(200, 0.5, 3);
  const result = await adapt({
    method: 'dallmi',
    labels: ['a', 'b'],
    dim: 8,
    sourceTrain: domain(400, 0, 1),
    targetTrain: domain(400, 0.5, 2),
    targetDev: dev,
    keepPositives: 0.3,
    rank: 2,
    options: { epochs: 3, sourceEpochs: 3, onProgress: (e) => events.push(e) },
  });
  const map = devMeanAP({ x: dev.x, y: labelMatrix(dev.labels, ['a', 'b']) }, 2)(result.classifier);
  assert.ok(map > 0.9, `dev mAP ${map}`);
  assert.equal(result.thresholds.length, 2);
  assert.equal(result.sourceThresholds?.length, 2);
  assert.ok(result.loss && 'variation' in result.loss && 'mixup' in result.loss && 'bestEpoch' in result.loss);
  const fractions = events.map((e) => e.fraction);
  assert.deepEqual(fractions, [...fractions].sort((x, y) => x - y), 'progress only moves forward');
  assert.equal(events.at(-1)!.fraction, 1);
  assert.ok(events.some((e) => e.metrics?.devMAP !== undefined && e.loss?.variation !== undefined));
  result.classifier.dispose();
});

test('adapt: an aborted signal stops training', async () => {
  await initBackend();
  const set = domain(50, 0, 1);
  await assert.rejects(adapt({ method: 'oracle', labels: ['a', 'b'], dim: 8, targetTrain: set, targetDev: set, options: { signal: AbortSignal.abort() } }), { name: 'AbortError' });
});
