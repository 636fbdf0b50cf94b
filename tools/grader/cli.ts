/**
 * `npm run lab N [-- options] [test name filters]`: grades lab N in a real kernel.
 * Run with --help for the options.
 */
import { existsSync, mkdirSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabDefinition } from './api.ts';
import { findLab, listLabs, repoRoot, type LabLocation } from './labs.ts';
import { failureDetails, summaryText, testLine, type Output } from './report.ts';
import { summarize, toClassroom, toJUnit, type GradeResult } from './result.ts';
import { GradingSession, definitionPathOf, loadLabDefinition, type Progress } from './session.ts';
import { explainSetupError, gradeJob } from './grade-job.ts';
import { ensurePackages } from './setup.ts';
import { Recorder } from './record.ts';
import type { Variant } from '../vm/bundle.ts';

const HELP = `Usage: npm run lab <N> [-- [options] [test-name filters...]]

Grades lab N: builds the lesson's kernel module, boots a real Linux kernel in a
virtual machine, loads the module and runs the lab's graded tests against your code.

Options:
  --solution        grade the reference solution (labs/NN-*/solution/) instead of your files
  --starter         grade the untouched starting state (generated from the solution)
  --selftest        run the lesson module's own checks (kernel/NN-*/selftest.ts)
  --watch           stay running and re-grade whenever you save (the kernel stays booted)
  --json FILE       write the result as JSON (the source of the other formats)
  --junit FILE      write a JUnit XML report
  --classroom FILE  write a GitHub Classroom autograding report
  --record FILE     record this run's console as an asciicast v2 file (for the course site)
  --verbose         show the kernel console while it runs
  --host-kernel     grade in this machine's own kernel (root, module loading and
                    matching headers needed; a broken module can hang the machine)
  --list            list the labs
  -h, --help        show this help

Filters keep only the tests whose names contain one of the words, e.g.
  npm run lab 1 -- header

Environment: NLWB_ACCEL=kvm|tcg forces the accelerator (KVM is used only when a probe
proves it works); NLWB_TIMEOUT_SCALE multiplies every test's time budget;
NLWB_TIMINGS=1 prints where the time went (host and guest milestones).
Exit status: 0 only at full marks with a clean kernel log; 1 otherwise; 2 when it
could not grade at all.`;

function labList(): string {
  const labs = listLabs();
  if (!labs.length) return 'No labs found under labs/.';
  return ['Labs:', ...labs.map((l) => `  npm run lab ${l.number}    (${l.slug})`)].join('\n');
}

function createOutput(recorder: Recorder | undefined): Output {
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    color: color || Boolean(recorder && process.env.FORCE_COLOR),
    write(text: string) {
      process.stdout.write(text);
      recorder?.write(text);
    },
  };
}

function makeProgress(out: Output): Progress & { stop(): void } {
  const live = Boolean(process.stdout.isTTY);
  let spinner: NodeJS.Timeout | undefined;
  let current = '';
  const clearLine = (): void => {
    if (live && current) process.stdout.write('\r\x1b[2K');
  };
  const show = (text: string): void => {
    current = text;
    if (live) {
      clearLine();
      process.stdout.write(`  … ${text}`);
    }
  };
  return {
    step(message) {
      clearLine();
      current = '';
      out.write(`• ${message}\n`);
    },
    done(message) {
      clearLine();
      current = '';
      out.write(`  ${message}\n`);
    },
    output(stream, text) {
      clearLine();
      current = '';
      // What the student's code printed while its tests ran, set off from the report.
      out.write(text.replace(/\n$/, '').split('\n').map((l) => `  │ ${l}`).join('\n') + '\n');
    },
    testStart(name) {
      show(name);
      if (live && !spinner) spinner = setInterval(() => current && show(current), 500);
    },
    testEnd(result) {
      clearLine();
      current = '';
      out.write(testLine(result, out));
    },
    stop() {
      if (spinner) clearInterval(spinner);
      clearLine();
    },
  };
}

