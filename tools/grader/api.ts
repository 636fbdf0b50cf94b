/**
 * The graded-test API that every `labs/NN-topic/grade.ts` is written against.
 *
 * A lab file looks like:
 *
 *   import { defineLab, expect } from '#grader';
 *   import * as hello from './hello.ts';          // the student's file
 *
 *   export default defineLab({
 *     title: 'Hello, netlink',
 *     module: { dir: 'kernel/01-hello', name: 'nl_hello' },
 *     studentFiles: ['hello.ts', 'greet.ts'],
 *     firstStep: 'Open labs/01-hello/hello.ts and do TODO 1 (encodeHeader).',
 *     tests: [
 *       {
 *         name: 'encodeHeader writes the 16-byte nlmsghdr',
 *         points: 2,
 *         rule: 'nlmsghdr: len, type, flags, seq, pid in host byte order',
 *         hint: 'Use a DataView with littleEndian = true on x86.',
 *         run: () => { expect.bytes(hello.encodeHeader(...), [...], { decode: 'nlmsg' }); },
 *       },
 *     ],
 *   });
 *
 * The bundler substitutes the reference solution or the generated starting state
 * for the student's files when `npm run lab N -- --solution|--starter` asks for it,
 * so tests always import the student's path.
 *
 * Tests run inside the guest kernel (or the host kernel when asked), in a worker
 * thread; a test that throws, rejects or exceeds its time budget fails on its own
 * and the others still run.
 */

/** Which bytes decoder the report uses to show a byte-level failure. */
export type ByteDecoder = 'nlmsg' | 'nlattr' | 'genl' | 'tlv' | 'hex';

export interface KernelModuleSpec {
  /** Folder under the repository root that holds the module's Kbuild and sources. */
  dir: string;
  /** Module name, i.e. the .ko file without extension. */
  name: string;
  /** `insmod` parameters, for example `unit=31`. */
  params?: string[];
  /** Extra in-tree modules to load first (for example `dummy`, `nlmon`). */
  requires?: string[];
}

export interface GradedTest {
  /** Short, stable name: it is the key in the JSON result and the filter target. */
  name: string;
  /** Whole points; the lab's maximum is the sum. */
  points: number;
  /** The protocol rule this test checks, in words (printed when it fails). */
  rule?: string;
  /** What to try when it fails (printed when it fails). */
  hint?: string;
  /** Per-test time budget in milliseconds (default 5000; the grader scales it on slow machines). */
  timeoutMs?: number;
  run(t: TestContext): void | Promise<void>;
}

export interface LabDefinition {
  title: string;
  /** The kernel module the lab is graded against; omitted for pure-userspace labs. */
  module?: KernelModuleSpec;
  /** Files (relative to the lab folder) that the student edits and the solution replaces. */
  studentFiles: string[];
  /** Printed when the score is zero: where a newcomer should start. */
  firstStep: string;
  tests: GradedTest[];
}

export interface ProcessResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** What a test can use besides the student's code: the kernel's truth. */
export interface TestContext {
  /** Adds a line to this test's log (shown when it fails). */
  log(message: string): void;
  /** Reads a file of the kernel's (procfs, debugfs, sysfs) as text. */
  readKernelFile(path: string): string;
  /** Kernel log lines printed since this test started. */
  kernelLogSinceStart(): string[];
  /**
   * Runs a program (for example a student's CLI bundle via `t.runStudentCli`, or
   * iproute2) as a separate process with a timeout.
   */
  runProcess(command: string, args: string[], options?: { timeoutMs?: number; input?: string; env?: Record<string, string> }): Promise<ProcessResult>;
  /** Absolute path of a student CLI's bundle, for running it another way (e.g. `ip netns exec NS node <path>`). */
  studentCliPath(file: string): string;
  /** Runs one of the lab's student files as a CLI in its own process (`node <bundle> ...args`). */
  runStudentCli(file: string, args: string[], options?: { timeoutMs?: number }): Promise<ProcessResult>;
  /** Absolute path of the lab's built kernel module (.ko) inside the kernel's machine, if any. */
  modulePath: string | undefined;
  /** Milliseconds left in this test's budget. */
  remainingMs(): number;
  /** Aborted when the test's budget runs out; pass it to long waits. */
  signal: AbortSignal;
}

/** A failed expectation: names the protocol rule and carries bytes to decode. */
export class GradeFailure extends Error {
  override name = 'GradeFailure';
  constructor(
    message: string,
    readonly details: {
      rule?: string;
      expectedBytes?: Uint8Array;
      actualBytes?: Uint8Array;
      decode?: ByteDecoder;
      expected?: unknown;
      actual?: unknown;
    } = {},
  ) {
    super(message);
  }
}

/** Thrown by starting-state stubs: the report shows it as "not done yet". */
export class TodoError extends Error {
  override name = 'TodoError';
  constructor(readonly todo: string) {
    super(`${todo} is not done yet`);
  }
}

export function defineLab(lab: LabDefinition): LabDefinition {
  const seen = new Set<string>();
  for (const test of lab.tests) {
    if (seen.has(test.name)) throw new Error(`duplicate test name in lab "${lab.title}": ${test.name}`);
    if (!Number.isInteger(test.points) || test.points <= 0) throw new Error(`test "${test.name}" needs whole positive points`);
    seen.add(test.name);
  }
  return lab;
}

export { expect } from './expect.ts';
