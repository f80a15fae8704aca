// CodeLens: at the top of a dataset file (counts, Train, Evaluate, Validate) and on each label of
// a label file (its support in the folder's training data, Generate/Refine description, last
// evaluation F1/precision/recall).
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readExamples } from '../engine/data/dataset';
import { labelIndex, parseLabelFile } from '../engine/data/labels';
import type { LabelScore } from '../engine/metrics/multilabel';
import { trainingFileFor } from './datasetFiles';
import { ClientCommands } from './protocol';

const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const info = (title: string, range = top): CodeLens => ({ range, command: { title, command: '' } });

export function datasetLenses(doc: TextDocument, modelLoaded: boolean, counts: { texts: number; labels: number }): CodeLens[] {
  const args = [doc.uri];
  return [
    info(`${counts.texts} texts · ${counts.labels} labels`),
    { range: top, command: { title: 'Train LAGAMC', command: ClientCommands.train, arguments: args } },
    ...(modelLoaded ? [{ range: top, command: { title: 'Evaluate', command: ClientCommands.evaluate, arguments: args } }] : []),
    { range: top, command: { title: 'Validate', command: ClientCommands.validate, arguments: args } },
  ];
}

/** Label counts of the training file beside a label file. */
async function folderSupport(labelFile: string, resolve: (name: string) => string): Promise<{ file: string; counts: Map<string, number> } | undefined> {
  const file = await trainingFileFor(labelFile);
  if (!file) return undefined;
  const { mtimeMs } = await stat(file);
  const hit = supportCache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return { file, counts: hit.counts };
  const counts = new Map<string, number>();
  for await (const ex of readExamples(file, { report: () => {} })) for (const l of ex.labels ?? []) counts.set(resolve(l), (counts.get(resolve(l)) ?? 0) + 1);
  supportCache.set(file, { mtimeMs, counts });
  return { file, counts };
}
const supportCache = new Map<string, { mtimeMs: number; counts: Map<string, number> }>();

export async function labelFileLenses(doc: TextDocument, lastScores: ReadonlyMap<string, LabelScore>): Promise<CodeLens[]> {
  const path = fileURLToPath(doc.uri);
  const set = parseLabelFile(doc.getText(), path);
  const index = labelIndex(set);
  const support = await folderSupport(path, (l) => index.get(l)?.name ?? l);
  const lenses: CodeLens[] = [];
  for (const l of set.labels) {
    const range = l.nameRange ?? l.range;
    if (!range) continue;
    if (support) lenses.push(info(`support ${support.counts.get(l.name) ?? 0} in ${basename(support.file)}`, range));
    lenses.push({ range, command: { title: l.description ? 'Refine description' : 'Generate description', command: ClientCommands.describe, arguments: [doc.uri, l.name] } });
    const s = lastScores.get(l.name);
    if (s) lenses.push(info(`F1 ${s.f1.toFixed(2)} · P ${s.precision.toFixed(2)} · R ${s.recall.toFixed(2)} (last evaluation)`, range));
  }
  return lenses;
}
