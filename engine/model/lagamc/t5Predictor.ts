// Prediction with a LAGAMC model trained with `--base` (kind "lagamc-t5"): the Hugging Face base
// model the folder refers to, plus the PEFT LoRA adapter in `adapter/`, generates (greedy or beam
// search, optionally constrained to the label sentences) from the prompt; the matcher (frozen encoder) maps each sentence to a label description.
import { join } from 'node:path';
import { loadEncoder } from '../../encoders/index';
import { Matcher } from '../../matching/matcher';
import { loadLora } from '../../models/t5/lora';
import { T5Model } from '../../models/t5/model';
import { initBackend } from '../../tf/backend';
import { LAGAMC_T5_KIND, generateWithT5, type LagamcT5Settings } from '../../training/loraTrainer';
import type { LabelSet } from '../../data/labels';
import type { ModelManifest } from '../manifest';
import type { Decoding, PredictOptions, Prediction, Predictor } from '../prediction';
import { SentenceConstraint } from '../../models/constrained';
import { writableSentences, writtenLabels } from '../../training/targets';
import { assertLabelFileUnchanged, readLabelSnapshot } from './folder';
import { withFallback } from './predictor';

export class LagamcT5Predictor implements Predictor {
  readonly kind = LAGAMC_T5_KIND;
  readonly labels: readonly string[];

  constructor(
    readonly dir: string,
    private readonly settings: LagamcT5Settings,
    private readonly set: LabelSet,
    private readonly model: T5Model,
    private readonly matcher: Matcher,
  ) {
    this.labels = set.labels.map((l) => l.name);
  }

  async generate(texts: readonly string[], decoding: Decoding = {}): Promise<string[]> {
    const sentences = writableSentences(this.set, this.settings.targets);
    if (decoding.candidates) throw new Error(`${this.dir}: candidates decoding needs the compact generator's label head; a --base (T5) model has none (use --constrained)`);
    if (typeof decoding.force === 'number') throw new Error(`${this.dir}: forced labels need the compact generator's label head; a --base (T5) model has none`);
    if (typeof decoding.headDecides === 'number') throw new Error(`${this.dir}: labels decided by the head need the compact generator's label head; a --base (T5) model has none`);
    const constraint = decoding.constrained ? SentenceConstraint.fromSentences(this.model.tokenizer!, sentences, this.model.config.eosTokenId) : undefined;
    return generateWithT5(this.model, this.set, texts, this.settings, decoding.numBeams ?? 1, constraint);
  }

  async predict(texts: readonly string[], opts: PredictOptions = {}): Promise<Prediction[]> {
    opts.signal?.throwIfAborted();
    const predictions = await this.matcher.match(await this.generate(texts, opts.decoding), opts.signal ? { signal: opts.signal } : {});
    return this.settings.fallback ? withFallback(predictions) : predictions;
  }

  dispose(): void {
    this.model.dispose();
  }
}

export async function loadLagamcT5(dir: string, manifest: ModelManifest): Promise<Predictor> {
  await initBackend();
  const settings = manifest.settings as LagamcT5Settings | undefined;
  if (!settings || typeof settings.base !== 'string' || typeof settings.encoder !== 'string') throw new Error(`${join(dir, 'lagamc-model.json')}: "settings" is missing or incomplete`);
  const set = await readLabelSnapshot(dir);
  await assertLabelFileUnchanged(dir, settings, set);
  const model = await T5Model.fromPretrained(settings.base).catch((e: Error) => {
    throw new Error(`${dir}: cannot open its base model ${settings.base} (${e.message})`);
  });
  await loadLora(model, join(dir, 'adapter'));
  const matcher = await Matcher.create(writtenLabels(set, settings.targets), await loadEncoder(settings.encoder), settings.threshold !== undefined ? { threshold: settings.threshold } : {});
  return new LagamcT5Predictor(dir, settings, set, model, matcher);
}
