/**
 * `npm test`: proves the course works, from the unit level to the real kernel.
 *
 *  1. vitest: tooling unit tests, the socket binding and netlink library on the host
 *     kernel, uapi parity, starter parity, lesson includes, the site in a real browser;
 *  2. every lesson module builds with -Werror and is sparse-clean;
 *  3. in the real kernel, one boot per lab: the reference solution scores full marks,
 *     the starting state scores less (the graded tests bite), and the module's
 *     self-test passes (load/unload twice, malformed input, independent peers);
 *     any kernel oops or warning fails the check.
 *
 * Options: --only unit|modules|labs (repeatable), --lab N (repeatable).
 * The last line is "N passed, M failed".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { gradeJob } from '../grader/grade-job.ts';
import { listLabs, repoRoot } from '../grader/labs.ts';
import type { GradeResult } from '../grader/result.ts';
import { GradingSession, definitionPathOf, loadLabDefinition, type Progress } from '../grader/session.ts';
import { ensurePackages, LAB_REQUIREMENTS } from '../grader/setup.ts';
import { buildModule, ModuleBuildError } from '../vm/kbuild.ts';
import { findKernel } from '../vm/kernel.ts';

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, lab: { type: 'string', multiple: true } } });
const only = new Set(values.only ?? ['unit', 'modules', 'labs']);
const labFilter = (values.lab ?? []).map(Number);

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
  seconds: number;
}
const checks: Check[] = [];
const record = (name: string, ok: boolean, started: number, detail?: string): void => {
  const seconds = (Date.now() - started) / 1000;
  checks.push({ name, ok, detail, seconds });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name} (${seconds.toFixed(1)} s)${detail && !ok ? `\n${detail.replace(/^/gm, '     ')}` : ''}`);
};

const TEST_REQUIREMENTS = [
  ...LAB_REQUIREMENTS,
  { pkg: 'sparse', why: 'the kernel modules must be sparse-clean (make C=2)', present: () => existsSync('/usr/bin/sparse') },
  { pkg: 'chromium', why: 'the course site is tested in a real browser', present: () => existsSync('/usr/bin/chromium') },
];
ensurePackages((line) => console.log(line), TEST_REQUIREMENTS);

// 1. Unit and host-kernel tests.
if (only.has('unit')) {
  const started = Date.now();
  console.log('• vitest: tooling, socket binding, netlink library, parity, site');
  const r = spawnSync(join(repoRoot, 'node_modules/.bin/vitest'), ['run'], { cwd: repoRoot, stdio: 'inherit' });
  record('vitest', r.status === 0, started, `vitest exited with status ${r.status}`);
}

const labs = listLabs().filter((lab) => !labFilter.length || labFilter.includes(lab.number));

// 2. Module quality: -Werror comes from each Kbuild; sparse must print nothing.
if (only.has('modules')) {
  const kernel = findKernel();
  if (!kernel) throw new Error('no kernel with headers installed');
  for (const lab of labs) {
    const definition = await loadLabDefinition(definitionPathOf(lab, 'solution'));
    const module = definition.module;
    if (!module) continue;
    const started = Date.now();
    const kbuild = readFileSync(join(repoRoot, module.dir, 'Kbuild'), 'utf8');
    if (!/ccflags-y\s*[:+]?=.*-Werror/.test(kbuild)) {
      record(`${module.name}: Kbuild sets -Werror`, false, started, `${module.dir}/Kbuild must add -Werror to ccflags-y`);
      continue;
    }
    try {
      await buildModule(join(repoRoot, module.dir), module.name, kernel, { sparse: true });
      record(`${module.name}: builds with -Werror and is sparse-clean`, true, started);
    } catch (error) {
      record(`${module.name}: builds with -Werror and is sparse-clean`, false, started, error instanceof ModuleBuildError ? `${error.message}\n${error.output}` : String(error));
    }
  }
}

// 3. The labs in the real kernel.
const quiet: Progress = {
  step: (m) => console.log(`  • ${m}`),
  done: (m) => console.log(`    ${m}`),
  output: () => undefined,
  testStart: () => undefined,
  testEnd: () => undefined,
};

function describe(result: GradeResult): string {
  const failed = result.tests.filter((t) => t.status !== 'passed');
  return [
    result.error ? `error: ${result.error.message}\n${result.error.details ?? ''}` : '',
    ...result.kernelProblems.map((p) => `kernel ${p.kind}: ${p.line}`),
    ...(result.kernelLogTail ?? []).slice(-30),
    ...failed.slice(0, 12).map((t) => `${t.name}: ${t.status}: ${t.failure?.message ?? ''}`),
  ]
    .filter(Boolean)
    .join('\n');
}

if (only.has('labs')) {
  for (const lab of labs) {
    console.log(`• lab ${lab.number} (${lab.slug}) in the real kernel`);
    const started = Date.now();
    const solution = await loadLabDefinition(definitionPathOf(lab, 'solution'));
    const session = new GradingSession({ lab, progress: quiet }, solution.module);
    try {
      await session.start();
      record(`lab ${lab.number}: kernel started (${session.guestStart})`, true, started);
    } catch (error) {
      record(`lab ${lab.number}: kernel starts`, false, started, (error as Error).message);
      await session.stop();
      continue;
    }
    const full = await gradeJob(session, lab, { variant: 'solution', definition: solution, filter: [] });
    record(`lab ${lab.number}: reference solution scores full marks (${full.score}/${full.maxScore})`, full.passed, started, describe(full));

    let t = Date.now();
    const starter = await gradeJob(session, lab, { variant: 'starter', definition: solution, filter: [] });
    const bites = !starter.error && starter.maxScore === full.maxScore && starter.score < starter.maxScore && starter.kernelProblems.length === 0;
    record(`lab ${lab.number}: starting state scores less (${starter.score}/${starter.maxScore})`, bites, t, describe(starter));

    t = Date.now();
    if (existsSync(join(lab.kernelDir, 'selftest.ts'))) {
      const selftestDefinition = await loadLabDefinition(definitionPathOf(lab, 'selftest'));
      const self = await gradeJob(session, lab, { variant: 'selftest', definition: selftestDefinition, filter: [] });
      record(`lab ${lab.number}: module self-test (${self.score}/${self.maxScore})`, self.passed, t, describe(self));
    } else {
      record(`lab ${lab.number}: module self-test exists`, false, t, `${relative(repoRoot, join(lab.kernelDir, 'selftest.ts'))} is missing`);
    }
    await session.stop();
  }
}

// 4. A saved guest that cannot be restored must cost a boot, never a failed run.
if (only.has('labs') && labs[0]) {
  const lab = labs[0];
  console.log('• a damaged saved guest is replaced');
  const started = Date.now();
  const definition = await loadLabDefinition(definitionPathOf(lab, 'solution'));
  const probe = new GradingSession({ lab, progress: quiet }, definition.module);
  let detail = '';
  let ok = false;
  try {
    await probe.start(); // restores (or boots and saves) so the snapshot path is known
    await probe.stop();
    const file = probe.snapshotFile ?? '';
    const size = existsSync(file) ? statSync(file).size : 0;
    writeFileSync(file, readFileSync(file).subarray(0, 1 << 20)); // cut short, as a full disk would
    const session = new GradingSession({ lab, progress: quiet }, definition.module);
    await session.start();
    const result = await gradeJob(session, lab, { variant: 'solution', definition, filter: [definition.tests[0]!.name] });
    await session.stop();
    const resaved = existsSync(file) ? statSync(file).size : 0;
    ok = session.guestStart === 'booted after a failed restore' && result.passed && resaved > size / 2;
    detail = `start: ${session.guestStart}; graded ${result.score}/${result.maxScore}; saved again: ${resaved} bytes (was ${size})${result.error ? `; ${result.error.message}` : ''}`;
  } catch (error) {
    detail = (error as Error).stack ?? String(error);
  }
  record('a damaged saved guest: the run boots instead and saves it again', ok, started, detail);
}

const passed = checks.filter((c) => c.ok).length;
const failed = checks.length - passed;
console.log('');
for (const c of checks.filter((x) => !x.ok)) console.log(`failed: ${c.name}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed || checks.length === 0 ? 1 : 0;
