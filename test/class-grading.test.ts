/**
 * Class grading (`npm run grade:class`): how submissions are found and copied (no kernel
 * needed), then ONE real run of tools/grader/class.ts over a small class of lab 1 in
 * QEMU, checking the gradebook against the per-student results.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyStudentFiles, findSubmission, gradebookCsv, holdToDefinition, listSubmissions, notGraded } from '../tools/grader/class.ts';
import { findLab, repoRoot } from '../tools/grader/labs.ts';
import { definitionPathOf, loadLabDefinition } from '../tools/grader/session.ts';
import { writeStarter } from '../tools/grader/starter.ts';
import type { GradeResult } from '../tools/grader/result.ts';
import { findKernel } from '../tools/vm/kernel.ts';

const lab = findLab(1)!;
const files = ['hello.ts', 'greet.ts'];
const scratch = mkdtempSync(join(tmpdir(), 'nlwb-class-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function folder(...parts: string[]): string {
  const dir = join(scratch, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Minimal RFC 4180 reader: quoted fields may hold commas, quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  return rows;
}

describe('finding a student\'s lab files', () => {
  it('takes labs/<NN-slug>/<file> from a repository copy and ignores everything else in it', () => {
    const dir = folder('layout', 'repo');
    writeStarter(lab, join(dir, 'labs', lab.slug));
    writeFileSync(join(dir, 'labs', lab.slug, 'grade.ts'), 'tampered');
    const sub = findSubmission('repo', dir, lab, files);
    expect(sub.problem).toBeUndefined();
    expect(sub.layout).toBe('repository');
    expect([...sub.files.keys()]).toEqual(files);
    const target = folder('layout', 'copy');
    copyStudentFiles(sub, target);
    expect(readdirSync(target).sort()).toEqual([...files].sort());
  });

  it('takes top-level files, also inside one wrapping folder (an unpacked zip)', () => {
    const flat = folder('layout', 'flat');
    for (const f of files) writeFileSync(join(flat, f), '// code');
    expect(findSubmission('flat', flat, lab, files).layout).toBe('flat');
    const zipped = folder('layout', 'zipped', 'netlink-workbook-main');
    writeStarter(lab, join(zipped, 'labs', lab.slug));
    const sub = findSubmission('zipped', join(scratch, 'layout', 'zipped'), lab, files);
    expect(sub.layout).toBe('repository');
    expect(sub.problem).toBeUndefined();
  });

  it('refuses symbolic links (they could point at the reference solution) and names missing files', () => {
    const dir = folder('layout', 'linked');
    writeFileSync(join(dir, 'greet.ts'), '// code');
    symlinkSync(join(lab.dir, 'solution', 'hello.ts'), join(dir, 'hello.ts'));
    expect(findSubmission('linked', dir, lab, files).problem).toMatch(/hello\.ts is a symbolic link/);
    const half = folder('layout', 'half');
    writeFileSync(join(half, 'hello.ts'), '// code');
    expect(findSubmission('half', half, lab, files).problem).toMatch(/greet\.ts is missing/);
    expect(findSubmission('empty', folder('layout', 'empty'), lab, files).problem).toMatch(/no lab 1 files found/);
  });

  it('writes CSV that spreadsheets read as text, and zeroes with the reason on every test', async () => {
    const definition = await loadLabDefinition(definitionPathOf(lab, 'solution'));
    const result = notGraded(lab, definition, [], 'hello.ts is missing');
    expect(result.score).toBe(0);
    expect(result.maxScore).toBeGreaterThan(0);
    expect(result.tests.every((t) => t.failure?.message === 'not graded: hello.ts is missing')).toBe(true);
    const rows = parseCsv(gradebookCsv([{ student: '=HYPERLINK("x")', result, layout: 'missing' }]));
    expect(rows[1]![0]).toBe('\'=HYPERLINK("x")');
    expect(rows[1]![6]).toBe('hello.ts is missing');
    expect(listSubmissions(join(scratch, 'layout')).map((s) => s.id)).toContain('repo');
  });
});

describe('results from the guest are held to the lab\'s own test list', () => {
  it('drops unknown and repeated tests, caps points, and flags the submission', async () => {
    const definition = await loadLabDefinition(definitionPathOf(lab, 'solution'));
    const honest = notGraded(lab, definition, [], 'x');
    honest.error = undefined;
    expect(holdToDefinition(honest, definition, [])).toBe(honest);
    const first = definition.tests[0]!;
    const forged: GradeResult = {
      ...honest,
      tests: [
        { name: 'bogus', points: 1000, maxPoints: 0, status: 'passed', durationMs: 1 },
        { name: first.name, points: 50, maxPoints: 50, status: 'passed', durationMs: 1 },
        ...honest.tests,
      ],
    };
    const held = holdToDefinition(forged, definition, []);
    expect(held.maxScore).toBe(honest.maxScore);
    expect(held.score).toBe(first.points);
    expect(held.tests.map((t) => t.name)).toEqual(definition.tests.map((t) => t.name));
    expect(held.passed).toBe(false);
    expect(held.error?.message).toMatch(/check this submission by hand/);
  });
});

const canBoot = Boolean(findKernel()) && spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { stdio: 'ignore' }).status === 0;

describe.runIf(canBoot)('grading a class of lab 1 in one booted kernel', () => {
  it(
    'gives the solution full marks, the starting state less, a missing submission 0 with the reason; CSV and JSON agree',
    async () => {
      const subs = folder('class', 'submissions');
      // Reference solution as the lab's files (markers and all: still valid TypeScript).
      cpSync(join(lab.dir, 'solution'), folder('class', 'submissions', 'ada'), { recursive: true });
      // The generated starting state inside a repository copy whose grade.ts was tampered with.
      writeStarter(lab, folder('class', 'submissions', 'bert', 'labs', lab.slug));
      writeFileSync(join(subs, 'bert', 'labs', lab.slug, 'grade.ts'), "throw new Error('a submission\\'s grade.ts must never run');\n");
      // Nothing to grade.
      writeFileSync(join(folder('class', 'submissions', 'cleo'), 'README.md'), 'forgot to push\n');
      // Does not compile (graded on the host, costs no VM time).
      cpSync(join(lab.dir, 'solution'), folder('class', 'submissions', 'dan'), { recursive: true });
      writeFileSync(join(subs, 'dan', 'hello.ts'), `${readFileSync(join(subs, 'dan', 'hello.ts'), 'utf8')}\nexport const broken = ;\n`);
      const out = folder('class', 'out');

      const started = Date.now();
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['tools/grader/main.mjs', 'tools/grader/class.ts', '1', subs, '--out', out],
          { cwd: repoRoot, timeout: 570_000, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } },
          (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
        );
        child.stdin?.end();
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const context = `exit ${run.code} after ${seconds} s\n${run.stdout}\n${run.stderr}`;
      console.log(`grade:class of 4 students (2 in the VM): ${seconds} s`);
      expect(run.code, context).toBe(0);
      expect(run.stdout).toMatch(/ada\s+lab files at the top level/);
      expect(run.stdout).toMatch(/bert\s+repository copy \(labs\/01-hello\/\)/);
      expect(run.stdout).toMatch(/\[4\/4\] dan/);

      const book = JSON.parse(readFileSync(join(out, 'gradebook.json'), 'utf8')) as { students: Record<string, GradeResult>; submissions: Record<string, string> };
      const { ada, bert, cleo, dan } = book.students;
      expect(ada?.passed, context).toBe(true);
      expect(ada!.score).toBe(ada!.maxScore);
      expect(ada!.maxScore).toBeGreaterThan(0);
      expect(bert!.error, context).toBeUndefined();
      expect(bert!.score).toBeLessThan(bert!.maxScore);
      expect(bert!.maxScore).toBe(ada!.maxScore);
      expect(cleo!.score).toBe(0);
      expect(cleo!.error?.message).toMatch(/no lab 1 files found/);
      expect(dan!.score).toBe(0);
      expect(dan!.error?.message).toBe('your code does not compile');
      expect(dan!.error?.details).toMatch(/dan\/hello\.ts:\d+:\d+: Unexpected/);
      expect(book.submissions).toEqual({ ada: 'flat', bert: 'repository', cleo: 'missing', dan: 'flat' });

      const [header, ...rows] = parseCsv(readFileSync(join(out, 'gradebook.csv'), 'utf8'));
      expect(header).toEqual(['student', 'score', 'max', 'percent', 'passed_tests', 'failed_tests', 'error', 'submission']);
      expect(rows.map((r) => r[0])).toEqual(['ada', 'bert', 'cleo', 'dan']);
      for (const [student, score, max, , passed, failed, error] of rows) {
        const own = JSON.parse(readFileSync(join(out, `${student}.json`), 'utf8')) as GradeResult;
        expect(own).toEqual(book.students[student!]);
        expect([Number(score), Number(max)]).toEqual([own.score, own.maxScore]);
        expect(Number(passed)).toBe(own.tests.filter((t) => t.status === 'passed').length);
        expect(failed ? failed.split('; ') : []).toEqual(own.tests.filter((t) => t.status !== 'passed').map((t) => t.name));
        expect(error === '').toBe(!own.error && !own.kernelProblems.length);
        const classroom = JSON.parse(readFileSync(join(out, `${student}.classroom.json`), 'utf8')) as { max_score: number; tests: { score: number }[] };
        expect([classroom.tests.reduce((s, t) => s + t.score, 0), classroom.max_score]).toEqual([own.score, own.maxScore]);
        expect(readFileSync(join(out, `${student}.junit.xml`), 'utf8')).toContain(`<property name="score" value="${own.score}"/>`);
      }
    },
    600_000,
  );
});
