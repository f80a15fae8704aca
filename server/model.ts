// The loaded model, as the request loop sees it: which folder, its labels, and a prediction cache
// keyed by text (hovers over an unchanged line never reach the worker twice). A text already on its
// way to the worker is not asked again: a hover over a line being prefetched waits for that answer.
import type { Prediction } from '../engine/model/prediction';
import type { Jobs } from './jobs/jobs';

const CACHE_SIZE = 20_000;

export class Model {
  dir: string | undefined;
  kind: string | undefined;
  labels: string[] = [];
  private cache = new Map<string, Prediction>();
  /** Texts in a worker call now, with their answer to come. */
  private pending = new Map<string, Promise<Prediction>>();

  constructor(private readonly jobs: Jobs) {}

  get loaded(): boolean {
    return this.dir !== undefined;
  }

  async load(dir: string): Promise<void> {
    const r = await this.jobs.run({ op: 'load', dir });
    this.dir = dir;
    this.kind = r.kind;
    this.labels = r.labels;
    this.cache = new Map();
    this.pending = new Map();
  }

  async unload(): Promise<void> {
    await this.jobs.run({ op: 'unload' });
    this.dir = undefined;
    this.kind = undefined;
    this.labels = [];
    this.cache = new Map();
    this.pending = new Map();
  }

  cached(text: string): boolean {
    return this.cache.has(text);
  }

  /** Whether `text` is predicted already or on its way. */
  has(text: string): boolean {
    return this.cache.has(text) || this.pending.has(text);
  }

  /** Predictions for texts: cached ones at once, those on their way when they come, the rest in one worker call. */
  async predict(texts: readonly string[], signal?: AbortSignal): Promise<Prediction[]> {
    if (!this.loaded) throw new Error('no model is loaded: run "LAGAMC: Select Model" or "LAGAMC: Train"');
    const missing = [...new Set(texts.filter((t) => !this.has(t)))];
    if (missing.length > 0) this.ask(missing, signal);
    return Promise.all(texts.map((t) => this.one(t, signal)));
  }

  private async one(text: string, signal?: AbortSignal): Promise<Prediction> {
    for (let retried = false; ; retried = true) {
      const hit = this.cache.get(text);
      if (hit) return hit;
      if (!this.pending.has(text)) this.ask([text], signal);
      try {
        return await this.pending.get(text)!;
      } catch (e) {
        // Another request's call was cancelled (or the model changed under it): ask once more ourselves.
        if (signal?.aborted || retried) throw e;
      }
    }
  }

  private ask(texts: string[], signal?: AbortSignal): void {
    const dir = this.dir;
    const pending = this.pending;
    const settled = this.jobs.run({ op: 'predict', texts }, signal ? { signal } : {}).then(
      (preds) => {
        for (const t of texts) pending.delete(t);
        if (this.dir === dir) {
          texts.forEach((t, i) => this.cache.set(t, preds[i]!));
          while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
        }
        return preds;
      },
      (e: unknown) => {
        for (const t of texts) pending.delete(t);
        throw e;
      },
    );
    texts.forEach((t, i) => {
      const p = settled.then((preds) => preds[i]!);
      p.catch(() => {});
      pending.set(t, p);
    });
  }
}
