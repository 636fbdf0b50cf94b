/**
 * The guest's own programs, checked on the host: a pre-started Node (tools/vm/zygote.ts)
 * must behave like `node SCRIPT ARGS` for every way a CLI can end, and the initramfs must
 * hold every library this machine's Node loads.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectProcess } from '../tools/grader/process.ts';
import { bundleGuestProgram } from '../tools/vm/bundle.ts';
import { sharedLibraries } from '../tools/vm/initramfs.ts';

const dir = mkdtempSync(join(tmpdir(), 'nlwb-zygote-'));
let zygote = '';

beforeAll(async () => {
  zygote = join(dir, 'zygote.mjs');
  writeFileSync(zygote, await bundleGuestProgram('zygote'));
});

/** Runs `script args` from a pre-started Node, the way the agent does. */
async function viaZygote(script: string, args: string[]) {
  const child = spawn(process.execPath, [zygote], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  await new Promise((resolve) => child.once('message', resolve));
  child.send({ script, args });
  return collectProcess(child, { timeoutMs: 10_000 });
}

const direct = (script: string, args: string[]) => collectProcess(spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 10_000 });

describe('a pre-started Node runs a CLI like a fresh one', () => {
  const cases: [string, string][] = [
    ['argv and exit code', "console.log(JSON.stringify(process.argv.slice(2))); process.exitCode = 3;"],
    ['process.exit', "process.stdout.write('bye\\n'); process.exit(4);"],
    ['waits for pending work, then ends', "setTimeout(() => console.log('later'), 50);"],
    ['top-level await', "await new Promise((r) => setTimeout(r, 20)); console.log('awaited');"],
    ['uncaught error: exit 1 and the stack on stderr', "throw new TypeError('boom');"],
    ['rejected top-level await', "await Promise.reject(new RangeError('nope'));"],
  ];
  it.each(cases)('%s', async (name, code) => {
    const script = join(dir, `${name.replace(/\W+/g, '-')}.mjs`);
    writeFileSync(script, code);
    const [a, b] = await Promise.all([viaZygote(script, ['x', 'y z']), direct(script, ['x', 'y z'])]);
    expect(a.code).toBe(b.code);
    expect(a.stdout).toBe(b.stdout);
    // Error reports name the same error (the zygote adds frames of its own below it).
    const errorLine = (stderr: string) => stderr.split('\n').find((l) => /^\w*Error: /.test(l));
    expect(errorLine(a.stderr)).toBe(errorLine(b.stderr));
    if (b.code === 1) expect(errorLine(a.stderr)).toMatch(/Error: (boom|nope)$/);
  });
});

describe('the guest image', () => {
  it("lists this machine's Node libraries and its ELF interpreter, all present", () => {
    const libraries = sharedLibraries(process.execPath);
    expect(libraries.some((l) => /\/libc\.so\.6$/.test(l))).toBe(true);
    expect(libraries.some((l) => /\/ld-linux[^/]*\.so\.\d$/.test(l))).toBe(true);
    for (const l of libraries) expect(existsSync(l)).toBe(true);
    const ldd = spawnSync('ldd', [process.execPath], { encoding: 'utf8' }).stdout;
    expect(libraries.length).toBe(ldd.split('\n').filter((l) => /\/\S+ \(0x/.test(l)).length);
  });
});
