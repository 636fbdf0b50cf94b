/** The project's build cache (`.cache/` at the repository root, ignored by git). */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../grader/labs.ts';

export const cacheRoot = process.env.NLWB_CACHE ?? join(repoRoot, '.cache');

export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function hashOf(...inputs: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) {
    hash.update(typeof input === 'string' ? input : Buffer.from(input));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
