/**
 * Proves a TypeScript twin says the same as its uapi C header.
 *
 * The C compiler is the judge: a generated program includes the header and
 * prints every UPPER_CASE number or string the TS module exports, exactly as
 * C evaluates it (enums, macros built from other macros, casts). Names the
 * compiler reports as undeclared are "missing on the C side"; the program is
 * rebuilt without them so one typo does not hide every other comparison.
 * The other direction (constants the header defines that the twin forgot)
 * comes from the preprocessor's own list of the header's macros plus the
 * header's enum members.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface ParityOptions {
  /** Headers included before `headerPath` (system names like 'sys/socket.h' or absolute paths). `linux/types.h` is always first. */
  includeFirst?: string[];
  /** More headers included after `headerPath` (e.g. genetlink.h next to netlink.h). */
  includeAlso?: string[];
  /** Which exports mirror the header. Default: UPPER_CASE names whose value is a number, bigint or string. */
  select?: (name: string, value: unknown) => boolean;
  /** Names to leave out (TS-only helpers that happen to be UPPER_CASE). */
  ignore?: string[];
  /** C compiler (default `cc`). */
  cc?: string;
  /** Extra compiler flags, e.g. ['-I', dir]. */
  cflags?: string[];
  /**
   * Also list constants the header defines (object-like macros with a value,
   * enum members; `__`-prefixed sentinels skipped) that the TS module does not
   * export, in `missingInTs`; when true they also make `ok` false.
   */
  requireHeaderNames?: boolean;
}

export interface ParityMismatch {
  name: string;
  /** The value C computes, as text (decimal integer, or a JSON string). */
  c: string;
  /** The TS value, as text in the same form. */
  ts: string;
}

export interface ParityResult {
  header: string;
  /** Names compared (present on both sides). */
  checked: string[];
  mismatches: ParityMismatch[];
  /** TS exports the C side does not declare. */
  missingInC: string[];
  /** Constants `headerPath` itself defines that the TS module does not export (see requireHeaderNames). */
  missingInTs: string[];
  /** True when nothing is wrong. */
  ok: boolean;
}

const UPPER = /^[A-Z][A-Z0-9_]*$/;

function defaultSelect(name: string, value: unknown): boolean {
  return UPPER.test(name) && (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string');
}

function tsText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value).toString() : String(value);
  return String(value);
}

function includeLine(header: string): string {
  return isAbsolute(header) || header.startsWith('.') ? `#include "${resolve(header)}"` : `#include <${header}>`;
}

/* Prints integers through __int128 so every C integer type (u64 included) is exact; strings as hex so any byte survives. */
const PRELUDE = `
#include <stdio.h>
static void parity_int(const char *name, __int128 v)
{
	char buf[64];
	int i = sizeof(buf) - 1, neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (neg)
		buf[--i] = '-';
	printf("%s\\ti\\t%s\\n", name, &buf[i]);
}
static void parity_str(const char *name, const char *s)
{
	printf("%s\\ts\\t", name);
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
	printf("\\n");
}
#define PARITY(X) _Generic((X), char *: parity_str, const char *: parity_str, default: parity_int)(#X, (X))
`;

