// engine/random.ts: the seeded generator repeats, and a partial shuffle touches only its prefix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRng, shuffle } from '../engine/random';

test('a seed repeats its draws; shuffle permutes in place, and with a count only the first count items', () => {
  const a = seededRng(7);
  const b = seededRng(7);
  const draws = Array.from({ length: 5 }, () => a());
  assert.deepEqual(draws, Array.from({ length: 5 }, () => b()));
  assert.ok(draws.every((x) => x >= 0 && x < 1));
  const items = Array.from({ length: 20 }, (_, i) => i);
  const all = shuffle([...items], seededRng(3));
  assert.deepEqual([...all].sort((x, y) => x - y), items);
  assert.notDeepEqual(all, items);
  const part = shuffle([...items], seededRng(3), 8);
  assert.deepEqual(part.slice(8), items.slice(8));
  assert.deepEqual([...part.slice(0, 8)].sort((x, y) => x - y), items.slice(0, 8));
  assert.notDeepEqual(part.slice(0, 8), items.slice(0, 8));
  // The prefix is shuffled as a copy of it would be.
  assert.deepEqual(part.slice(0, 8), shuffle(items.slice(0, 8), seededRng(3)));
});
