/** The project's build cache (`.cache/` at the repository root, ignored by git). */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Identifies a file's version cheaply (path, size, mtime) for cache keys. */
export function fileStamp(path: string): string {
  if (!existsSync(path)) return `${path}:missing`;
  const s = statSync(path);
  return `${path}:${s.size}:${s.mtimeMs}`;
}

/** Deletes the other `*.ext` files in `current`'s folder: for caches that are hundreds of MB. */
export function keepOnly(current: string, ext: string): void {
  const dir = dirname(current);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path !== current && name.endsWith(ext)) rmSync(path, { force: true });
  }
}
