/**
 * `npm run grade:class -- <N> <submissions-dir> [--out DIR] [--filter WORD]...`: grades
 * every student of a class for lab N in one booted kernel and writes a gradebook.
 *
 * A submissions folder holds one folder per student (folder name = student id), each a
 * copy of the whole repository or just the lab's files. Only the lab's student files are
 * copied out of a submission (regular files, no symbolic links) and graded against this
 * checkout's pristine grade.ts, tests and kernel module: nothing else a student sends is
 * read or run. Run with --help for the options.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LabDefinition } from './api.ts';
import { explainSetupError, gradeJob } from './grade-job.ts';
import { findLab, listLabs, repoRoot, type LabLocation } from './labs.ts';
import { testLine, type Output } from './report.ts';
import { summarize, toClassroom, toJUnit, type GradeResult } from './result.ts';
import { GradingSession, SetupError, definitionPathOf, loadLabDefinition, type JobOutcome, type JobRequest, type Progress } from './session.ts';
import { ensurePackages } from './setup.ts';
import { cacheDir } from '../vm/cache.ts';
import { findKernel } from '../vm/kernel.ts';
import { MachineError } from '../vm/qemu.ts';

const HELP = `Usage: npm run grade:class -- <N> <submissions-dir> [options]

Grades lab N for every student in <submissions-dir>, in one virtual machine.
<submissions-dir> holds one folder per student; the folder name is the student id.
Each folder is a copy (or clone) of the whole repository, or just lab N's files.
Only the lab's student files are taken from a submission; the tests, grade.ts and
the kernel module always come from this checkout.

Options:
  --out DIR         where the gradebook goes (default: results/class-lab<N>/)
  --filter WORD     grade only tests whose names contain WORD (repeatable)
  --verbose         show each test and what the students' code printed
  -h, --help        show this help

Writes gradebook.csv, gradebook.json and, per student, <id>.json, <id>.junit.xml and
<id>.classroom.json. Exit status: 0 when every student was graded (whatever the
scores); 2 when grading itself failed (bad arguments, the kernel would not boot, or
the virtual machine failed twice on the same student).`;

/** Larger files are not lab code; refusing them keeps a bad submission from filling the disk. */
const MAX_FILE_BYTES = 1024 * 1024;

export type Layout = 'repository' | 'flat';

export interface Submission {
  id: string;
  /** The student's folder as given. */
  dir: string;
  /** Where the files were found; undefined when they were not. */
  layout?: Layout;
  /** Folder the student files are read from (the repository's lab folder or the top level). */
  base?: string;
  /** Student file (relative to the lab folder) -> absolute path inside the submission. */
  files: Map<string, string>;
  /** Why this submission cannot be graded, for the student and the instructor. */
  problem?: string;
}

/** How a submission was found, in words for the console and the gradebook. */
export function describeLayout(sub: Submission): string {
  if (!sub.layout || !sub.base) return 'no lab files';
  const where = relative(sub.dir, sub.base) || '.';
  return sub.layout === 'repository' ? `repository copy (${where}/)` : where === '.' ? 'lab files at the top level' : `lab files in ${where}/`;
}

function isDir(path: string): boolean {
  try {
    const s = lstatSync(path);
    return s.isDirectory() && !s.isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Why `rel` under `root` cannot be taken, or undefined when it is a plain file. Every
 * path component is checked: a symbolic link could point at the reference solution or
 * any other file on the grading machine.
 */
function unsafePath(root: string, rel: string): string | undefined {
  const parts = rel.split('/');
  let path = root;
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    let s;
    try {
      s = lstatSync(path);
    } catch {
      return 'missing';
    }
    if (s.isSymbolicLink()) return `${parts.slice(0, i + 1).join('/')} is a symbolic link (submit the file itself)`;
    const last = i === parts.length - 1;
    if (!last && !s.isDirectory()) return 'missing';
    if (last && !s.isFile()) return 'not a regular file';
    if (last && s.size > MAX_FILE_BYTES) return `larger than ${MAX_FILE_BYTES / 1024} KiB`;
  }
  return undefined;
}

function visibleEntries(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !name.startsWith('.') && name !== '__MACOSX');
  } catch {
    return [];
  }
}

