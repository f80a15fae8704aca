// The one interface every sentence encoder implements: texts in, L2-normalised vectors out.

export interface EncodeOptions {
  batchSize?: number;
  signal?: AbortSignal;
}

export interface SentenceEncoder {
  /** Names the model (and, for adapted encoders, the adapter version); part of every cache key. */
  readonly id: string;
  /** Length of each vector. */
  readonly dim: number;
  /** One row per text, row-major in one array (`texts.length * dim` values), each row of unit norm. */
  encode(texts: readonly string[], opts?: EncodeOptions): Promise<Float32Array>;
  /** Frees model memory (tensors, sessions). */
  dispose(): void;
}
