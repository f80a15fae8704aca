// Matcher and encoder speed, and the zero-shot baseline (issue 4).
//  1. Matching: 10,000 sentence vectors against 1,000 label vectors of 1,024 dimensions, best and
//     runner-up label per row, with each similarity engine, next to numpy doing the same work
//     (matrix product + argmax) when python3 has numpy.
//  2. Throughput of the bundled encoder (USE lite) at batch 1, 32 and 128 on one thread, and at 32
//     on the default threads, on CAVES tweets, short description-like sentences and Reuters articles.
//  3. Zero-shot on the CAVES test split through the real CLI (`lagamc predict --zero-shot` then
//     `lagamc eval`): top-1, top-2, and per-label thresholds tuned on the dev split (with and
//     without falling back to the best label).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExamples } from '../../engine/data/dataset';
import { loadLabelFile } from '../../engine/data/labels';
import { loadEncoder } from '../../engine/encoders/index';
import { UseEncoder, useModelDir } from '../../engine/encoders/use/encoder';
import { ENCODER_CHARS, encoderInput } from '../../engine/models/compact/model';
import { defaultThreads } from '../../engine/workers';
import { normalizeRows } from '../../engine/encoders/normalize';
import { Matcher } from '../../engine/matching/matcher';
import { topTwo, type SimilarityEngine, type Vectors } from '../../engine/matching/similarity';
import { saveThresholds, tuneThresholds } from '../../engine/matching/thresholds';
import { zeroShot } from '../../engine/matching/zeroShot';
import { initBackend } from '../../engine/tf/backend';
import { hasShared, repoRoot, sharedPath } from '../helpers/shared';
import { writeSection } from './report';

const N = 10_000;
const M = 1_000;
const D = 1_024;