function program(includes: string[], names: string[]): string {
  return [
    ...includes.map(includeLine),
    PRELUDE,
    'int main(void)',
    '{',
    ...names.map((n) => `\tPARITY(${n});`),
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
}

function undeclaredNames(stderr: string): string[] {
  const found = new Set<string>();
  for (const m of stderr.matchAll(/'([A-Za-z_][A-Za-z0-9_]*)' undeclared/g)) found.add(m[1]!);
  return [...found];
}

function decodeHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

/**
 * Compiles and runs a program that prints the C value of every selected
 * export of `tsModule`, and compares. `headerPath` is a system header name
 * ('linux/netlink.h') or a file path (absolute, or starting with './'). Throws only when the compiler fails for
 * a reason other than undeclared names (the compiler output is in the message).
 */
export function checkUapiParity(headerPath: string, tsModule: Record<string, unknown>, options: ParityOptions = {}): ParityResult {
  const select = options.select ?? defaultSelect;
  const ignore = new Set(options.ignore ?? []);
  const exported = Object.entries(tsModule).filter(([name, value]) => !ignore.has(name) && select(name, value));
  const tsValues = new Map(exported);
  const includes = ['linux/types.h', ...(options.includeFirst ?? []), headerPath, ...(options.includeAlso ?? [])];
  const dir = mkdtempSync(join(tmpdir(), 'uapi-parity-'));
  const missingInC: string[] = [];
  let names = exported.map(([name]) => name).sort();
  try {
    let output = '';
    for (let attempt = 0; ; attempt++) {
      const source = join(dir, 'parity.c');
      const binary = join(dir, 'parity');
      writeFileSync(source, program(includes, names));
      try {
        execFileSync(options.cc ?? 'cc', ['-std=gnu11', '-Wall', '-Werror', ...(options.cflags ?? []), '-o', binary, source], {
          env: { ...process.env, LC_ALL: 'C' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? error);
        const undeclared = undeclaredNames(stderr).filter((n) => names.includes(n));
        if (undeclared.length === 0 || attempt > 50) {
          throw new Error(`uapi parity: compiling a program against ${headerPath} failed:\n${stderr}`);
        }
        missingInC.push(...undeclared);
        names = names.filter((n) => !undeclared.includes(n));
        continue;
      }
      output = execFileSync(binary, { encoding: 'utf8' });
      break;
    }
    const mismatches: ParityMismatch[] = [];
    const checked: string[] = [];
    for (const line of output.split('\n')) {
      if (!line) continue;
      const [name = '', kind, raw = ''] = line.split('\t');
      const c = kind === 's' ? JSON.stringify(decodeHex(raw)) : raw;
      const ts = tsText(tsValues.get(name));
      checked.push(name);
      if (c !== ts) mismatches.push({ name, c, ts });
    }
    missingInC.sort();
    const exportedNames = new Set(tsValues.keys());
    for (const n of ignore) exportedNames.add(n);
    const missingInTs = headerConstants(headerPath, includes, options).filter((n) => !exportedNames.has(n));
    const ok = mismatches.length === 0 && missingInC.length === 0 && (!options.requireHeaderNames || missingInTs.length === 0);
    return { header: headerPath, checked, mismatches, missingInC, missingInTs, ok };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/**
 * Constants defined by the header file itself: object-like macros with a body
 * (from `cc -E -dD`, attributed to the header by line markers, so included
 * system headers do not count) and enum members from the header's text.
 */
export function headerConstants(headerPath: string, includes: string[], options: Pick<ParityOptions, 'cc' | 'cflags'> = {}): string[] {
  const names = new Set<string>();
  const source = includes.map(includeLine).join('\n') + '\n';
  const expanded = execFileSync(options.cc ?? 'cc', ['-E', '-dD', ...(options.cflags ?? []), '-x', 'c', '-'], {
    input: source,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  const target = isAbsolute(headerPath) || headerPath.startsWith('.') ? resolve(headerPath) : undefined;
  let current = '';
  for (const line of expanded.split('\n')) {
    const marker = /^# \d+ "([^"]+)"/.exec(line);
    if (marker) {
      current = marker[1]!;
      continue;
    }
    const def = /^#define ([A-Za-z_][A-Za-z0-9_]*)(\(?)\s*(.*)$/.exec(line);
    if (!def || def[2] === '(' || !def[3]!.trim() || def[1]!.startsWith('__')) continue;
    const inHeader = target ? resolve(current) === target : current.endsWith(`/${headerPath}`);
    if (inHeader) names.add(def[1]!);
  }
  if (target) {
    const text = stripComments(readFileSync(target, 'utf8'));
    for (const block of text.matchAll(/\benum\b[^{;]*\{([^}]*)\}/g)) {
      for (const item of block[1]!.split(',')) {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(item);
        if (m && !m[1]!.startsWith('__')) names.add(m[1]!);
      }
    }
  }
  return [...names].sort();
}

/** Human-readable summary for test failures: what differs and what to do. */
export function formatParityResult(result: ParityResult): string {
  if (result.ok) {
    const extra = result.missingInTs.length ? ` (not mirrored in TS: ${result.missingInTs.join(', ')})` : '';
    return `${result.header}: ${result.checked.length} names agree${extra}`;
  }
  const lines = [`${result.header}: the TypeScript twin drifted from the C header (the header is the truth; fix the .ts file):`];
  for (const m of result.mismatches) lines.push(`  ${m.name}: C says ${m.c}, TS says ${m.ts}`);
  for (const n of result.missingInC) lines.push(`  ${n}: exported by TS but not declared by the header (add it to the header or stop exporting it)`);
  for (const n of result.missingInTs) lines.push(`  ${n}: defined by the header but not exported by the TS twin (export it with the same value)`);
  return lines.join('\n');
}
