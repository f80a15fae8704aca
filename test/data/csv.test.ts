// CSV/TSV datasets: RFC 4180 quoting, header detection, the label separator, and precise errors;
// chunked streaming gives the same rows as one push.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsvDatasetParser, type CsvOptions } from '../../engine/data/csv';
import { parseExamples, readExamples } from '../../engine/data/dataset';
import type { DataDiagnostic } from '../../engine/data/diagnostics';
import type { Example } from '../../engine/data/example';

function parse(text: string, file = 'd.csv', csv: CsvOptions = {}) {
  const diags: DataDiagnostic[] = [];
  const examples = parseExamples(text, file, { csv, report: (d) => diags.push(d) });
  return { examples, diags };
}

test('quoted fields hold delimiters, line breaks and doubled quotes; columns are found by name in any case', () => {
  const text = 'ID,Labels,Text\r\n1,a|b,"Hello, world"\r\n2,b,"two\r\nlines"\r\n3,,"she said ""hi"""\r\n';
  const { examples, diags } = parse(text);
  assert.deepEqual(diags, []);
  assert.deepEqual(examples.map((e) => [e.id, e.text, e.labels, e.line]), [
    ['1', 'Hello, world', ['a', 'b'], 1],
    ['2', 'two\nlines', ['b'], 2],
    ['3', 'she said "hi"', [], 4],
  ]);
  assert.deepEqual(examples[1]!.ranges.text, { start: { line: 2, character: 4 }, end: { line: 3, character: 6 } });
});

test('TSV, custom column names and label separator', () => {
  const { examples, diags } = parse('body\ttags\nfirst text\tx; y\n', 'd.tsv', { textColumn: 'body', labelsColumn: 'tags', labelSeparator: ';' });
  assert.deepEqual(diags, []);
  assert.deepEqual(examples.map((e) => [e.id, e.text, e.labels]), [['#0', 'first text', ['x', 'y']]]);
});

test('quoting errors, wrong field counts, empty texts and a missing header column are reported with their lines', () => {
  const text = ['text,labels', '"ok",a', '"bad"x,a', 'too,many,fields', ',a', 'say "hi",b', '"never closed,a', 'rest,b'].join('\n');
  const { examples, diags } = parse(text);
  assert.deepEqual(
    diags.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character]),
    [
      ['csv-quote', 'error', 2, 5],
      ['csv-columns', 'error', 3, 0],
      ['empty-text', 'error', 4, 0],
      ['csv-quote', 'warning', 5, 4],
      ['csv-unterminated-quote', 'error', 6, 0],
      ['csv-columns', 'error', 6, 0],
    ],
  );
  assert.deepEqual(examples.map((e) => e.text), ['ok', 'badx', 'too', 'say "hi"']);
  const noText = parse('body,labels\nx,a\n');
  assert.equal(noText.examples.length, 0);
  assert.deepEqual(noText.diags.map((d) => [d.code, d.field]), [['csv-header', 'text']]);
  assert.match(noText.diags[0]!.message, /no "text" column \(columns: body, labels\)/);
  const unlabelled = parse('text\nhello\n');
  assert.deepEqual(unlabelled.examples.map((e) => e.labels), [null]);
  assert.deepEqual(unlabelled.diags.map((d) => [d.code, d.severity]), [['csv-header', 'warning']]);
});

test('a file fed in arbitrary chunks parses exactly as in one piece, BOM included', async () => {
  const text = '\ufefftext,labels\n"a, ""quoted"" text",x|y\nplain,z\n"multi\nline",x\n';
  const whole = parse(text).examples;
  for (const size of [1, 2, 3, 7]) {
    const got: Example[] = [];
    const parser = new CsvDatasetParser('d.csv', { delimiter: ',' }, () => assert.fail('no diagnostics expected'), (ex) => got.push(ex));
    for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
    parser.end();
    assert.deepEqual(got, whole, `chunk size ${size}`);
  }
  const file = join(tempDir('csv'), 'd.csv');
  writeFileSync(file, text);
  const streamed: Example[] = [];
  for await (const ex of readExamples(file)) streamed.push(ex);
  assert.deepEqual(streamed.map((e) => [e.text, e.labels]), [['a, "quoted" text', ['x', 'y']], ['plain', ['z']], ['multi\nline', ['x']]]);
});
