import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinDescriptions, KnownSentences, SENTENCE_SEPARATOR, sentenceKey, splitSentences } from '../../engine/matching/sentences';

test('joinDescriptions: trailing periods normalised, separator ". ", final period', () => {
  assert.equal(SENTENCE_SEPARATOR, '. ');
  assert.equal(joinDescriptions(['Sports', 'Politics.', '  Weather ..  ']), 'Sports. Politics. Weather.');
  assert.equal(joinDescriptions([]), '');
  assert.equal(joinDescriptions(['', ' . ']), '');
});

test('splitSentences: round trip of joined descriptions', () => {
  const descs = ['The text is about sports', 'The text is about politics', 'The author is angry'];
  assert.deepEqual(splitSentences(joinDescriptions(descs)), descs);
});

test('splitSentences: abbreviations, decimals, initials, empty pieces, ! and ?', () => {
  assert.deepEqual(splitSentences('Prices rose 3.5 percent. Fruit, e.g. apples, got dearer.'), ['Prices rose 3.5 percent', 'Fruit, e.g. apples, got dearer']);
  assert.deepEqual(splitSentences('News about the U.S. economy. Dr. Smith spoke.'), ['News about the U.S. economy', 'Dr. Smith spoke']);
  assert.deepEqual(splitSentences('Fruit, vegetables etc. are food. Tools etc. Other things.'), ['Fruit, vegetables etc. are food', 'Tools etc', 'Other things']);
  assert.deepEqual(splitSentences('Is it safe? Yes! Very.'), ['Is it safe?', 'Yes!', 'Very']);
  assert.deepEqual(splitSentences('One. . Two..  \n\n Three.'), ['One', 'Two', 'Three']);
  assert.deepEqual(splitSentences('Visit example.com today. Plan a. Then b.'), ['Visit example.com today', 'Plan a', 'Then b']);
  assert.deepEqual(splitSentences(''), []);
  assert.deepEqual(splitSentences(' .  '), []);
});

test('KnownSentences: a run of pieces that spells a known sentence stays one, in its own text', () => {
  const known = new KnownSentences(['Anger: .....Seems like a fight', 'Joy', 'Sports', 'News', 'Sports news', 'Texts about trade. Tariffs and quotas']);
  // The compact generator's lower-case copy of the first description splits at ". ...."; the run is kept whole.
  assert.deepEqual(known.split('anger: . .... seems like a fight. joy.'), [
    { text: 'anger: . .... seems like a fight', known: 0 },
    { text: 'joy', known: 1 },
  ]);
  // A description of two sentences, written whole, is one sentence; written in part, it is not known.
  assert.deepEqual(known.split('Texts about trade. Tariffs and quotas. Joy.'), [
    { text: 'Texts about trade. Tariffs and quotas', known: 5 },
    { text: 'Joy', known: 1 },
  ]);
  assert.deepEqual(known.split('Texts about trade. Something else.'), [{ text: 'Texts about trade' }, { text: 'Something else' }]);
  // Two known sentences stay two even when together they spell a third.
  assert.deepEqual(known.split('Sports. News.'), [
    { text: 'Sports', known: 2 },
    { text: 'News', known: 3 },
  ]);
  assert.deepEqual(known.split('Sports news.'), [{ text: 'Sports news', known: 4 }]);
  assert.deepEqual(known.split(''), []);
  assert.equal(sentenceKey('Mergers/Acquisitions: "CANTREX" 3,000.'), 'mergers acquisitions cantrex 3 000');
});
