// LAGAMC end to end on real data (issue 5), CPU only: train on `train`, select on `dev` (Reuters has
// none: a seeded 10% of train), report on `test`. CAVES uses its human descriptions; Reuters has
// none, so its descriptions are composed offline from its training split (engine/descriptions).
// Every run uses the default settings of `lagamc train` unless its row says otherwise: CAVES is
// small enough to be fine-tuned by default, Reuters is not. Also on CAVES: the model without the
// fine-tuned encoder (--no-fine-tune-encoder), and beside it, also without, the paper's ablations
// (CE only, λ = 1; label names as targets), our own (the generator without label head; without
// TF-IDF terms; SVMs without char n-grams; without rare-label weighting; without label rows) and a
// model trained on offline descriptions; the selected model under other decodings (beam search,
// constrained), and the model-free zero-shot matcher. On both datasets, the projection head
// (`--no-svm`) and the default head's linear SVMs alone (margin > 0, and margin > t with t chosen on
// dev; also on word terms only), which show what the rest of the model adds to them. On Reuters
// with REUTERS_UNTUNED=1 also the model without the fine-tuned encoder (--no-fine-tune-encoder). Texts are embedded once
// into .lagamc-cache (shared with the other benchmarks).
// BENCH_EPOCHS overrides the epochs (default: the trainer's). BENCH_ONLY (comma-separated parts of
// run names) runs only those; the others keep their rows from BENCHMARKS.md, re-read at every write,
// so two processes with disjoint BENCH_ONLY can run side by side. Each row names the commit it was
// measured at; the commit line, that of the last write. The table is rewritten after every run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdOut } from '../../engine/cli/commands/train';
import { loadExamples } from '../../engine/data/dataset';
import type { Example } from '../../engine/data/example';
import { parseLabelFile, type LabelSet } from '../../engine/data/labels';
import { generateDescriptions } from '../../engine/descriptions/generate';
import { EmbeddingCache } from '../../engine/encoders/cache';
import { DEFAULT_ENCODER, loadEncoder } from '../../engine/encoders/index';
import { Matcher } from '../../engine/matching/matcher';
import { zeroShot } from '../../engine/matching/zeroShot';
import { evaluate } from '../../engine/metrics/multilabel';
import { evaluateModel } from '../../engine/model/evaluate';
import { loadPredictor } from '../../engine/model/load';
import { initBackend } from '../../engine/tf/backend';
import type { Decoding } from '../../engine/model/prediction';
import { LinearSvm } from '../../engine/models/compact/linearSvm';
import { ENCODER_CHARS } from '../../engine/models/compact/model';
import { fitWithOutOfFold } from '../../engine/models/compact/svmThreads';
import { TextFeatures } from '../../engine/models/compact/textFeatures';
import { THRESHOLD_MIN_TEXTS, chooseLabelThresholds, lowerMargins } from '../../engine/training/labelThresholds';
import { DEFAULT_CHAR_GRAMS, DEFAULT_EPOCHS, DEFAULT_HEAD_LEARNING_RATE, DEFAULT_LABEL_ROWS, DEFAULT_LEARNING_RATE, DEFAULT_ENCODER_DROPOUT, DEFAULT_GOLD_CONDITIONING, FORCE_LEVELS, HEAD_DECIDES_TEXTS, HEAD_SHIFTS, MARGIN_WEIGHT, SVM_CS, SVM_DEV_THRESHOLDS, decodingName, marginDevScore, svmDevScore, trainLagamc, type TrainOptions } from '../../engine/training/trainer';
import { DEFAULT_TUNING_LEARNING_RATE, FINE_TUNE_MAX_TOKENS, FINE_TUNE_TOKEN_BUDGET, MAX_DEFAULT_TUNING_EPOCHS } from '../../engine/training/encoderTuning';
import { FUSION_MIN_TEXTS, FUSION_WEIGHTS } from '../../engine/training/fusion';
import { defaultThreads } from '../../engine/workers';
import { hasShared, repoRoot, sharedPath } from '../helpers/shared';
import { tempDir } from '../helpers/tempDir';
import { commit, writeSection } from './report';

