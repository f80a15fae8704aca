// Wires an LSP connection to the engine. Handlers stay thin: each asks an engine service (mostly
// through the job worker, off this request loop) and converts the answer to LSP types. The
// connection is injected, so the process entry (main.ts) picks the transport and tests can drive it.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ErrorCodes,
  InlineCompletionTriggerKind,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type Diagnostic,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { LabelScore } from '../engine/metrics/multilabel';
import { datasetLenses, labelFileLenses } from './codeLens';
import { Config } from './config';
import { documentDiagnostics, isDatasetUri, isLabelFileUri, toLsp } from './diagnostics';
import { describe, inlineDescription } from './descriptions';
import { DatasetDocuments } from './documents';
import { evaluate } from './evaluate';
import { datasetHover } from './hover';
import { Jobs } from './jobs/jobs';
import { Model } from './model';
import { Prefetcher } from './prefetch';
import { MAX_CHECKED_TEXTS, modelDiagnostics } from './modelDiagnostics';
import type { LlmEndpoint } from './jobs/messages';
import {
  ApiKeyRequest,
  DescribeRequest,
  EvaluateRequest,
  PredictRequest,
  SelectModelRequest,
  ServerCommands,
  StatusNotification,
  TrainRequest,
  VisibleRangesNotification,
  type InitializationOptions,
} from './protocol';
import { train, tuning } from './train';

export interface ServerOptions {
  /** The bundled job worker; defaults to worker.mjs beside the running server bundle. */
  workerScript?: URL;
}

/** An AbortSignal that fires when the LSP request is cancelled. */
function toSignal(token: CancellationToken): AbortSignal {
  const ac = new AbortController();
  if (token.isCancellationRequested) ac.abort();
  else token.onCancellationRequested(() => ac.abort());
  return ac.signal;
}

/** Lines around a hovered line whose texts are prefetched. */
const HOVER_NEIGHBOURS = 20;
/** Visible lines per document whose texts are prefetched at most. */
const MAX_VISIBLE_LINES = 200;

/** How long automatic inline suggestions wait for typing to pause before calling the LLM. */
const LLM_TYPING_PAUSE_MS = 300;

const fail = (e: unknown) => new ResponseError(ErrorCodes.InternalError, e instanceof Error ? e.message : String(e));

