// The compact generator's vocabulary: a target written back from its ids splits into the same
// sentences as the target, even when a description holds dotted initials or decimals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitSentences } from '../../engine/matching/sentences';
import { EOS, Vocab, words } from '../../engine/models/compact/vocab';
import { joinDescriptions } from '../../engine/matching/sentences';

test('dotted initials and decimals stay one token, so decoded targets split into the same sentences', () => {
  assert.deepEqual(words('U.S. rates rose 3.5 pct, e.g. in Jan.'), ['u.s.', 'rates', 'rose', '3.5', 'pct', ',', 'e.g.', 'in', 'jan', '.']);
  const target = joinDescriptions(['Texts about grain: usda, as in "the U.S. agriculture department said"', 'Prices up 1,250.75 dlrs']);
  const vocab = Vocab.build([target]);
  const ids = vocab.encode(target);
  assert.equal(ids.at(-1), EOS);
  const decoded = vocab.decode(ids);
  assert.deepEqual(splitSentences(decoded).map((s) => s.toLowerCase()), splitSentences(target).map((s) => s.toLowerCase()));
  assert.equal(splitSentences(decoded).length, 2);
});
