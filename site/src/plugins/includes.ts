/**
 * Code the lessons show is the real code: a fence such as
 *
 *   ```c include="kernel/01-hello/nl_hello.c#greet"
 *   ```
 *
 * is filled from that file (path relative to the repo root), cut to the region
 * marked `#region greet` ... `#endregion greet` (whole file without `#name`).
 * Region markers and solution markers are dropped so readers see the solution
 * code as it is graded. Plain functions, no Astro or unified types, so project
 * tests can check every lesson's includes without building the site.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';

export class IncludeError extends Error {
  override name = 'IncludeError';
}

export interface IncludeSpec {
  /** Path relative to the repo root, forward slashes. */
  file: string;
  /** Region name, or undefined for the whole file. */
  region: string | undefined;
}

export interface ResolvedInclude extends IncludeSpec {
  code: string;
  /** Shiki language guessed from the file name (the fence's own language wins). */
  lang: string;
  /** 1-based line in the source file where the shown code starts. */
  startLine: number;
}

// `/* #region x */`, `// #region x`, `# #region x` (Makefiles, shell). The name is
// optional on #endregion so authors may close the innermost region anonymously.
const REGION = /^\s*(?:\/\*|\/\/|#)\s*#region\s+([\w.-]+)\s*(?:\*\/)?\s*$/;
const ENDREGION = /^\s*(?:\/\*|\/\/|#)\s*#endregion(?:\s+([\w.-]+))?\s*(?:\*\/)?\s*$/;
// Same markers as tools/grader/starter.ts: the lesson shows the solution side.
const SOLUTION_MARKER = /^\s*\/\/ @(?:solution-begin|solution-end|starter:.*)\s*$/;

const LANG_BY_EXT: Record<string, string> = {
  '.c': 'c',
  '.h': 'c',
  '.ts': 'ts',
  '.mts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.json': 'json',
  '.sh': 'sh',
  '.py': 'py',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.md': 'md',
};

export function parseIncludeSpec(spec: string): IncludeSpec {
  const trimmed = spec.trim();
  const hash = trimmed.indexOf('#');
  const file = (hash < 0 ? trimmed : trimmed.slice(0, hash)).replace(/^\.?\//, '');
  const region = hash < 0 ? undefined : trimmed.slice(hash + 1);
  if (!file) throw new IncludeError(`include="${spec}" names no file; write include="path/from/repo/root.c#region"`);
  if (region !== undefined && !/^[\w.-]+$/.test(region)) {
    throw new IncludeError(`include="${spec}": region name "${region}" may only use letters, digits, _ . -`);
  }
  return { file, region };
}

/** Names of all regions marked in a source text (in order of appearance). */
export function listRegions(source: string): string[] {
  const names: string[] = [];
  for (const line of source.split('\n')) {
    const m = REGION.exec(line);
    if (m?.[1] && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

function dedent(lines: string[]): string[] {
  let indent = Infinity;
  for (const line of lines) {
    if (!line.trim()) continue;
    indent = Math.min(indent, /^[ \t]*/.exec(line)![0].length);
  }
  if (!Number.isFinite(indent) || indent === 0) return lines;
  return lines.map((line) => line.slice(Math.min(indent, /^[ \t]*/.exec(line)![0].length)));
}

function trimBlankEdges(lines: string[]): { lines: string[]; dropped: number } {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start]!.trim()) start++;
  while (end > start && !lines[end - 1]!.trim()) end--;
  return { lines: lines.slice(start, end), dropped: start };
}

/**
 * Cuts `region` out of `source` (or takes it whole) and removes region and solution
 * markers. `where` names the file in error messages.
 */
export function extractRegion(source: string, region: string | undefined, where = 'source'): { code: string; startLine: number } {
  const all = source.replace(/\r\n/g, '\n').split('\n');
  let first = 0;
  let last = all.length;
  if (region !== undefined) {
    const open = all.findIndex((line) => REGION.exec(line)?.[1] === region);
    if (open < 0) {
      const known = listRegions(source);
      throw new IncludeError(
        `region "${region}" is not marked in ${where} ` +
          (known.length ? `(regions there: ${known.join(', ')})` : '(it marks no regions)') +
          `; mark it with /* #region ${region} */ ... /* #endregion ${region} */ (C) or // #region ${region} ... // #endregion ${region} (TS)`,
      );
    }
    // Find the matching #endregion, counting nested regions.
    let depth = 0;
    let close = -1;
    for (let i = open + 1; i < all.length; i++) {
      const line = all[i]!;
      if (REGION.test(line)) depth++;
      const end = ENDREGION.exec(line);
      if (!end) continue;
      if (end[1] === region || (end[1] === undefined && depth === 0)) {
        close = i;
        break;
      }
      depth--;
    }
    if (close < 0) throw new IncludeError(`region "${region}" in ${where} opens at line ${open + 1} but has no "#endregion ${region}"`);
    first = open + 1;
    last = close;
  }
  const kept: string[] = [];
  let firstKept = -1;
  for (let i = first; i < last; i++) {
    const line = all[i]!;
    if (REGION.test(line) || ENDREGION.test(line) || SOLUTION_MARKER.test(line)) continue;
    if (firstKept < 0) firstKept = i;
    kept.push(line);
  }
  const { lines, dropped } = trimBlankEdges(dedent(kept));
  if (!lines.length) throw new IncludeError(`${region === undefined ? '' : `region "${region}" in `}${where} is empty`);
  return { code: lines.join('\n'), startLine: (firstKept < 0 ? first : firstKept) + 1 + dropped };
}

/** Resolves one include spec against the repo root. Throws IncludeError with what to fix. */
export function resolveInclude(spec: string, root: string): ResolvedInclude {
  const { file, region } = parseIncludeSpec(spec);
  const absRoot = resolve(root);
  const path = resolve(absRoot, file);
  if (path !== absRoot && !path.startsWith(absRoot + sep)) {
    throw new IncludeError(`include="${spec}" points outside the repository; paths are relative to the repo root`);
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new IncludeError(`include="${spec}": file ${file} does not exist (paths are relative to the repo root, e.g. kernel/01-hello/nl_hello.c)`);
  }
  const { code, startLine } = extractRegion(readFileSync(path, 'utf8'), region, file);
  return { file, region, code, startLine, lang: LANG_BY_EXT[extname(file)] ?? 'text' };
}

export interface LessonInclude {
  lesson: string;
  line: number;
  spec: string;
}

// A fence opening line: ``` or ~~~ (3+), a language, then meta holding include="…".
const FENCE_INCLUDE = /^\s*(`{3,}|~{3,})\s*[\w+-]*[^\n]*?\binclude=(?:"([^"]*)"|'([^']*)')/;

/** Every include fence in a lesson's text. */
export function findIncludes(text: string, lesson: string): LessonInclude[] {
  const found: LessonInclude[] = [];
  text.split('\n').forEach((line, index) => {
    const m = FENCE_INCLUDE.exec(line);
    if (m) found.push({ lesson, line: index + 1, spec: (m[2] ?? m[3])! });
  });
  return found;
}

export interface IncludeProblem extends LessonInclude {
  message: string;
}

/** Checks every include of every lesson file (`*.md`, `*.mdx`) under lessonsDir. */
export function checkLessonIncludes(lessonsDir: string, root: string): { checked: number; problems: IncludeProblem[] } {
  const problems: IncludeProblem[] = [];
  let checked = 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.mdx?$/.test(entry.name)) {
        for (const inc of findIncludes(readFileSync(path, 'utf8'), relative(root, path))) {
          checked++;
          try {
            resolveInclude(inc.spec, root);
          } catch (err) {
            problems.push({ ...inc, message: (err as Error).message });
          }
        }
      }
    }
  };
  walk(lessonsDir);
  return { checked, problems };
}
