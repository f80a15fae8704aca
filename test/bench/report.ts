// Writes one benchmark's section of BENCHMARKS.md, replacing the previous run of the same section,
// stamped with the machine, date, commit and command.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared';

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { cwd: repoRoot, encoding: 'utf8' }).trim();
    // BENCHMARKS.md itself is rewritten by every benchmark: its own changes do not make the code dirty.
    const changed = execSync('git status --porcelain', { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter((l) => l.trim() && !l.endsWith(' BENCHMARKS.md'));
    const dirty = changed.length > 0;
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * Replaces (or appends) the `## title` section of `file` with `body`. Paragraphs of the old section
 * that start with "Note:" (written by hand: how rows measured at other commits relate) are kept,
 * right after the new stamp.
 */
export function writeSection(title: string, command: string, body: string, file = join(repoRoot, 'BENCHMARKS.md')): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nEach section is written by its benchmark (`npm run bench [name]`).\n';
  const stamp = `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Commit: ${commit()}. Command: \`${command}\`.`;
  const start = text.indexOf(`\n## ${title}\n`);
  const end = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  const old = start < 0 ? '' : text.slice(start, end < 0 ? undefined : end);
  const notes = old.split(/\n{2,}/).filter((p) => p.startsWith('Note:')).map((p) => p.trim() + '\n\n').join('');
  const section = `## ${title}\n\n${stamp}\n\n${notes}${body.trim()}\n`;
  const next = start < 0 ? text.trimEnd() + '\n\n' + section : text.slice(0, start + 1) + section + (end < 0 ? '' : text.slice(end));
  writeFileSync(file + '.tmp', next);
  renameSync(file + '.tmp', file);
}