function randomUnit(rows: number, dim: number): Vectors {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  return { data: normalizeRows(data, dim), rows, dim };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeEngine(engine: SimilarityEngine, x: Vectors, labels: Vectors, runs: number): Promise<number> {
  await topTwo(x, labels, false, engine);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await topTwo(x, labels, false, engine);
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

function numpySeconds(): number | null {
  const script = `
import numpy as np, time
x = np.random.rand(${N}, ${D}).astype(np.float32); l = np.random.rand(${M}, ${D}).astype(np.float32)
(x @ l.T).argmax(1)
ts = []
for _ in range(5):
    t = time.perf_counter(); (x @ l.T).argmax(1); ts.append(time.perf_counter() - t)
print(sorted(ts)[2])
`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

async function matchingSection(): Promise<string> {
  const x = randomUnit(N, D);
  const labels = randomUnit(M, D);
  const ort = await timeEngine('onnxruntime', x, labels, 5).catch(() => null);
  const tfjs = await timeEngine('tfjs', x, labels, 2);
  const numpy = numpySeconds();
  const gflops = (s: number) => ((2 * N * M * D) / s / 1e9).toFixed(0);
  const row = (name: string, s: number | null) =>
    s === null ? `| ${name} | not available | | |` : `| ${name} | ${s.toFixed(3)} | ${gflops(s)} | ${numpy ? (s / numpy).toFixed(2) + '×' : 'n/a'} |`;
  return [
    `${N.toLocaleString('en')} × ${D} sentence vectors against ${M.toLocaleString('en')} × ${D} label vectors, best + runner-up per row (median of the timed runs).`,
    '',
    '| engine | seconds | GFLOP/s | ratio to numpy |',
    '|---|---:|---:|---:|',
    row('onnxruntime-node Gemm + TopK (default)', ort),
    row('TF.js fallback (matMul + topk)', tfjs),
    numpy === null ? '| numpy | not available | | |' : `| numpy (matmul + argmax) | ${numpy.toFixed(3)} | ${gflops(numpy)} | 1.00× |`,
    '',
    `Requirement: at most 2× numpy. ${ort !== null && numpy !== null ? `Measured ${(ort / numpy).toFixed(2)}×: ${ort <= 2 * numpy ? 'met' : 'NOT met'}.` : ''}`,
  ].join('\n');
}

async function throughputSection(samples: [string, string[]][]): Promise<string> {
  const encoders = new Map<number, UseEncoder>();
  const rows: string[] = [];
  for (const [name, texts] of samples) {
    for (const [batch, threads] of [[1, 1], [32, 1], [128, 1], [32, defaultThreads()]] as const) {
      let enc = encoders.get(threads);
      if (!enc) {
        enc = await UseEncoder.load(useModelDir(), threads);
        await enc.encode(texts.slice(0, 8 * 32)); // warm-up, threads started
        encoders.set(threads, enc);
      }
      const n = batch === 1 ? 32 : 256;
      const sample = Array.from({ length: n }, (_, i) => texts[i % texts.length]!);
      const t = performance.now();
      await enc.encode(sample, { batchSize: batch });
      rows.push(`| ${name} | ${batch} | ${threads} | ${n} | ${(n / ((performance.now() - t) / 1000)).toFixed(1)} |`);
    }
  }
  for (const enc of encoders.values()) enc.dispose();
  return ['| texts | batch | threads | texts encoded | texts/s |', '|---|---:|---:|---:|---:|', ...rows].join('\n');
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'lagamc.cjs'), ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`lagamc ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function zeroShotSection(): Promise<string> {
  const caves = (f: string) => sharedPath('datasets', 'caves', f);
  const dir = await mkdtemp(join(tmpdir(), 'lagamc-zs-'));
  try {
    // Thresholds tuned on dev (library path), then used by the CLI on test.
    const set = await loadLabelFile(caves('labels.json'));
    const dev = (await loadExamples(caves('dev.jsonl'), { labels: set })).examples;
    const matcher = await Matcher.create(set, await loadEncoder());
    const devPreds = await zeroShot(matcher, dev.map((e) => e.text), { useThresholds: true });
    const tuned = tuneThresholds(matcher.labels.slice(0, matcher.labelCount), dev.map((e) => e.labels ?? []), devPreds.map((p) => p.scores));
    const thresholdsFile = join(dir, 'thresholds.json');
    await saveThresholds(thresholdsFile, tuned);

    const runs: [string, string[]][] = [
      ['top-1 (default)', []],
      ['top-2', ['--top-k', '2']],
      ['per-label thresholds tuned on dev', ['--thresholds', thresholdsFile]],
      ['tuned thresholds, top-1 fallback', ['--thresholds', thresholdsFile, '--fallback']],
    ];
    const rows: string[] = [];
    for (const [name, extra] of runs) {
      const pred = join(dir, 'pred.jsonl');
      const t = performance.now();
      cli(['predict', '--zero-shot', '--labels', caves('labels.json'), '--input', caves('test.jsonl'), '--out', pred, ...extra]);
      const seconds = (performance.now() - t) / 1000;
      const r = JSON.parse(cli(['eval', '--gold', caves('test.jsonl'), '--pred', pred, '--labels', caves('labels.json'), '--json'])) as { micro: { f1: number }; macro: { f1: number }; mAP: number | null; documents: number };
      rows.push(`| ${name} | ${(100 * r.micro.f1).toFixed(2)} | ${(100 * r.macro.f1).toFixed(2)} | ${r.mAP === null ? 'n/a' : (100 * r.mAP).toFixed(2)} | ${r.documents} | ${seconds.toFixed(0)} |`);
    }
    return [
      'USE lite, each tweet compared with the 12 label descriptions of `labels.json`. Command per row: `lagamc predict --zero-shot --labels caves/labels.json --input caves/test.jsonl --out pred.jsonl [option]`, then `lagamc eval --gold caves/test.jsonl --pred pred.jsonl --labels caves/labels.json`.',
      '',
      '| selection | micro-F1 | macro-F1 | mAP | test texts | seconds (predict) |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const backend = await initBackend();
const parts = [`TF.js backend: ${backend}. Timings taken on a 2-core machine shared with other jobs: expect noise.`, '', '### Matching speed', '', await matchingSection()];
if (hasShared) {
  const tweets = readFileSync(sharedPath('datasets', 'caves', 'test.jsonl'), 'utf8').trim().split('\n').slice(0, 256).map((l) => (JSON.parse(l) as { text: string }).text);
  const short = (await loadLabelFile(sharedPath('datasets', 'goemotions', 'labels.json'))).labels.map((l) => l.description ?? l.name);
  const reuters = readFileSync(sharedPath('datasets', 'reuters21578', 'train.jsonl'), 'utf8').trim().split('\n').slice(0, 256).map((l) => encoderInput((JSON.parse(l) as { text: string }).text));
  const samples: [string, string[]][] = [['CAVES tweets', tweets], ['label-description sentences', short], [`Reuters articles (first ${ENCODER_CHARS} characters, as training reads them)`, reuters]];
  parts.push('', '### Encoder throughput (USE lite)', '', 'A long encode call shares its batches among threads (engine/encoders/use/threads.ts); one thread is the single-threaded WebAssembly backend.', '', await throughputSection(samples));
  parts.push('', '### Zero-shot baseline on CAVES (test split)', '', await zeroShotSection());
} else parts.push('', '(../shared is absent: encoder throughput and zero-shot CAVES not measured)');
const body = parts.join('\n');
console.log(body);
writeSection('Matching, encoder throughput, zero-shot baseline', 'npm run bench matching', body);