export function startServer(connection: Connection, opts: ServerOptions = {}): void {
  const datasets = new DatasetDocuments();
  const documents = new TextDocuments({ create: TextDocument.create, update: datasets.update });
  const config = new Config(connection);
  const jobs = new Jobs(opts.workerScript ?? new URL('./worker.mjs', import.meta.url));
  const model = new Model(jobs);
  const prefetcher = new Prefetcher(model, (m) => connection.tracer.log(m));
  /** Per dataset document, the lines the client last said it shows. */
  const visible = new Map<string, VisibleRangesNotification.Params['ranges']>();
  const lastScores = new Map<string, LabelScore>();
  const modelChecks = new Map<string, AbortController>();
  let init: InitializationOptions = { trusted: true };
  let root: string | undefined;

  const status = (extra: Partial<StatusNotification.Params> = {}) =>
    void connection.sendNotification(StatusNotification.method, {
      ...(model.dir ? { modelDir: model.dir } : {}),
      ...(model.kind ? { modelKind: model.kind } : {}),
      ...extra,
    } satisfies StatusNotification.Params);

  const requireTrust = () => {
    if (!init.trusted) throw new ResponseError(ErrorCodes.InvalidRequest, 'this workspace is not trusted: LAGAMC does not load models, train or call an LLM here');
  };

  connection.onInitialize((params) => {
    init = { trusted: true, ...((params.initializationOptions as Partial<InitializationOptions> | undefined) ?? {}) };
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    root = folder?.startsWith('file:') ? fileURLToPath(folder) : undefined;
    config.canPull = params.capabilities.workspace?.configuration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        inlineCompletionProvider: true,
        executeCommandProvider: { commands: Object.values(ServerCommands) },
      },
      serverInfo: { name: 'lagamc' },
    };
  });

  const loadConfiguredModel = async () => {
    if (!init.trusted) return;
    const { modelPath } = await config.get();
    const dir = modelPath ? (isAbsolute(modelPath) || !root ? modelPath : resolve(root, modelPath)) : '';
    if (dir === (model.dir ?? '')) return;
    try {
      if (dir) await model.load(dir);
      else await model.unload();
      modelChanged();
    } catch (e) {
      status({ error: e instanceof Error ? e.message : String(e) });
    }
  };
  // A new model (or none): new status, model diagnostics, and predictions for the visible lines.
  function modelChanged(): void {
    status();
    for (const d of documents.all()) {
      void publish(d);
      if (visible.has(d.uri)) void prefetchVisible(d);
    }
  }
  connection.onInitialized(() => void loadConfiguredModel());
  connection.onDidChangeConfiguration(() => void loadConfiguredModel());

  // Validation diagnostics at once; model diagnostics after, for labelled datasets.
  const publish = async (doc: TextDocument) => {
    const validation: Diagnostic[] = await documentDiagnostics(doc, (uri) => documents.get(uri), datasets);
    if (documents.get(doc.uri)?.version !== doc.version) return;
    connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: validation });
    // With `$/setTrace` on, the parsing work so far, so a client can see it follows the changes.
    if (isDatasetUri(doc.uri)) connection.tracer.log(`validated ${doc.uri} version ${doc.version}: ${datasets.get(doc).parsedLines} lines parsed since it was opened`);
    const labelFile = isLabelFileUri(doc.uri) && init.trusted;
    if (!labelFile && (!model.loaded || !isDatasetUri(doc.uri))) return;
    modelChecks.get(doc.uri)?.abort();
    const ac = new AbortController();
    modelChecks.set(doc.uri, ac);
    try {
      if (labelFile) {
        const checks = await jobs.run({ op: 'checkDescriptions', file: fileURLToPath(doc.uri), text: doc.getText() }, { signal: ac.signal });
        if (ac.signal.aborted || documents.get(doc.uri)?.version !== doc.version) return;
        connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [...validation, ...checks.map(toLsp)] });
        return;
      }
      const { maxModelDiagnostics } = await config.get(doc.uri);
      const examples = datasets.get(doc).examples(MAX_CHECKED_TEXTS, (e) => e.labels !== null && e.text.trim() !== '');
      if (examples.length === 0 || maxModelDiagnostics <= 0) return;
      const preds = await prefetcher.background(examples.map((e) => e.text), ac.signal);
      if (ac.signal.aborted || documents.get(doc.uri)?.version !== doc.version) return;
      const extra = modelDiagnostics(examples, preds, maxModelDiagnostics);
      connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [...validation, ...extra] });
    } catch (e) {
      if (!ac.signal.aborted) connection.console.warn(`model and description checks for ${doc.uri}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (modelChecks.get(doc.uri) === ac) modelChecks.delete(doc.uri);
    }
  };
  documents.onDidChangeContent((e) => void publish(e.document).catch((err) => connection.console.error(String(err))));
  documents.onDidClose((e) => {
    modelChecks.get(e.document.uri)?.abort();
    datasets.close(e.document.uri);
    visible.delete(e.document.uri);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  // Prefetch the texts the user may hover next: the visible lines and those around `line`, nearest first.
  const prefetchAround = (doc: TextDocument, line?: number) => {
    const lines = new Set<number>();
    for (const r of visible.get(doc.uri) ?? []) for (let l = Math.max(0, r.start.line); l <= r.end.line && lines.size < MAX_VISIBLE_LINES; l++) lines.add(l);
    if (line !== undefined) for (let l = Math.max(0, line - HOVER_NEIGHBOURS); l <= line + HOVER_NEIGHBOURS; l++) lines.add(l);
    const order = [...lines].sort((a, b) => (line === undefined ? a - b : Math.abs(a - line) - Math.abs(b - line) || a - b));
    const state = datasets.get(doc);
    prefetcher.want(order.map((l) => state.textAt(l)).filter((t): t is string => t !== undefined && t.trim() !== ''));
  };

  const prefetchVisible = async (doc: TextDocument) => {
    const { hover } = await config.get(doc.uri);
    if (model.loaded && hover.enable && hover.prefetch) prefetchAround(doc);
  };

  connection.onNotification(VisibleRangesNotification.method, async (params: VisibleRangesNotification.Params) => {
    const doc = typeof params?.uri === 'string' ? documents.get(params.uri) : undefined;
    if (!doc || !isDatasetUri(doc.uri) || !Array.isArray(params.ranges)) return;
    visible.set(doc.uri, params.ranges.filter((r) => Number.isInteger(r?.start?.line) && Number.isInteger(r?.end?.line)));
    await prefetchVisible(doc);
  });

  connection.onHover(async (params, token) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || !isDatasetUri(doc.uri) || !model.loaded) return null;
    const { hover } = await config.get(doc.uri);
    if (!hover.enable) return null;
    try {
      const example = datasets.get(doc).exampleAt(params.position.line);
      if (example) connection.tracer.log(`hover ${doc.uri}:${params.position.line}: ${model.cached(example.text) ? 'cached' : model.has(example.text) ? 'in flight' : 'new'}`);
      return await prefetcher.hover(() => datasetHover(example, model, toSignal(token)));
    } catch (e) {
      if (token.isCancellationRequested) return null;
      throw fail(e);
    } finally {
      if (hover.prefetch && Number.isInteger(params.position?.line)) prefetchAround(doc, params.position.line);
    }
  });

  connection.onCodeLens(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || !doc.uri.startsWith('file:')) return [];
    if (isLabelFileUri(doc.uri)) return labelFileLenses(doc, lastScores);
    if (isDatasetUri(doc.uri)) return datasetLenses(doc, model.loaded, datasets.get(doc).counts());
    return [];
  });

  connection.languages.inlineCompletion.on(async (params, token) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || !init.trusted || !isLabelFileUri(doc.uri) || !doc.uri.startsWith('file:')) return null;
    try {
      const { llm } = await config.get(doc.uri);
      let endpoint: LlmEndpoint | undefined;
      if (llm.baseUrl) {
        // Typing triggers a request per keystroke (each cancelling the last): ask the LLM only once typing pauses.
        if (params.context.triggerKind === InlineCompletionTriggerKind.Automatic) await new Promise((r) => setTimeout(r, LLM_TYPING_PAUSE_MS));
        if (token.isCancellationRequested) return null;
        const apiKey = await connection.sendRequest(ApiKeyRequest.method, {}).then(
          (k) => (typeof k === 'string' && k ? k : undefined),
          () => undefined,
        );
        endpoint = { baseURL: llm.baseUrl, model: llm.model, ...(apiKey ? { apiKey } : {}) };
      }
      return await inlineDescription(doc, params.position, jobs, toSignal(token), endpoint, (m) => connection.console.warn(`inline description: ${m}`));
    } catch (e) {
      if (token.isCancellationRequested) return null;
      connection.console.warn(`inline description: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  });

  connection.onRequest(DescribeRequest.method, async (params: DescribeRequest.Params, token): Promise<DescribeRequest.Result> => {
    requireTrust();
    const doc = typeof params?.uri === 'string' ? documents.get(params.uri) : undefined;
    if (!doc || !isLabelFileUri(doc.uri) || typeof params.label !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'uri must name an open label file, label a label of it');
    const { llm } = await config.get(doc.uri);
    if (params.useLlm && !llm.baseUrl) throw new ResponseError(ErrorCodes.InvalidParams, 'set lagamc.llm.baseUrl (and lagamc.llm.model) to write descriptions with an LLM');
    const endpoint = params.useLlm ? { baseURL: llm.baseUrl, model: llm.model, ...(params.apiKey ? { apiKey: params.apiKey } : {}) } : undefined;
    try {
      return await describe(doc, params.label, jobs, endpoint, toSignal(token));
    } catch (e) {
      throw fail(e);
    }
  });

  connection.onExecuteCommand(async (params) => {
    if (params.command !== ServerCommands.validate) throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${params.command}`);
    const uri = params.arguments?.[0];
    const doc = typeof uri === 'string' ? documents.get(uri) : undefined;
    if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `${String(uri)} is not an open document`);
    const diagnostics = await documentDiagnostics(doc, (u) => documents.get(u), datasets);
    connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
    return diagnostics.length;
  });

  connection.onRequest(SelectModelRequest.method, async (params: SelectModelRequest.Params): Promise<SelectModelRequest.Result> => {
    requireTrust();
    try {
      if (params.modelDir) await model.load(params.modelDir);
      else await model.unload();
    } catch (e) {
      status({ error: e instanceof Error ? e.message : String(e) });
      throw fail(e);
    }
    modelChanged();
    return { kind: model.kind ?? '', labels: model.labels };
  });

  connection.onRequest(PredictRequest.method, async (params: PredictRequest.Params, token): Promise<PredictRequest.Result> => {
    requireTrust();
    if (!Array.isArray(params?.texts) || !params.texts.every((t) => typeof t === 'string')) throw new ResponseError(ErrorCodes.InvalidParams, 'texts must be an array of strings');
    try {
      return await model.predict(params.texts, toSignal(token));
    } catch (e) {
      throw fail(e);
    }
  });

  let training = false;
  connection.onRequest(TrainRequest.method, async (params: TrainRequest.Params, token): Promise<TrainRequest.Result> => {
    requireTrust();
    if (typeof params?.datasetUri !== 'string' || !params.datasetUri.startsWith('file:')) throw new ResponseError(ErrorCodes.InvalidParams, 'datasetUri must be a file URI');
    if (training) throw new ResponseError(ErrorCodes.InvalidRequest, 'a training job is already running');
    training = true;
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    let progress;
    if (params.workDoneToken !== undefined) progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
    else {
      const created = await connection.window.createWorkDoneProgress();
      created.token.onCancellationRequested(() => ac.abort());
      progress = created;
    }
    try {
      const settings = (await config.get(params.datasetUri)).train;
      const epochs = params.epochs ?? (settings.epochs || undefined);
      const result = await train({ ...params, ...(epochs ? { epochs } : {}), select: params.select ?? settings.select, ...tuning(params.fineTuneEncoder, settings.fineTuneEncoder), fusionMinTexts: params.fusionMinTexts ?? settings.fusionMinTexts }, {
        jobs,
        progress,
        signal: ac.signal,
        ...(init.modelsDir ? { modelsDir: init.modelsDir } : {}),
        onFraction: (training) => status({ training }),
      });
      await model.load(result.modelDir);
      modelChanged();
      return result;
    } catch (e) {
      status({ error: e instanceof Error ? e.message : String(e) });
      throw ac.signal.aborted ? new ResponseError(LSPErrorCodes.RequestCancelled, 'training cancelled') : fail(e);
    } finally {
      training = false;
    }
  });

  connection.onRequest(EvaluateRequest.method, async (params: EvaluateRequest.Params, token): Promise<EvaluateRequest.Result> => {
    requireTrust();
    if (typeof params?.datasetUri !== 'string' || !params.datasetUri.startsWith('file:')) throw new ResponseError(ErrorCodes.InvalidParams, 'datasetUri must be a file URI');
    try {
      const result = await evaluate(params.datasetUri, model, toSignal(token));
      lastScores.clear();
      for (const [label, s] of Object.entries(result.report.perLabel)) lastScores.set(label, s);
      connection.sendRequest('workspace/codeLens/refresh').catch(() => {});
      return result;
    } catch (e) {
      throw fail(e);
    }
  });

  connection.onShutdown(() => jobs.dispose());
  documents.listen(connection);
  connection.listen();
}
