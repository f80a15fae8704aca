// A JSON-RPC client for the language server as a test sees it: spawns `node dist/server.mjs
// --stdio`, answers the server's own requests (configuration, progress creation) and records
// what it publishes (diagnostics, progress, status).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type { Diagnostic, ProgressToken } from 'vscode-languageserver-protocol';
import { repoRoot } from '../helpers/shared';

export interface Recorded {
  diagnostics: Map<string, Diagnostic[]>;
  /** Document version of the last diagnostics published per URI. */
  diagnosticsVersion: Map<string, number>;
  /** `$/logTrace` messages (after `$/setTrace`). */
  trace: string[];
  progress: { token: ProgressToken; value: { kind: string; percentage?: number; message?: string; title?: string; cancellable?: boolean } }[];
  status: Record<string, unknown>[];
}

export class LspClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  readonly seen: Recorded = { diagnostics: new Map(), diagnosticsVersion: new Map(), trace: [], progress: [], status: [] };
  settings: Record<string, unknown> = {};
  /** The answer to the server's `lagamc/apiKey` requests (the client's SecretStorage). */
  apiKey: string | null = null;
  apiKeyRequests = 0;
  private waiters: (() => void)[] = [];

  constructor() {
    this.proc = spawn(process.execPath, [join(repoRoot, 'dist', 'server.mjs'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      this.seen.diagnostics.set(p.uri, p.diagnostics);
      if (p.version !== undefined) this.seen.diagnosticsVersion.set(p.uri, p.version);
      this.wake();
    });
    this.conn.onNotification('$/progress', (p: Recorded['progress'][number]) => {
      this.seen.progress.push(p);
      this.wake();
    });
    this.conn.onNotification('lagamc/status', (p: Record<string, unknown>) => {
      this.seen.status.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', () => {});
    this.conn.onNotification('$/logTrace', (p: { message: string }) => {
      this.seen.trace.push(p.message);
      this.wake();
    });
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => null);
    this.conn.onRequest('lagamc/apiKey', () => (this.apiKeyRequests++, this.apiKey));
    this.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    this.conn.listen();
  }

  /** Resolves once `check` holds (re-checked on every notification), or fails after `ms`. */
  until<T>(what: string, check: () => T | undefined | false, ms = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const test = () => {
        const v = check();
        if (v) {
          clearTimeout(timer);
          resolve(v);
          return true;
        }
        return false;
      };
      if (test()) return;
      const waiter = () => {
        if (!test()) this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
    });
  }

  async initialize(rootUri: string, initializationOptions: object = { trusted: true }): Promise<unknown> {
    const r = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true, codeLens: { refreshSupport: true } } },
      initializationOptions,
    });
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    this.conn.dispose();
    this.proc.kill();
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
