// Label files. Two forms are read by the same code:
//  - `*.labels.jsonc` (JSONC, comments allowed): optional `instruction`, `task`, `threshold`,
//    `noneDescription`, and `labels`: [{ name, description, longName?, aliases?, threshold? }].
//  - the plain `labels.json` of public datasets: `{"labels": [{"name", "description" | null}]}`.
import { readFile } from 'node:fs/promises';
import { parseTree, findNodeAtLocation, getNodeValue, type Node, type ParseError } from 'jsonc-parser';
import { DataError, type DataDiagnostic, type Range } from './diagnostics';
import { LineIndex } from './lineIndex';
import { describe, readableParseError } from './jsonl';

export interface LabelDef {
  name: string;
  /** null when the file gives none (or an empty one). */
  description: string | null;
  longName?: string;
  /** Other names under which this label may appear in dataset files. */
  aliases: string[];
  /** Matching threshold for this label; overrides the file's `threshold`. */
  threshold?: number;
  /** Position in the file's `labels` array (the JSON path is ['labels', index]). */
  index: number;
  range?: Range;
  nameRange?: Range;
  descriptionRange?: Range;
}

export interface LabelSet {
  file: string;
  instruction?: string;
  task?: string;
  /** Default matching threshold for every label (the matcher's own default is 0.4). */
  threshold?: number;
  /** Target sentence for texts that carry no label. */
  noneDescription?: string;
  labels: LabelDef[];
  diagnostics: DataDiagnostic[];
}

/** Resolves a name used in a dataset (the label's name or one of its aliases) to the label. */
export function labelIndex(set: LabelSet): Map<string, LabelDef> {
  const map = new Map<string, LabelDef>();
  for (const l of set.labels) map.set(l.name, l);
  for (const l of set.labels) for (const a of l.aliases) if (!map.has(a)) map.set(a, l);
  return map;
}

export function parseLabelFile(text: string, file: string): LabelSet {
  const lines = new LineIndex(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text);
  const diagnostics: DataDiagnostic[] = [];
  const at = (node: Node | undefined): Range => (node ? lines.range(node.offset, node.length) : lines.range(0, 0));
  const report = (severity: DataDiagnostic['severity'], code: string, message: string, node: Node | undefined, field?: string) =>
    diagnostics.push({ file, severity, range: at(node), code, message, ...(field ? { field } : {}) });

  const errors: ParseError[] = [];
  const root = parseTree(lines.text, errors, { allowTrailingComma: true, disallowComments: false });
  for (const e of errors) {
    diagnostics.push({ file, severity: 'error', range: lines.range(e.offset, Math.max(1, e.length)), code: 'jsonc-syntax', message: `syntax error: ${readableParseError(e.error)}` });
  }
  const set: LabelSet = { file, labels: [], diagnostics };
  if (!root || root.type !== 'object') {
    report('error', 'labels-root', 'a label file must be a JSON object with a "labels" array', root);
    return set;
  }

  const str = (key: string): string | undefined => {
    const n = findNodeAtLocation(root, [key]);
    if (!n) return undefined;
    if (n.type === 'string') return n.value as string;
    report('error', 'field-type', `"${key}" must be a string, not ${describe(getNodeValue(n))}`, n, key);
    return undefined;
  };
  const threshold = (n: Node | undefined, field: string): number | undefined => {
    if (!n) return undefined;
    if (n.type === 'number' && n.value >= 0 && n.value <= 1) return n.value as number;
    report('error', 'threshold-range', `"${field}" must be a number between 0 and 1`, n, field);
    return undefined;
  };
  const instruction = str('instruction');
  const task = str('task');
  const noneDescription = str('noneDescription');
  const th = threshold(findNodeAtLocation(root, ['threshold']), 'threshold');
  if (instruction !== undefined) set.instruction = instruction;
  if (task !== undefined) set.task = task;
  if (noneDescription !== undefined) set.noneDescription = noneDescription;
  if (th !== undefined) set.threshold = th;

  const arr = findNodeAtLocation(root, ['labels']);
  if (!arr || arr.type !== 'array') {
    report('error', 'labels-missing', arr ? '"labels" must be an array of label objects' : 'the file has no "labels" array', arr ?? root, 'labels');
    return set;
  }
  const seen = new Map<string, number>();
  (arr.children ?? []).forEach((node, index) => {
    if (node.type !== 'object') {
      report('error', 'label-type', `labels[${index}] must be an object like {"name": ..., "description": ...}`, node);
      return;
    }
    const nameNode = findNodeAtLocation(node, ['name']);
    if (!nameNode || nameNode.type !== 'string' || (nameNode.value as string).trim() === '') {
      report('error', 'label-name', `labels[${index}] needs a non-empty string "name"`, nameNode ?? node, 'name');
      return;
    }
    const name = (nameNode.value as string).trim();
    const first = seen.get(name);
    if (first !== undefined) {
      report('error', 'duplicate-label-name', `label "${name}" is defined twice (first at line ${set.labels[first]!.nameRange!.start.line + 1})`, nameNode, 'name');
      return;
    }
    const descNode = findNodeAtLocation(node, ['description']);
    let description: string | null = null;
    if (descNode && descNode.type === 'string' && (descNode.value as string).trim() !== '') description = (descNode.value as string).trim();
    else if (descNode && descNode.type !== 'string' && descNode.type !== 'null') {
      report('error', 'field-type', `the description of "${name}" must be a string, not ${describe(getNodeValue(descNode))}`, descNode, 'description');
    } else {
      report('warning', 'missing-description', `label "${name}" has no description; run "lagamc describe" or write one`, descNode ?? nameNode, 'description');
    }
    const def: LabelDef = { name, description, aliases: [], index, range: at(node), nameRange: at(nameNode) };
    if (descNode) def.descriptionRange = at(descNode);
    const longNode = findNodeAtLocation(node, ['longName']);
    if (longNode?.type === 'string') def.longName = longNode.value as string;
    const aliasNode = findNodeAtLocation(node, ['aliases']);
    if (aliasNode) {
      const v = getNodeValue(aliasNode);
      if (Array.isArray(v) && v.every((a) => typeof a === 'string')) def.aliases = v as string[];
      else report('error', 'field-type', `the aliases of "${name}" must be an array of strings`, aliasNode, 'aliases');
    }
    const t = threshold(findNodeAtLocation(node, ['threshold']), 'threshold');
    if (t !== undefined) def.threshold = t;
    seen.set(name, set.labels.length);
    set.labels.push(def);
  });
  for (const l of set.labels) {
    for (const a of l.aliases) {
      const other = seen.get(a);
      if (other !== undefined && set.labels[other] !== l) {
        diagnostics.push({ file, severity: 'error', range: l.range!, code: 'duplicate-label-name', message: `alias "${a}" of "${l.name}" is also the name of another label`, field: 'aliases' });
      }
    }
  }
  return set;
}

/** Reads a label file; throws DataError (with every diagnostic) if it has errors. */
export async function loadLabelFile(file: string): Promise<LabelSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError([{ file, severity: 'error', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, code: 'io', message: `cannot read the label file: ${(e as Error).message}` }]);
  }
  const set = parseLabelFile(text, file);
  const errors = set.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new DataError(errors);
  return set;
}
