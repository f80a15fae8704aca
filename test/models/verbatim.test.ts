// Generated copies of label sentences get their own spelling back before matching.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VerbatimSentences } from '../../engine/model/lagamc/verbatim';
import { joinDescriptions, splitSentences } from '../../engine/matching/sentences';
import { Vocab } from '../../engine/models/compact/vocab';

test('a generated copy of a label sentence is given back in that sentence\'s spelling; other sentences stay', () => {
  const sentences = ['Texts about mergers/Acquisitions: shares, as in "CANTREX UNIT TO MERGE".', 'Texts about earnings'];
  const vocab = Vocab.build(sentences);
  const copy = vocab.decode(vocab.encode('Texts about mergers/Acquisitions: shares, as in "CANTREX UNIT TO MERGE". Texts about shares.'));
  assert.equal(copy, 'Texts about mergers acquisitions: shares, as in "cantrex unit to merge". Texts about shares.');
  const verbatim = new VerbatimSentences(sentences);
  assert.equal(verbatim.restore(copy), 'Texts about mergers/Acquisitions: shares, as in "CANTREX UNIT TO MERGE". Texts about shares.');
  assert.equal(verbatim.restore('Texts about shares.'), 'Texts about shares.');
});

test('a label sentence that the vocabulary\'s copy splits in two is restored whole', () => {
  // SemEval-2018 E-c's offline description of "anger" (before ef5a52a): the copy reads ". .... seems", two sentences to splitSentences.
  const sentences = ['Anger: tweets with words such as angry, as in ".....Seems like a fight"', 'Joy: tweets with words such as happy'];
  const vocab = Vocab.build(sentences);
  const copy = vocab.decode(vocab.encode(joinDescriptions(sentences)));
  assert.equal(splitSentences(copy).length, 3);
  assert.equal(new VerbatimSentences(sentences).restore(copy), joinDescriptions(sentences));
});
