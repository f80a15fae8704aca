// Hover latency of the language server with a LAGAMC model trained on CAVES (issue 7: p95 ≤ 50 ms
// once the model is loaded), and the server's resident memory with the model loaded.
// The model is `lagamc train` (generator + matcher) on the first 2,000 texts of CAVES train for 2
// epochs: latency depends on the model's size, not its quality, and this keeps the run short
// (HOVER_BENCH_MODEL=DIR uses a model folder trained so instead).
// The server (`node dist/server.mjs --stdio`, job worker included) is driven over the real
// protocol, with `$/logTrace` on to learn whether each hover found its prediction cached.
//  - cold: prefetching off (`lagamc.hover.prefetch`), first hovers over texts, back to back: the
//    whole prediction (encoding, generation, matching) in the hover;
//  - warm: the same texts again (the per-text prediction cache);
//  - editor: prefetching on, as a user reads a file: the client reports each 40-line viewport
//    (`lagamc/visibleRanges`), and 10 of its lines are hovered, each 500 ms after the last hover
//    was answered (VS Code itself waits 300 ms before it asks); once in reading order, once in a
//    random order, each over texts never hovered before.
// Then, in this process, where a cold hover's time goes (encoding, decoding, matching).
import { cpSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../engine/cli/cli';
import { loadEncoder } from '../../engine/encoders/index';
import { LagamcPredictor } from '../../engine/model/lagamc/predictor';
import { loadPredictor } from '../../engine/model/load';
import { SelectModelRequest, VisibleRangesNotification } from '../../server/protocol';
import { hasShared, sharedPath } from '../helpers/shared';
import { LspClient } from '../server/lspClient';
import { writeSection } from './report';

if (!hasShared) {
  console.log('skipped: ../shared (CAVES) is absent');
  process.exit(0);
}
const dir = sharedPath('datasets', 'caves');
const work = mkdtempSync(join(tmpdir(), 'lagamc-hover-bench-'));
const modelDir = join(work, 'caves-model');
const trainLines = readFileSync(join(dir, 'train.jsonl'), 'utf8').split('\n').filter(Boolean);
let trained = "trained beforehand, read from HOVER_BENCH_MODEL";
if (process.env.HOVER_BENCH_MODEL) cpSync(process.env.HOVER_BENCH_MODEL, modelDir, { recursive: true });
else {
  const trainFile = join(work, 'train-2000.jsonl');
  writeFileSync(trainFile, trainLines.slice(0, 2000).join('\n') + '\n');
  const trainStart = Date.now();
  const io = { interactive: false, out: () => {}, err: (t: string) => process.stderr.write(t + '\n') };
  const code = await runCli(['train', '--train', trainFile, '--dev', join(dir, 'dev.jsonl'), '--labels', join(dir, 'labels.json'), '--out', modelDir, '--epochs', '2'], io);
  if (code !== 0) throw new Error(`training the CAVES model failed (exit ${code})`);
  trained = `2 epochs, ${((Date.now() - trainStart) / 1000).toFixed(0)} s`;
}
const manifest = JSON.parse(readFileSync(join(modelDir, 'lagamc-model.json'), 'utf8')) as { training: { examples: number; bestEpoch: number; devMacroF1: number } };

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seed = 7;
const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);

const lsp = new LspClient();
lsp.settings = { maxModelDiagnostics: 0, hover: { enable: true, prefetch: false } };
await lsp.initialize(pathToFileURL(work).toString());
await lsp.conn.sendNotification('$/setTrace', { value: 'verbose' });
const idleRss = rssMiB(lsp.proc.pid!);
const loadStart = Date.now();
await lsp.conn.sendRequest(SelectModelRequest.method, { modelDir });
const loadMs = Date.now() - loadStart;

interface Sample {
  ms: number;
  /** What the server's trace said: cached, in flight or new. */
  found: string;
}
const hover = async (uri: string, line: number): Promise<Sample> => {
  const traced = lsp.seen.trace.length;
  const t = performance.now();
  const h = await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 12 } });
  const ms = performance.now() - t;
  if (!h) throw new Error(`no hover on ${uri}:${line}`);
  const found = lsp.seen.trace.slice(traced).find((m) => m.startsWith(`hover ${uri}:${line}: `))?.split(': ').at(-1) ?? '?';
  return { ms, found };
};

// Cold and warm: CAVES test.jsonl, every 6th line.
const testUri = pathToFileURL(join(dir, 'test.jsonl')).toString();
const testText = readFileSync(join(dir, 'test.jsonl'), 'utf8');
await lsp.open(testUri, 'jsonl', testText);
const lines = Array.from({ length: 300 }, (_, i) => i * 6);
for (let i = 0; i < 5; i++) await hover(testUri, 1900 + i); // warm-up: first calls compile the model's kernels
const cold: Sample[] = [];
for (const l of lines) cold.push(await hover(testUri, l));
const warm: Sample[] = [];
for (const l of lines) warm.push(await hover(testUri, l));

