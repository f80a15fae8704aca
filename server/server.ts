// Wires an LSP connection to the engine. Handlers stay thin: each asks an engine service and
// converts the answer to LSP types. The connection is injected, so tests can drive it directly.
import { TextDocuments, TextDocumentSyncKind, type Connection, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { documentDiagnostics } from './diagnostics';

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
    },
    serverInfo: { name: 'lagamc' },
  }));

  const publish = async (doc: TextDocument) => {
    const diagnostics: Diagnostic[] = await documentDiagnostics(doc, (uri) => documents.get(uri));
    connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  };
  documents.onDidChangeContent((e) => void publish(e.document));
  documents.onDidClose((e) => connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));

  documents.listen(connection);
  connection.listen();
}
