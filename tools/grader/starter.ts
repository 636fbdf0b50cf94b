/**
 * The student's starting state is generated from the reference solution (Linux Kernel
 * Labs style), so the two cannot drift:
 *
 *   // @solution-begin ... // @solution-end   dropped from the starter
 *   // @starter: <code>                       becomes <code> at the same indentation
 *
 * Every other line is kept. `npx tsx tools/grader/starter.ts [N...]` rewrites the
 * student files of labs N (all labs without arguments); `--check` only reports drift.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listLabs, repoRoot, type LabLocation } from './labs.ts';

const BEGIN = /^\s*\/\/ @solution-begin\s*$/;
const END = /^\s*\/\/ @solution-end\s*$/;
const STARTER = /^(\s*)\/\/ @starter: ?(.*)$/;

export class StarterMarkerError extends Error {
  override name = 'StarterMarkerError';
}

/** Turns a solution file's text into the starting state's text. */
export function generateStarter(solution: string, fileLabel = 'solution'): string {
  const out: string[] = [];
  let inside = 0; // line number where the open block began, 0 when outside
  solution.split('\n').forEach((line, index) => {
    const lineNo = index + 1;
    if (BEGIN.test(line)) {
      if (inside) throw new StarterMarkerError(`${fileLabel}:${lineNo}: @solution-begin inside the block opened at line ${inside}`);
      inside = lineNo;
      return;
    }
    if (END.test(line)) {
      if (!inside) throw new StarterMarkerError(`${fileLabel}:${lineNo}: @solution-end without @solution-begin`);
      inside = 0;
      return;
    }
    if (inside) return;
    const starter = STARTER.exec(line);
    out.push(starter ? `${starter[1]}${starter[2]}` : line);
  });
  if (inside) throw new StarterMarkerError(`${fileLabel}:${inside}: @solution-begin is never closed`);
  return out.join('\n');
}

/** Solution files of a lab, relative to its `solution/` folder (recursive, .ts only). */
export function solutionFiles(lab: LabLocation): string[] {
  const base = join(lab.dir, 'solution');
  if (!existsSync(base)) return [];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) found.push(relative(base, path));
    }
  };
  walk(base);
  return found.sort();
}

/** Generated starting state of a lab: file path relative to the lab folder -> text. */
export function starterOf(lab: LabLocation): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of solutionFiles(lab)) {
    const source = join(lab.dir, 'solution', file);
    files.set(file, generateStarter(readFileSync(source, 'utf8'), relative(repoRoot, source)));
  }
  return files;
}

/** Student files whose committed text differs from what the solution generates. */
export function starterDrift(lab: LabLocation): string[] {
  const drifted: string[] = [];
  for (const [file, text] of starterOf(lab)) {
    const path = join(lab.dir, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) drifted.push(relative(repoRoot, path));
  }
  return drifted;
}

/** Writes a lab's generated starting state into `targetDir` (the lab folder by default). */
export function writeStarter(lab: LabLocation, targetDir = lab.dir): string[] {
  const written: string[] = [];
  for (const [file, text] of starterOf(lab)) {
    const path = join(targetDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const wanted = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const labs = listLabs().filter((lab) => wanted.length === 0 || wanted.includes(lab.number));
  let drift = 0;
  for (const lab of labs) {
    if (check) {
      for (const path of starterDrift(lab)) {
        drift++;
        console.error(`${path} differs from what labs/${lab.slug}/solution generates; run: npx tsx tools/grader/starter.ts ${lab.number}`);
      }
    } else {
      for (const path of writeStarter(lab)) console.log(`wrote ${relative(repoRoot, path)}`);
    }
  }
  process.exitCode = drift ? 1 : 0;
}
