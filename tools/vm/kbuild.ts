/**
 * Builds a lesson's kernel module against the installed kernel's headers. Sources are
 * copied to .cache/kbuild/<lesson>-<hash>/ so the source folder stays clean, and a build
 * whose inputs have not changed is reused. Compiler output is shown verbatim on failure.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheDir, hashOf } from './cache.ts';
import type { InstalledKernel } from './kernel.ts';

export class ModuleBuildError extends Error {
  override name = 'ModuleBuildError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

const SOURCE = /\.(c|h)$|^Kbuild$|^Makefile$/;

function sources(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => SOURCE.test(name) && statSync(join(dir, name)).isFile())
    .sort();
}

export interface BuiltModule {
  name: string;
  path: string;
  fromCache: boolean;
}

function make(buildDir: string, kernel: InstalledKernel, extra: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('make', ['-C', kernel.buildDir, `M=${buildDir}`, ...extra, 'modules'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => reject(new ModuleBuildError(`cannot run make (${error.message}); install Debian's make and gcc`, '')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Builds `<moduleDir>/<name>.ko`; `sparse` runs `make C=2` and fails on any sparse warning. */
export async function buildModule(moduleDir: string, name: string, kernel: InstalledKernel, options: { sparse?: boolean } = {}): Promise<BuiltModule> {
  if (!existsSync(moduleDir)) throw new ModuleBuildError(`${moduleDir} does not exist`, '');
  const files = sources(moduleDir);
  const key = hashOf('kbuild-v1', kernel.version, options.sparse ? 'sparse' : '', ...files.flatMap((f) => [f, readFileSync(join(moduleDir, f))]));
  const buildDir = join(cacheDir('kbuild'), `${basename(moduleDir)}-${key}`);
  const ko = join(buildDir, `${name}.ko`);
  if (existsSync(ko)) return { name, path: ko, fromCache: true };
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  for (const file of files) cpSync(join(moduleDir, file), join(buildDir, file));
  const { code, output } = await make(buildDir, kernel, options.sparse ? ['C=2'] : []);
  const sparseWarnings = options.sparse ? output.split('\n').filter((l) => /: (warning|error):/.test(l)) : [];
  if (code !== 0 || !existsSync(ko) || sparseWarnings.length) {
    rmSync(ko, { force: true });
    const what = code !== 0 ? `make exited with status ${code}` : sparseWarnings.length ? `sparse reported ${sparseWarnings.length} problem(s)` : `make did not produce ${name}.ko`;
    throw new ModuleBuildError(`building ${name}.ko failed: ${what}`, output);
  }
  return { name, path: ko, fromCache: false };
}
