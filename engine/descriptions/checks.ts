// Checks on label descriptions, published by the editor as diagnostics on the description string:
//  - confusable: two descriptions whose embeddings are closer than `confusable` (cosine);
//  - too short / too long (in words);
//  - off-topic: low mean similarity to the label's own examples;
//  - closer to another label: the description is, on average, more similar to another label's
//    examples than to its own.
import type { DataDiagnostic } from '../data/diagnostics';
import type { LabelDef, LabelSet } from '../data/labels';
import type { SentenceEncoder } from '../encoders/encoder';
import type { LabelEvidence } from './evidence';

export interface CheckOptions {
  /** Cosine above which two descriptions are confusable (default 0.8). */
  confusable?: number;
  minWords?: number;
  maxWords?: number;
  /** Mean cosine to the label's own examples under which a description is off-topic (default 0.1). */
  minExampleSimilarity?: number;
}

const dot = (a: Float32Array, ai: number, b: Float32Array, bi: number, d: number) => {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[ai + k]! * b[bi + k]!;
  return s;
};

/**
 * Diagnostics for every described label of `set`. `evidence` (from labelEvidence on the training
 * data) enables the checks against examples; without it only the description-only checks run.
 */
export async function checkDescriptions(set: LabelSet, encoder: SentenceEncoder, evidence?: ReadonlyMap<string, LabelEvidence>, opts: CheckOptions = {}): Promise<DataDiagnostic[]> {
  const described = set.labels.filter((l): l is LabelDef & { description: string } => !!l.description);
  const out: DataDiagnostic[] = [];
  const at = (l: LabelDef) => l.descriptionRange ?? l.nameRange ?? l.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const warn = (l: LabelDef, code: string, message: string, severity: DataDiagnostic['severity'] = 'warning') =>
    out.push({ file: set.file, severity, range: at(l), code, message, field: 'description' });

  for (const l of described) {
    const words = l.description.split(/\s+/).filter(Boolean).length;
    if (words < (opts.minWords ?? 4)) warn(l, 'description-too-short', `the description of "${l.name}" has ${words} word${words === 1 ? '' : 's'}; a full sentence about what its texts say matches generated text better`);
    if (words > (opts.maxWords ?? 60)) warn(l, 'description-too-long', `the description of "${l.name}" has ${words} words; keep it to one sentence (under ${opts.maxWords ?? 60} words)`);
  }
  if (described.length === 0) return out;
  const d = encoder.dim;
  const v = await encoder.encode(described.map((l) => l.description));
  const limit = opts.confusable ?? 0.8;
  for (let i = 0; i < described.length; i++) {
    for (let j = i + 1; j < described.length; j++) {
      const s = dot(v, i * d, v, j * d, d);
      if (s < limit) continue;
      const [a, b] = [described[i]!, described[j]!];
      warn(a, 'confusable-descriptions', `the descriptions of "${a.name}" and "${b.name}" are confusable (cosine ${s.toFixed(2)} ≥ ${limit}); say what sets them apart`);
      warn(b, 'confusable-descriptions', `the descriptions of "${b.name}" and "${a.name}" are confusable (cosine ${s.toFixed(2)} ≥ ${limit}); say what sets them apart`);
    }
  }
  if (!evidence) return out;
  described.forEach((l, i) => {
    const own = evidence.get(l.name);
    if (!own || own.support === 0) return;
    const ownSim = dot(v, i * d, own.mean, 0, d);
    if (ownSim < (opts.minExampleSimilarity ?? 0.1)) {
      warn(l, 'description-off-topic', `the description of "${l.name}" is far from its own examples (mean cosine ${ownSim.toFixed(2)}); describe what those texts actually say`);
    }
    // Is the description closer to another label's examples than to its own?
    let best = { name: '', sim: ownSim };
    for (const [name, other] of evidence) {
      if (name === l.name || other.support === 0) continue;
      const s = dot(v, i * d, other.mean, 0, d);
      if (s > best.sim) best = { name, sim: s };
    }
    if (best.name) {
      warn(l, 'description-closer-to-other-label', `the description of "${l.name}" is closer to the examples of "${best.name}" (mean cosine ${best.sim.toFixed(2)}) than to its own (${ownSim.toFixed(2)})`, 'information');
    }
  });
  return out;
}
