// Locates the real datasets and golden fixtures that live beside the repository in ../shared.
// Tests that need them pass `needsShared` as their options, so they skip with a clear reason
// when the folder is absent (LAGAMC_SHARED overrides the location).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const sharedDir = process.env.LAGAMC_SHARED ?? resolve(repoRoot, '..', 'shared');
export const hasShared = existsSync(join(sharedDir, 'datasets'));

export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

export const needsShared: { skip: string | false } = {
  skip: hasShared ? false : `../shared is absent (looked in ${sharedDir}); set LAGAMC_SHARED to run this test`,
};
