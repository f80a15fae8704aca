// Label descriptions: the LLM prompt over a real local chat-completions server, answer cleaning,
// offline composition on real data, checks, and byte-preserving edits of a commented label file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runCli } from '../../engine/cli/cli';
import { loadExamples } from '../../engine/data/dataset';
import type { Example } from '../../engine/data/example';
import { loadLabelFile, parseLabelFile } from '../../engine/data/labels';
import { checkDescriptions } from '../../engine/descriptions/checks';
import { labelEvidence, type LabelEvidence } from '../../engine/descriptions/evidence';
import { generateDescriptions } from '../../engine/descriptions/generate';
import { offlineDescription } from '../../engine/descriptions/offline';
import { Vocab } from '../../engine/models/compact/vocab';
import { cleanDescription } from '../../engine/descriptions/prompt';
import { splitSentences } from '../../engine/matching/sentences';
import { planDescriptionEdits } from '../../engine/descriptions/write';
import type { SentenceEncoder } from '../../engine/encoders/encoder';
import { loadEncoder } from '../../engine/encoders/index';
import { LlmClient, LlmError } from '../../engine/llm/client';
import { demo } from '../../engine/demo/paths';
import { startFakeOpenAI } from '../helpers/fakeOpenAI';
import { needsShared, sharedPath } from '../helpers/shared';

let encoder: SentenceEncoder;
let train: Example[];
before(async () => {
  encoder = await loadEncoder();
  train = (await loadExamples(demo.train)).examples;
});

test('the LLM prompt carries the label, its preliminary description, the dataset and two representative examples', async () => {
  const set = await loadLabelFile(demo.labels);
  const server = await startFakeOpenAI((req) => ({ content: req.messages[1]!.content.includes('Label: refund') ? 'Description: "The customer wants their money back or to return an item."' : 'Messages about a topic.' }));
  try {
    const llm = new LlmClient({ baseURL: server.url, model: 'fake', apiKey: 'k' });
    const glossary = new Map([['refund', 'Money returned to a buyer.']]);
    const out = await generateDescriptions(set, train, encoder, { llm, only: ['refund', 'billing'], glossary });
    assert.equal(server.requests.length, 2);
    const prompt = server.requests.map((r) => r.messages[1]!.content).find((c) => c.includes('Label: refund'))!;
    assert.match(prompt, /Preliminary description: Money returned to a buyer\./);
    assert.match(prompt, /The dataset has 227 texts, each with zero or more of 10 labels: billing, shipping/);
    assert.match(prompt, /Route support messages/);
    const examples = [...prompt.matchAll(/Example \d: "(.*)"/g)].map((m) => m[1]!);
    assert.equal(examples.length, 2);
    for (const e of examples) assert.ok(train.some((t) => t.labels?.includes('refund') && t.text.startsWith(e.replace(/ …$/, ''))), `an example of refund: ${e}`);
    const billingPrompt = server.requests.map((r) => r.messages[1]!.content).find((c) => c.includes('Label: billing'))!;
    assert.match(billingPrompt, /Preliminary description: The customer asks about a charge/, 'without a glossary entry, the label file\'s description');
    assert.deepEqual(out.map((o) => [o.label, o.description, o.source]), [
      ['billing', 'Messages about a topic.', 'llm'],
      ['refund', 'The customer wants their money back or to return an item.', 'llm'],
    ]);
  } finally {
    await server.close();
  }
});

test('an answer with no description is an error naming the label', async () => {
  const set = await loadLabelFile(demo.labels);
  const server = await startFakeOpenAI(() => ({ content: '""' }));
  try {
    const llm = new LlmClient({ baseURL: server.url, model: 'fake' });
    await assert.rejects(generateDescriptions(set, train, encoder, { llm, only: ['praise'] }), (e: unknown) => e instanceof LlmError && e.kind === 'malformed' && /"praise"/.test((e as Error).message));
  } finally {
    await server.close();
  }
});

test('answers are cleaned to one sentence', () => {
  assert.equal(cleanDescription('Sure! Here is the description:\n\n**Description:** "Texts about refunds"'), 'Texts about refunds.');
  assert.equal(cleanDescription('“The tweet says vaccines are rushed.”\nExtra line.'), 'The tweet says vaccines are rushed.');
  assert.equal(cleanDescription('Refined description - Money back.'), 'Money back.');
  assert.equal(cleanDescription('```\n\n```'), null);
});

