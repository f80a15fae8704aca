// `npm run bench [name...]`: runs test/bench/*.bench.ts (all, or those whose name contains an
// argument) one after another with tsx. Each benchmark prints its table and updates its own
// section of BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const root = join(dir, '..', '..');
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || '(none found)'}`);
  process.exit(1);
}
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f}`);
  const res = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(dir, f)], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
