/** Unit tests of the grader's own tooling (no kernel needed). */
import { describe, expect, it } from 'vitest';
import { generateStarter, StarterMarkerError, starterDrift } from '../tools/grader/starter.ts';
import { listLabs } from '../tools/grader/labs.ts';
import { summarize, toClassroom, toJUnit, type GradeResult } from '../tools/grader/result.ts';
import { summaryText, testLine, type Output } from '../tools/grader/report.ts';
import type { TestResult } from '../tools/grader/protocol.ts';
import { writeCpio } from '../tools/vm/cpio.ts';
import { scanKernelLog } from '../tools/vm/kernel-log.ts';
import { findKernel, moduleClosure } from '../tools/vm/kernel.ts';
import { Recorder } from '../tools/grader/record.ts';

describe('starter generation from solution markers', () => {
  it('drops solution blocks, turns @starter lines into code, keeps the rest', () => {
    const solution = [
      'export function f(): number {',
      '  // TODO 1: return the answer',
      '  // @solution-begin',
      '  return 42;',
      '  // @solution-end',
      "  // @starter: throw new TodoError('TODO 1 (f)');",
      '}',
    ].join('\n');
    expect(generateStarter(solution)).toBe(['export function f(): number {', '  // TODO 1: return the answer', "  throw new TodoError('TODO 1 (f)');", '}'].join('\n'));
  });

  it('rejects unbalanced markers with the line number', () => {
    expect(() => generateStarter('// @solution-begin\nx', 'a.ts')).toThrow(StarterMarkerError);
    expect(() => generateStarter('x\n// @solution-end', 'a.ts')).toThrow(/a\.ts:2/);
    expect(() => generateStarter('// @solution-begin\n// @solution-begin\n// @solution-end')).toThrow(/inside the block/);
  });

  it.each(listLabs().map((lab) => [lab.slug, lab] as const))('labs/%s: the committed starting files are what the solution generates', (_slug, lab) => {
    expect(starterDrift(lab)).toEqual([]);
  });
});

describe('kernel log scanning', () => {
  it('finds oops, warnings, BUG and lockups, once per report', () => {
    const log = [
      '[    1.0] nl_hello: loaded',
      '------------[ cut here ]------------',
      'WARNING: CPU: 1 PID: 99 at net/netlink/af_netlink.c:123 foo+0x1/0x2',
      '[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000000',
      '[    3.0] Oops: 0002 [#1] PREEMPT SMP NOPTI',
      '[    4.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s!',
      '[    5.0] nothing to see',
    ];
    const kinds = scanKernelLog(log).map((p) => p.kind);
    expect(kinds).toEqual(['warning', 'bug', 'oops', 'lockup']);
    expect(scanKernelLog(['[ 1.0] all fine', 'nl_hello: greeted Ada'])).toEqual([]);
  });
});

