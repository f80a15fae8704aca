// The `--base DIR` path: LoRA fine-tuning of a Hugging Face T5/FLAN-T5 checkpoint (rank 2 on q and v
// by default, base frozen) to write the gold labels' descriptions (targets.ts) from a prompt
// (prompt.ts). Loss: token cross-entropy (the hybrid cosine term is the compact path's; a T5 step
// is ~17 s on wasm, so this path is for small data or a faster backend). Each epoch the model
// generates (greedy) for the dev texts, the matcher (frozen encoder) maps the sentences to labels,
// and the epoch with the best dev macro-F1 (or `select`'s metric) is written atomically as the model
// folder's PEFT adapter.
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Example } from '../data/example';
import type { LabelSet } from '../data/labels';
import type { SentenceEncoder } from '../encoders/encoder';
import { writeFileAtomic } from '../io/atomic';
import { Matcher } from '../matching/matcher';
import { evaluate, type EvalReport } from '../metrics/multilabel';
import { DEFAULT_SELECTION, SELECTION_METRICS, type SelectionMetric } from '../metrics/selection';
import { labelsHash, saveLabelSnapshot } from '../model/lagamc/folder';
import { writeManifest } from '../model/manifest';
import type { SentenceConstraint } from '../models/constrained';
import { generateBatch } from '../models/t5/generate';
import { applyLora, saveLora } from '../models/t5/lora';
import { T5Model } from '../models/t5/model';
import type { ProgressListener } from '../progress';
import { seededRng, shuffle } from '../random';
import { registerGradients } from '../tf/gradients';
import { AdamW } from './optimizer';
import { buildPrompt } from './prompt';
import { targetText, writtenLabels, type TargetMode } from './targets';

export const LAGAMC_T5_KIND = 'lagamc-t5';

export interface LoraTrainOptions {
  base: string;
  out: string;
  encoderSpec: string;
  labelFile: string;
  labelFileText: string;
  targets?: TargetMode;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  rank?: number;
  seed?: number;
  patience?: number;
  /** Dev metric that selects the epoch (default macro-F1; metrics/selection.ts). */
  select?: SelectionMetric;
  threshold?: number;
  fallback?: boolean;
  /** Prompt tokens kept (the text is cut to fit). */
  maxSourceTokens?: number;
  maxTargetTokens?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface LagamcT5Settings {
  base: string;
  encoder: string;
  targets: TargetMode;
  threshold?: number;
  fallback: boolean;
  maxSourceTokens: number;
  maxTargetTokens: number;
  labelFile: string;
  labelsHash: string;
}

/** Prompt token ids for a text; a long one keeps its start (instruction, task, text) and its closing `</s>`. */
export function sourceIds(model: T5Model, set: LabelSet, text: string, maxTokens: number): number[] {
  const ids = model.tokenizer!.encode(buildPrompt(set, text));
  return ids.length <= maxTokens ? ids : [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]!];
}

/** Generations for texts under `model` (with its adapter): batched greedy, or beam search with `numBeams` > 1, optionally constrained. */
export function generateWithT5(model: T5Model, set: LabelSet, texts: readonly string[], settings: Pick<LagamcT5Settings, 'maxSourceTokens' | 'maxTargetTokens'>, numBeams = 1, constraint?: SentenceConstraint, batchSize = 16): string[] {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const inputs = texts.slice(i, i + batchSize).map((t) => sourceIds(model, set, t, settings.maxSourceTokens));
    for (const g of generateBatch(model, inputs, { maxNewTokens: settings.maxTargetTokens, numBeams, ...(constraint ? { constraint } : {}) })) out.push(model.tokenizer!.decode(g.ids));
  }
  return out;
}

