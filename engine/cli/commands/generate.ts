// `lagamc generate --model DIR [--adapter DIR] --input TEXT`: greedy or beam-search generation from a
// Hugging Face T5-family checkpoint, optionally constrained to allowed sentences (--allowed: a label
// file, whose descriptions are used, or a text file with one sentence per line).
import { readFile } from 'node:fs/promises';
import { loadLabelFile } from '../../data/labels';
import { SentenceConstraint } from '../../models/constrained';
import { generate as run } from '../../models/t5/generate';
import { EXIT, flag, jsonOption, num, required, str, type Command } from '../command';
import { t5Flags, t5FromFlags } from './score';

async function allowedSentences(file: string): Promise<string[]> {
  if (/\.(jsonc?|labels\.jsonc)$/.test(file)) {
    const set = await loadLabelFile(file);
    const sentences = set.labels.map((l) => l.description).filter((d): d is string => !!d);
    if (!sentences.length) throw new Error(`${file}: no label has a description to allow`);
    return sentences;
  }
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!lines.length) throw new Error(`${file}: no sentences (one per line expected)`);
  return lines;
}

export const generate: Command = {
  name: 'generate',
  summary: 'generate text with a T5 model (greedy, beam search, constrained to allowed sentences)',
  usage: '--model DIR [--adapter DIR] --input TEXT [--max-new-tokens N] [--num-beams K] [--allowed FILE] [--no-cache] [--backend NAME] [--json]',
  options: {
    ...t5Flags,
    input: { type: 'string', placeholder: 'TEXT', description: 'encoder input text' },
    'max-new-tokens': { type: 'string', placeholder: 'N', description: 'most tokens to generate (default 32)' },
    'num-beams': { type: 'string', placeholder: 'K', description: 'beam width; 1 is greedy (default 1)' },
    allowed: { type: 'string', placeholder: 'FILE', description: 'only emit these sentences, joined by ". ": a label file (its descriptions) or one sentence per line' },
    'no-cache': { type: 'boolean', description: 'recompute the whole prefix at each step (no key/value cache)' },
    ...jsonOption,
  },
  async run({ values, io }) {
    const input = required(values, 'input');
    const maxNewTokens = num(values, 'max-new-tokens', 32, { min: 1, integer: true });
    const numBeams = num(values, 'num-beams', 1, { min: 1, integer: true });
    const allowedFile = str(values, 'allowed');
    const sentences = allowedFile ? await allowedSentences(allowedFile) : undefined;
    const model = await t5FromFlags(values, io);
    const tok = model.tokenizer!;
    const constraint = sentences ? SentenceConstraint.fromSentences(tok, sentences, model.config.eosTokenId) : undefined;
    const started = performance.now();
    const out = run(model, tok.encode(input), { maxNewTokens, numBeams, useCache: !flag(values, 'no-cache'), ...(constraint ? { constraint } : {}) });
    const seconds = (performance.now() - started) / 1000;
    const text = tok.decode(out.ids);
    if (flag(values, 'json')) io.out(JSON.stringify({ text, ids: out.ids, score: out.score, seconds }, null, 2));
    else io.out(text);
    model.dispose();
    return EXIT.ok;
  },
};
