// One labelled (or unlabelled) text of a dataset file, whatever the file format.
import type { Range } from './diagnostics';

export interface Example {
  /** The record's `id`, or `#N` (its 0-based record index in the file) when the record has none. */
  id: string;
  text: string;
  /** Gold labels in file order without duplicates; `null` when the record carries no labels field. */
  labels: string[] | null;
  /** 0-based line where the record starts. */
  line: number;
  /** Where each field's value sits in the file, for diagnostics and editor features. */
  ranges: ExampleRanges;
  /** Fields other than id/text/labels, kept as they were. */
  extra?: Record<string, unknown>;
}

export interface ExampleRanges {
  record: Range;
  text?: Range;
  labels?: Range;
  /** One range per entry of `labels` (same order, duplicates removed with their entries). */
  label?: Range[];
  id?: Range;
}
