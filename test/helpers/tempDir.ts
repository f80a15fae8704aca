// Temporary folders for tests and benchmarks, removed when the process exits (the runner gives
// each test file its own process), so runs leave nothing in the system's temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder named lagamc-<prefix>-XXXXXX, deleted at exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lagamc-${prefix}-`));
  made.push(dir);
  return dir;
}
