// What every model kind predicts for one text, and the interface a loaded model implements.
// The CLI prints these, `lagamc eval --model` scores them, and the editor's hover renders them.

export interface ScoredLabel {
  label: string;
  /** The model's score: for a generator, the cosine of the label's best generated sentence with its description. */
  score: number;
  /** The label head's probability (LAGAMC models with a head). */
  probability?: number;
}

/** A predicted label's confidence as shown to users: "p 0.80" (the head's probability) where there is one, else its score. */
export function labelConfidence(l: ScoredLabel, digits = 2): string {
  return l.probability !== undefined ? `p ${l.probability.toFixed(digits)}` : l.score.toFixed(digits);
}

/** One generated sentence and the label description it matched best. */
export interface SentenceMatch {
  sentence: string;
  /** Best label and its cosine similarity. */
  label: string;
  score: number;
  /** Second-best label, so near misses can be shown. */
  runnerUp?: ScoredLabel;
  /** True when `score` is under the label's threshold: reported, not used. */
  hallucinated: boolean;
}

export interface Prediction {
  /** Predicted labels, best first (by `probability` where there is one). */
  labels: ScoredLabel[];
  /**
   * A score for every label of the model, which ranks them (mAP, P@k): the head's probability where
   * there is one (`probabilities`), else for a generator each label's best cosine with a generated
   * sentence (absent labels score 0).
   */
  scores: Record<string, number>;
  /**
   * The label head's probability of every label (LAGAMC models with a head, at the model's head
   * shift): with constrained decoding every predicted label's cosine is 1, so this is what tells a
   * confident prediction from a doubtful one, and how close a missed label came.
   */
  probabilities?: Record<string, number>;
  /** Generator output, for generative models. */
  generated?: string;
  /** Every generated sentence with its match (hallucinated ones included and flagged). */
  sentences?: SentenceMatch[];
  /** True when nothing matched and the best label was returned as a fallback. */
  fallback?: boolean;
}

/** How a generator model decodes (ignored by models that do not generate). */
export interface Decoding {
  /** 1: greedy (default). */
  numBeams?: number;
  /** Only the label sentences (descriptions, or names), each at most once, then the end. */
  constrained?: boolean;
  /**
   * Compact generator with a label head: constrained, and only the sentences of the labels the head
   * holds (probability ≥ 0.5 at the model's head shift) or the none sentence.
   */
  candidates?: boolean;
  /**
   * Compact generator with a label head, constrained or candidates decoding: the labels whose head
   * probability (at the model's head shift) is at least this (0.5 to 1) must be written before the
   * end, and the none sentence may then not be. null: none (overrides a model's).
   */
  force?: number | null;
  /**
   * Compact generator with a label head, constrained or candidates decoding: the labels with fewer
   * than this many training texts are written exactly when the head holds them (probability ≥ 0.5 at
   * the model's head shift), whatever the decoder would choose; the decoder decides the others. null:
   * none (overrides a model's).
   */
  headDecides?: number | null;
}

export interface PredictOptions {
  signal?: AbortSignal;
  batchSize?: number;
  /** Overrides the model's own decoding settings. */
  decoding?: Decoding;
}

/** A loaded model of any kind (lagamc generator, zero-shot bi-encoder, adapted classifier). */
export interface Predictor {
  /** The manifest's `kind`. */
  readonly kind: string;
  /** The model folder. */
  readonly dir: string;
  /** Label names in the model's order. */
  readonly labels: readonly string[];
  predict(texts: readonly string[], opts?: PredictOptions): Promise<Prediction[]>;
  dispose(): void;
}
