// `lagamc eval`: every metric of a prediction file against gold labels (--gold F --pred F), or of a
// model folder on a labelled test file (--model DIR --test F, which also writes the model's
// report-test.json and adds the hallucination rate).
import { join } from 'node:path';
import { DataError, type DataDiagnostic } from '../../data/diagnostics';
import { loadExamples, readExamples } from '../../data/dataset';
import { loadLabelFile } from '../../data/labels';
import { readLabelRecords, type LabelRecord } from '../../data/predictions';
import { writeJsonAtomic } from '../../io/atomic';
import { evaluate, type EvalReport } from '../../metrics/multilabel';
import { evaluateModel } from '../../model/evaluate';
import { loadPredictor } from '../../model/load';
import { EXIT, UsageError, flag, jsonOption, required, str, type Command, type CommandContext } from '../command';
import { fixed, pct, table } from '../format';
import { decodingFlags, decodingOptions } from './shared';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score predictions against gold labels (micro/macro/weighted/samples F1, mAP, rare labels, ...)',
  usage: '(--gold F --pred F | --model DIR --test F [--num-beams K] [--constrained | --candidates | --free] [--force P|none] [--head-decides N|none]) [--labels F] [--train F] [--json]',
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model folder to evaluate on --test' },
    test: { type: 'string', placeholder: 'F', description: 'labelled dataset to evaluate --model on' },
    gold: { type: 'string', placeholder: 'F', description: 'gold dataset or {"id","labels"} lines' },
    pred: { type: 'string', placeholder: 'F', description: 'predictions: {"id","labels","scores"?} lines, joined to gold by id' },
    labels: { type: 'string', placeholder: 'F', description: 'label file fixing the label set (default: labels seen in gold or predictions)' },
    train: { type: 'string', placeholder: 'F', description: 'training data, to pick the rare labels by training frequency' },
    ...decodingFlags,
    ...jsonOption,
  },
  async run(ctx) {
    const { values, io } = ctx;
    if (str(values, 'model') || str(values, 'test')) return evalModel(ctx);
    const goldFile = required(values, 'gold');
    const predFile = required(values, 'pred');
    const problems: DataDiagnostic[] = [];
    const report = (d: DataDiagnostic) => problems.push(d);
    const gold = await collect(goldFile, report);
    const pred = await collect(predFile, report);
    const byId = new Map<string, LabelRecord>();
    for (const p of pred) {
      const first = byId.get(p.id);
      if (first) report({ file: predFile, severity: 'error', range: lineRange(p.line), code: 'duplicate-id', message: `id "${p.id}" was already predicted on line ${first.line + 1}`, field: 'id' });
      else byId.set(p.id, p);
    }
    const goldIds = new Set(gold.map((g) => g.id));
    for (const g of gold) {
      if (!byId.has(g.id)) report({ file: goldFile, severity: 'warning', range: lineRange(g.line), code: 'missing-prediction', message: `no prediction for id "${g.id}"; counted as predicting no label`, field: 'id' });
    }
    for (const p of pred) {
      if (!goldIds.has(p.id)) report({ file: predFile, severity: 'warning', range: lineRange(p.line), code: 'unknown-id', message: `id "${p.id}" is not in ${goldFile}; ignored`, field: 'id' });
    }
    const errors = problems.filter((d) => d.severity === 'error');
    if (errors.length) throw new DataError(errors);

    const labelsFile = str(values, 'labels');
    const labels = labelsFile ? (await loadLabelFile(labelsFile)).labels.map((l) => l.name) : undefined;
    const freq = await trainFrequencies(str(values, 'train'));
    const preds = gold.map((g) => byId.get(g.id));
    const hasScores = preds.some((p) => p?.scores);
    const result = evaluate(
      gold.map((g) => g.labels),
      preds.map((p) => p?.labels ?? []),
      { ...(labels ? { labels } : {}), ...(hasScores ? { scores: preds.map((p) => p?.scores) } : {}), ...(freq ? { trainFrequencies: freq } : {}) },
    );
    const warnings = problems.filter((d) => d.severity !== 'error');
    if (flag(values, 'json')) io.out(JSON.stringify({ ...result, warnings: warnings.length }, null, 2));
    else {
      io.out(formatReport(result));
      if (warnings.length) io.err(`\n${warnings.length} warning(s), e.g. ${warnings[0]!.message}`);
    }
    return EXIT.ok;
  },
};

async function trainFrequencies(file: string | undefined): Promise<Map<string, number> | undefined> {
  if (!file) return undefined;
  const counts = new Map<string, number>();
  for await (const ex of readExamples(file)) for (const l of ex.labels ?? []) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts;
}

async function evalModel({ values, io, signal }: CommandContext): Promise<number> {
  const dir = required(values, 'model');
  const testFile = required(values, 'test');
  if (str(values, 'gold') || str(values, 'pred')) throw new UsageError('--model/--test and --gold/--pred are two different modes');
  const decoding = decodingOptions(values);
  const predictor = await loadPredictor(dir);
  try {
    const { examples } = await loadExamples(testFile);
    const freq = await trainFrequencies(str(values, 'train'));
    const { report } = await evaluateModel(predictor, examples, { signal, decoding, ...(freq ? { trainFrequencies: freq } : {}), onProgress: (e) => io.interactive && io.err(`\r${e.message}`) });
    await writeJsonAtomic(join(dir, 'report-test.json'), { test: testFile, ...report });
    if (flag(values, 'json')) io.out(JSON.stringify(report, null, 2));
    else {
      io.out(formatReport(report));
      io.out(`\nhallucination rate: ${report.hallucinationRate === null ? 'n/a (the model generates no text)' : pct(report.hallucinationRate)}; texts with no label: ${report.textsWithoutLabel}`);
    }
    return EXIT.ok;
  } finally {
    predictor.dispose();
  }
}

async function collect(file: string, report: (d: DataDiagnostic) => void): Promise<LabelRecord[]> {
  const out: LabelRecord[] = [];
  for await (const r of readLabelRecords(file, report)) out.push(r);
  return out;
}

const lineRange = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 0 } });

export function formatReport(r: EvalReport): string {
  const summary = table(
    ['metric', 'precision', 'recall', 'F1'],
    (['micro', 'macro', 'weighted', 'samples'] as const).map((k) => [k, pct(r[k].precision), pct(r[k].recall), pct(r[k].f1)]),
  );
  const other = table(
    ['', ''],
    [
      ['documents', r.documents],
      ['subset accuracy', pct(r.subsetAccuracy)],
      ['Hamming loss', fixed(r.hammingLoss, 4)],
      ['Jaccard (samples)', pct(r.jaccardSamples)],
      ['mAP', r.mAP === null ? 'n/a (no scores)' : pct(r.mAP)],
      [`rare-label macro-F1 (${r.rare.labels.length} least frequent in ${r.rare.frequenciesFrom})`, pct(r.rare.macroF1)],
    ],
  );
  const perLabel = table(
    ['label', 'P', 'R', 'F1', 'support', 'predicted'],
    r.labels.map((l) => {
      const s = r.perLabel[l]!;
      return [l, pct(s.precision), pct(s.recall), pct(s.f1), s.support, s.predicted];
    }),
  );
  const counts = table(['labels per text', 'actual', 'predicted'], r.labelCounts.map((c) => [c.bucket, c.actual, c.predicted]));
  return [summary, other, perLabel, counts].join('\n\n');
}
