/**
 * Which kernel the course runs: the newest installed one that has both a bootable image
 * (/boot/vmlinuz-VERSION) and headers to build modules against
 * (/lib/modules/VERSION/build). Never a hard-coded version.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InstalledKernel {
  version: string;
  image: string;
  modulesDir: string;
  buildDir: string;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export function findKernel(boot = '/boot', modules = '/lib/modules'): InstalledKernel | undefined {
  if (!existsSync(boot)) return undefined;
  const wanted = process.env.NLWB_KERNEL;
  const candidates = readdirSync(boot)
    .filter((name) => name.startsWith('vmlinuz-'))
    .map((name) => name.slice('vmlinuz-'.length))
    .filter((version) => existsSync(join(modules, version, 'build', 'Makefile')))
    .filter((version) => !wanted || version === wanted)
    .sort(compareVersions);
  const version = candidates.at(-1);
  if (!version) return undefined;
  return {
    version,
    image: join(boot, `vmlinuz-${version}`),
    modulesDir: join(modules, version),
    buildDir: join(modules, version, 'build'),
  };
}

/** Paths of in-tree modules and everything they depend on, dependencies first. */
export function moduleClosure(kernel: InstalledKernel, names: string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of readFileSync(join(kernel.modulesDir, 'modules.dep'), 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon);
    deps.set(path, line.slice(colon + 1).trim().split(/\s+/).filter(Boolean));
    byName.set(moduleNameOf(path), path);
  }
  const ordered: string[] = [];
  const visit = (path: string): void => {
    if (ordered.includes(path)) return;
    for (const dep of deps.get(path) ?? []) visit(dep);
    ordered.push(path);
  };
  for (const name of names) {
    const path = byName.get(name.replace(/-/g, '_'));
    if (!path) throw new Error(`kernel ${kernel.version} has no module named ${name} (is it built in?)`);
    visit(path);
  }
  return ordered.map((path) => join(kernel.modulesDir, path));
}

export function moduleNameOf(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.ko(\.[a-z]+)?$/, '').replace(/-/g, '_');
}
