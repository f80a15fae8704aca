// Options several commands share: CSV/TSV column names and loading a label file.
import type { CsvOptions } from '../../data/csv';
import { str, type OptionSpec, type Values } from '../command';

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
