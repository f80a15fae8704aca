// Options several commands share: CSV/TSV column names, generator decoding and the LLM endpoint.
import type { CsvOptions } from '../../data/csv';
import type { Decoding } from '../../model/prediction';
import { LlmClient } from '../../llm/client';
import { UsageError, flag, num, str, type OptionSpec, type Values } from '../command';

export const csvFlags: Record<string, OptionSpec> = {
  'text-column': { type: 'string', placeholder: 'NAME', description: 'CSV/TSV: column holding the text (default "text")' },
  'labels-column': { type: 'string', placeholder: 'NAME', description: 'CSV/TSV: column holding the labels (default "labels")' },
  'label-separator': { type: 'string', placeholder: 'S', description: 'CSV/TSV: separator between labels in a cell (default "|")' },
};

export function csvOptions(values: Values): CsvOptions {
  const o: CsvOptions = {};
  const t = str(values, 'text-column');
  const l = str(values, 'labels-column');
  const s = str(values, 'label-separator');
  if (t) o.textColumn = t;
  if (l) o.labelsColumn = l;
  if (s) o.labelSeparator = s;
  return o;
}

/** Decoding of generator models (train: the model's default; predict, eval: an override). */
export const decodingFlags: Record<string, OptionSpec> = {
  'num-beams': { type: 'string', placeholder: 'K', description: 'generator models: beam width, 1 = greedy (default: the model\'s, else 1)' },
  constrained: { type: 'boolean', description: 'generator models: write only the label sentences, each at most once (train, compact generator with a label head: free, constrained or candidates is chosen on dev by default; predict, eval: the model\'s)' },
  candidates: { type: 'boolean', description: "compact generator with a label head: write only the sentences of the labels the head holds" },
  free: { type: 'boolean', description: 'generator models: write any words of the vocabulary (no constraint)' },
  force: { type: 'string', placeholder: 'P', description: 'compact generator with a label head, constrained or candidates decoding: labels whose head probability is at least P (0.5 to 1) must be written; "none": no label forced (train: chosen on dev by default)' },
  'head-decides': { type: 'string', placeholder: 'N', description: 'compact generator with a label head, constrained or candidates decoding: labels with fewer than N training texts are written exactly when the head holds them; "none": the decoder decides every label (train: chosen on dev by default, N = 50)' },
};

/**
 * The decoding the flags ask for; empty when none is given. A mode flag clears the others, so that it
 * overrides a model's default; `--free` also clears a model's forced labels and head-decided labels.
 */
export function decodingOptions(values: Values): Decoding {
  const d: Decoding = {};
  if (str(values, 'num-beams') !== undefined) d.numBeams = num(values, 'num-beams', 1, { min: 1, max: 16, integer: true });
  const modes = (['constrained', 'candidates', 'free'] as const).filter((m) => flag(values, m));
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} exclude each other`);
  if (modes.length) Object.assign(d, { constrained: modes[0] === 'constrained', candidates: modes[0] === 'candidates' });
  const force = str(values, 'force');
  if (force !== undefined && force !== 'none') {
    if (modes[0] === 'free') throw new UsageError('--force needs constrained or candidates decoding, not --free');
    d.force = num(values, 'force', 0.8, { min: 0.5, max: 1 });
  } else if (force === 'none' || modes[0] === 'free') d.force = null;
  const decides = str(values, 'head-decides');
  if (decides !== undefined && decides !== 'none') {
    if (modes[0] === 'free') throw new UsageError('--head-decides needs constrained or candidates decoding, not --free');
    d.headDecides = num(values, 'head-decides', 50, { min: 1, integer: true });
  } else if (decides === 'none' || modes[0] === 'free') d.headDecides = null;
  return d;
}

/** Options of commands that talk to an LLM (describe, zeroshot). */
export const llmFlags: Record<string, OptionSpec> = {
  'base-url': { type: 'string', placeholder: 'URL', description: 'LLM endpoint (default $LAGAMC_LLM_BASE_URL or https://api.openai.com/v1)' },
  'llm-model': { type: 'string', placeholder: 'M', description: 'LLM model name (default $LAGAMC_LLM_MODEL or gpt-4o-mini)' },
  'api-key-env': { type: 'string', placeholder: 'VAR', description: 'environment variable holding the API key (default LAGAMC_LLM_API_KEY, then OPENAI_API_KEY)' },
  timeout: { type: 'string', placeholder: 'S', description: 'seconds per LLM request (default 60)' },
  'llm-cache': { type: 'string', placeholder: 'F', description: 'JSON file caching LLM answers across runs' },
};

/** The LLM client the flags describe, capped at `budget` requests. */
export function llmFromFlags(values: Values, budget: number): LlmClient {
  const keyEnv = str(values, 'api-key-env');
  const cache = str(values, 'llm-cache');
  return new LlmClient({
    baseURL: str(values, 'base-url') ?? process.env.LAGAMC_LLM_BASE_URL ?? 'https://api.openai.com/v1',
    model: str(values, 'llm-model') ?? process.env.LAGAMC_LLM_MODEL ?? 'gpt-4o-mini',
    maxCalls: budget,
    timeoutMs: num(values, 'timeout', 60, { min: 1 }) * 1000,
    ...(keyEnv ? { apiKeyEnv: keyEnv } : {}),
    ...(cache ? { cacheFile: cache } : {}),
  });
}
