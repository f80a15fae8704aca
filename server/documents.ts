// Parsed views of the open dataset documents, one incremental DatasetState each, kept in step with
// the LSP's changes: validation diagnostics, the examples under a hover, CodeLens counts and the
// texts model diagnostics check.
import { fileURLToPath } from 'node:url';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DatasetState } from './datasetState';

export class DatasetDocuments {
  private readonly states = new Map<string, DatasetState>();

  /** The state of an open dataset document, brought up to its current text. */
  get(doc: TextDocument): DatasetState {
    let state = this.states.get(doc.uri);
    if (!state) this.states.set(doc.uri, (state = new DatasetState(fileURLToPath(doc.uri))));
    state.sync(doc);
    return state;
  }

  /** TextDocuments' `update`: applies the changes one by one, each seen by the document's state first. */
  readonly update = (doc: TextDocument, changes: TextDocumentContentChangeEvent[], version: number): TextDocument => {
    const state = this.states.get(doc.uri);
    for (const change of changes) {
      state?.willChange(doc, change, version);
      doc = TextDocument.update(doc, [change], version);
    }
    return doc;
  };

  close(uri: string): void {
    this.states.delete(uri);
  }
}
