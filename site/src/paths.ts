/**
 * Where the site reads from. Lesson text lives outside the Astro project
 * (`lessons/` at the repo root); the site tests point WORKBOOK_LESSONS_DIR at a
 * scratch copy that adds fixture lessons, so they never write into lessons/.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot: string = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const lessonsDir: string = (() => {
  const fromEnv = process.env.WORKBOOK_LESSONS_DIR;
  if (!fromEnv) return resolve(repoRoot, 'lessons');
  return isAbsolute(fromEnv) ? fromEnv : resolve(repoRoot, fromEnv);
})();