test('offline descriptions on CAVES are sentences built from each label\'s own words', needsShared, async () => {
  const set = await loadLabelFile(sharedPath('datasets', 'caves', 'labels.json'));
  const cavesTrain = (await loadExamples(sharedPath('datasets', 'caves', 'train.jsonl'))).examples;
  const evidence = await labelEvidence(cavesTrain, set.labels.map((l) => l.name), encoder, { sample: 16 });
  const country = offlineDescription(set.labels.find((l) => l.name === 'country')!, evidence.get('country'));
  assert.match(country, /^Texts about country: .*(china|chinese|russia|russian).*, as in ".+"\.$/);
  const political = evidence.get('political')!.keyTerms.map((t) => t.term);
  assert.ok(political.includes('trump') || political.includes('government'), political.join(', '));
  for (const l of set.labels) {
    const d = offlineDescription(l, evidence.get(l.name));
    assert.match(d, /^Texts about [^:]+(: [^.]+)?(, as in ".*")?\.$/);
    assert.equal(splitSentences(d).length, 1, d);
  }
});

test('an offline description names the label in lower case (acronyms kept) and quotes the start of an example\'s first sentence (its title, when there is one)', () => {
  const evidence = (examples: string[], terms: string[]): LabelEvidence => ({ label: 'grain', support: 1, keyTerms: terms.map((term) => ({ term, z: 3 })), examples, mean: new Float32Array(0) });
  assert.equal(offlineDescription({ name: 'grain' }, evidence(['U.S. GRAIN EXPORTS RISE\nExports rose 3.5 pct. Prices fell.'], ['tonnes'])), 'Texts about grain: tonnes, as in "U.S. GRAIN EXPORTS RISE".');
  assert.match(offlineDescription({ name: 'dlr', longName: 'U.S. Dollar' }, evidence([], [])), /^Texts about U\.S\. dollar\.$/);
  assert.match(offlineDescription({ name: 'cpi', longName: 'Consumer Price Index' }, evidence([], [])), /^Texts about consumer price index\.$/);
  assert.equal(offlineDescription({ name: 'grain' }, evidence(['Exports rose 3.5 pct in the U.S. Prices fell after that.'], []), { snippetWords: 4 }), 'Texts about grain, as in "Exports rose 3.5 pct …".');
});

test('an offline description stays one sentence when the compact generator writes it back', () => {
  const evidence = (text: string): LabelEvidence => ({ label: 'anger', support: 1, keyTerms: [], examples: [text], mean: new Float32Array(0) });
  // SemEval-2018 tweets: a leading run of dots, "!" and "?" without a space after them.
  const cases: [string, string][] = [
    ['.....Seems like a fight ready to rage on', 'Seems like a fight ready to rage on'],
    ['wow!!!so angry?!right now, 3,000 times', 'wow, so angry, right now, 3,000 times'],
    ['Mr. Smith paid 3.5 dollars at example.com...', 'Mr. Smith paid 3.5 dollars at example, com'],
    // Reuters: a lone initial ends a sentence once written in lower case ("s. Africa's"); "U.S." does not.
    ["S. Africa's financial rand seen headed higher in the U.S. market", "S Africa's financial rand seen headed higher in the U.S. market"],
    ["S.AFRICA'S FINANCIAL RAND SEEN HEADED HIGHER, S.A. SAYS", "S AFRICA'S FINANCIAL RAND SEEN HEADED HIGHER, S.A. SAYS"],
  ];
  for (const [text, quoted] of cases) {
    const d = offlineDescription({ name: 'anger' }, evidence(text));
    assert.equal(d, `Texts about anger, as in "${quoted}".`);
    // As the compact generator writes it back: lower-cased tokens, a space after punctuation.
    const vocab = Vocab.build([d]);
    const written = vocab.decode(vocab.encode(d));
    assert.equal(splitSentences(written).length, 1, written);
  }
});

test('offline descriptions of labels that share their texts quote different examples', async () => {
  // "twin" is on exactly the texts of "refund": the same representative examples.
  const twinned = train.map((e) => (e.labels?.includes('refund') ? { ...e, labels: [...e.labels, 'twin'] } : e));
  const set = parseLabelFile(JSON.stringify({ labels: [{ name: 'refund' }, { name: 'twin' }, { name: 'billing' }] }), 'twins.json');
  const out = await generateDescriptions(set, twinned, encoder);
  const quote = (label: string) => out.find((o) => o.label === label)!.description.match(/as in "(.*)"\.$/)![1]!;
  assert.notEqual(quote('refund'), quote('twin'));
  for (const label of ['refund', 'twin']) assert.ok(train.some((t) => t.labels?.includes('refund') && t.text.startsWith(quote(label).replace(/ …$/, ''))), `${label} quotes a refund text: ${quote(label)}`);
});

