// Publishes the data layer's diagnostics for open label and dataset files, unchanged but for
// the LSP severity numbers. A dataset is checked against the label file found for it, through
// its incremental state (only changed records are parsed again).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DataDiagnostic, Severity } from '../engine/data/diagnostics';
import { parseLabelFile, type LabelSet } from '../engine/data/labels';
import type { DatasetDocuments } from './documents';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLsp(d: DataDiagnostic): Diagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'lagamc', message: d.message };
}

export function isLabelFileUri(uri: string): boolean {
  return /\.labels\.jsonc?$/i.test(uri) || /\/labels\.json$/i.test(uri);
}

export function isDatasetUri(uri: string): boolean {
  return /\.(jsonl|ndjson|csv|tsv)$/i.test(uri);
}

/** The label file of a dataset: a `*.labels.jsonc` (or `labels.json`) in the dataset's folder. */
export async function findLabelFile(datasetPath: string): Promise<string | undefined> {
  const dir = dirname(datasetPath);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return undefined;
  }
  const own = names.find((n) => n.endsWith('.labels.jsonc'));
  if (own) return join(dir, own);
  return names.includes('labels.json') ? join(dir, 'labels.json') : undefined;
}

export async function documentDiagnostics(doc: TextDocument, openDocument: (uri: string) => TextDocument | undefined, datasets: DatasetDocuments): Promise<Diagnostic[]> {
  if (!doc.uri.startsWith('file:')) return [];
  const path = fileURLToPath(doc.uri);
  if (isLabelFileUri(doc.uri)) return parseLabelFile(doc.getText(), path).diagnostics.map(toLsp);
  if (!isDatasetUri(doc.uri)) return [];
  const labels = await labelSetFor(path, openDocument);
  return datasets.get(doc).diagnostics(labels).map(toLsp);
}

async function labelSetFor(datasetPath: string, openDocument: (uri: string) => TextDocument | undefined): Promise<LabelSet | undefined> {
  const file = await findLabelFile(datasetPath);
  if (!file) return undefined;
  const open = openDocument(pathToFileURL(file).toString());
  try {
    const set = parseLabelFile(open ? open.getText() : await readFile(file, 'utf8'), file);
    return set.diagnostics.some((d) => d.severity === 'error') ? undefined : set;
  } catch {
    return undefined;
  }
}
