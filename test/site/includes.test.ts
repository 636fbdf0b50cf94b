import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLessonIncludes, extractRegion, findIncludes, IncludeError, resolveInclude } from '../../site/src/plugins/includes.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('every lesson include resolves', () => {
  it('lessons/ names only files and regions that exist', () => {
    const { checked, problems } = checkLessonIncludes(join(repoRoot, 'lessons'), repoRoot);
    expect(problems.map((p) => `${p.lesson}:${p.line}: ${p.message}`)).toEqual([]);
    // Not vacuous once lessons exist: they show real code.
    expect(checked).toBeGreaterThanOrEqual(0);
  });

  it('the fixture lessons resolve too', () => {
    const { checked, problems } = checkLessonIncludes(join(repoRoot, 'test/site/fixtures/lessons'), repoRoot);
    expect(problems).toEqual([]);
    expect(checked).toBe(3);
  });
});

describe('resolveInclude', () => {
  it('cuts a C region, drops nested region markers, dedents, names the language', () => {
    const r = resolveInclude('test/site/fixtures/src/example.c#greet', repoRoot);
    expect(r.lang).toBe('c');
    expect(r.code).toBe('static int fixture_greet(const char *name)\n{\n\tpr_info("fixture: hello %s\\n", name);\n\treturn 0;\n}');
    expect(r.startLine).toBe(6);
  });

  it('shows the solution without solution markers, keeps TODO comments, dedents', () => {
    const r = resolveInclude('test/site/fixtures/src/example.ts#encode', repoRoot);
    expect(r.code).toBe(
      '// TODO 1: write n as a 4-byte little-endian length.\nconst out = new Uint8Array(4);\nnew DataView(out.buffer).setUint32(0, n, true);\nreturn out;',
    );
    expect(r.lang).toBe('ts');
  });

  it('takes the whole file without #region, markers removed', () => {
    const r = resolveInclude('test/site/fixtures/src/example.c', repoRoot);
    expect(r.code).toContain('MODULE_LICENSE("GPL");');
    expect(r.code).not.toMatch(/#(end)?region/);
  });

  it('fails clearly for a missing file, a missing region, and paths outside the repo', () => {
    expect(() => resolveInclude('kernel/nope/nope.c#x', repoRoot)).toThrow(/kernel\/nope\/nope\.c does not exist/);
    expect(() => resolveInclude('test/site/fixtures/src/example.c#nope', repoRoot)).toThrow(IncludeError);
    expect(() => resolveInclude('test/site/fixtures/src/example.c#nope', repoRoot)).toThrow(/region "nope" is not marked in test\/site\/fixtures\/src\/example.c \(regions there: greet, inner\)/);
    expect(() => resolveInclude('../etc/passwd', repoRoot)).toThrow(/outside the repository/);
    expect(() => resolveInclude('#x', repoRoot)).toThrow(/names no file/);
  });

  it('fails for an unclosed or empty region', () => {
    expect(() => extractRegion('// #region a\nx\n', 'a', 'f.ts')).toThrow(/no "#endregion a"/);
    expect(() => extractRegion('// #region a\n// #endregion a\n', 'a', 'f.ts')).toThrow(/empty/);
  });

  it('matches nested regions of the same name and anonymous #endregion', () => {
    const src = ['/* #region a */', 'one', '/* #region b */', 'two', '/* #endregion */', 'three', '/* #endregion a */', 'four'].join('\n');
    expect(extractRegion(src, 'a').code).toBe('one\ntwo\nthree');
    expect(extractRegion(src, 'b').code).toBe('two');
  });
});

describe('findIncludes / checkLessonIncludes', () => {
  it('finds include fences with either quote style and reports problems with lesson and line', () => {
    const text = '# x\n```c include="a.c#r"\n```\n~~~ts title="t" include=\'b.ts\'\n~~~\n```c\nnot an include\n```\n';
    expect(findIncludes(text, 'l.mdx')).toEqual([
      { lesson: 'l.mdx', line: 2, spec: 'a.c#r' },
      { lesson: 'l.mdx', line: 4, spec: 'b.ts' },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lessons-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', '07-x.mdx'), '```c include="test/site/fixtures/src/example.c#missing"\n```\n');
    const { checked, problems } = checkLessonIncludes(dir, repoRoot);
    expect(checked).toBe(1);
    expect(problems[0]?.line).toBe(1);
    expect(problems[0]?.message).toMatch(/region "missing"/);
  });
});
