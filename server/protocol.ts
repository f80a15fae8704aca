// Every custom request and notification between the LAGAMC client and server, one namespace per
// message (method name, params, result). Types and constants only: the client imports this file
// too, so it must not import vscode-languageserver at run time. Documented in docs/lsp-extensions.md.
import type { EvalReport } from '../engine/metrics/multilabel';
import { DEFAULT_SELECTION, type SelectionMetric } from '../engine/metrics/selection';
import { FUSION_MIN_TEXTS } from '../engine/training/fusion';
import type { Prediction } from '../engine/model/prediction';

/** Settings under `lagamc.*`, read per resource through `workspace/configuration`. */
export interface Settings {
  /** Model folder to load ('' = none). Relative paths resolve against the workspace folder. */
  modelPath: string;
  /** At most this many model diagnostics per dataset file. */
  maxModelDiagnostics: number;
  /** Show predictions when hovering a dataset text; `prefetch`: predict the visible lines and those
   * around a hover in the background, so later hovers are answered from the cache. */
  hover: { enable: boolean; prefetch: boolean };
  llm: { baseUrl: string; model: string };
  /** Training passes over the data (0 = the trainer's default), the dev metric that selects the epoch, decoding and head shift, whether the sentence encoder is fine-tuned first (`auto`: the trainer decides by the training set's size), and the training texts a label needs for the fine-tuned logits to join its scores. */
  train: { epochs: number; select: SelectionMetric; fineTuneEncoder: 'auto' | 'always' | 'never'; fusionMinTexts: number };
}

export const DEFAULT_SETTINGS: Settings = {
  modelPath: '',
  maxModelDiagnostics: 20,
  hover: { enable: true, prefetch: true },
  llm: { baseUrl: '', model: '' },
  train: { epochs: 0, select: DEFAULT_SELECTION, fineTuneEncoder: 'auto', fusionMinTexts: FUSION_MIN_TEXTS },
};

/** `initializationOptions` of the `initialize` request: what the server needs before it can ask. */
export interface InitializationOptions {
  /** False in untrusted workspaces: no model loading, training or LLM calls. */
  trusted: boolean;
  /** Folder where Train writes new models (default: `<dataset folder>/.lagamc/models`). */
  modelsDir?: string;
}

/** Command ids of the server's `workspace/executeCommand`. Arguments are listed per command. */
export const ServerCommands = {
  /** [uri]: re-publishes the document's diagnostics; returns their count. */
  validate: 'lagamc.server.validate',
} as const;

/** Client-side command ids (palette entries, CodeLens targets). */
export const ClientCommands = {
  /** [labelFileUri, label]: asks `lagamc/describe` and applies its edits (undoable). */
  describe: 'lagamc.describe',
  train: 'lagamc.train',
  evaluate: 'lagamc.evaluate',
  validate: 'lagamc.validate',
  predictSelection: 'lagamc.predictSelection',
  selectModel: 'lagamc.selectModel',
  setApiKey: 'lagamc.setApiKey',
  showOutput: 'lagamc.showOutput',
} as const;

/** Loads a model folder in the server's worker; it then serves hovers and model diagnostics. */
export namespace SelectModelRequest {
  export const method = 'lagamc/selectModel';
  export interface Params {
    /** Absolute model folder, or '' to unload. */
    modelDir: string;
  }
  export interface Result {
    kind: string;
    labels: string[];
  }
}

/** Predicts labels for texts with the loaded model. Cancellable. */
export namespace PredictRequest {
  export const method = 'lagamc/predict';
  export interface Params {
    texts: string[];
  }
  export type Result = Prediction[];
}

/** Trains a model on a dataset file, reporting work-done progress; loads it when done. Cancel the
 * request (or the server-created progress) to stop it. */
export namespace TrainRequest {
  export const method = 'lagamc/train';
  export interface Params {
    /** The training dataset (file URI). */
    datasetUri: string;
    /** Labelled dev set (default: `dev.*` beside the dataset, else the dataset itself). */
    devUri?: string;
    /** Output folder (default: `<modelsDir>/<dataset name>-<timestamp>`). */
    outDir?: string;
    /** Training passes over the data (default: the `lagamc.train.epochs` setting). */
    epochs?: number;
    /** Dev metric that selects the model (default: the `lagamc.train.select` setting). */
    select?: SelectionMetric;
    /** Fine-tune the sentence encoder first (true: `lagamc train --fine-tune-encoder`, false: `--no-fine-tune-encoder`; default: the `lagamc.train.fineTuneEncoder` setting, whose `auto` leaves it to the trainer). */
    fineTuneEncoder?: boolean;
    /** Unless `fineTuneEncoder` is false: training texts a label needs for the fine-tuned logits to join its scores (`--fusion-min-texts`; default: the `lagamc.train.fusionMinTexts` setting). */
    fusionMinTexts?: number;
    /** Continue an interrupted run from the checkpoint in `outDir`. */
    resume?: boolean;
    /** Client-created work-done progress token; without one the server creates its own. */
    workDoneToken?: string | number;
  }
  export interface Result {
    modelDir: string;
    /** Scores on the dev set at the kept epoch. */
    dev: { microF1: number; macroF1: number };
  }
}

/** Evaluates the loaded model on a labelled dataset file; the client draws the report. Cancellable. */
export namespace EvaluateRequest {
  export const method = 'lagamc/evaluate';
  export interface Params {
    datasetUri: string;
  }
  export interface Result {
    datasetUri: string;
    modelDir: string;
    report: EvalReport;
    /** Share of generated sentences flagged hallucinated; null for models that generate none. */
    hallucinationRate: number | null;
  }
}

/** A new description for one label of an open label file, as text edits the client applies (undoable). */
export namespace DescribeRequest {
  export const method = 'lagamc/describe';
  export interface Params {
    uri: string;
    label: string;
    /** Ask the LLM of the `lagamc.llm.*` settings with this key (kept in the client's SecretStorage,
     * sent per request, never stored by the server); without `useLlm` the offline generator writes it. */
    useLlm?: boolean;
    apiKey?: string;
  }
  export interface Result {
    label: string;
    description: string;
    source: 'offline' | 'llm';
    /** LSP TextEdits against the document as sent. */
    edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[];
  }
}

/** Client → server: the lines of a dataset document the editor shows, sent when they change; the
 * server predicts their texts in the background so hovers over them are answered from its cache. */
export namespace VisibleRangesNotification {
  export const method = 'lagamc/visibleRanges';
  export interface Params {
    uri: string;
    /** LSP ranges; only their lines count. */
    ranges: { start: { line: number; character: number }; end: { line: number; character: number } }[];
  }
}

/** Server → client: the LLM API key from the client's SecretStorage, asked for each inline
 * suggestion that calls the LLM of the `lagamc.llm.*` settings (never stored by the server). A
 * client answers `null` when it has no key or the workspace is not trusted. */
export namespace ApiKeyRequest {
  export const method = 'lagamc/apiKey';
  export type Params = Record<string, never>;
  export type Result = string | null;
}

/** Server → client whenever the model or a training job changes; drives the status bar. */
export namespace StatusNotification {
  export const method = 'lagamc/status';
  export interface Params {
    /** Loaded model folder, if any. */
    modelDir?: string;
    modelKind?: string;
    /** Fraction of the running training job, in [0, 1]. */
    training?: number;
    /** Last error of loading or training, one line. */
    error?: string;
  }
}
