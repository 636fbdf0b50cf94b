/**
 * The uapi headers are the truth for wire constants: every TypeScript twin must
 * export the same names with the same values. Twins are found automatically:
 * any kernel/<dir>/<name>.h with a <name>.ts beside it.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as constants from '#netlink/constants.ts';
import { checkUapiParity, formatParityResult } from '../tools/check/uapi-parity.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function twins(): Array<{ header: string; twin: string }> {
  const kernel = join(root, 'kernel');
  if (!existsSync(kernel)) return [];
  const found: Array<{ header: string; twin: string }> = [];
  for (const dir of readdirSync(kernel, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(kernel, dir.name))) {
      if (!file.endsWith('.h')) continue;
      const twin = join(kernel, dir.name, file.replace(/\.h$/, '.ts'));
      if (existsSync(twin)) found.push({ header: join(kernel, dir.name, file), twin });
    }
  }
  return found.sort((a, b) => a.header.localeCompare(b.header));
}

describe('uapi parity', () => {
  it('tools/netlink/constants.ts agrees with <linux/netlink.h>, <linux/genetlink.h> and SOL_NETLINK', () => {
    const result = checkUapiParity('linux/netlink.h', constants, {
      includeFirst: ['sys/socket.h'],
      includeAlso: ['linux/genetlink.h'],
    });
    expect(result.ok, formatParityResult(result)).toBe(true);
    // Guard against a selector that silently compares nothing.
    expect(result.checked.length).toBeGreaterThan(100);
    expect(result.checked).toContain('CTRL_ATTR_MCAST_GRP_ID');
  });

  it('reports a drifted value and a name the header lacks (the check can fail)', () => {
    const result = checkUapiParity('linux/netlink.h', {
      NLM_F_ACK: 4,
      NLM_F_DUMP: 0x100, // wrong: ROOT|MATCH is 0x300
      NLMSG_ERROR: '2', // wrong type
      NLM_F_NOT_A_FLAG: 1,
      helper: 5, // not UPPER_CASE: not compared
    });
    expect(result.ok).toBe(false);
    expect(result.checked.sort()).toEqual(['NLMSG_ERROR', 'NLM_F_ACK', 'NLM_F_DUMP']);
    expect(result.mismatches).toEqual([
      { name: 'NLMSG_ERROR', c: '2', ts: '"2"' },
      { name: 'NLM_F_DUMP', c: '768', ts: '256' },
    ]);
    expect(result.missingInC).toEqual(['NLM_F_NOT_A_FLAG']);
    expect(formatParityResult(result)).toMatch(/NLM_F_DUMP: C says 768, TS says 256/);
  });

  it('reports header constants the twin forgot (macros and enum members, not guards or sentinels)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-'));
    try {
      const header = join(dir, 'demo.h');
      writeFileSync(
        header,
        [
          '#ifndef _UAPI_DEMO_H',
          '#define _UAPI_DEMO_H',
          '#include <linux/netlink.h>',
          '#define DEMO_NAME "demo"',
          '#define DEMO_MAX(a) (a)',
          '/* enum { DEMO_IN_COMMENT } */',
          'enum demo_attrs { DEMO_A_UNSPEC, DEMO_A_MSG, __DEMO_A_MAX };',
          '#define DEMO_A_MAX (__DEMO_A_MAX - 1)',
          '#endif',
          '',
        ].join('\n'),
      );
      const result = checkUapiParity(header, { DEMO_NAME: 'demo', DEMO_A_UNSPEC: 0, DEMO_A_MAX: 1 }, { requireHeaderNames: true });
      expect(result.mismatches).toEqual([]);
      expect(result.missingInTs).toEqual(['DEMO_A_MSG']);
      expect(result.ok).toBe(false);
      expect(formatParityResult(result)).toMatch(/DEMO_A_MSG: defined by the header but not exported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const found = twins();
  it.each(found.map((t) => [t.header.slice(root.length + 1), t] as const))('%s agrees with its TypeScript twin', async (_name, { header, twin }) => {
    const mod = (await import(pathToFileURL(twin).href)) as Record<string, unknown>;
    const result = checkUapiParity(header, mod, { requireHeaderNames: true });
    expect(result.ok, formatParityResult(result)).toBe(true);
    expect(result.checked.length, `${twin} exports no UPPER_CASE constants to compare`).toBeGreaterThan(0);
  });
});
