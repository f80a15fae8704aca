// `lagamc zeroshot`: zero-shot labelling from LLM feedback. An LLM (or, without one, a trained
// model or the encoder itself) judges the candidate labels of a sample of documents; a bi-encoder
// learns from the judgements and then labels any text with no LLM (`lagamc predict --model`).
import { loadExamples } from '../../data/dataset';
import { loadLabelFile } from '../../data/labels';
import { EmbeddingCache } from '../../encoders/cache';
import { loadEncoder } from '../../encoders/index';
import { saveBiEncoder } from '../../zeroshot/model';
import { trainFromFeedback } from '../../zeroshot/pipeline';
import type { Teacher } from '../../zeroshot/teachers';
import { EXIT, UsageError, flag, jsonOption, num, required, str, type Command } from '../command';
import { csvFlags, csvOptions, llmFlags, llmFromFlags } from './shared';

export const zeroshot: Command = {
  name: 'zeroshot',
  summary: 'train a bi-encoder from an LLM\'s judgements of sampled documents, then label with no LLM',
  usage: '--docs F --labels F [--llm] [--budget N] [--teacher llm|self|model:DIR] --out DIR',
  options: {
    docs: { type: 'string', placeholder: 'F', description: 'the documents (JSONL/CSV/TSV; labels, if any, are not used)' },
    labels: { type: 'string', placeholder: 'F', description: 'label file: names and descriptions' },
    out: { type: 'string', placeholder: 'DIR', description: 'model folder to write (kind "biencoder")' },
    llm: { type: 'boolean', description: 'the teacher is an OpenAI-compatible LLM (same as --teacher llm)' },
    teacher: { type: 'string', placeholder: 'T', description: '"llm", "self" (the encoder\'s own confident scores) or "model:DIR" (a trained lagamc model); default llm with --llm, else self' },
    budget: { type: 'string', placeholder: 'N', description: 'most LLM requests, retries included (default 2,000)' },
    ...llmFlags,
    sample: { type: 'string', placeholder: 'N', description: 'documents to judge (default: the budget, at most 2,000)' },
    candidates: { type: 'string', placeholder: 'K', description: 'candidate labels per judged document (default: every label when there are at most 40, else the top 20)' },
    'top-k': { type: 'string', placeholder: 'K', description: 'labels the model predicts per text (default 1)' },
    threshold: { type: 'string', placeholder: 'X', description: 'predict only labels whose cosine reaches X' },
    epochs: { type: 'string', placeholder: 'N', description: 'training epochs (default 5)' },
    seed: { type: 'string', placeholder: 'N', description: 'seed for sampling and training (default 1)' },
    encoder: { type: 'string', placeholder: 'SPEC', description: 'base encoder: "use" (default) or a sentence-transformers ONNX folder' },
    cache: { type: 'string', placeholder: 'DIR', description: 'keep document embeddings on disk between runs' },
    ...csvFlags,
    ...jsonOption,
  },
  async run({ values, io, signal }) {
    const set = await loadLabelFile(required(values, 'labels'));
    const out = required(values, 'out');
    const { examples } = await loadExamples(required(values, 'docs'), { csv: csvOptions(values) });
    const spec = str(values, 'teacher') ?? (flag(values, 'llm') ? 'llm' : 'self');
    const budget = num(values, 'budget', 2000, { min: 1, integer: true });
    const sample = num(values, 'sample', Math.min(budget, 2000), { min: 1, integer: true });
    let teacher: Teacher;
    if (spec === 'llm') {
      teacher = { kind: 'llm', llm: llmFromFlags(values, budget) };
    } else if (spec === 'self') teacher = { kind: 'self' };
    else if (spec.startsWith('model:')) teacher = { kind: 'model', dir: spec.slice('model:'.length) };
    else throw new UsageError(`--teacher must be "llm", "self" or "model:DIR", not "${spec}"`);
    const judgedDocs = Math.min(sample, examples.length);
    if (teacher.kind === 'llm') {
      io.err(`the LLM will judge ${judgedDocs} documents: about ${judgedDocs} requests (more if answers are malformed or requests fail), capped at ${budget}`);
    } else io.err(`teacher: ${spec} (no LLM); ${judgedDocs} documents`);
    const encoderSpec = str(values, 'encoder') ?? 'use';
    const encoder = await loadEncoder(encoderSpec);
    const cacheDir = str(values, 'cache');
    const result = await trainFromFeedback(examples.map((e) => e.text), set, encoder, teacher, {
      sample,
      ...(str(values, 'candidates') ? { candidates: num(values, 'candidates', 5, { min: 1, integer: true }) } : {}),
      seed: num(values, 'seed', 1, { integer: true }),
      ...(str(values, 'epochs') ? { epochs: num(values, 'epochs', 5, { min: 1, integer: true }) } : {}),
      ...(cacheDir ? { cache: new EmbeddingCache({ dir: cacheDir }) } : {}),
      signal,
      onProgress: (e) => io.interactive && e.message && io.err(`\r${e.message}`.padEnd(70)),
    });
    const threshold = str(values, 'threshold');
    await saveBiEncoder(out, result.model, set.labels, encoderSpec, { topK: num(values, 'top-k', 1, { min: 1, integer: true }), ...(threshold ? { threshold: num(values, 'threshold', 0, { min: -1, max: 1 }) } : {}) }, result.record);
    result.model.dispose();
    if (flag(values, 'json')) io.out(JSON.stringify({ out, ...result.record, ...(result.stopped ? { stopped: result.stopped } : {}) }, null, 2));
    else {
      io.out(`wrote ${out}: teacher ${result.record.teacher}, ${result.record.judged} documents judged${result.record.skipped ? `, ${result.record.skipped} skipped` : ''}${result.record.llmCalls !== undefined ? `, ${result.record.llmCalls} LLM requests` : ''}, trained in ${result.record.trainSeconds.toFixed(1)} s`);
      if (result.stopped) io.err(`judging stopped early: ${result.stopped}`);
    }
    return EXIT.ok;
  },
};
