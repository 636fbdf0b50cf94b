/**
 * The one result of a grading run. The console total, the JSON file, JUnit and GitHub
 * Classroom outputs are all derived from this object, so they always agree.
 */
import type { TestResult } from './protocol.ts';
import type { KernelProblem } from '../vm/kernel-log.ts';

export interface GradeResult {
  schema: 'netlink-workbook/grade@1';
  lab: { number: number; slug: string; title: string };
  variant: string;
  kernel: { version: string; accelerator: string };
  startedAt: string;
  durationMs: number;
  score: number;
  maxScore: number;
  tests: TestResult[];
  /** Kernel trouble during the run: any entry fails the run whatever the score. */
  kernelProblems: KernelProblem[];
  /** Last kernel log lines, kept when the kernel misbehaved. */
  kernelLogTail?: string[];
  /** Set when the run could not grade at all (build error, boot failure...). */
  error?: { message: string; details?: string };
  passed: boolean;
}

export function summarize(partial: Omit<GradeResult, 'score' | 'maxScore' | 'passed' | 'schema'>, allTests: { name: string; points: number }[]): GradeResult {
  // Tests that never reported (a dead guest) still count toward the maximum, with 0 points.
  const tests = [...partial.tests];
  for (const t of allTests) {
    if (!tests.some((r) => r.name === t.name)) {
      tests.push({ name: t.name, points: 0, maxPoints: t.points, status: 'crashed', durationMs: 0, failure: { message: 'not run: the grading run stopped before this test' } });
    }
  }
  const score = tests.reduce((sum, t) => sum + t.points, 0);
  const maxScore = tests.reduce((sum, t) => sum + t.maxPoints, 0);
  const passed = !partial.error && partial.kernelProblems.length === 0 && maxScore > 0 && score === maxScore;
  return { schema: 'netlink-workbook/grade@1', ...partial, tests, score, maxScore, passed };
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

export function toJUnit(result: GradeResult): string {
  const failures = result.tests.filter((t) => t.status !== 'passed').length;
  const cases = result.tests.map((t) => {
    const time = (t.durationMs / 1000).toFixed(3);
    const name = xmlEscape(`${t.name} [${t.points}/${t.maxPoints}]`);
    if (t.status === 'passed') return `    <testcase classname="lab${result.lab.number}" name="${name}" time="${time}"/>`;
    const body = xmlEscape([t.failure?.rule ? `rule: ${t.failure.rule}` : '', t.failure?.message ?? '', t.hint ? `hint: ${t.hint}` : ''].filter(Boolean).join('\n'));
    return `    <testcase classname="lab${result.lab.number}" name="${name}" time="${time}">\n      <failure type="${t.status}" message="${xmlEscape(t.failure?.message ?? t.status)}">${body}</failure>\n    </testcase>`;
  });
  if (result.error) cases.push(`    <testcase classname="lab${result.lab.number}" name="setup"><error message="${xmlEscape(result.error.message)}"/></testcase>`);
  for (const p of result.kernelProblems) cases.push(`    <testcase classname="lab${result.lab.number}" name="kernel: ${xmlEscape(p.kind)}"><failure message="${xmlEscape(p.line)}"/></testcase>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netlink-workbook" tests="${result.tests.length}" failures="${failures}">`,
    `  <testsuite name="Lab ${result.lab.number}: ${xmlEscape(result.lab.title)}" tests="${result.tests.length}" failures="${failures}" time="${(result.durationMs / 1000).toFixed(3)}">`,
    `    <properties><property name="score" value="${result.score}"/><property name="max_score" value="${result.maxScore}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** GitHub Classroom autograding report (version 1), as its reporter reads it. */
export function toClassroom(result: GradeResult): string {
  return `${JSON.stringify(
    {
      version: 1,
      status: result.passed ? 'pass' : result.error ? 'error' : 'fail',
      max_score: result.maxScore,
      tests: result.tests.map((t) => ({
        name: t.name,
        status: t.status === 'passed' ? 'pass' : 'fail',
        score: t.points,
        max_score: t.maxPoints,
        message: t.failure ? [t.failure.rule, t.failure.message].filter(Boolean).join(': ') : '',
        test_code: `npm run lab ${result.lab.number} -- "${t.name}"`,
        filename: `labs/${result.lab.slug}/grade.ts`,
        line_no: 0,
        duration: t.durationMs,
      })),
    },
    null,
    2,
  )}\n`;
}