/**
 * Finds a student's lab files. A copy of the repository has `labs/<NN-slug>/<file>`;
 * otherwise the files sit at the top level. One wrapping folder (an unpacked zip such as
 * `alice/netlink-workbook-main/`) is looked through.
 */
export function findSubmission(id: string, dir: string, lab: LabLocation, studentFiles: string[]): Submission {
  const sub: Submission = { id, dir, files: new Map() };
  const candidates = [dir];
  const entries = visibleEntries(dir);
  const only = entries[0];
  if (entries.length === 1 && only !== undefined && isDir(join(dir, only))) candidates.push(join(dir, only));

  for (const root of candidates) {
    // A repository copy: the lab folder by its exact name, else any labs/NN-* of the same number.
    if (isDir(join(root, 'labs'))) {
      const prefix = String(lab.number).padStart(2, '0');
      const slug = isDir(join(root, 'labs', lab.slug)) ? lab.slug : visibleEntries(join(root, 'labs')).find((n) => n.startsWith(`${prefix}-`) && isDir(join(root, 'labs', n)));
      if (slug) {
        sub.layout = 'repository';
        sub.base = join(root, 'labs', slug);
        break;
      }
    }
    if (studentFiles.some((f) => unsafePath(root, f) !== 'missing')) {
      sub.layout = 'flat';
      sub.base = root;
      break;
    }
  }
  if (!sub.base) {
    sub.problem = `no lab ${lab.number} files found: expected ${studentFiles.join(', ')} at the top level or labs/${lab.slug}/ in a copy of the repository`;
    return sub;
  }
  const problems: string[] = [];
  for (const file of studentFiles) {
    const why = unsafePath(sub.base, file);
    if (why) problems.push(why === 'missing' ? `${file} is missing` : why.includes(' is a symbolic link') ? why : `${file}: ${why}`);
    else sub.files.set(file, join(sub.base, file));
  }
  if (problems.length) sub.problem = `${problems.join('; ')} (${relative(dir, sub.base) ? `in ${relative(dir, sub.base)}/` : 'at the top level'})`;
  return sub;
}

/** Student folders of a submissions folder, in a stable order (hidden folders skipped). */
export function listSubmissions(submissionsDir: string): { id: string; dir: string }[] {
  return readdirSync(submissionsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => ({ id: e.name, dir: join(submissionsDir, e.name) }))
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** Copies only the student files into `target`: the one thing from a submission that runs. */
export function copyStudentFiles(sub: Submission, target: string): void {
  for (const [file, source] of sub.files) {
    const dest = join(target, file);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, readFileSync(source));
  }
}

function expectedTests(definition: LabDefinition, filter: string[]): { name: string; points: number }[] {
  return definition.tests
    .filter((t) => !filter.length || filter.some((f) => t.name.toLowerCase().includes(f.toLowerCase())))
    .map((t) => ({ name: t.name, points: t.points }));
}

/** A zero for a student who could not be graded, with the reason on every test. */
export function notGraded(lab: LabLocation, definition: LabDefinition, filter: string[], reason: string, details?: string): GradeResult {
  const expected = expectedTests(definition, filter);
  return summarize(
    {
      lab: { number: lab.number, slug: lab.slug, title: definition.title },
      variant: 'student',
      kernel: { version: findKernel()?.version ?? '', accelerator: '' },
      startedAt: new Date().toISOString(),
      durationMs: 0,
      tests: expected.map((t) => ({ name: t.name, points: 0, maxPoints: t.points, status: 'failed' as const, durationMs: 0, failure: { message: `not graded: ${reason}` } })),
      kernelProblems: [],
      error: details === undefined ? { message: reason } : { message: reason, details },
    },
    expected,
  );
}

