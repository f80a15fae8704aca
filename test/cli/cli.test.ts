// The `lagamc` command line, in process through runCli and as the built bin: help, exit codes,
// and the acceptance runs (validate a broken file, stats on Reuters, eval on the fixture).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runCli } from '../../engine/cli/cli';
import { needsShared, repoRoot, sharedPath } from '../helpers/shared';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n'), interactive: false });
  return { code, out, err };
}

const tmp = tempDir('cli');

test('help lists every command; unknown commands and flags are usage errors (exit 2)', async () => {
  const help = await run('--help');
  assert.equal(help.code, 0);
  for (const c of ['validate', 'stats', 'eval']) assert.match(help.out, new RegExp(`^  ${c} `, 'm'));
  assert.equal((await run()).code, 2);
  const unknown = await run('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  const flag = await run('stats', 'x.jsonl', '--no-such-flag');
  assert.equal(flag.code, 2);
  assert.match(flag.err, /no-such-flag/);
  const modes = await run('predict', '--model', join(tmp, 'no-model'), '--text', 'x', '--candidates', '--free');
  assert.equal(modes.code, 2);
  assert.match(modes.err, /--candidates and --free exclude each other/);
  const headless = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--candidates', '--label-head', '0');
  assert.equal(headless.code, 2);
  assert.match(headless.err, /--candidates needs the label head/);
  const tunedHeadless = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--fine-tune-encoder', '--label-head', '0');
  assert.equal(tunedHeadless.code, 2);
  assert.match(tunedHeadless.err, /--fine-tune-encoder: the fine-tuned encoder's logits join the SVM margins of the label head, so drop --label-head 0/);
  const tuneNoSvm = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--fine-tune-epochs', '3', '--no-svm');
  assert.equal(tuneNoSvm.code, 2);
  assert.match(tuneNoSvm.err, /--fine-tune-epochs: the fine-tuned encoder's logits join the SVM margins of the label head, so drop --no-svm/);
  const thresholdsNoSvm = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--no-label-thresholds', '--no-svm');
  assert.equal(thresholdsNoSvm.code, 2);
  assert.match(thresholdsNoSvm.err, /--no-label-thresholds sets the thresholds on the linear SVMs' margins: drop --no-svm/);
  const tuneBoth = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--fine-tune-encoder', '--no-fine-tune-encoder');
  assert.equal(tuneBoth.code, 2);
  assert.match(tuneBoth.err, /--fine-tune-encoder and --no-fine-tune-encoder exclude each other/);
  const gate = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--fusion-min-texts', '20', '--no-fine-tune-encoder');
  assert.equal(gate.code, 2);
  assert.match(gate.err, /--fusion-min-texts sets the encoder's fine-tuning: drop --no-fine-tune-encoder/);
  const select = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--select', 'accuracy');
  assert.equal(select.code, 2);
  assert.match(select.err, /--select must be one of macro-f1, micro-f1, samples-f1, jaccard, got "accuracy"/);
  // --force: a probability from 0.5 to 1 or "none", never with free decoding, a headless model or a zero-shot one.
  const forceFree = await run('predict', '--model', join(tmp, 'no-model'), '--text', 'x', '--free', '--force', '0.8');
  assert.equal(forceFree.code, 2);
  assert.match(forceFree.err, /--force needs constrained or candidates decoding, not --free/);
  const forceRange = await run('eval', '--model', join(tmp, 'no-model'), '--test', join(tmp, 'none.jsonl'), '--force', '0.3');
  assert.equal(forceRange.code, 2);
  assert.match(forceRange.err, /--force/);
  const forceHeadless = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--force', '0.9', '--label-head', '0');
  assert.equal(forceHeadless.code, 2);
  assert.match(forceHeadless.err, /--force needs the label head/);
  const forceZeroShot = await run('predict', '--zero-shot', '--labels', join(tmp, 'none.labels.jsonc'), '--text', 'x', '--force', 'none');
  assert.equal(forceZeroShot.code, 2);
  assert.match(forceZeroShot.err, /--force applies to --model only/);
  // --head-decides: a whole number of training texts (at least 1) or "none", never with free decoding, a headless model or a zero-shot one.
  const decidesFree = await run('eval', '--model', join(tmp, 'no-model'), '--test', join(tmp, 'none.jsonl'), '--free', '--head-decides', '50');
  assert.equal(decidesFree.code, 2);
  assert.match(decidesFree.err, /--head-decides needs constrained or candidates decoding, not --free/);
  const decidesRange = await run('predict', '--model', join(tmp, 'no-model'), '--text', 'x', '--head-decides', '2.5');
  assert.equal(decidesRange.code, 2);
  assert.match(decidesRange.err, /--head-decides/);
  const decidesHeadless = await run('train', '--train', join(tmp, 'none.jsonl'), '--labels', join(tmp, 'none.labels.jsonc'), '--out', join(tmp, 'no-model'), '--head-decides', '50', '--label-head', '0');
  assert.equal(decidesHeadless.code, 2);
  assert.match(decidesHeadless.err, /--head-decides needs the label head/);
  const decidesZeroShot = await run('predict', '--zero-shot', '--labels', join(tmp, 'none.labels.jsonc'), '--text', 'x', '--head-decides', 'none');
  assert.equal(decidesZeroShot.code, 2);
  assert.match(decidesZeroShot.err, /--head-decides applies to --model only/);
  const sub = await run('validate', '--help');
  assert.match(sub.out, /^Usage: lagamc validate FILE\.\.\. \[--labels F\]/);
});

test('validate reports a broken line, an unknown label and a duplicate id with their lines, and checks the rest', async () => {
  const labels = join(tmp, 'x.labels.jsonc');
  writeFileSync(labels, '{ "labels": [ { "name": "a", "description": "About a." }, { "name": "b", "description": "About b." } ] }');
  const data = join(tmp, 'x.jsonl');
  writeFileSync(
    data,
    ['{"id": "1", "text": "one", "labels": ["a"]}', '{"id": "2", "text": "two", "labels": ["b"]', '{"id": "3", "text": "three", "labels": ["zzz"]}', '{"id": "1", "text": "four", "labels": ["a", "b"]}', '{"id": "5", "text": "", "labels": ["a"]}'].join('\n'),
  );
  const human = await run('validate', data, '--labels', labels);
  assert.equal(human.code, 1);
  assert.match(human.out + human.err, new RegExp(`x\\.jsonl:2:\\d+: error \\[json-syntax\\]`));
  assert.match(human.out + human.err, new RegExp(`x\\.jsonl:3:\\d+: error \\[unknown-label\\] label "zzz"`));
  assert.match(human.out + human.err, new RegExp(`x\\.jsonl:4:\\d+: error \\[duplicate-id\\] id "1" was already used on line 1`));
  assert.match(human.out + human.err, new RegExp(`x\\.jsonl:5:\\d+: error \\[empty-text\\]`));
  const json = await run('validate', data, '--labels', labels, '--json');
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.out);
  const diagnostics = JSON.stringify(parsed);
  for (const code of ['json-syntax', 'unknown-label', 'duplicate-id', 'empty-text']) assert.ok(diagnostics.includes(`"${code}"`), code);
  const clean = await run('validate', labels);
  assert.equal(clean.code, 0);
});

test('stats on Reuters-21578 train: 7,769 documents and 90 labels', needsShared, async () => {
  const r = await run('stats', sharedPath('datasets', 'reuters21578', 'train.jsonl'), '--json');
  assert.equal(r.code, 0);
  const s = JSON.parse(r.out);
  assert.equal(s.documents, 7769);
  assert.equal(s.labels, 90);
  assert.equal(s.frequencies[0].label, 'earn');
  assert.ok(s.cardinality > 1 && s.cardinality < 1.5);
});

test('eval --json on the metrics fixture prints scikit-learn\'s figures', needsShared, async () => {
  const dir = sharedPath('fixtures', 'metrics', 'case1');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const r = await run('eval', '--gold', join(dir, 'gold.jsonl'), '--pred', join(dir, 'pred.jsonl'), '--json');
  assert.equal(r.code, 0);
  const got = JSON.parse(r.out);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9, `${what}: ${a} vs ${b}`);
  close(got.micro.f1, expected.micro.f1, 'micro f1');
  close(got.macro.f1, expected.macro.f1, 'macro f1');
  close(got.weighted.f1, expected.weighted_f1, 'weighted f1');
  close(got.samples.f1, expected.samples_f1, 'samples f1');
  close(got.subsetAccuracy, expected.subset_accuracy, 'subset accuracy');
  close(got.hammingLoss, expected.hamming_loss, 'hamming loss');
  close(got.jaccardSamples, expected.jaccard_samples, 'jaccard');
  close(got.mAP, expected.mAP, 'mAP');
  const human = await run('eval', '--gold', join(dir, 'gold.jsonl'), '--pred', join(dir, 'pred.jsonl'));
  assert.match(human.out, new RegExp(`micro\\s.*${(100 * expected.micro.f1).toFixed(2)}`));
});

test('eval counts a missing prediction as no label and ignores ids not in the gold file, with warnings', async () => {
  const gold = join(tmp, 'gold.jsonl');
  const pred = join(tmp, 'pred.jsonl');
  writeFileSync(gold, '{"id": "a", "text": "t", "labels": ["x"]}\n{"id": "c", "text": "u", "labels": ["x"]}\n');
  writeFileSync(pred, '{"id": "b", "labels": ["x"]}\n{"id": "c", "labels": ["x"]}\n');
  const r = await run('eval', '--gold', gold, '--pred', pred, '--json');
  assert.equal(r.code, 0);
  const got = JSON.parse(r.out);
  assert.equal(got.documents, 2);
  assert.equal(got.micro.recall, 0.5);
  assert.equal(got.warnings, 2);
});

describeBin();
function describeBin() {
  const bin = join(repoRoot, 'bin', 'lagamc.cjs');
  before(() => {
    if (!existsSync(join(repoRoot, 'dist', 'cli.mjs'))) execFileSync(process.execPath, [join(repoRoot, 'esbuild.mjs')], { cwd: repoRoot });
  });
  test('the built bin runs as a separate process with the same exit codes', () => {
    const ok = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /lagamc: multi-label text classification/);
    const bad = spawnSync(process.execPath, [bin, 'stats'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /give exactly one FILE/);
  });
}