test('checks flag confusable, short and misplaced descriptions', async () => {
  const set = parseLabelFile(
    JSON.stringify({
      labels: [
        { name: 'refund', description: 'The customer wants a refund for the product.' },
        { name: 'return', description: 'The customer wants a refund for the product they bought.' },
        { name: 'praise', description: 'Thanks.' },
        { name: 'shipping', description: 'Great product, thanks a lot, very happy.' },
      ],
    }),
    'c.labels.json',
  );
  const evidence = await labelEvidence(
    train.map((e) => ({ ...e, labels: e.labels?.map((l) => (l === 'refund' ? 'return' : l)) ?? null })).concat(train.filter((e) => e.labels?.includes('refund'))),
    set.labels.map((l) => l.name),
    encoder,
  );
  const found = (await checkDescriptions(set, encoder, evidence)).map((d) => [d.code, d.message.match(/"([^"]+)"/)![1]]);
  assert.deepEqual(found.filter(([c]) => c === 'confusable-descriptions').map(([, l]) => l).sort(), ['refund', 'return']);
  assert.deepEqual(found.filter(([c]) => c === 'description-too-short'), [['description-too-short', 'praise']]);
  assert.ok(found.some(([c, l]) => c === 'description-closer-to-other-label' && l === 'shipping'), JSON.stringify(found));
});

test('writing descriptions changes only their values: comments, formatting and other bytes stay', () => {
  const text = [
    '// my labels — keep this comment',
    '{',
    '\t"task": "Sort mail.", /* inline */',
    '\t"labels": [',
    '\t\t{ "name": "a", "description": null }, // a has none',
    '\t\t{',
    '\t\t\t"name": "b", // b is described',
    '\t\t\t"description": "Old b."',
    '\t\t},',
    '\t\t{ "name": "c" }',
    '\t]',
    '}',
  ].join('\r\n');
  const set = parseLabelFile(text, 'x.labels.jsonc');
  const updates = [
    { label: 'a', description: 'New "a".' },
    { label: 'b', description: 'New b.' },
    { label: 'c', description: 'New c.' },
  ];
  const kept = planDescriptionEdits(text, set, updates);
  assert.deepEqual([kept.changed, kept.kept], [['a', 'c'], ['b']]);
  for (const line of text.split('\r\n').filter((l) => !l.includes('"name": "a"') && !l.includes('"name": "c"'))) assert.ok(kept.text.includes(line), `kept: ${line}`);
  assert.ok(kept.text.includes('{ "name": "a", "description": "New \\"a\\"." }, // a has none'));
  assert.deepEqual(parseLabelFile(kept.text, 'x').labels.map((l) => l.description), ['New "a".', 'Old b.', 'New c.']);
  const over = planDescriptionEdits(text, set, updates, true);
  assert.deepEqual(over.changed, ['a', 'b', 'c']);
  assert.ok(over.text.includes('\t\t\t"description": "New b."\r\n'));
  assert.ok(over.text.startsWith('// my labels — keep this comment\r\n{\r\n\t"task": "Sort mail.", /* inline */'));
});

test('lagamc describe: --dry-run changes nothing; a run fills missing descriptions and keeps a backup', async () => {
  const dir = tempDir('describe');
  const file = join(dir, 'x.labels.jsonc');
  const original = readFileSync(demo.labels, 'utf8').replace(/"description": "The customer thanks[^"]*"/, '"description": null');
  writeFileSync(file, original);
  let out = '';
  const io = { out: (t: string) => (out += t + '\n'), err: () => {}, interactive: false };
  assert.equal(await runCli(['describe', '--train', demo.train, '--labels', file, '--dry-run'], io), 0);
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.match(out, /^-.*"description": null\n\+.*"description": "Texts about praise: /m);
  out = '';
  // Checks are printed where they are, one line per description: a confusable pair gives two lines.
  const twin = original.replace(/"The customer wants to return[^"]*"/, '"The customer asks about a charge, an invoice, a subscription fee or a payment method."');
  writeFileSync(file, twin);
  assert.equal(await runCli(['describe', '--train', demo.train, '--labels', file, '--dry-run'], io), 0);
  const confusable = out.split('\n').filter((l) => l.includes('[confusable-descriptions]'));
  assert.deepEqual(confusable.map((l) => l.slice(0, l.indexOf(': warning'))), [`${file}:12:22`, `${file}:49:22`]);
  writeFileSync(file, original);
  out = '';
  assert.equal(await runCli(['describe', '--train', demo.train, '--labels', file, '--json'], io), 0);
  const result = JSON.parse(out);
  assert.deepEqual(result.labels.map((l: { label: string; written: boolean }) => [l.label, l.written]), [['praise', true]]);
  assert.equal(readFileSync(file + '.bak', 'utf8'), original);
  const after = readFileSync(file, 'utf8');
  assert.equal(after.replace(/"description": "Texts about praise[^\n]*"/, '"description": null'), original);
});
