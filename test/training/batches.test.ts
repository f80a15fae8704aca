// Epoch batches: every example once, length-bucketed, capped by examples and by padded tokens,
// and the same for the same seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRng } from '../../engine/random';
import { epochBatches } from '../../engine/training/batches';

const lengths = Array.from({ length: 500 }, (_, i) => 5 + ((i * 37) % 120));

test('each example once; no batch over the example cap or the token budget', () => {
  const batches = epochBatches(lengths, { batchSize: 32, tokenBudget: 1000 }, seededRng(1));
  assert.deepEqual(batches.flat().sort((a, b) => a - b), [...lengths.keys()]);
  for (const b of batches) {
    assert.ok(b.length <= 32);
    assert.ok(b.length === 1 || b.length * Math.max(...b.map((i) => lengths[i]!)) <= 1000, `batch of ${b.length}`);
  }
  // Long targets get smaller batches than short ones.
  const size = (pick: (len: number) => boolean) => batches.filter((b) => b.every((i) => pick(lengths[i]!))).map((b) => b.length);
  assert.ok(Math.max(...size((l) => l > 100)) < Math.min(...size((l) => l < 25)));
});

test('seeded: the same seed gives the same batches, another seed others', () => {
  const limits = { batchSize: 16, tokenBudget: 4096 };
  assert.deepEqual(epochBatches(lengths, limits, seededRng(7)), epochBatches(lengths, limits, seededRng(7)));
  assert.notDeepEqual(epochBatches(lengths, limits, seededRng(7)), epochBatches(lengths, limits, seededRng(8)));
});
