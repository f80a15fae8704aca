// The server's job worker (a worker thread): loads the model, predicts, and runs training, so
// the language server's request loop stays free for hovers and edits. One model at a time.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import { runCli } from '../../engine/cli/cli';
import { loadExamples } from '../../engine/data/dataset';
import type { Example } from '../../engine/data/example';
import { parseLabelFile } from '../../engine/data/labels';
import { checkDescriptions } from '../../engine/descriptions/checks';
import { labelEvidence, type LabelEvidence } from '../../engine/descriptions/evidence';
import { generateDescriptions } from '../../engine/descriptions/generate';
import { loadEncoder } from '../../engine/encoders/index';
import { LlmClient } from '../../engine/llm/client';
import { loadPredictor } from '../../engine/model/load';
import type { Predictor } from '../../engine/model/prediction';
import { trainingFileFor } from '../datasetFiles';
import type { FromWorker, JobRequest, LlmEndpoint, ToWorker } from './messages';

const port = parentPort!;
const running = new Map<number, AbortController>();
let model: Predictor | undefined;

const send = (m: FromWorker) => port.postMessage(m);

// The training data beside a label file, and its label evidence, re-read when the file changes.
let training: { file: string; mtimeMs: number; labels: string; examples: Example[]; evidence?: Map<string, LabelEvidence> } | undefined;

async function trainingData(labelFile: string, labels: string[], signal: AbortSignal): Promise<{ examples: Example[]; evidence: Map<string, LabelEvidence> } | undefined> {
  const file = await trainingFileFor(labelFile);
  if (!file) return undefined;
  const { mtimeMs } = await stat(file);
  const key = labels.join('\n');
  if (!training || training.file !== file || training.mtimeMs !== mtimeMs) {
    training = { file, mtimeMs, labels: key, examples: (await loadExamples(file).catch(() => ({ examples: [] as Example[] }))).examples };
  }
  if (!training.evidence || training.labels !== key) {
    training.labels = key;
    training.evidence = await labelEvidence(training.examples, labels, await loadEncoder(), { signal });
  }
  return { examples: training.examples, evidence: training.evidence };
}

// One LLM client per endpoint, model and key, so its answer cache serves repeated prompts (the
// inline suggestion asks again for an unchanged label). The key is hashed into the map key.
const llmClients = new Map<string, LlmClient>();
const MAX_LLM_CLIENTS = 4;

function llmClient(e: LlmEndpoint): LlmClient {
  const key = `${e.baseURL}\0${e.model}\0${createHash('sha256').update(e.apiKey ?? '').digest('hex')}`;
  let client = llmClients.get(key);
  if (!client) {
    client = new LlmClient({ baseURL: e.baseURL, model: e.model, ...(e.apiKey ? { apiKey: e.apiKey } : {}), maxRetries: 1 });
    llmClients.set(key, client);
    while (llmClients.size > MAX_LLM_CLIENTS) llmClients.delete(llmClients.keys().next().value!);
  }
  return client;
}

// CLI progress lines, drawn when the io is interactive: "\r 43% message" or "\r[####....] message".
const PERCENT = /^\s*(\d{1,3})%\s*(.*?)\s*$/;
const BAR = /^\s*\[([#.]+)\]\s*(.*?)\s*$/;

function progressLine(line: string): { fraction: number; message: string } | undefined {
  const p = PERCENT.exec(line);
  if (p) return { fraction: Math.min(1, Number(p[1]) / 100), message: p[2]! };
  const b = BAR.exec(line);
  if (b) return { fraction: b[1]!.replace(/\./g, '').length / b[1]!.length, message: b[2]! };
  return undefined;
}

async function handle(id: number, req: JobRequest, signal: AbortSignal): Promise<unknown> {
  switch (req.op) {
    case 'load': {
      const next = await loadPredictor(req.dir);
      model?.dispose();
      model = next;
      return { kind: next.kind, labels: [...next.labels] };
    }
    case 'unload':
      model?.dispose();
      model = undefined;
      return null;
    case 'predict':
      if (!model) throw new Error('no model is loaded');
      return model.predict(req.texts, { signal });
    case 'cli': {
      const out: string[] = [];
      const err: string[] = [];
      const io = {
        interactive: true,
        out: (t: string) => out.push(t),
        err: (t: string) => {
          const p = progressLine(t.replace(/\r/g, ''));
          if (p) send({ id, progress: p });
          else if (t.trim()) err.push(t.trim());
        },
      };
      const exitCode = await runCli(req.argv, io, signal);
      return { exitCode, stdout: out.join('\n'), stderr: err.join('\n') };
    }
    case 'checkDescriptions': {
      const set = parseLabelFile(req.text, req.file);
      if (set.diagnostics.some((d) => d.severity === 'error')) return [];
      const data = await trainingData(req.file, set.labels.map((l) => l.name), signal);
      return checkDescriptions(set, await loadEncoder(), data?.evidence);
    }
    case 'describe': {
      const set = parseLabelFile(req.text, req.file);
      const data = await trainingData(req.file, set.labels.map((l) => l.name), signal);
      if (!data || data.examples.length === 0) throw new Error(`no training data beside ${req.file} to describe "${req.label}" from`);
      const llm = req.llm ? llmClient(req.llm) : undefined;
      const [d] = await generateDescriptions(set, data.examples, await loadEncoder(), { only: [req.label], signal, ...(llm ? { llm } : {}) });
      return { description: d!.description, source: d!.source };
    }
  }
}

port.on('message', (m: ToWorker) => {
  if ('cancel' in m) {
    running.get(m.id)?.abort();
    return;
  }
  const ac = new AbortController();
  running.set(m.id, ac);
  handle(m.id, m.request, ac.signal).then(
    (result) => send({ id: m.id, result }),
    (e: unknown) => send({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  ).finally(() => running.delete(m.id));
});