/**
 * Holds a result to the lab's own test list (from this checkout): unknown or repeated
 * test names are dropped and no test scores more than its points. The tests share a
 * thread with the student's code in the guest, so what comes back is checked, and a
 * mismatch is flagged for the instructor instead of silently corrected.
 */
export function holdToDefinition(result: GradeResult, definition: LabDefinition, filter: string[]): GradeResult {
  const expected = expectedTests(definition, filter);
  const allowed = new Map(expected.map((t) => [t.name, t.points]));
  const seen = new Set<string>();
  let tampered = false;
  const tests = result.tests.flatMap((t) => {
    const max = allowed.get(t.name);
    if (max === undefined || seen.has(t.name)) {
      tampered = true;
      return [];
    }
    seen.add(t.name);
    const points = Number.isFinite(t.points) ? Math.max(0, Math.min(t.points, max)) : 0;
    if (points !== t.points || t.maxPoints !== max) tampered = true;
    return [{ ...t, points, maxPoints: max }];
  });
  if (!tampered) return result;
  const { lab, variant, kernel, startedAt, durationMs, kernelProblems, kernelLogTail } = result;
  const error = {
    message: 'the results reported from the virtual machine do not match the lab\'s tests (unknown, repeated or over-scored tests were dropped or capped): check this submission by hand',
    details: [result.error?.message, result.error?.details].filter(Boolean).join('\n') || undefined,
  };
  return summarize({ lab, variant, kernel, startedAt, durationMs, tests, kernelProblems, kernelLogTail, error }, expected);
}

/** Shows `alice/hello.ts` in messages instead of the grader's temporary folder. */
function relabelPaths(result: GradeResult, tempDir: string, id: string): GradeResult {
  let text = JSON.stringify(result);
  for (const prefix of [`${tempDir}/`, `${relative(repoRoot, tempDir)}/`]) text = text.replaceAll(JSON.stringify(prefix).slice(1, -1), JSON.stringify(`${id}/`).slice(1, -1));
  return JSON.parse(text) as GradeResult;
}

/* ---------- gradebook files ---------- */

export interface GradebookRow {
  student: string;
  result: GradeResult;
  layout: string;
}

