// The LAGAMC model folder (kind "lagamc"):
//   lagamc-model.json   manifest: labels, encoder id, generator sizes, targets mode, threshold,
//                       default decoding, head shift, label-file path and hash, training summary
//   labels.jsonc        snapshot of the label file the model was trained with
//   vocab.json          the generator's word vocabulary
//   features.json       the TF-IDF terms and idf weights the generator reads (absent without a bag)
//   svm.json            the labels' linear SVMs whose margins the label head reads (absent with --no-svm)
//   encoder/            the fine-tuned USE lite whose label logits join those margins (models/tunedUse/model.ts;
//                       only with --fine-tune-encoder)
//   generator.json      generator weights and the meaning projection (float32, base64)
//   adapter/            the matcher's encoder adapter (trained by the hybrid loss)
//   train-log.jsonl     one line per epoch (losses, λ, dev metrics, seconds)
//   report-dev.json, report-test.json   evaluation reports of the selected epoch
//   checkpoint/         state to resume an interrupted run (optimizer moments, step, epoch)
// Every file is written atomically.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseLabelFile, type LabelSet } from '../../data/labels';
import { DataError } from '../../data/diagnostics';
import { EncoderAdapter } from '../../encoders/adapter';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic';
import { base64ToFloat32, float32ToBase64 } from '../../io/float32';
import { CompactGenerator, type CompactConfig, type ParamName } from '../../models/compact/model';
import { LinearSvm } from '../../models/compact/linearSvm';
import { TextFeatures } from '../../models/compact/textFeatures';
import { Vocab } from '../../models/compact/vocab';
import type { TargetMode } from '../../training/targets';
import type { Decoding } from '../prediction';

export const LAGAMC_KIND = 'lagamc';
/** Folder (in the model folder) of the fine-tuned encoder. */
export const TUNED_ENCODER_DIR = 'encoder';

export interface LagamcSettings {
  encoder: string;
  generator: CompactConfig;
  targets: TargetMode;
  /** Matching threshold override (else the label file's / 0.4). */
  threshold?: number;
  /** Predict the best-matching label when no sentence matches. */
  fallback: boolean;
  /** Default decoding (absent: greedy, unconstrained). */
  decoding?: Decoding;
  /** Added to the label head's logits before the decoder reads them (chosen on dev; absent: 0). */
  headShift?: number;
  /** Weight w of the fine-tuned encoder's label logits z in the head's margins m + w·z (absent: no fine-tuned encoder). */
  fusionWeight?: number;
  /** Training texts of each label, in label order (Decoding `headDecides` reads them; absent in models before 2026-12-07). */
  labelTexts?: number[];
  /** Absolute path of the label file trained with, and the hash of its labels. */
  labelFile: string;
  labelsHash: string;
}