// The editor path: CAVES train texts after the 2,000 the model was trained on, never hovered before.
lsp.settings = { maxModelDiagnostics: 0, hover: { enable: true, prefetch: true } };
const editorUri = pathToFileURL(join(work, 'reading.jsonl')).toString();
await lsp.open(editorUri, 'jsonl', trainLines.slice(2000).join('\n') + '\n');
const VIEW = 40;
const VIEWPORTS = 10;
const HOVERS = 10;
const read = async (firstViewport: number, order: 'reading' | 'random'): Promise<Sample[]> => {
  const out: Sample[] = [];
  for (let v = firstViewport; v < firstViewport + VIEWPORTS; v++) {
    const top = v * VIEW;
    await lsp.conn.sendNotification(VisibleRangesNotification.method, { uri: editorUri, ranges: [{ start: { line: top, character: 0 }, end: { line: top + VIEW - 1, character: 0 } }] });
    const picked = new Set<number>();
    while (picked.size < HOVERS) picked.add(top + rnd(VIEW));
    const seq = order === 'reading' ? [...picked].sort((a, b) => a - b) : [...picked];
    for (const l of seq) {
      await sleep(500);
      out.push(await hover(editorUri, l));
    }
  }
  return out;
};
const reading = await read(0, 'reading');
const random = await read(VIEWPORTS, 'random');
const loadedRss = rssMiB(lsp.proc.pid!);
await lsp.close();

// Where a cold hover's time goes, measured in this process on 50 texts never predicted here: the
// USE encoding of the text, decoding (generate minus encoding), matching (predict minus generate).
const encoder = await loadEncoder();
const predictor = await loadPredictor(modelDir);
if (!(predictor instanceof LagamcPredictor)) throw new Error(`${modelDir} is not a LAGAMC model`);
const parts = { encode: [] as number[], decode: [] as number[], match: [] as number[], words: [] as number[] };
for (const line of lines.slice(0, 50)) {
  const text = (JSON.parse(testText.split('\n')[line]!) as { text: string }).text;
  let t = performance.now();
  await encoder.encode([text]);
  const encode = performance.now() - t;
  t = performance.now();
  const [generated] = await predictor.generate([text]);
  const generate = performance.now() - t;
  t = performance.now();
  await predictor.predict([text]);
  parts.encode.push(encode);
  parts.decode.push(generate - encode);
  parts.match.push(performance.now() - t - generate);
  parts.words.push(generated!.split(/\s+/).length);
}
predictor.dispose();
rmSync(work, { recursive: true, force: true });

const f = (x: number) => x.toFixed(1);
const row = (what: string, xs: Sample[]) => {
  const ms = xs.map((x) => x.ms);
  const share = (k: string) => `${Math.round((100 * xs.filter((x) => x.found === k).length) / xs.length)}%`;
  return `| ${what} | ${xs.length} | ${f(pct(ms, 0.5))} | ${f(pct(ms, 0.95))} | ${f(Math.max(...ms))} | ${share('cached')} / ${share('in flight')} / ${share('new')} |`;
};
const body = `Model: LAGAMC (\`lagamc train\`, generator + matcher on USE lite) trained on ${manifest.training.examples.toLocaleString('en-US')} CAVES train texts, epoch ${manifest.training.bestEpoch} selected at dev macro-F1 ${(100 * manifest.training.devMacroF1).toFixed(1)} (${trained}); model load in the server's worker: ${loadMs} ms.
One hover request at a time over stdio. "found" is the server's trace for each hover: its prediction was cached, being prefetched (in flight), or new.

| hover | hovers | p50 ms | p95 ms | max ms | found cached / in flight / new |
|---|---:|---:|---:|---:|---|
${row('cold: prefetch off, first hover of each text (every 6th line of test.jsonl, back to back)', cold)}
${row('warm: the same texts again', warm)}
${row(`editor, reading order: ${VIEW}-line viewports reported, ${HOVERS} lines each hovered top to bottom, 500 ms apart`, reading)}
${row(`editor, random order: the same over the next ${VIEWPORTS} viewports, lines in random order`, random)}

Where a cold hover's time goes (in one process, 50 test texts one at a time, p50 / p95 ms): USE encoding of the text ${f(pct(parts.encode, 0.5))} / ${f(pct(parts.encode, 0.95))}, decoding ${f(pct(parts.decode, 0.5))} / ${f(pct(parts.decode, 0.95))}, matching the generated sentences ${f(pct(parts.match, 0.5))} / ${f(pct(parts.match, 0.95))} (sentences seen before, or equal to a label description, are not encoded again). The generated text has ${f(parts.words.reduce((a, b) => a + b, 0) / parts.words.length)} words on average (a weakly trained generator repeats itself up to the length limit, which makes decoding and matching slower).
Server RSS (process incl. job worker thread): ${idleRss.toFixed(0)} MiB after initialize, ${loadedRss.toFixed(0)} MiB with the model loaded after the hovers (target: under 1 GiB).
Run on a shared 2-core machine under load from other jobs: timings are noisy.`;
console.log(body);
writeSection('Editor hover latency (CAVES model)', 'npm run bench hover', body);