if (!hasShared) {
  console.log('skipped: ../shared is absent');
  process.exit(0);
}
const backend = await initBackend();
const encoder = await loadEncoder(DEFAULT_ENCODER);
const cacheDir = join(repoRoot, '.lagamc-cache');
const epochs = Number(process.env.BENCH_EPOCHS ?? DEFAULT_EPOCHS);
const threads = defaultThreads();
const rss = () => process.resourceUsage().maxRSS / 2 ** 20;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const TITLE = 'LAGAMC end to end (CAVES, Reuters-21578)';
const ZERO_SHOT = 'CAVES: zero-shot matcher (no training, top-1)';
const CAVES_MAIN = 'CAVES: LAGAMC (learned λ, human descriptions)';
const REUTERS_MAIN = 'Reuters-21578: LAGAMC (offline descriptions)';
const CAVES_SVM = 'CAVES: linear SVMs alone (the label head before scaling, margin > 0)';
const REUTERS_SVM = 'Reuters-21578: linear SVMs alone (the label head before scaling, margin > 0)';
const CAVES_WORD_SVM = 'CAVES: linear SVMs on the word terms only (no char n-grams, margin > 0)';
const REUTERS_WORD_SVM = 'Reuters-21578: linear SVMs on the word terms only (no char n-grams, margin > 0)';
const CAVES_NO_SVM = 'CAVES: LAGAMC with the projection head (--no-svm)';
const CAVES_UNTUNED = 'CAVES: LAGAMC without the fine-tuned encoder (--no-fine-tune-encoder)';
const REUTERS_UNTUNED = 'Reuters-21578: LAGAMC without the fine-tuned encoder (--no-fine-tune-encoder)';
const REUTERS_NO_SVM = 'Reuters-21578: LAGAMC with the projection head (--no-svm)';
const ABLATIONS: [string, Partial<TrainOptions>][] = [
  ['CAVES: ablation, CE only (λ = 1)', { lambda: 1 }],
  ['CAVES: ablation, label names as targets', { targets: 'names' }],
  ['CAVES: ablation, no label head (the decoder reads the TF-IDF projection)', { labelHead: 0 }],
  ['CAVES: ablation, USE vector only (no TF-IDF terms)', { bagTerms: 0 }],
  ['CAVES: ablation, SVMs on word terms only (no char n-grams)', { charGrams: 0 }],
  ['CAVES: ablation, no rare-label weighting (α = 0)', { labelBalance: 0 }],
  ['CAVES: ablation, no label rows', { labelRows: 0 }],
];
const CAVES_OFFLINE = 'CAVES: LAGAMC on offline descriptions (no LLM)';
/** Table rows in this order; each run's rows start with its name. */
const RUNS = [ZERO_SHOT, CAVES_WORD_SVM, CAVES_SVM, CAVES_MAIN, CAVES_UNTUNED, CAVES_NO_SVM, REUTERS_WORD_SVM, REUTERS_SVM, REUTERS_MAIN, REUTERS_UNTUNED, REUTERS_NO_SVM, ...ABLATIONS.map(([name]) => name), CAVES_OFFLINE];
/** Rows measured by this process, by run. */
const measured = new Map<string, string[]>();
const add = (name: string, row: string) => measured.set(name, [...(measured.get(name) ?? []), row]);

/** The rows of `name` in BENCHMARKS.md as it is now (re-read, so that runs in parallel processes keep each other's rows). */
function rowsInFile(name: string): string[] {
  const text = readFileSync(join(repoRoot, 'BENCHMARKS.md'), 'utf8');
  const start = text.indexOf(`\n## ${TITLE}\n`);
  if (start < 0) return [];
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end).split('\n').filter((l) => l.startsWith(`| ${name} |`) || l.startsWith(`| ${name}, `));
}

