// VS Code side: starts the language server (dist/server.mjs) over IPC for label and dataset files,
// and adds the palette commands, status bar item, output channel, API-key storage and the
// evaluation report. In an untrusted workspace the server is told so and refuses model loading,
// training and LLM calls; granting trust restarts it.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { commands, ProgressLocation, Uri, window, workspace, WorkspaceEdit, type ExtensionContext, type TextEditor } from 'vscode';
import { LanguageClient, TransportKind, WorkDoneProgress, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  ApiKeyRequest,
  ClientCommands,
  DescribeRequest,
  EvaluateRequest,
  PredictRequest,
  SelectModelRequest,
  ServerCommands,
  StatusNotification,
  TrainRequest,
  VisibleRangesNotification,
  type InitializationOptions,
} from '../server/protocol';
import { labelConfidence } from '../engine/model/prediction';
import { showReport } from './reportView';
import { ModelStatus } from './statusBar';

/** Scrolling sends the visible lines once it pauses this long. */
const VISIBLE_RANGES_PAUSE_MS = 150;

/** SecretStorage key of the LLM API key (never written to settings or logs). */
export const API_KEY_SECRET = 'lagamc.llm.apiKey';

let client: LanguageClient | undefined;

function createClient(context: ExtensionContext, status: ModelStatus): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.mjs'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--inspect=6010'] } },
  };
  const initializationOptions: InitializationOptions = { trusted: workspace.isTrusted };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'jsonl' },
      { scheme: 'file', language: 'lagamc-labels' },
      { scheme: 'file', pattern: '**/*.{csv,tsv}' },
      { scheme: 'file', pattern: '**/labels.json' },
    ],
    initializationOptions,
    synchronize: { configurationSection: 'lagamc' },
  };
  const c = new LanguageClient('lagamc', 'LAGAMC', serverOptions, clientOptions);
  // The key leaves SecretStorage only for a trusted workspace, one LLM call at a time.
  c.onRequest(ApiKeyRequest.method, async (): Promise<ApiKeyRequest.Result> => (workspace.isTrusted ? ((await context.secrets.get(API_KEY_SECRET)) ?? null) : null));
  c.onNotification(StatusNotification.method, (s: StatusNotification.Params) => {
    status.show(s, !workspace.isTrusted);
    if (s.error) c.outputChannel.appendLine(`[status] ${s.error}`);
  });
  return c;
}

/** The dataset a command acts on: its argument (a URI string from a CodeLens or a Uri), else the active editor. */
function targetUri(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Uri) return arg.toString();
  return window.activeTextEditor?.document.uri.toString();
}

function trusted(): boolean {
  if (!workspace.isTrusted) void window.showWarningMessage('LAGAMC: this workspace is not trusted; training, model loading and LLM calls are disabled.');
  return workspace.isTrusted;
}

async function guarded(what: string, run: (c: LanguageClient) => Promise<void>): Promise<void> {
  if (!client) return;
  try {
    await run(client);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    client.outputChannel.appendLine(`[${what}] ${message}`);
    void window.showErrorMessage(`LAGAMC ${what}: ${message}`);
  }
}

