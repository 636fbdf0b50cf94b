/** Finding labs on disk: `labs/NN-topic/` with a `grade.ts`, numbered by their prefix. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

export interface LabLocation {
  number: number;
  /** Folder name, e.g. `01-hello`. */
  slug: string;
  /** Absolute path of `labs/NN-topic`. */
  dir: string;
  /** Absolute path of `kernel/NN-topic` (may not exist for userspace-only labs). */
  kernelDir: string;
}

export function listLabs(root = repoRoot): LabLocation[] {
  const labsDir = join(root, 'labs');
  if (!existsSync(labsDir)) return [];
  return readdirSync(labsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d{2}-/.test(entry.name) && existsSync(join(labsDir, entry.name, 'grade.ts')))
    .map((entry) => ({
      number: Number.parseInt(entry.name.slice(0, 2), 10),
      slug: entry.name,
      dir: join(labsDir, entry.name),
      kernelDir: join(root, 'kernel', entry.name),
    }))
    .sort((a, b) => a.number - b.number);
}

export function findLab(number: number, root = repoRoot): LabLocation | undefined {
  return listLabs(root).find((lab) => lab.number === number);
}