function writeTable(): void {
  const rows = RUNS.flatMap((name) => measured.get(name) ?? rowsInFile(name));
  writeSection(
  TITLE,
  'npm run bench lagamc',
  `Compact generator trained from scratch with the defaults of \`lagamc train\` (a label head that scales each label's linear SVM margin on the TF-IDF terms and ${DEFAULT_CHAR_GRAMS.toLocaleString('en')} char 3-5-grams of the whole text, its weight C chosen on dev among ${SVM_CS.join(', ')} by the SVMs' own dev macro-F1, p = σ(a·m), a starting at ${MARGIN_WEIGHT}, biases held at 0, out-of-fold margins on training texts, per-label thresholds from those margins for the labels with ${THRESHOLD_MIN_TEXTS} training texts or more where they raise the dev score of the margins alone (with \`--no-svm\`: a head on the frozen USE-lite vector and a projection of the TF-IDF terms, its biases starting at the labels' prior odds); a GRU decoder conditioned on the USE-lite vector of the text's first ${ENCODER_CHARS} characters (through dropout ${DEFAULT_ENCODER_DROPOUT} in training; none with \`--no-svm\`) and the head's label probabilities (the gold labels instead for a share ${DEFAULT_GOLD_CONDITIONING} of training texts; none with \`--no-svm\`), decoding over the descriptions' words, ending before a repeated sentence, verbatim copies of label sentences restored to their spelling before matching; ${DEFAULT_LABEL_ROWS} label rows per batch; rare-label weighting α = 0.5; batches of at most 128 texts and 8,192 target tokens; learning rate ${DEFAULT_LEARNING_RATE}, ${DEFAULT_HEAD_LEARNING_RATE} for the label head; greedy decoding; after training, the decoding (free; constrained to the label sentences; or candidates: only the sentences of the labels the head holds; the last two also with the labels at head probability ≥ ${FORCE_LEVELS.join(', ')} forced) and the shift added to the head's logits before the decoder reads them are chosen on dev among ${HEAD_SHIFTS.join(', ')}; then, with a constrained or candidates choice, whether the head decides the labels with fewer than ${HEAD_DECIDES_TEXTS} training texts, at each shift), matcher with the trained adapter, threshold 0.4. Training sets of at most ${FINE_TUNE_MAX_TOKENS.toLocaleString('en')} USE-lite tokens with a label of ${FUSION_MIN_TEXTS} training texts (CAVES and Reuters) first fine-tune USE lite with a label layer (${FINE_TUNE_TOKEN_BUDGET.toLocaleString('en')} tokens in all, between 1 and ${MAX_DEFAULT_TUNING_EPOCHS} epochs: CAVES 2, Reuters 1; peak learning rate ${DEFAULT_TUNING_LEARNING_RATE} divided by the epochs; matrix products on onnxruntime-node's MLAS), whose logits join the SVM margins of the labels with ${FUSION_MIN_TEXTS} training texts or more, weighted by w chosen on dev among ${FUSION_WEIGHTS.join(', ')}; the CAVES ablations and the model on offline descriptions are trained without it (\`--no-fine-tune-encoder\`) and compare with that row. Backend ${backend}, ${threads} threads per step; at most ${epochs} epochs, dev scored with the weights averaged over about the last epoch (exponential moving average, also what the model keeps), early stopping after 4 without dev gain; model selected on dev macro-F1 of generated predictions. Reuters's dev split is a seeded 10% of train. Peak RSS is the benchmark process's running maximum. References on this machine: TF-IDF + linear SVM 87.2 / 46.4 (Reuters) and 63.2 / 51.9 (CAVES) micro / macro-F1; Renee (paper) 90.29 / 66.21 and 79.46 / 67.93.

| run | micro-F1 | macro-F1 | rare-label macro-F1 | hallucinated sentences % | best / run epochs | head shift, decoding | training min | peak RSS GiB | commit |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}`,
);
}


/**
 * Trains `name` and reports it on test with its own decoding, then with each of `decodings`; with
 * `otherMode`, also without its head-decided labels and without its forced labels (each if dev chose
 * them), and with free decoding if dev chose candidates, else candidates (unforced). A decoding equal
 * to one already reported is skipped.
 */