export async function trainLora(set: LabelSet, train: Example[], dev: Example[], encoder: SentenceEncoder, opts: LoraTrainOptions): Promise<{ bestEpoch: number; epochsRun: number; dev: EvalReport; seconds: number }> {
  const seed = opts.seed ?? 1;
  const epochs = opts.epochs ?? 5;
  const batchSize = opts.batchSize ?? 8;
  const mode = opts.targets ?? 'descriptions';
  registerGradients();
  const model = await T5Model.fromPretrained(opts.base);
  if (!model.tokenizer) throw new Error(`${opts.base}: no tokenizer.json; the base model needs its tokenizer`);
  applyLora(model, { r: opts.rank ?? 2, seed, baseModel: resolve(opts.base) });
  const settings: LagamcT5Settings = { base: resolve(opts.base), encoder: opts.encoderSpec, targets: mode, fallback: opts.fallback ?? false, maxSourceTokens: opts.maxSourceTokens ?? 128, maxTargetTokens: opts.maxTargetTokens ?? 48, labelFile: resolve(opts.labelFile), labelsHash: labelsHash(set), ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}) };
  const source = (text: string) => sourceIds(model, set, text, settings.maxSourceTokens);
  // Long targets keep their closing </s>, so the model still learns to stop.
  const label = (e: Example) => {
    const ids = model.tokenizer!.encode(targetText(e.labels ?? [], set, mode));
    return ids.length <= settings.maxTargetTokens ? ids : [...ids.slice(0, settings.maxTargetTokens - 1), ids[ids.length - 1]!];
  };
  const variables = model.trainableVariables();
  const optimizer = new AdamW(variables, { learningRate: opts.learningRate ?? 1e-3, totalSteps: epochs * Math.ceil(train.length / batchSize), weightDecay: 0 });
  const matcher = await Matcher.create(writtenLabels(set, mode), encoder, opts.threshold !== undefined ? { threshold: opts.threshold } : {});
  await saveLabelSnapshot(opts.out, opts.labelFileText);
  await writeFileAtomic(join(opts.out, 'train-log.jsonl'), '');
  const log: string[] = [];
  const started = performance.now();
  const select = opts.select ?? DEFAULT_SELECTION;
  const metric = SELECTION_METRICS[select];
  let best = { epoch: 0, score: -1, report: null as EvalReport | null };
  let epoch = 1;
  try {
    for (; epoch <= epochs && epoch - best.epoch <= (opts.patience ?? 3); epoch++) {
      const order = shuffle([...train.keys()], seededRng(seed * 1000 + epoch));
      let lossSum = 0;
      const steps = Math.ceil(order.length / batchSize);
      model.training = true;
      for (let s = 0; s < steps; s++) {
        opts.signal?.throwIfAborted();
        const rows = order.slice(s * batchSize, (s + 1) * batchSize).map((i) => train[i]!);
        const batch = { inputIds: rows.map((e) => source(e.text)), labels: rows.map(label) };
        const { value, grads } = tf.variableGrads(() => model.loss(batch), variables);
        lossSum += value.dataSync()[0]!;
        optimizer.apply(variables.map((v) => grads[v.name]!));
        value.dispose();
        tf.dispose(grads);
        const done = (epoch - 1 + (s + 1) / steps) / epochs;
        const elapsed = (performance.now() - started) / 1000;
        opts.onProgress?.({ phase: 'train', fraction: done * 0.9, epoch, epochs, step: s + 1, steps, loss: { total: lossSum / (s + 1), ce: lossSum / (s + 1) }, lambda: 1, etaSeconds: (elapsed / done) * (1 - done) });
      }
      model.training = false;
      const generated = generateWithT5(model, set, dev.map((e) => e.text), settings);
      const predictions = await matcher.match(generated);
      const report = evaluate(dev.map((e) => e.labels ?? []), predictions.map((p) => p.labels.map((l) => l.label)), { labels: set.labels.map((l) => l.name), trainFrequencies: new Map() });
      const seconds = (performance.now() - started) / 1000;
      const score = metric.of(report);
      log.push(JSON.stringify({ epoch, ce: lossSum / steps, devMicroF1: report.micro.f1, devMacroF1: report.macro.f1, devScore: score, seconds }));
      await writeFileAtomic(join(opts.out, 'train-log.jsonl'), `${log.join('\n')}\n`);
      opts.onProgress?.({ phase: 'evaluate', fraction: (epoch / epochs) * 0.9, epoch, epochs, metrics: { devMicroF1: report.micro.f1, devMacroF1: report.macro.f1, devScore: score }, message: `epoch ${epoch}: CE ${(lossSum / steps).toFixed(3)}, dev ${metric.name} ${(100 * score).toFixed(2)}` });
      if (score > best.score) {
        best = { epoch, score, report };
        await saveLora(model, join(opts.out, 'adapter'));
        await writeManifest(opts.out, { format: 'lagamc-model', version: 1, kind: LAGAMC_T5_KIND, createdAt: new Date().toISOString(), labels: set.labels.map((l) => l.name), settings, training: { bestEpoch: epoch, select, devScore: score, devMacroF1: report.macro.f1, epochs: epoch, seconds, examples: train.length } });
      }
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  opts.onProgress?.({ phase: 'done', fraction: 1, message: `best epoch ${best.epoch}, dev ${metric.name} ${(100 * best.score).toFixed(2)}` });
  return { bestEpoch: best.epoch, epochsRun: epoch - 1, dev: best.report!, seconds: (performance.now() - started) / 1000 };
}