export async function activate(context: ExtensionContext): Promise<void> {
  const status = new ModelStatus();
  status.show({}, !workspace.isTrusted);
  client = createClient(context, status);
  context.subscriptions.push(
    status,
    commands.registerCommand(ClientCommands.train, (arg?: unknown) =>
      guarded('Train', async (c) => {
        const datasetUri = targetUri(arg);
        if (!datasetUri || !trusted()) return;
        const r = await window.withProgress({ location: ProgressLocation.Notification, title: 'LAGAMC: Train', cancellable: true }, async (progress, token) => {
          // The server reports on our token; the notification's Cancel cancels the request.
          const workDoneToken = randomUUID();
          let shown = 0;
          const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
            if (v.kind === 'end') return;
            const pct = v.percentage;
            progress.report({ ...(v.message ? { message: v.message } : {}), ...(pct !== undefined ? { increment: pct - shown } : {}) });
            if (pct !== undefined) shown = pct;
          });
          try {
            return (await c.sendRequest(TrainRequest.method, { datasetUri, workDoneToken } satisfies TrainRequest.Params, token)) as TrainRequest.Result;
          } finally {
            sub.dispose();
          }
        });
        c.outputChannel.appendLine(`[Train] wrote ${r.modelDir}: dev micro-F1 ${r.dev.microF1.toFixed(3)}, macro-F1 ${r.dev.macroF1.toFixed(3)}`);
        void window.showInformationMessage(`LAGAMC: trained ${path.basename(r.modelDir)} (dev micro-F1 ${(100 * r.dev.microF1).toFixed(1)}%)`);
      }),
    ),
    commands.registerCommand(ClientCommands.evaluate, (arg?: unknown) =>
      guarded('Evaluate', async (c) => {
        const datasetUri = targetUri(arg);
        if (!datasetUri || !trusted()) return;
        showReport(await c.sendRequest(EvaluateRequest.method, { datasetUri } satisfies EvaluateRequest.Params) as EvaluateRequest.Result);
      }),
    ),
    commands.registerCommand(ClientCommands.validate, (arg?: unknown) =>
      guarded('Validate', async (c) => {
        const uri = targetUri(arg);
        if (!uri) return;
        const n = (await c.sendRequest('workspace/executeCommand', { command: ServerCommands.validate, arguments: [uri] })) as number;
        void window.showInformationMessage(`LAGAMC: ${n} problem${n === 1 ? '' : 's'} in ${path.basename(Uri.parse(uri).fsPath)}`);
      }),
    ),
    commands.registerCommand(ClientCommands.predictSelection, () =>
      guarded('Predict', async (c) => {
        const editor: TextEditor | undefined = window.activeTextEditor;
        const text = editor ? editor.document.getText(editor.selection.isEmpty ? editor.document.lineAt(editor.selection.active.line).range : editor.selection) : '';
        if (!text.trim() || !trusted()) return;
        const [p] = (await c.sendRequest(PredictRequest.method, { texts: [text] } satisfies PredictRequest.Params)) as PredictRequest.Result;
        // The label head's probability where the model has one: with constrained decoding every match scores 1.
        const labels = p!.labels.map((l) => `${l.label} (${labelConfidence(l)})`).join(', ') || 'no label';
        c.outputChannel.appendLine(`[Predict] ${text.slice(0, 200)}\n  → ${labels}`);
        for (const s of p!.sentences ?? []) c.outputChannel.appendLine(`  ${s.hallucinated ? '⚠ ' : ''}"${s.sentence}" → ${s.label} (${s.score.toFixed(2)})`);
        void window.showInformationMessage(`LAGAMC: ${labels}`);
      }),
    ),
    commands.registerCommand(ClientCommands.selectModel, (arg?: unknown) =>
      guarded('Select Model', async (c) => {
        if (!trusted()) return;
        const picked = arg instanceof Uri ? [arg] : await window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Load LAGAMC model' });
        if (!picked?.[0]) return;
        const r = (await c.sendRequest(SelectModelRequest.method, { modelDir: picked[0].fsPath } satisfies SelectModelRequest.Params)) as SelectModelRequest.Result;
        c.outputChannel.appendLine(`[Select Model] ${picked[0].fsPath}: ${r.kind}, ${r.labels.length} labels`);
      }),
    ),
    commands.registerCommand(ClientCommands.describe, (uri?: unknown, label?: unknown) =>
      guarded('Describe', async (c) => {
        if (typeof uri !== 'string' || typeof label !== 'string' || !trusted()) return;
        // With an LLM endpoint configured the key goes along with this one request.
        const useLlm = !!workspace.getConfiguration('lagamc', Uri.parse(uri)).get<string>('llm.baseUrl');
        const apiKey = useLlm ? await context.secrets.get(API_KEY_SECRET) : undefined;
        const r = (await window.withProgress({ location: ProgressLocation.Notification, title: `LAGAMC: describing "${label}"`, cancellable: true }, (_p, token) =>
          c.sendRequest(DescribeRequest.method, { uri, label, useLlm, ...(apiKey ? { apiKey } : {}) } satisfies DescribeRequest.Params, token),
        )) as DescribeRequest.Result;
        const edit = new WorkspaceEdit();
        edit.set(Uri.parse(uri), await c.protocol2CodeConverter.asTextEdits(r.edits) ?? []);
        await workspace.applyEdit(edit);
        c.outputChannel.appendLine(`[Describe] ${label} (${r.source}): ${r.description}`);
      }),
    ),
    commands.registerCommand(ClientCommands.setApiKey, async () => {
      const key = await window.showInputBox({ prompt: 'API key of the LLM endpoint (lagamc.llm.baseUrl); stored in VS Code SecretStorage', password: true, ignoreFocusOut: true });
      if (key === undefined) return;
      if (key === '') await context.secrets.delete(API_KEY_SECRET);
      else await context.secrets.store(API_KEY_SECRET, key);
      void window.showInformationMessage(key === '' ? 'LAGAMC: API key removed' : 'LAGAMC: API key stored');
    }),
    commands.registerCommand(ClientCommands.showOutput, () => client?.outputChannel.show()),
    workspace.onDidGrantWorkspaceTrust(async () => {
      await client?.stop();
      client = createClient(context, status);
      status.show({});
      await client.start();
    }),
  );
  await client.start();
  // The lines a dataset editor shows, so the server predicts them before they are hovered.
  let pause: ReturnType<typeof setTimeout> | undefined;
  const sendVisible = (editor: TextEditor | undefined) => {
    clearTimeout(pause);
    if (!editor || editor.document.uri.scheme !== 'file' || !/\.(jsonl|ndjson|csv|tsv)$/i.test(editor.document.uri.path)) return;
    pause = setTimeout(() => {
      const ranges = editor.visibleRanges.map((r) => ({ start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } }));
      void client?.sendNotification(VisibleRangesNotification.method, { uri: editor.document.uri.toString(), ranges } satisfies VisibleRangesNotification.Params);
    }, VISIBLE_RANGES_PAUSE_MS);
  };
  context.subscriptions.push(
    window.onDidChangeTextEditorVisibleRanges((e) => sendVisible(e.textEditor)),
    window.onDidChangeActiveTextEditor(sendVisible),
  );
  sendVisible(window.activeTextEditor);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