function csvField(value: string | number): string {
  let text = String(value);
  // Spreadsheets run cells starting with these as formulas; student ids and messages are untrusted.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The error column: the message, plus the first compiler line when the code did not compile. */
export function errorSummary(result: GradeResult): string {
  if (!result.error) return result.kernelProblems.length ? `kernel: ${result.kernelProblems.map((p) => p.line).join(' | ')}` : '';
  const first = result.error.message === 'your code does not compile' ? result.error.details?.split('\n')[0] : undefined;
  return first ? `${result.error.message}: ${first}` : result.error.message;
}

export function gradebookCsv(rows: GradebookRow[]): string {
  const header = ['student', 'score', 'max', 'percent', 'passed_tests', 'failed_tests', 'error', 'submission'];
  const lines = rows.map(({ student, result, layout }) => {
    const failed = result.tests.filter((t) => t.status !== 'passed').map((t) => t.name);
    const percent = result.maxScore ? ((100 * result.score) / result.maxScore).toFixed(1) : '0.0';
    return [student, result.score, result.maxScore, percent, result.tests.length - failed.length, failed.join('; '), errorSummary(result), layout].map(csvField).join(',');
  });
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

export function gradebookJson(lab: LabLocation, definition: LabDefinition, rows: GradebookRow[], startedAt: number): string {
  return `${JSON.stringify(
    {
      schema: 'netlink-workbook/gradebook@1',
      lab: { number: lab.number, slug: lab.slug, title: definition.title },
      generatedAt: new Date().toISOString(),
      durationMs: Date.now() - startedAt,
      submissions: Object.fromEntries(rows.map((r) => [r.student, r.layout])),
      students: Object.fromEntries(rows.map((r) => [r.student, r.result])),
    },
    null,
    2,
  )}\n`;
}

/** Per-student file names; a student called "gradebook" must not overwrite the gradebook. */
function studentFileBase(id: string): string {
  return id.toLowerCase() === 'gradebook' ? 'student-gradebook' : id;
}

function writeStudent(outDir: string, id: string, result: GradeResult): void {
  const base = join(outDir, studentFileBase(id));
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.junit.xml`, toJUnit(result));
  writeFileSync(`${base}.classroom.json`, toClassroom(result));
}

/* ---------- the session: one VM for the class, rebooted only when it must be ---------- */

/**
 * Remembers when a job failed because of the virtual machine rather than the student's
 * code, and stops a job whose code never reaches its first test.
 */
class ClassSession extends GradingSession {
  machineFailure: unknown;
  /** Set when this session was stopped because the student's code never finished loading. */
  loadStall: string | undefined;
  private testStarted = false;

  noteTestStart(): void {
    this.testStarted = true;
  }

  override async runJob(request: JobRequest): Promise<JobOutcome> {
    this.machineFailure = undefined;
    this.loadStall = undefined;
    this.testStarted = false;
    // The agent times out each test, but not a file that loops forever while it is being
    // imported: then no test ever starts and the job would wait out the budget of every
    // test (minutes). Loading takes seconds, so a generous limit tells the two apart.
    const limitMs = Math.max(60_000, 30_000 * this.timeoutScale);
    const watchdog = setTimeout(() => {
      if (this.testStarted) return;
      this.loadStall = `your code did not finish loading within ${limitMs / 1000} s, so no test could start (an endless loop or a blocking wait at the top level of a file?)`;
      void this.stop();
    }, limitMs);
    try {
      return await super.runJob(request);
    } catch (error) {
      // Compile errors (esbuild) are the student's; a dead or silent guest is the grader's.
      if (error instanceof MachineError || error instanceof SetupError) this.machineFailure = error;
      throw error;
    } finally {
      clearTimeout(watchdog);
    }
  }
}

function failedLine(result: GradeResult, width = 100): string {
  if (result.error) return errorSummary(result);
  const failed = result.tests.filter((t) => t.status !== 'passed').map((t) => t.name);
  const kernel = result.kernelProblems.length ? `; kernel ${result.kernelProblems.map((p) => p.kind).join(', ')}` : '';
  if (!failed.length) return kernel ? kernel.slice(2) : '';
  let names = failed.join(', ');
  if (names.length > width) names = `${names.slice(0, width - 1)}…`;
  return `${failed.length} failed: ${names}${kernel}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      filter: { type: 'string', multiple: true },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [labArg, dirArg, ...extra] = positionals;
  const lab = labArg && /^\d+$/.test(labArg) ? findLab(Number(labArg)) : undefined;
  if (!lab) {
    console.error(labArg ? `There is no lab "${labArg}".` : 'Which lab? Give its number and the submissions folder.');
    console.error(`Labs: ${listLabs().map((l) => `${l.number} (${l.slug})`).join(', ')}`);
    console.error('Example: npm run grade:class -- 1 submissions/');
    return 2;
  }
  if (!dirArg || !isDir(resolve(dirArg))) {
    console.error(dirArg ? `${dirArg} is not a folder.` : 'Which submissions folder? It holds one folder per student.');
    console.error(`Example: npm run grade:class -- ${lab.number} submissions/`);
    return 2;
  }
  if (extra.length) {
    console.error(`Unexpected arguments: ${extra.join(' ')} (test name filters go after --filter).`);
    return 2;
  }
  const submissionsDir = resolve(dirArg);
  const outDir = resolve(values.out ?? join('results', `class-lab${lab.number}`));
  const filter = values.filter ?? [];
  const verbose = Boolean(values.verbose);
  const live = Boolean(process.stdout.isTTY);
  const color = live && !process.env.NO_COLOR;
  const out: Output = { color, write: (text) => process.stdout.write(text) };
  const startedAt = Date.now();

  let definition: LabDefinition;
  try {
    ensurePackages((line) => console.log(line));
    definition = await loadLabDefinition(definitionPathOf(lab, 'solution'));
  } catch (error) {
    const e = explainSetupError(error);
    console.error(`Could not grade: ${e.message}${e.details ? `\n${e.details}` : ''}`);
    return 2;
  }
  const students = listSubmissions(submissionsDir);
  if (!students.length) {
    console.error(`${dirArg} has no student folders (one folder per student, named by the student id).`);
    return 2;
  }
  mkdirSync(outDir, { recursive: true });

  const submissions = students.map((s) => findSubmission(s.id, s.dir, lab, definition.studentFiles));
  const idWidth = Math.min(24, Math.max(...submissions.map((s) => s.id.length)));
  const total = submissions.length;
  console.log(`Lab ${lab.number}: ${definition.title} — grading ${total} submission${total === 1 ? '' : 's'} in ${dirArg}`);
  for (const sub of submissions) console.log(`  ${sub.id.padEnd(idWidth)}  ${sub.problem ? `not gradable: ${sub.problem}` : describeLayout(sub)}`);

  // Progress: the session's boot steps, a live "[i/N] grading id" line on a terminal.
  let current = '';
  const clearLine = (): void => {
    if (live && current) process.stdout.write('\r\x1b[2K');
    current = '';
  };
  const show = (text: string): void => {
    if (!live) return;
    clearLine();
    current = text;
    process.stdout.write(`  … ${text}`);
  };
  let liveLabel = '';
  const progress: Progress = {
    step: (m) => (clearLine(), console.log(`• ${m}`)),
    done: (m) => (clearLine(), console.log(`  ${m}`)),
    output: (stream, text) => {
      if (!verbose) return;
      clearLine();
      out.write(text.replace(/\n$/, '').split('\n').map((l) => `  │ ${l}`).join('\n') + '\n');
    },
    testStart: (name) => {
      session?.noteTestStart();
      show(`${liveLabel}: ${name}`);
    },
    testEnd: (result) => {
      if (!verbose) return;
      clearLine();
      out.write(testLine(result, out));
    },
  };

  const runDir = mkdtempSync(join(cacheDir('class'), `lab${lab.number}-`));
  let session: ClassSession | undefined;
  let sessionDown: string | undefined; // why the VM cannot be used, once a restart failed
  let rebootBeforeNext = false;
  const cleanup = async (): Promise<void> => {
    clearLine();
    await session?.stop().catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  };
  // Ctrl-C, a closed terminal or a CI timeout: never leave a virtual machine behind.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) process.once(signal, () => void cleanup().then(() => process.exit(code)));

  const boot = async (why: string | undefined): Promise<boolean> => {
    await session?.stop().catch(() => undefined);
    session = undefined;
    if (why) console.log(`• restarting the virtual machine (${why})`);
    const next = new ClassSession({ lab, progress }, definition.module);
    try {
      await next.start();
      session = next;
      return true;
    } catch (error) {
      await next.stop().catch(() => undefined);
      const e = explainSetupError(error);
      sessionDown = e.message;
      console.error(`Could not start the virtual machine: ${e.message}${e.details ? `\n${e.details}` : ''}`);
      return false;
    }
  };

  const rows: GradebookRow[] = [];
  let infrastructureFailures = 0;
  const writeGradebook = (): void => {
    writeFileSync(join(outDir, 'gradebook.csv'), gradebookCsv(rows));
    writeFileSync(join(outDir, 'gradebook.json'), gradebookJson(lab, definition, rows, startedAt));
  };

  try {
    if (submissions.some((s) => !s.problem)) await boot(undefined);
    for (const [index, sub] of submissions.entries()) {
      const tag = `[${index + 1}/${total}]`;
      liveLabel = `${tag} ${sub.id}`;
      let result: GradeResult;
      if (sub.problem) {
        result = notGraded(lab, definition, filter, sub.problem);
      } else {
        if (!sessionDown && (!session || rebootBeforeNext)) await boot(rebootBeforeNext ? 'the previous student\'s run left the kernel in doubt' : 'it stopped');
        rebootBeforeNext = false;
        if (sessionDown || !session) {
          infrastructureFailures++;
          result = notGraded(lab, definition, filter, `the virtual machine is down (${sessionDown ?? 'unknown reason'})`, 'Grade this student again once the machine boots: npm run grade:class with a submissions folder holding only this student.');
        } else {
          show(`${liveLabel}: preparing`);
          const tempDir = join(runDir, String(index));
          mkdirSync(tempDir, { recursive: true });
          copyStudentFiles(sub, tempDir);
          const request: JobRequest = { variant: 'student', definition, filter, studentDir: tempDir };
          result = await gradeJob(session, lab, request);
          // A dead, silent or stalled guest may be the machine's fault: reboot and grade once more.
          if (session.machineFailure) {
            clearLine();
            console.log(`  ${sub.id}: ${session.loadStall ?? result.error?.message ?? 'the virtual machine failed'}; grading again in a fresh kernel`);
            if (await boot(session.loadStall ? 'stopped a run that never started its tests' : "the guest failed during this student's run")) {
              result = await gradeJob(session!, lab, request);
              const again = session!;
              if (again.loadStall) {
                // Twice in a row, each time before any test: the student's code, not the machine.
                result.error = { message: again.loadStall, details: 'The kernel was restarted and the code graded a second time, with the same result.' };
                rebootBeforeNext = true;
              } else if (again.machineFailure) {
                infrastructureFailures++;
                rebootBeforeNext = true;
                result.error = { message: `the virtual machine failed twice while grading this student: ${result.error?.message ?? ''}`, details: result.error?.details };
              }
            } else {
              infrastructureFailures++;
              result = notGraded(lab, definition, filter, `the virtual machine could not be restarted (${sessionDown ?? ''})`);
            }
          }
          // A kernel that warned, oopsed or kept the module loaded is not a fair start for the next student.
          if (result.kernelProblems.length || result.error?.message.includes('did not unload')) rebootBeforeNext = true;
          result = relabelPaths(holdToDefinition(result, definition, filter), tempDir, sub.id);
          rmSync(tempDir, { recursive: true, force: true });
        }
      }
      rows.push({ student: sub.id, result, layout: sub.layout ?? 'missing' });
      writeStudent(outDir, sub.id, result);
      writeGradebook();
      clearLine();
      const score = `${String(result.score).padStart(3)}/${result.maxScore}`;
      const why = failedLine(result);
      console.log(`${tag.padStart(2 * String(total).length + 3)} ${sub.id.padEnd(idWidth)}  ${score}${why ? `  (${why})` : ''}`);
    }
  } catch (error) {
    // Something in the grader itself broke: keep what was graded, say what happened.
    const e = explainSetupError(error);
    console.error(`Grading stopped: ${e.message}${e.details ? `\n${e.details}` : ''}`);
    writeGradebook();
    await cleanup();
    return 2;
  }
  await cleanup();

  const graded = rows.length;
  const mean = rows.reduce((sum, r) => sum + (r.result.maxScore ? r.result.score / r.result.maxScore : 0), 0) / graded;
  const full = rows.filter((r) => r.result.passed).length;
  console.log(
    `\n${graded} student${graded === 1 ? '' : 's'}: ${full} at full marks, mean ${(100 * mean).toFixed(1)}%, ${((Date.now() - startedAt) / 1000).toFixed(0)} s. Gradebook: ${relative(process.cwd(), join(outDir, 'gradebook.csv')) || outDir}`,
  );
  if (infrastructureFailures) {
    console.error(`${infrastructureFailures} student(s) could not be graded because of the virtual machine (see the error column); grade them again.`);
    return 2;
  }
  return 0;
}

// Runs as a command (directly with tsx, or through main.mjs for npm run), not when a test imports it.
const entry = process.argv[1] ? resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url) || basename(entry) === 'main.mjs') {
  process.exitCode = await main().catch((error: unknown) => {
    console.error(`grade:class failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
    return 2;
  });
}
