// `lagamc describe`: writes label descriptions into the label file, composed offline from the
// training data (default) or by an LLM (--llm, any OpenAI-compatible endpoint), then checks them.
import { copyFile, readFile } from 'node:fs/promises';
import { loadExamples } from '../../data/dataset';
import { DataError, formatDiagnostic } from '../../data/diagnostics';
import { parseLabelFile } from '../../data/labels';
import { checkDescriptions } from '../../descriptions/checks';
import { labelEvidence } from '../../descriptions/evidence';
import { generateDescriptions } from '../../descriptions/generate';
import { diffEdits, planDescriptionEdits } from '../../descriptions/write';
import { loadEncoder } from '../../encoders/index';
import { writeFileAtomic } from '../../io/atomic';
import { EXIT, flag, jsonOption, num, required, str, type Command } from '../command';
import { csvFlags, csvOptions, llmFlags, llmFromFlags } from './shared';

async function readGlossary(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8');
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((d) => typeof d === 'string')) return new Map(Object.entries(v as Record<string, string>));
  } catch {
    // not one JSON object: read it as JSON Lines below
  }
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: { name?: unknown; description?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      throw new DataError([{ file, severity: 'error', range: { start: { line: i, character: 0 }, end: { line: i, character: line.length } }, code: 'json-syntax', message: 'a glossary is one JSON object {"label": "description", ...} or JSON lines {"name", "description"}' }]);
    }
    if (typeof rec.name !== 'string' || typeof rec.description !== 'string') {
      throw new DataError([{ file, severity: 'error', range: { start: { line: i, character: 0 }, end: { line: i, character: line.length } }, code: 'field-type', field: typeof rec.name !== 'string' ? 'name' : 'description', message: 'each glossary line needs string "name" and "description"' }]);
    }
    out.set(rec.name, rec.description);
  });
  return out;
}

export const describe: Command = {
  name: 'describe',
  summary: 'write label descriptions into the label file, offline from the data or with an LLM',
  usage: '--train F --labels F [--llm] [--only a,b] [--dry-run] [--overwrite] [--out F] [--json]',
  options: {
    train: { type: 'string', placeholder: 'F', description: 'labelled training data: examples and key terms of each label' },
    labels: { type: 'string', placeholder: 'F', description: 'label file to complete (*.labels.jsonc or labels.json)' },
    llm: { type: 'boolean', description: 'ask an OpenAI-compatible endpoint instead of composing offline' },
    budget: { type: 'string', placeholder: 'N', description: 'most LLM requests, retries included (default 200)' },
    ...llmFlags,
    glossary: { type: 'string', placeholder: 'F', description: 'preliminary descriptions: {"label": "text"} or JSON lines {"name", "description"}' },
    only: { type: 'string', placeholder: 'a,b', description: 'describe only these labels' },
    overwrite: { type: 'boolean', description: 'replace existing descriptions too (default: only fill missing ones)' },
    'dry-run': { type: 'boolean', description: 'print the diff; change no file' },
    out: { type: 'string', placeholder: 'F', description: 'write the updated label file to F instead of in place' },
    encoder: { type: 'string', placeholder: 'SPEC', description: 'sentence encoder: "use" (default) or a sentence-transformers ONNX folder' },
    ...csvFlags,
    ...jsonOption,
  },
  async run({ values, io, signal }) {
    const labelsFile = required(values, 'labels');
    const trainFile = required(values, 'train');
    const text = await readFile(labelsFile, 'utf8');
    const set = parseLabelFile(text, labelsFile);
    const errors = set.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new DataError(errors);
    const { examples } = await loadExamples(trainFile, { labels: set, csv: csvOptions(values) });
    const only = str(values, 'only')?.split(',').map((s) => s.trim()).filter(Boolean);
    const overwrite = flag(values, 'overwrite');
    const targets = only ?? set.labels.filter((l) => overwrite || !l.description).map((l) => l.name);
    const encoder = await loadEncoder(str(values, 'encoder'));
    const glossaryFile = str(values, 'glossary');
    const llm = flag(values, 'llm') ? llmFromFlags(values, num(values, 'budget', 200, { min: 1, integer: true })) : undefined;
    if (llm && io.interactive) io.err(`asking ${llm.options.baseURL} (${llm.options.model}) for ${targets.length} description(s): at most ${targets.length * 4} requests with retries`);
    const generated = targets.length
      ? await generateDescriptions(set, examples, encoder, {
          only: targets,
          signal,
          ...(llm ? { llm } : {}),
          ...(glossaryFile ? { glossary: await readGlossary(glossaryFile) } : {}),
          onProgress: (e) => io.interactive && io.err(`\r${e.message ?? ''}`.padEnd(60)),
        })
      : [];
    const plan = planDescriptionEdits(text, set, generated, overwrite || !!only);
    const out = str(values, 'out') ?? labelsFile;
    const dryRun = flag(values, 'dry-run');
    if (!dryRun && plan.changed.length) {
      if (out === labelsFile) await copyFile(labelsFile, labelsFile + '.bak');
      await writeFileAtomic(out, plan.text);
    }
    const updated = parseLabelFile(plan.text, out);
    const checks = await checkDescriptions(updated, encoder, await labelEvidence(examples, updated.labels.map((l) => l.name), encoder, { signal }));
    if (flag(values, 'json')) {
      io.out(JSON.stringify({
        file: out,
        written: !dryRun && plan.changed.length > 0,
        labels: generated.map((g) => ({ ...g, written: plan.changed.includes(g.label) })),
        checks: checks.map((c) => ({ label: updated.labels.find((l) => l.descriptionRange === c.range || l.nameRange === c.range)?.name, code: c.code, severity: c.severity, message: c.message })),
        ...(llm ? { llmCalls: llm.calls, llmCacheHits: llm.cacheHits } : {}),
      }, null, 2));
    } else {
      if (dryRun) io.out(plan.changed.length ? diffEdits(labelsFile, text, plan.edits) : 'no description to change');
      else io.out(plan.changed.length ? `wrote ${plan.changed.length} description(s) to ${out}${out === labelsFile ? ` (previous file kept as ${labelsFile}.bak)` : ''}` : 'every label already has a description (use --overwrite or --only to replace)');
      for (const c of checks) io.out(formatDiagnostic(c));
      if (llm) io.err(`${llm.calls} LLM request(s), ${llm.cacheHits} answered from the cache`);
    }
    return EXIT.ok;
  },
};
