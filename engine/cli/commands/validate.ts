// `lagamc validate FILE... [--labels F]`: every problem of dataset and label files, with positions.
import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import { readExamples } from '../../data/dataset';
import { countBySeverity, formatDiagnostic, type DataDiagnostic } from '../../data/diagnostics';
import { parseLabelFile, type LabelSet } from '../../data/labels';
import { EXIT, UsageError, flag, str, jsonOption, type Command } from '../command';
import { csvOptions, csvFlags } from './shared';

export function isLabelFile(file: string): boolean {
  return /\.labels\.jsonc?$/i.test(file) || basename(file).toLowerCase() === 'labels.json';
}

export const validate: Command = {
  name: 'validate',
  summary: 'check dataset and label files; report every problem with file, line and column',
  usage: 'FILE... [--labels F] [--json]',
  positionals: true,
  options: { labels: { type: 'string', placeholder: 'F', description: 'label file: also report labels the data uses but the file lacks' }, ...csvFlags, ...jsonOption },
  async run({ values, positionals, io }) {
    if (positionals.length === 0) throw new UsageError('give at least one FILE');
    const results: { file: string; kind: 'labels' | 'dataset'; records: number; diagnostics: DataDiagnostic[] }[] = [];
    let labels: LabelSet | undefined;
    const labelsPath = str(values, 'labels');
    if (labelsPath) {
      const diagnostics: DataDiagnostic[] = [];
      try {
        labels = parseLabelFile(await readFile(labelsPath, 'utf8'), labelsPath);
        diagnostics.push(...labels.diagnostics);
      } catch (e) {
        diagnostics.push(ioError(labelsPath, e));
      }
      results.push({ file: labelsPath, kind: 'labels', records: labels?.labels.length ?? 0, diagnostics });
    }
    for (const file of positionals) {
      if (file === labelsPath) continue;
      const diagnostics: DataDiagnostic[] = [];
      if (isLabelFile(file)) {
        try {
          const set = parseLabelFile(await readFile(file, 'utf8'), file);
          diagnostics.push(...set.diagnostics);
          results.push({ file, kind: 'labels', records: set.labels.length, diagnostics });
        } catch (e) {
          results.push({ file, kind: 'labels', records: 0, diagnostics: [ioError(file, e)] });
        }
        continue;
      }
      let records = 0;
      for await (const _ of readExamples(file, { labels, csv: csvOptions(values), report: (d) => diagnostics.push(d) })) records++;
      results.push({ file, kind: 'dataset', records, diagnostics });
    }
    const all = results.flatMap((r) => r.diagnostics);
    const counts = countBySeverity(all);
    if (flag(values, 'json')) {
      io.out(JSON.stringify({ files: results, errors: counts.error, warnings: counts.warning }, null, 2));
    } else {
      for (const d of all) io.out(formatDiagnostic(d));
      const summary = results.map((r) => `${r.file}: ${r.records} ${r.kind === 'labels' ? 'labels' : 'records'}`).join('; ');
      io.out(`${all.length ? '\n' : ''}${counts.error} error(s), ${counts.warning} warning(s). ${summary}`);
    }
    return counts.error > 0 ? EXIT.dataError : EXIT.ok;
  },
};

function ioError(file: string, e: unknown): DataDiagnostic {
  return { file, severity: 'error', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, code: 'io', message: `cannot read the file: ${(e as Error).message}` };
}
