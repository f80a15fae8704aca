// `lagamc stats FILE`: the dataset's Table 1 figures and its label frequency table.
import { readExamples } from '../../data/dataset';
import { DataError, type DataDiagnostic } from '../../data/diagnostics';
import { StatsAccumulator } from '../../data/stats';
import { EXIT, UsageError, flag, jsonOption, type Command } from '../command';
import { fixed, pct, table } from '../format';
import { csvFlags, csvOptions } from './shared';

export const stats: Command = {
  name: 'stats',
  summary: 'documents, labels, label cardinality and density, text lengths, label frequencies',
  usage: 'FILE [--json]',
  positionals: true,
  options: { ...csvFlags, ...jsonOption },
  async run({ values, positionals, io }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = positionals[0]!;
    const acc = new StatsAccumulator();
    const errors: DataDiagnostic[] = [];
    for await (const ex of readExamples(file, { csv: csvOptions(values), report: (d) => d.severity === 'error' && errors.push(d) })) acc.add(ex);
    const s = acc.result();
    if (errors.length > 0 && s.documents === 0) throw new DataError(errors);
    if (flag(values, 'json')) {
      io.out(JSON.stringify({ file, ...s, skippedRecords: errors.length }, null, 2));
    } else {
      io.out(
        table(
          ['', ''],
          [
            ['documents', s.documents],
            ['labels', s.labels],
            ['label cardinality', fixed(s.cardinality)],
            ['label density', fixed(s.density, 4)],
            ['max labels per text', s.maxLabelsPerText],
            ['texts without labels', s.unlabelled],
            ['words per text (mean / median)', `${fixed(s.words.mean, 1)} / ${s.words.median}`],
            ['words per text (min / max)', `${s.words.min} / ${s.words.max}`],
            ['characters per text (mean)', fixed(s.characters.mean, 1)],
          ],
        ),
      );
      io.out('\n' + table(['label', 'documents', '%'], s.frequencies.map((f) => [f.label, f.count, pct(f.share)])));
      if (errors.length) io.err(`\n${errors.length} record(s) skipped for errors; run "lagamc validate ${file}" for details`);
    }
    return errors.length ? EXIT.dataError : EXIT.ok;
  },
};
