/**
 * What a student reads: one line per test as it finishes, then for each failure the
 * protocol rule, what happened, the bytes decoded, and a hint; then the total.
 */
import type { ByteDecoder } from './api.ts';
import type { FailureReport, TestResult } from './protocol.ts';
import type { GradeResult } from './result.ts';
import { decodeDatagram, formatDecoded } from '../netlink/decode.ts';

export interface Output {
  write(text: string): void;
  readonly color: boolean;
}

const paint = (on: boolean) => ({
  green: (s: string) => (on ? `\x1b[32m${s}\x1b[39m` : s),
  red: (s: string) => (on ? `\x1b[31m${s}\x1b[39m` : s),
  yellow: (s: string) => (on ? `\x1b[33m${s}\x1b[39m` : s),
  dim: (s: string) => (on ? `\x1b[2m${s}\x1b[22m` : s),
  bold: (s: string) => (on ? `\x1b[1m${s}\x1b[22m` : s),
});

const STATUS_WORD: Record<TestResult['status'], string> = {
  passed: 'ok',
  failed: 'FAILED',
  todo: 'TODO',
  timeout: 'TIMEOUT',
  crashed: 'ERROR',
  kernel: 'KERNEL',
};

export function testLine(result: TestResult, out: Output, nameWidth = 58): string {
  const c = paint(out.color);
  const mark = result.status === 'passed' ? c.green('✓') : result.status === 'todo' ? c.yellow('○') : c.red('✗');
  const name = result.name.length > nameWidth ? `${result.name.slice(0, nameWidth - 1)}…` : result.name.padEnd(nameWidth);
  const points = `${result.points}/${result.maxPoints}`.padStart(5);
  const word = result.status === 'passed' ? c.dim(`${result.durationMs} ms`) : result.status === 'todo' ? c.yellow('TODO') : c.red(STATUS_WORD[result.status]);
  return `  ${mark} ${name} ${points}  ${word}\n`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line ? prefix + line : line))
    .join('\n');
}

export function decodeForReport(base64: string, decoder: ByteDecoder): string {
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  try {
    return formatDecoded(decodeDatagram(bytes, { kind: decoder }));
  } catch (error) {
    // The decoder promises not to throw; if it does, raw bytes still help.
    const hex = Buffer.from(bytes).toString('hex').replace(/(.{8})/g, '$1 ').trim();
    return `${hex}\n(decoder error: ${(error as Error).message})`;
  }
}

export function failureDetails(result: TestResult, out: Output): string {
  const c = paint(out.color);
  const f: FailureReport | undefined = result.failure;
  if (!f) return '';
  const lines: string[] = [];
  lines.push(c.bold(`  ${result.name}`));
  if (f.rule ?? result.rule) lines.push(`    rule: ${f.rule ?? result.rule}`);
  lines.push(indent(`what happened: ${f.message}`, '    '));
  if (f.stack) lines.push(indent(`in your code:\n${indent(f.stack, '  ')}`, '    '));
  if (f.actualBytes !== undefined) lines.push(`    your bytes, decoded:\n${indent(decodeForReport(f.actualBytes, f.decode ?? 'hex'), '      ')}`);
  if (f.expectedBytes !== undefined) lines.push(`    expected bytes, decoded:\n${indent(decodeForReport(f.expectedBytes, f.decode ?? 'hex'), '      ')}`);
  if (f.log?.length) lines.push(`    test log:\n${indent(f.log.join('\n'), '      ')}`);
  if (f.kernelLog?.length) lines.push(`    kernel log during the test:\n${indent(f.kernelLog.join('\n'), '      ')}`);
  const hint = f.hint ?? result.hint;
  if (hint && result.status !== 'passed') lines.push(c.yellow(indent(`hint: ${hint}`, '    ')));
  return `${lines.join('\n')}\n`;
}

export function summaryText(result: GradeResult, firstStep: string | undefined, out: Output): string {
  const c = paint(out.color);
  const lines: string[] = [];
  const failed = result.tests.filter((t) => t.status !== 'passed');
  if (failed.length) {
    lines.push('', c.bold('What went wrong'), '');
    for (const t of failed.filter((f) => f.status !== 'todo')) lines.push(failureDetails(t, out));
    const todos = failed.filter((f) => f.status === 'todo');
    if (todos.length) {
      const names = [...new Set(todos.map((t) => (t.failure?.message ?? '').replace(/ is not done yet$/, '')))];
      lines.push(c.yellow(`  ${todos.length} test(s) wait for unfinished TODOs: ${names.join(', ')}`), '');
    }
  }
  if (result.kernelProblems.length) {
    lines.push(c.red(c.bold('The kernel reported trouble during this run (this fails the run):')));
    for (const p of result.kernelProblems) lines.push(c.red(`  ${p.kind}: ${p.line}`));
    lines.push('  kernel log (last lines):', indent(result.kernelLogTail?.join('\n') ?? '', '    '), '');
  }
  if (result.error) {
    lines.push(c.red(c.bold(`Could not grade: ${result.error.message}`)));
    if (result.error.details) lines.push(indent(result.error.details, '  '));
    lines.push('');
  }
  const passedCount = result.tests.filter((t) => t.status === 'passed').length;
  const score = `Score: ${result.score}/${result.maxScore}`;
  lines.push(`${result.passed ? c.green(c.bold(score)) : c.bold(score)}  (${passedCount} of ${result.tests.length} tests passed, ${(result.durationMs / 1000).toFixed(1)} s)`);
  if (result.passed) lines.push(c.green('Full marks. Well done.'));
  else if (firstStep && result.score === 0 && !result.error) lines.push(c.yellow(`Start here: ${firstStep}`));
  return `${lines.join('\n')}\n`;
}