function writeOutputs(result: GradeResult, files: { json?: string; junit?: string; classroom?: string }): void {
  const write = (path: string | undefined, text: string): void => {
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  write(files.json, `${JSON.stringify(result, null, 2)}\n`);
  write(files.junit, toJUnit(result));
  write(files.classroom, toClassroom(result));
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      solution: { type: 'boolean' },
      starter: { type: 'boolean' },
      selftest: { type: 'boolean' },
      watch: { type: 'boolean' },
      json: { type: 'string' },
      junit: { type: 'string' },
      classroom: { type: 'string' },
      record: { type: 'string' },
      verbose: { type: 'boolean' },
      'host-kernel': { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.list) {
    console.log(labList());
    return 0;
  }
  const [labArg, ...filter] = positionals;
  const number = labArg && /^\d+$/.test(labArg) ? Number(labArg) : undefined;
  const lab = number === undefined ? undefined : findLab(number);
  if (!lab) {
    console.error(labArg ? `There is no lab "${labArg}".` : 'Which lab? Give its number.');
    console.error(labList());
    console.error('Example: npm run lab 1');
    return 2;
  }
  const chosen = [values.solution && 'solution', values.starter && 'starter', values.selftest && 'selftest'].filter(Boolean) as Variant[];
  if (chosen.length > 1) {
    console.error(`Choose one of --solution, --starter, --selftest (got ${chosen.join(', ')}).`);
    return 2;
  }
  const variant: Variant = chosen[0] ?? 'student';
  const recorder = values.record ? new Recorder(process.stdout.columns ?? 100, 40) : undefined;
  if (recorder) {
    // A replay reads better when it shows the command that produced it.
    const args = process.argv.slice(2).filter((a, i, all) => a !== '--record' && all[i - 1] !== '--record');
    const [n, ...rest] = args;
    recorder.write(`$ npm run lab ${n ?? ''}${rest.length ? ` -- ${rest.join(' ')}` : ''}\n`);
  }
  const out = createOutput(recorder);
  const progress = makeProgress(out);
  const files = { json: values.json, junit: values.junit, classroom: values.classroom };

  const what = { student: 'your code', solution: 'the reference solution', starter: 'the starting state', selftest: 'the module self-test' }[variant];
  let session: GradingSession | undefined;
  let definition: LabDefinition | undefined;
  const stopAll = async (): Promise<void> => {
    progress.stop();
    await session?.stop();
  };
  // Ctrl-C, a closed terminal or a CI timeout: never leave a virtual machine behind.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) process.once(signal, () => void stopAll().then(() => process.exit(code)));
  try {
    ensurePackages((line) => out.write(`${line}\n`));
    definition = await loadLabDefinition(definitionPathOf(lab, variant));
    out.write(`${'Lab ' + lab.number}: ${definition.title} — grading ${what}\n`);
    session = new GradingSession(
      { lab, progress, hostKernel: Boolean(values['host-kernel']), onConsoleLine: values.verbose ? (line) => out.write(`  [kernel] ${line}\n`) : undefined },
      definition.module,
    );
    await session.start();
  } catch (error) {
    await stopAll();
    const explained = explainSetupError(error);
    out.write(`\nCould not grade: ${explained.message}\n${explained.details ? `${explained.details}\n` : ''}`);
    if (definition) {
      const result = summarize(
        {
          lab: { number: lab.number, slug: lab.slug, title: definition.title },
          variant,
          kernel: { version: '', accelerator: '' },
          startedAt: new Date().toISOString(),
          durationMs: 0,
          tests: [],
          kernelProblems: [],
          error: explained,
        },
        definition.tests.map((t) => ({ name: t.name, points: t.points })),
      );
      writeOutputs(result, files);
    }
    recorder?.save(values.record!);
    return 2;
  }

  const request = { variant, definition, filter };
  const once = async (): Promise<GradeResult> => {
    const result = await gradeJob(session!, lab, request);
    progress.stop();
    out.write(summaryText(result, definition!.firstStep, out));
    writeOutputs(result, files);
    return result;
  };

  if (!values.watch) {
    const t0 = performance.now();
    const result = await once();
    const t1 = performance.now();
    await stopAll();
    if (process.env.NLWB_TIMINGS) console.error(`timings (ms since Node started): kernel ready ${Math.round(t0)}, graded ${Math.round(t1)}, machine stopped ${Math.round(performance.now())}`);
    recorder?.save(values.record!);
    return result.passed ? 0 : result.error ? 2 : 1;
  }
  await watchLoop(lab, once, out);
  await stopAll();
  return 0;
}

/** Re-grades on every save under the lab folder; Enter re-grades by hand, q quits. */
async function watchLoop(lab: LabLocation, once: () => Promise<GradeResult>, out: Output): Promise<void> {
  let running = false;
  let again = false;
  const trigger = async (why: string): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    out.write(`\n── ${why} ${'─'.repeat(40)}\n`);
    const t0 = Date.now();
    await once().catch((e: unknown) => out.write(`grading failed: ${(e as Error).message}\n`));
    out.write(`(re-graded in ${((Date.now() - t0) / 1000).toFixed(1)} s; watching labs/${lab.slug}/ — save to re-grade, Enter to run now, q to quit)\n`);
    running = false;
    if (again) {
      again = false;
      await trigger('changed while grading');
    }
  };
  await trigger('first run');
  let debounce: NodeJS.Timeout | undefined;
  const onChange = (file: string): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void trigger(`${file} changed`), 150);
  };
  // fs.watch misses events on some file systems (network mounts, some editors' atomic
  // saves), so a light poll of the lab's .ts files backs it up.
  const mtimes = new Map<string, number>();
  const poll = (): void => {
    for (const file of listTs(lab.dir)) {
      const m = statSync(file).mtimeMs;
      const old = mtimes.get(file);
      mtimes.set(file, m);
      if (old !== undefined && old !== m) onChange(relative(repoRoot, file));
    }
  };
  poll();
  const poller = setInterval(poll, 1000);
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(lab.dir, { recursive: true }, (_event, name) => {
      if (name && String(name).endsWith('.ts')) {
        const full = join(lab.dir, String(name));
        if (existsSync(full)) mtimes.set(full, statSync(full).mtimeMs);
        onChange(relative(repoRoot, full));
      }
    });
  } catch {
    out.write('(file change notifications are unavailable here; polling every second instead)\n');
  }
  await new Promise<void>((resolve) => {
    if (!process.stdin.isTTY) return; // without a terminal, run until interrupted
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', (key: Buffer) => {
      const k = key.toString();
      if (k === 'q' || k === '\u0003') resolve();
      else if (k === '\r' || k === '\n') void trigger('re-run by hand');
    });
  });
  clearInterval(poller);
  watcher?.close();
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdin.pause();
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of existsSync(d) ? readdirSync(d) : []) {
      const full = join(d, name);
      if (name === 'node_modules') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) out.push(full);
    }
  };
  walk(dir);
  return out;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`npm run lab failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
  return 2;
});
