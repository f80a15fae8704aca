import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSection } from './report';

test('writeSection replaces its own section, keeps the others and the hand-written Note: paragraphs', () => {
  const file = join(tempDir('report'), 'BENCHMARKS.md');
  writeFileSync(file, '# Benchmarks\n\n## A\n\nMachine: old.\n\nold body\n\n| a | 1 |\n\n## B\n\nMachine: b.\n\nNote: about B.\n\nB body\n');
  writeSection('A', 'npm run bench a', 'new A body\n\n| a | 2 |', file);
  let text = readFileSync(file, 'utf8');
  assert.match(text, /^# Benchmarks\n\n## A\n\nMachine: .*Command: `npm run bench a`\.\n\nnew A body\n\n\| a \| 2 \|\n\n## B\n\nMachine: b\.\n\nNote: about B\.\n\nB body\n$/);
  writeFileSync(file, text.replace('## B\n\nMachine: b.\n\n', '## B\n\nMachine: b.\n\nNote: rows x and y were measured\nat commit abc.\n\n'));
  writeSection('B', 'npm run bench b', 'newer B body', file);
  text = readFileSync(file, 'utf8');
  assert.match(text, /\n## B\n\nMachine: .*Command: `npm run bench b`\.\n\nNote: rows x and y were measured\nat commit abc\.\n\nNote: about B\.\n\nnewer B body\n$/);
  assert.doesNotMatch(text, /old body|B body\n\n/);
  writeSection('C', 'npm run bench c', 'C body', file);
  assert.match(readFileSync(file, 'utf8'), /newer B body\n\n## C\n\nMachine: .*\n\nC body\n$/);
});