describe('cpio (newc) writer', () => {
  it('writes aligned headers, device nodes and the trailer', () => {
    const archive = writeCpio([
      { kind: 'dir', path: '/dev' },
      { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
      { kind: 'file', path: 'init', data: new TextEncoder().encode('#!/bin/sh\n'), mode: 0o755 },
    ]);
    const text = archive.toString('latin1');
    expect(text.startsWith('070701')).toBe(true);
    expect(archive.length % 4).toBe(0);
    expect(text).toContain('dev/console\0');
    expect(text).toContain('TRAILER!!!\0');
    // The console entry: mode 020600 (char device), rdev 5:1.
    const at = text.indexOf('dev/console') - 110;
    expect(text.slice(at + 14, at + 22)).toBe((0o020600).toString(16).padStart(8, '0'));
    expect(text.slice(at + 78, at + 86)).toBe('00000005');
    expect(text.slice(at + 86, at + 94)).toBe('00000001');
  });
});

describe('installed kernel', () => {
  const kernel = findKernel();
  it.runIf(kernel)('resolves module dependencies, dependencies first', () => {
    const order = moduleClosure(kernel!, ['9p']).map((p) => p.split('/').pop());
    expect(order.at(-1)).toBe('9p.ko');
    expect(order.indexOf('netfs.ko')).toBeLessThan(order.indexOf('fscache.ko'));
    expect(() => moduleClosure(kernel!, ['no_such_module'])).toThrow(/no module named/);
  });
});

const results: TestResult[] = [
  { name: 'header', points: 2, maxPoints: 2, status: 'passed', durationMs: 3 },
  {
    name: 'greet',
    points: 0,
    maxPoints: 3,
    status: 'failed',
    durationMs: 40,
    rule: 'replies echo the request seq',
    hint: 'match on seq',
    failure: { message: 'bytes differ', decode: 'nlmsg', actualBytes: Buffer.from('1400000010000500010000000000000041646100', 'hex').toString('base64') },
  },
  { name: 'ping', points: 0, maxPoints: 1, status: 'todo', durationMs: 1, failure: { message: 'TODO 3 (ping) is not done yet' } },
];
const base = {
  lab: { number: 1, slug: '01-hello', title: 'Hello' },
  variant: 'student',
  kernel: { version: '6.1', accelerator: 'tcg' },
  startedAt: new Date(0).toISOString(),
  durationMs: 1000,
  kernelProblems: [],
};

describe('one result, every format agrees', () => {
  const result: GradeResult = summarize({ ...base, tests: results }, results.map((r) => ({ name: r.name, points: r.maxPoints })));
  it('sums points, counts tests that never ran, passes only at full marks', () => {
    expect([result.score, result.maxScore, result.passed]).toEqual([2, 6, false]);
    const missing = summarize({ ...base, tests: results.slice(0, 1) }, [...results.map((r) => ({ name: r.name, points: r.maxPoints }))]);
    expect([missing.score, missing.maxScore]).toEqual([2, 6]);
    const full = summarize({ ...base, tests: results.slice(0, 1) }, [{ name: 'header', points: 2 }]);
    expect(full.passed).toBe(true);
    expect(summarize({ ...base, tests: results.slice(0, 1), kernelProblems: [{ kind: 'warning', line: 'WARNING: CPU: 0 PID: 1', index: 0 }] }, [{ name: 'header', points: 2 }]).passed).toBe(false);
  });
  it('JUnit and Classroom carry the same totals', () => {
    const classroom = JSON.parse(toClassroom(result)) as { max_score: number; tests: { score: number }[]; status: string };
    expect(classroom.max_score).toBe(result.maxScore);
    expect(classroom.tests.reduce((s, t) => s + t.score, 0)).toBe(result.score);
    expect(classroom.status).toBe('fail');
    const junit = toJUnit(result);
    expect(junit).toContain(`<property name="score" value="${result.score}"/>`);
    expect(junit).toContain(`<property name="max_score" value="${result.maxScore}"/>`);
    expect((junit.match(/<failure /g) ?? []).length).toBe(2);
  });
  it('the console report names the rule, decodes the bytes and shows the total', () => {
    const out: Output = { color: false, write: () => undefined };
    expect(testLine(results[0]!, out)).toMatch(/✓ header .* 2\/2/);
    const text = summaryText(result, 'Open labs/01-hello/hello.ts', out);
    expect(text).toContain('rule: replies echo the request seq');
    expect(text).toMatch(/your bytes, decoded:/);
    expect(text).toMatch(/len|nlmsg_len/);
    expect(text).toContain('hint: match on seq');
    expect(text).toContain('Score: 2/6');
    expect(text).toContain('TODO 3 (ping)');
  });
});

describe('asciicast recorder', () => {
  it('writes a v2 header and timed output events with CRLF', () => {
    const r = new Recorder(100, 30);
    r.write('one\ntwo\n');
    const [header, event] = r.toString().trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(header).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(event).toEqual([expect.any(Number), 'o', 'one\r\ntwo\r\n']);
  });
});
