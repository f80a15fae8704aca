// Background predictions, so that hovers find their line's prediction cached: the dataset lines a
// user is likely to hover next (those the client shows, `lagamc/visibleRanges`, and those around
// the last hover, nearest first), and the texts model diagnostics check. Background work goes to
// the worker one text per call (~40 ms on the CAVES model) and waits while a hover is being
// answered, so a hover waits at most for one such call.
import type { Prediction } from '../engine/model/prediction';
import type { Model } from './model';

/** Texts queued for prefetching at most. */
const MAX_QUEUE = 200;

export class Prefetcher {
  private queue: string[] = [];
  private running = false;
  private hovers = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly model: Model,
    /** Where to report a finished queue (the server's `$/logTrace`). */
    private readonly trace: (message: string) => void,
  ) {}

  /** Replaces what to prefetch with `texts`, the first ones first. */
  want(texts: readonly string[]): void {
    this.queue = [...new Set(texts)].filter((t) => !this.model.has(t)).slice(0, MAX_QUEUE);
    void this.pump();
  }

  /** Runs a hover's prediction; background work waits until no hover is running. */
  async hover<T>(run: () => Promise<T>): Promise<T> {
    this.hovers++;
    try {
      return await run();
    } finally {
      if (--this.hovers === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
        void this.pump();
      }
    }
  }

  /** Predictions for many texts in the background: one at a time, each after hovers are answered. */
  async background(texts: readonly string[], signal?: AbortSignal): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (const text of texts) {
      await this.idle();
      signal?.throwIfAborted();
      out.push(...(await this.model.predict([text], signal)));
    }
    return out;
  }

  private idle(): Promise<void> {
    return this.hovers === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let predicted = 0;
    try {
      while (this.hovers === 0 && this.model.loaded && this.queue.length > 0) {
        const text = this.queue.shift()!;
        if (this.model.has(text)) continue;
        // A failure (e.g. the model was unloaded meanwhile) only loses the prefetch.
        await this.model.predict([text]).then(() => predicted++, () => {});
      }
      if (predicted > 0 && this.queue.length === 0) this.trace(`prefetch: ${predicted} texts predicted, queue empty`);
    } finally {
      this.running = false;
    }
  }
}