async function run(name: string, set: LabelSet, text: string, train: Example[], dev: Example[], test: Example[], extra: Partial<TrainOptions> = {}, decodings: [string, Decoding][] = [], otherMode = false): Promise<void> {
  if (only && !only.some((o) => name.includes(o))) return;
  const root = tempDir('bench');
  const out = join(root, 'model');
  // The model checks its label file at prediction time: runs whose descriptions are composed here
  // get a label file of their own.
  const labelFile = text === readFileSync(set.file, 'utf8') ? set.file : join(root, 'labels.json');
  if (labelFile !== set.file) writeFileSync(labelFile, text);
  const started = performance.now();
  const result = await trainLagamc(set, train, dev, encoder, { out, labelFile, labelFileText: text, encoderSpec: DEFAULT_ENCODER, epochs, cacheDir, onProgress: (e) => e.message && (e.phase === 'evaluate' || e.phase === 'prepare' || /^fine-tuned the encoder for/.test(e.message)) && console.error(`${name}: ${e.message}`), ...extra });
  const trainSeconds = (performance.now() - started) / 1000;
  const predictor = await loadPredictor(out);
  const unforced: Decoding = { ...result.decoding, force: null };
  const undecided: Decoding = { ...result.decoding, headDecides: null };
  const other: [string, Decoding][] = !otherMode
    ? []
    : [
        ...(typeof result.decoding.headDecides === 'number' ? [[`${decodingName(undecided)} decoding, no label decided by the head`, undecided] as [string, Decoding]] : []),
        ...(typeof result.decoding.force === 'number' ? [[`${decodingName(unforced)} decoding, no label forced`, unforced] as [string, Decoding]] : []),
        result.decoding.candidates ? ['free decoding', { constrained: false, candidates: false, force: null, headDecides: null }] : ['candidates decoding', { constrained: false, candidates: true, force: null }],
      ];
  const reported = new Set<string>();
  for (const [how, decoding] of [['', {}] as [string, Decoding], ...other, ...decodings]) {
    const effective = { ...result.decoding, ...decoding };
    const key = `${effective.numBeams ?? 1} ${decodingName(effective)}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const { report } = await evaluateModel(predictor, test, { decoding });
    const row = how
      ? `| ${name}, ${how} (same model) | ${(100 * report.micro.f1).toFixed(2)} | ${(100 * report.macro.f1).toFixed(2)} | ${(100 * report.rare.macroF1).toFixed(2)} | ${report.hallucinationRate === null ? '' : (100 * report.hallucinationRate).toFixed(1)} | | | | | ${commit()} |`
      : `| ${name} | ${(100 * report.micro.f1).toFixed(2)} | ${(100 * report.macro.f1).toFixed(2)} | ${(100 * report.rare.macroF1).toFixed(2)} | ${report.hallucinationRate === null ? '' : (100 * report.hallucinationRate).toFixed(1)} | ${result.bestEpoch}/${result.epochsRun} | ${result.headShift}, ${decodingName(result.decoding)} | ${(trainSeconds / 60).toFixed(1)} | ${rss().toFixed(2)} | ${commit()} |`;
    add(name, row);
    console.log(row);
    writeTable();
  }
  predictor.dispose();
}

/**
 * The label head's SVMs alone, fitted as the trainer fits them (its TF-IDF terms and `charGrams`
 * char n-grams, C chosen on dev among SVM_CS by svmDevScore): labels with margin > 0, then with
 * margin > t, t chosen on dev macro-F1 among SVM_DEV_THRESHOLDS (the same selection the model gets);
 * with `perLabel` also with the trainer's per-label thresholds (labelThresholds.ts, from the
 * out-of-fold margins), whether or not dev would keep them, and t chosen on dev again.
 */
async function svmBaseline(name: string, set: LabelSet, train: Example[], dev: Example[], test: Example[], charGrams: number, perLabel = false): Promise<void> {
  if (only && !only.some((o) => name.includes(o))) return;
  const names = set.labels.map((l) => l.name);
  const features = TextFeatures.fit(train.map((e) => e.text), { maxCharGrams: charGrams });
  const [trainRows, devRows] = [train, dev].map((split) => split.map((e) => features.row(e.text)));
  const golds = train.map((e) => (e.labels ?? []).map((l) => names.indexOf(l)));
  const devGold = dev.map((e) => e.labels ?? []);
  // The trainer's choice (fitWithOutOfFold with SVM_CS) without its fold fits, which these rows do not read.
  const scored = SVM_CS.map((c) => {
    const svm = LinearSvm.fit(trainRows, golds, names.length, features.size, { seed: 1, c });
    return { c, svm, ...svmDevScore(svm, devRows, devGold, names) };
  });
  const { c, svm, threshold: best } = scored.reduce((b, s) => (s.score > b.score ? s : b));
  const testMargins = svm.margins(test.map((e) => features.row(e.text)));
  const rows: [string, number, Float32Array][] = [['', 0, testMargins], [`margin > t chosen on dev among ${SVM_DEV_THRESHOLDS.join(', ')} (same SVMs; t = ${best})`, best, testMargins]];
  if (perLabel) {
    const { outOfFold } = await fitWithOutOfFold(trainRows, golds, names.length, features.size, { seed: 1, c });
    const devScore = (m: Float32Array) => marginDevScore(m, devGold, names);
    const devMargins = svm.margins(devRows);
    const choice = chooseLabelThresholds(outOfFold, golds, names.length, devMargins, devScore);
    const { threshold: t } = devScore(lowerMargins(devMargins, choice.offsets));
    rows.push([`per-label thresholds from the out-of-fold margins for the ${choice.labels} labels with ${THRESHOLD_MIN_TEXTS} training texts or more (dev macro-F1 ${(100 * choice.score).toFixed(2)} against ${(100 * choice.globalScore).toFixed(2)}), margin > t chosen on dev (same SVMs; t = ${t})`, t, lowerMargins(testMargins, choice.offsets)]);
  }
  for (const [how, t, margins] of rows) {
    const r = evaluate(test.map((e) => e.labels ?? []), test.map((_, i) => names.filter((_, j) => margins[i * names.length + j]! > t)), { labels: names });
    const row = `| ${how ? `${name}, ${how}` : name}, C = ${c} chosen on dev | ${(100 * r.micro.f1).toFixed(2)} | ${(100 * r.macro.f1).toFixed(2)} | ${(100 * r.rare.macroF1).toFixed(2)} | | | | | | ${commit()} |`;
    add(name, row);
    console.log(row);
  }
  writeTable();
}

// CAVES's main run first, then Reuters, then the CAVES ablations.
const caves = await (async () => {
  const dir = sharedPath('datasets', 'caves');
  const text = readFileSync(join(dir, 'labels.json'), 'utf8');
  const set = parseLabelFile(text, join(dir, 'labels.json'));
  const load = async (f: string) => (await loadExamples(join(dir, f), { labels: set })).examples;
  const [train, dev, test] = [await load('train.jsonl'), await load('dev.jsonl'), await load('test.jsonl')];
  const cache = new EmbeddingCache({ dir: cacheDir });
  const matcher = await Matcher.create(set, encoder, { cache });
  const zs = await zeroShot(matcher, test.map((e) => e.text));
  await cache.save();
  const z = evaluate(test.map((e) => e.labels ?? []), zs.map((p) => p.labels.map((l) => l.label)), { labels: set.labels.map((l) => l.name), scores: zs.map((p) => p.scores) });
  add(ZERO_SHOT, `| ${ZERO_SHOT} | ${(100 * z.micro.f1).toFixed(2)} | ${(100 * z.macro.f1).toFixed(2)} | ${(100 * z.rare.macroF1).toFixed(2)} | | | | | | ${commit()} |`);
  await svmBaseline(CAVES_WORD_SVM, set, train, dev, test, 0);
  await svmBaseline(CAVES_SVM, set, train, dev, test, DEFAULT_CHAR_GRAMS, true);
  await run(CAVES_MAIN, set, text, train, dev, test, {}, [['3-beam search', { numBeams: 3 }], ['constrained to the descriptions', { constrained: true, candidates: false, force: null }]], true);
  await run(CAVES_UNTUNED, set, text, train, dev, test, { fineTuneEncoder: false });
  await run(CAVES_NO_SVM, set, text, train, dev, test, { svm: false });
  return { set, text, train, dev, test };
})();


// Reuters-21578
{
  const dir = sharedPath('datasets', 'reuters21578');
  const plain = parseLabelFile(readFileSync(join(dir, 'labels.json'), 'utf8'), join(dir, 'labels.json'));
  const longNames = (JSON.parse(readFileSync(join(dir, 'label_long_names.json'), 'utf8')) as { long_names: Record<string, string> }).long_names;
  const load = async (f: string) => (await loadExamples(join(dir, f), { labels: plain })).examples;
  const all = await load('train.jsonl');
  const test = await load('test.jsonl');
  const [train, dev] = holdOut(all, 0.1, 1);
  const named: LabelSet = { ...plain, labels: plain.labels.map((l) => ({ ...l, ...(longNames[l.name] ? { longName: longNames[l.name] } : {}) })) };
  const offline = await generateDescriptions(named, train, encoder);
  const set: LabelSet = { ...named, labels: named.labels.map((l) => ({ ...l, description: offline.find((o) => o.label === l.name)!.description })) };
  await svmBaseline(REUTERS_WORD_SVM, set, train, dev, test, 0);
  await svmBaseline(REUTERS_SVM, set, train, dev, test, DEFAULT_CHAR_GRAMS, true);
  const labelFileText = JSON.stringify({ labels: set.labels.map((l) => ({ name: l.name, description: l.description, ...(l.longName ? { longName: l.longName } : {}) })) });
  await run(REUTERS_MAIN, set, labelFileText, train, dev, test, {}, [], true);
  if (process.env.REUTERS_UNTUNED) await run(REUTERS_UNTUNED, set, labelFileText, train, dev, test, { fineTuneEncoder: false });
  await run(REUTERS_NO_SVM, set, labelFileText, train, dev, test, { svm: false });
}

// CAVES ablations and offline descriptions.
{
  const { set, text, train, dev, test } = caves;
  for (const [name, extra] of ABLATIONS) await run(name, set, text, train, dev, test, { ...extra, fineTuneEncoder: false });
  const offline = await generateDescriptions({ ...set, labels: set.labels.map((l) => ({ ...l, description: null })) }, train, encoder);
  const offlineSet: LabelSet = { ...set, labels: set.labels.map((l) => ({ ...l, description: offline.find((o) => o.label === l.name)!.description })) };
  await run(CAVES_OFFLINE, offlineSet, JSON.stringify({ labels: offlineSet.labels.map((l) => ({ name: l.name, description: l.description })) }), train, dev, test, { fineTuneEncoder: false });
}
