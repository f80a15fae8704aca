// Label descriptions in the editor: the checks published as diagnostics on label files, a new
// description for one label as undoable text edits (Generate/Refine), and the inline suggestion
// inside a description string (LLM or offline).
import { fileURLToPath } from 'node:url';
import type { InlineCompletionItem, Position, TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseLabelFile, type LabelDef } from '../engine/data/labels';
import { planDescriptionEdits } from '../engine/descriptions/write';
import type { Jobs } from './jobs/jobs';
import type { LlmEndpoint } from './jobs/messages';
import type { DescribeRequest } from './protocol';

const inside = (p: Position, r: { start: Position; end: Position }) =>
  (p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character)) && (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));

/** The label whose description string holds `position`. */
export function labelAtDescription(doc: TextDocument, position: Position): LabelDef | undefined {
  const set = parseLabelFile(doc.getText(), fileURLToPath(doc.uri));
  return set.labels.find((l) => l.descriptionRange && inside(position, l.descriptionRange));
}

export async function describe(doc: TextDocument, label: string, jobs: Jobs, llm: LlmEndpoint | undefined, signal: AbortSignal): Promise<DescribeRequest.Result> {
  const file = fileURLToPath(doc.uri);
  const text = doc.getText();
  const r = await jobs.run({ op: 'describe', file, text, label, ...(llm ? { llm } : {}) }, { signal });
  const plan = planDescriptionEdits(text, parseLabelFile(text, file), [{ label, description: r.description }], true);
  const edits: TextEdit[] = plan.edits.map((e) => ({ range: { start: doc.positionAt(e.offset), end: doc.positionAt(e.offset + e.length) }, newText: e.content }));
  return { label, description: r.description, source: r.source, edits };
}

/**
 * A new description for the label under the cursor, replacing the description string's content:
 * from the LLM when `llm` is given (its failure is passed to `warn` and the offline generator
 * answers instead), else from the offline generator.
 */
export async function inlineDescription(
  doc: TextDocument,
  position: Position,
  jobs: Jobs,
  signal: AbortSignal,
  llm?: LlmEndpoint,
  warn: (message: string) => void = () => {},
): Promise<InlineCompletionItem[]> {
  const label = labelAtDescription(doc, position);
  if (!label?.descriptionRange) return [];
  const ask = (endpoint?: LlmEndpoint) => jobs.run({ op: 'describe', file: fileURLToPath(doc.uri), text: doc.getText(), label: label.name, ...(endpoint ? { llm: endpoint } : {}) }, { signal });
  let r: { description: string } | undefined;
  if (llm) {
    try {
      r = await ask(llm);
    } catch (e) {
      if (signal.aborted) throw e;
      warn(`the LLM did not describe "${label.name}" (${e instanceof Error ? e.message : String(e)}); suggesting the offline description`);
    }
  }
  r ??= await ask();
  if (r.description === label.description) return [];
  // The range covers the string without its quotes.
  const { start, end } = label.descriptionRange;
  const range = { start: { line: start.line, character: start.character + 1 }, end: { line: end.line, character: end.character - 1 } };
  return [{ insertText: JSON.stringify(r.description).slice(1, -1), range }];
}