/** Hash of what matters for prediction in a label set: names, descriptions, aliases, thresholds. */
export function labelsHash(set: LabelSet): string {
  const key = { none: set.noneDescription ?? null, threshold: set.threshold ?? null, labels: set.labels.map((l) => [l.name, l.description, l.longName ?? null, l.aliases, l.threshold ?? null]) };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** Generator, its meaning projection and the matcher's adapter: everything trained. */
export class LagamcWeights {
  constructor(
    readonly generator: CompactGenerator,
    readonly projection: tf.Variable,
    readonly adapter: EncoderAdapter,
  ) {}

  /** Fresh weights; `initial` sets some of the generator's parameters (e.g. the head's biases). */
  static create(config: CompactConfig, adapterRank: number, initial?: Partial<Record<ParamName, Float32Array>>): LagamcWeights {
    const projection = tf.tidy(() => tf.variable(tf.randomNormal([config.embedding, config.inputDim], 0, 1 / Math.sqrt(config.embedding), 'float32', config.seed + 1000), true));
    return new LagamcWeights(new CompactGenerator(config, initial), projection, new EncoderAdapter(config.inputDim, { rank: adapterRank, seed: config.seed }));
  }

  get variables(): tf.Variable[] {
    return [...this.generator.variables, this.projection, ...this.adapter.variables];
  }

  async save(dir: string): Promise<void> {
    const weights = Object.fromEntries(Object.entries(this.generator.weights()).map(([k, v]) => [k, float32ToBase64(v)]));
    await writeJsonAtomic(join(dir, 'generator.json'), { format: 'lagamc-compact/1', config: this.generator.config, weights, projection: float32ToBase64(this.projection.dataSync() as Float32Array) });
    await this.adapter.save(join(dir, 'adapter'));
  }

  static async load(dir: string): Promise<LagamcWeights> {
    const file = join(dir, 'generator.json');
    const f = JSON.parse(await readFile(file, 'utf8')) as { format?: string; config: CompactConfig; weights: Record<string, string>; projection: string };
    if (f.format !== 'lagamc-compact/1') throw new Error(`${file}: "format" must be "lagamc-compact/1", got ${JSON.stringify(f.format)}`);
    // Generators written before the bag of words or the label head existed have neither.
    f.config = { ...f.config, bagSize: f.config.bagSize ?? 0, bagDim: f.config.bagDim ?? 0, labels: f.config.labels ?? 0 };
    const generator = new CompactGenerator(f.config, Object.fromEntries(Object.entries(f.weights).map(([k, v]) => [k, base64ToFloat32(v, file, `weights.${k}`)])) as Record<ParamName, Float32Array>);
    const projection = tf.tidy(() => tf.variable(tf.tensor2d(base64ToFloat32(f.projection, file, 'projection', f.config.embedding * f.config.inputDim), [f.config.embedding, f.config.inputDim]), true));
    return new LagamcWeights(generator, projection, await EncoderAdapter.load(join(dir, 'adapter')));
  }

  dispose(): void {
    this.generator.dispose();
    this.projection.dispose();
    this.adapter.dispose();
  }
}

export async function saveVocab(dir: string, vocab: Vocab): Promise<void> {
  await writeJsonAtomic(join(dir, 'vocab.json'), { tokens: vocab.tokens });
}

export async function saveTextFeatures(dir: string, features: TextFeatures): Promise<void> {
  await writeJsonAtomic(join(dir, 'features.json'), features.toJSON());
}

/** The model's TF-IDF features, or null for a generator that reads the encoder's vector only. */
export async function loadTextFeatures(dir: string): Promise<TextFeatures | null> {
  const file = join(dir, 'features.json');
  return existsSync(file) ? TextFeatures.fromJSON(JSON.parse(await readFile(file, 'utf8')), file) : null;
}

export async function saveLinearSvm(dir: string, svm: LinearSvm): Promise<void> {
  await writeJsonAtomic(join(dir, 'svm.json'), svm.toJSON());
}

/** The model's linear SVMs, or null for a label head without SVM margins. */
export async function loadLinearSvm(dir: string): Promise<LinearSvm | null> {
  const file = join(dir, 'svm.json');
  return existsSync(file) ? LinearSvm.fromJSON(JSON.parse(await readFile(file, 'utf8')), file) : null;
}

export async function loadVocab(dir: string): Promise<Vocab> {
  const f = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as { tokens: string[] };
  return new Vocab(f.tokens);
}

export async function saveLabelSnapshot(dir: string, labelFileText: string): Promise<void> {
  await writeFileAtomic(join(dir, 'labels.jsonc'), labelFileText);
}

/** Reads the snapshot in `dir/labels.jsonc` and refuses to go on when the label file it came from has changed since training. */
export async function readLabelSnapshot(dir: string): Promise<LabelSet> {
  const snapshotFile = join(dir, 'labels.jsonc');
  const set = parseLabelFile(await readFile(snapshotFile, 'utf8'), snapshotFile);
  const errors = set.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new DataError(errors);
  return set;
}

/** Throws a clear error when the label file the model was trained with no longer has the labels (hash) it had. */
export async function assertLabelFileUnchanged(dir: string, settings: { labelFile: string; labelsHash: string }, set: LabelSet): Promise<void> {
  if (existsSync(settings.labelFile)) {
    const current = parseLabelFile(await readFile(settings.labelFile, 'utf8'), settings.labelFile);
    if (current.diagnostics.every((d) => d.severity !== 'error') && labelsHash(current) !== settings.labelsHash) {
      const was = new Map(set.labels.map((l) => [l.name, l.description]));
      const changed = current.labels.filter((l) => was.get(l.name) !== l.description).map((l) => l.name);
      const removed = set.labels.filter((l) => !current.labels.some((c) => c.name === l.name)).map((l) => l.name);
      throw new Error(
        `${settings.labelFile} no longer matches the model in ${dir}` +
          `${changed.length ? `: labels added or re-described: ${changed.join(', ')}` : ''}${removed.length ? `; labels removed: ${removed.join(', ')}` : ''}` +
          '. Retrain with "lagamc train", or restore the label file (the model keeps its snapshot in labels.jsonc).',
      );
    }
  }
}
