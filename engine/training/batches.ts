// An epoch's batches: shuffled, then bucketed by target length (chunks of the shuffled order are
// sorted by length and cut into batches), then the batches shuffled. A batch holds at most
// `batchSize` examples and at most `tokenBudget` padded target tokens (rows × longest target), so
// long multi-label targets get smaller batches instead of exhausting the wasm heap. The batches
// depend only on the lengths and the generator's state, so a seeded run is reproducible.
import { shuffle, type Rng } from '../random';

export interface BatchLimits {
  batchSize: number;
  tokenBudget: number;
}

export function epochBatches(lengths: readonly number[], limits: BatchLimits, rng: Rng): number[][] {
  const order = shuffle([...lengths.keys()], rng);
  const chunk = limits.batchSize * 20;
  const batches: number[][] = [];
  for (let c = 0; c < order.length; c += chunk) {
    const part = order.slice(c, c + chunk).sort((a, b) => lengths[a]! - lengths[b]!);
    let batch: number[] = [];
    for (const i of part) {
      // Sorted ascending: the newcomer is the batch's longest target.
      if (batch.length && (batch.length === limits.batchSize || (batch.length + 1) * lengths[i]! > limits.tokenBudget)) {
        batches.push(batch);
        batch = [];
      }
      batch.push(i);
    }
    if (batch.length) batches.push(batch);
  }
  return shuffle(batches, rng);
}
