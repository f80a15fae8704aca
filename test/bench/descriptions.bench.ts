// Offline label descriptions vs human ones (issue 6): on CAVES, whose human descriptions ship in
// ../shared/datasets/caves/labels.json, the zero-shot macro-F1 of the matcher (top-1, the matcher's
// default zero-shot selection) with descriptions composed from the train split without any LLM,
// next to the same with the human descriptions and with bare label names.
import { join } from 'node:path';
import { loadExamples } from '../../engine/data/dataset';
import { loadLabelFile, type LabelSet } from '../../engine/data/labels';
import { labelEvidence } from '../../engine/descriptions/evidence';
import { offlineDescription, type OfflineOptions } from '../../engine/descriptions/offline';
import { EmbeddingCache } from '../../engine/encoders/cache';
import { loadEncoder } from '../../engine/encoders/index';
import { Matcher } from '../../engine/matching/matcher';
import { zeroShot } from '../../engine/matching/zeroShot';
import { evaluate } from '../../engine/metrics/multilabel';
import { initBackend } from '../../engine/tf/backend';
import { hasShared, sharedPath } from '../helpers/shared';
import { writeSection } from './report';

if (!hasShared) {
  console.log('skipped: ../shared (CAVES) is absent');
  process.exit(0);
}
await initBackend();
const dir = sharedPath('datasets', 'caves');
const human = await loadLabelFile(join(dir, 'labels.json'));
const train = (await loadExamples(join(dir, 'train.jsonl'))).examples;
const test = (await loadExamples(join(dir, 'test.jsonl'))).examples;
const encoder = await loadEncoder();
const cache = new EmbeddingCache({ capacity: 50_000 });
const names = human.labels.map((l) => l.name);

const t0 = performance.now();
const evidence = await labelEvidence(train, names, encoder);
const evidenceSeconds = (performance.now() - t0) / 1000;

const withDescriptions = (describe: (l: LabelSet['labels'][number]) => string): LabelSet => ({ ...human, labels: human.labels.map((l) => ({ ...l, description: describe(l) })) });
const variants: [string, LabelSet][] = [
  ['human (labels.json)', human],
  ['offline (default: 4 terms + snippet)', withDescriptions((l) => offlineDescription(l, evidence.get(l.name)))],
  ...([[{ snippetWords: 0 }, 'offline, terms only'], [{ terms: 8, snippetWords: 0 }, 'offline, 8 terms, no snippet']] as [OfflineOptions, string][]).map(
    ([o, name]): [string, LabelSet] => [name, withDescriptions((l) => offlineDescription(l, evidence.get(l.name), o))],
  ),
  ['label names only', withDescriptions((l) => l.name)],
];

const gold = test.map((e) => e.labels ?? []);
const rows: string[] = [];
let humanMacro = 0;
for (const [name, set] of variants) {
  const matcher = await Matcher.create(set, encoder, { cache });
  const preds = await zeroShot(matcher, test.map((e) => e.text));
  const r = evaluate(gold, preds.map((p) => p.labels.map((l) => l.label)), { labels: names, scores: preds.map((p) => p.scores) });
  if (set === human) humanMacro = r.macro.f1;
  rows.push(`| ${name} | ${(100 * r.micro.f1).toFixed(2)} | ${(100 * r.macro.f1).toFixed(2)} | ${(100 * r.mAP!).toFixed(2)} | ${set === human ? '100%' : `${((100 * r.macro.f1) / humanMacro).toFixed(0)}%`} |`);
  console.log(rows[rows.length - 1]);
}
const examples = human.labels.slice(0, 4).map((l) => `- \`${l.name}\`: ${offlineDescription(l, evidence.get(l.name))}`);

writeSection(
  'Label descriptions: offline vs human (CAVES)',
  'npm run bench descriptions',
  `Zero-shot matcher (each test text vs the label descriptions, top-1, bundled USE lite encoder) on the CAVES test split (${test.length} tweets), with descriptions from each source. Offline descriptions are composed from the train split (${train.length} tweets) with no LLM: key terms by log-odds with an informative Dirichlet prior, plus the snippet closest to the label's centroid (evidence took ${evidenceSeconds.toFixed(1)} s).

| descriptions | micro-F1 | macro-F1 | mAP | macro-F1 vs human |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Offline descriptions written for the first labels:
${examples.join('\n')}

A LAGAMC model trained on the offline descriptions: "CAVES: LAGAMC on offline descriptions (no LLM)" in the end-to-end table below.`,
);
