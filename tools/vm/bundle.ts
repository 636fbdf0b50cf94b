/**
 * esbuild bundles for the guest: the agent, a lab's test worker (the lab's grade.ts with
 * the student's files, or the solution, or the generated starting state), and each
 * student CLI. Bundling on the host keeps TypeScript tooling out of the slow guest.
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../grader/labs.ts';

export type Variant = 'student' | 'solution' | 'starter' | 'selftest';

/**
 * Keeps `import.meta.url` meaning "this source file" inside a bundle. The guest sees the
 * repository at the same path, so code that finds files next to itself keeps working.
 */
const keepImportMetaUrl: Plugin = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/**
 * Swaps the student's files for another variant: imports that resolve to
 * `labs/NN/<file>.ts` load `<variantDir>/<file>.ts` instead.
 */
function swapStudentFiles(labDir: string, variantDir: string | undefined): Plugin {
  return {
    name: 'swap-student-files',
    setup(b) {
      if (!variantDir) return;
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const resolved = join(args.resolveDir, args.path);
        if (dirname(resolved) !== labDir && !resolved.startsWith(`${labDir}/`)) return undefined;
        const rel = relative(labDir, resolved);
        if (rel.startsWith('solution/') || rel.startsWith('grading/') || rel === 'grade.ts') return undefined;
        return { path: join(variantDir, rel) };
      });
    },
  };
}

const common = {
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: 'node20',
  // Maps without the sources themselves (smaller, faster to load); the guest enables
  // them so a student's stack trace names their .ts file and line.
  sourcemap: 'inline' as const,
  sourcesContent: false,
  sourceRoot: `${pathToFileURL(repoRoot).href}/`,
  logLevel: 'silent' as const,
  // The addon and Node's builtins are loaded at run time, never bundled.
  external: ['*.node'],
  banner: { js: "import { createRequire as __nlwbCreateRequire } from 'node:module'; const require = __nlwbCreateRequire(import.meta.url);" },
};

export interface BundleRequest {
  /** Absolute path of the entry (grade.ts, selftest.ts or a CLI file). */
  entry: string;
  labDir: string;
  /** Folder whose files replace the student's (solution/ or a generated starter); undefined = the student's own. */
  variantDir: string | undefined;
  /** When set, the bundle runs `runLabInWorker(default export)`. */
  asWorker: boolean;
}

export async function bundle(request: BundleRequest): Promise<string> {
  const plugins = [keepImportMetaUrl, swapStudentFiles(request.labDir, request.variantDir)];
  const entryPoints = request.asWorker
    ? undefined
    : [request.entry];
  const stdin = request.asWorker
    ? {
        contents: `import lab from ${JSON.stringify(request.entry)};\nimport { runLabInWorker } from ${JSON.stringify(join(repoRoot, 'tools/grader/worker.ts'))};\nawait runLabInWorker(lab);\n`,
        resolveDir: repoRoot,
        loader: 'ts' as const,
        sourcefile: 'grader-entry.ts',
      }
    : undefined;
  const result = await build({ ...common, entryPoints, stdin, plugins, write: false, absWorkingDir: repoRoot });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${request.entry}`);
  return file.text;
}

/** The course's own programs that run in the guest: the agent and the CLI pre-starter. */
export async function bundleGuestProgram(name: 'agent' | 'zygote'): Promise<string> {
  const entry = join(repoRoot, 'tools/vm', `${name}.ts`);
  const result = await build({ ...common, sourcemap: false, entryPoints: [entry], plugins: [keepImportMetaUrl], write: false, absWorkingDir: repoRoot });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no bundle for ${entry}`);
  return file.text;
}
