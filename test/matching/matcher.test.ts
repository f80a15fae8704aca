import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLabelFile, parseLabelFile } from '../../engine/data/labels';
import { EmbeddingCache } from '../../engine/encoders/cache';
import { loadEncoder } from '../../engine/encoders/index';
import { Matcher, NONE_LABEL } from '../../engine/matching/matcher';
import { needsShared, sharedPath } from '../helpers/shared';

const labelFile = (thresholds: Record<string, number> = {}, extra = '') =>
  parseLabelFile(
    `{ ${extra} "labels": [
      { "name": "sports", "description": "The text is about sports, games and athletes."${thresholds.sports !== undefined ? `, "threshold": ${thresholds.sports}` : ''} },
      { "name": "weather", "description": "The text is about the weather, rain and storms." },
      { "name": "cooking", "description": "The text is about cooking food and recipes." }
    ] }`,
    'test.labels.jsonc',
  );

test('CAVES: each description, used as the generated text, matches its own label', needsShared, async () => {
  const set = await loadLabelFile(sharedPath('datasets', 'caves', 'labels.json'));
  const matcher = await Matcher.create(set, await loadEncoder());
  const preds = await matcher.match(set.labels.map((l) => l.description!));
  preds.forEach((p, i) => {
    const own = set.labels[i]!.name;
    assert.equal(p.labels[0]?.label, own, `"${own}" matched ${JSON.stringify(p.labels)}`);
    for (const s of p.sentences!) assert.equal(s.hallucinated, false);
  });
});

test('matching: sentences, runner-up, union of labels, unrelated sentence hallucinated at 0.4', async () => {
  const cache = new EmbeddingCache();
  const matcher = await Matcher.create(labelFile(), await loadEncoder(), { cache });
  const [p, empty] = await matcher.match([
    'The text is about sports and athletes. The text is about rain and storms. My password must contain twelve characters.',
    '',
  ]);
  assert.deepEqual(
    p!.sentences!.map((s) => [s.label, s.hallucinated]),
    [
      ['sports', false],
      ['weather', false],
      [p!.sentences![2]!.label, true],
    ],
  );
  assert.ok(p!.sentences![2]!.score < 0.4);
  for (const s of p!.sentences!) assert.ok(s.runnerUp && s.runnerUp.label !== s.label && s.runnerUp.score <= s.score);
  assert.deepEqual(p!.labels.map((l) => l.label).sort(), ['sports', 'weather']);
  assert.deepEqual(Object.keys(p!.scores).sort(), ['cooking', 'sports', 'weather']);
  assert.equal(p!.scores.sports, p!.labels.find((l) => l.label === 'sports')!.score);
  assert.deepEqual(empty, { labels: [], scores: { sports: 0, weather: 0, cooking: 0 }, generated: '', sentences: [] });
  assert.deepEqual([cache.hits, cache.misses], [0, 6], '3 descriptions and 3 sentences encoded');
  await Matcher.create(labelFile(), await loadEncoder(), { cache });
  assert.equal(cache.hits, 3, 'descriptions come from the cache the second time');
});

test('thresholds: per-label beats --threshold beats the file default; none description', async () => {
  const enc = await loadEncoder();
  const text = 'The text is about football games.';
  const score = (await (await Matcher.create(labelFile(), enc)).match([text]))[0]!.sentences![0]!.score;
  assert.ok(score > 0.4 && score < 0.95);
  const strictLabel = await Matcher.create(labelFile({ sports: 0.95 }), enc, { threshold: 0.1 });
  assert.equal((await strictLabel.match([text]))[0]!.sentences![0]!.hallucinated, true);
  const strictDefault = await Matcher.create(labelFile({}, '"threshold": 0.1,'), enc, { threshold: 0.95 });
  assert.equal((await strictDefault.match([text]))[0]!.sentences![0]!.hallucinated, true);
  const fileDefault = await Matcher.create(labelFile({}, '"threshold": 0.95,'), enc);
  assert.equal((await fileDefault.match([text]))[0]!.sentences![0]!.hallucinated, true);
  const tuned = await Matcher.create(labelFile({ sports: 0.95 }), enc, { thresholds: { sports: 0.2 } });
  assert.equal((await tuned.match([text]))[0]!.sentences![0]!.hallucinated, false);

  const withNone = await Matcher.create(labelFile({}, '"noneDescription": "The text is about none of these topics.",'), enc);
  const [p] = await withNone.match(['The text is about none of these topics.']);
  assert.equal(p!.sentences![0]!.label, NONE_LABEL);
  assert.equal(p!.sentences![0]!.hallucinated, false);
  assert.deepEqual(p!.labels, []);
  assert.equal(NONE_LABEL in p!.scores, false);
});

test('a description of two sentences, generated whole, is one sentence matched to its own label', async () => {
  const set = parseLabelFile(
    `{ "labels": [
      { "name": "anger", "description": "The author is angry. Someone is about to fight" },
      { "name": "weather", "description": "The text is about the weather, rain and storms." }
    ] }`,
    'two.labels.jsonc',
  );
  const [p] = await (await Matcher.create(set, await loadEncoder())).match(['The author is angry. Someone is about to fight. The text is about the weather, rain and storms.']);
  assert.deepEqual(
    p!.sentences!.map((s) => [s.sentence, s.label, Number(s.score.toFixed(4))]),
    [
      ['The author is angry. Someone is about to fight', 'anger', 1],
      ['The text is about the weather, rain and storms', 'weather', 1],
    ],
  );
});
