/**
 * Runs a lab's graded tests inside a worker thread of the guest agent. One test at a
 * time, each with its own time budget; whatever a test throws becomes that test's
 * failure and the next test still runs. A test that blocks the thread forever is
 * handled by the agent, which terminates this worker and starts another.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { GradeFailure, TodoError, type GradedTest, type LabDefinition, type ProcessResult, type TestContext } from './api.ts';
import { KernelLogCursor } from './kmsg.ts';
import { runProcess } from './process.ts';
import type { AgentToWorker, FailureReport, TestResult, WorkerData, WorkerMessage } from './protocol.ts';

const DEFAULT_TIMEOUT_MS = 5000;

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function base64(bytes: Uint8Array | undefined): string | undefined {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : undefined;
}

/**
 * Runs a student CLI as its own process. The agent owns a few pre-started Node processes
 * (see tools/vm/zygote.ts), so it starts the CLI; outside an agent, a plain spawn.
 */
let cliRequests = 0;
const pendingCli = new Map<number, (result: ProcessResult) => void>();
/** The agent loads the module while this worker imports the lab; tests wait for its go. */
const startSignal = new Promise<void>((resolve) => {
  if (!parentPort) return resolve();
  parentPort.on('message', (message: AgentToWorker) => {
    if (message.type === 'start') resolve();
  });
});

parentPort?.on('message', (message: AgentToWorker) => {
  if (message.type !== 'cli-result') return;
  pendingCli.get(message.requestId)?.(message.result);
  pendingCli.delete(message.requestId);
});
function runCli(script: string, args: string[], options: { timeoutMs: number; signal: AbortSignal }): Promise<ProcessResult> {
  if (!parentPort) return runProcess(process.execPath, [script, ...args], options);
  const requestId = ++cliRequests;
  return new Promise((resolve) => {
    const cancel = (): void => post({ type: 'cancel-cli', requestId });
    pendingCli.set(requestId, (result) => {
      options.signal.removeEventListener('abort', cancel);
      resolve(result);
    });
    options.signal.addEventListener('abort', cancel, { once: true });
    post({ type: 'run-cli', requestId, script, args, timeoutMs: options.timeoutMs });
  });
}

function studentCliPath(data: WorkerData, file: string): string {
  return join(data.jobDir, 'cli', file.replace(/\.ts$/, '.mjs'));
}

/** Keeps the part of a stack trace that points into the lab, not into the grader. */
function studentStack(error: Error): string | undefined {
  const lines = (error.stack ?? '').split('\n').slice(1);
  const relevant = lines.filter((line) => /labs\//.test(line) && !/grade\.ts|grading\//.test(line));
  return relevant.length ? relevant.slice(0, 4).map((l) => l.trim()).join('\n') : undefined;
}

function describeError(error: unknown, test: GradedTest): { status: TestResult['status']; failure: FailureReport } {
  if (error instanceof GradeFailure) {
    const d = error.details;
    return {
      status: 'failed',
      failure: {
        message: error.message,
        rule: d.rule ?? test.rule,
        decode: d.decode,
        expectedBytes: base64(d.expectedBytes),
        actualBytes: base64(d.actualBytes),
      },
    };
  }
  if (error instanceof TodoError) {
    return { status: 'todo', failure: { message: `${error.todo} is not done yet`, rule: test.rule } };
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      status: 'crashed',
      failure: {
        message: `your code threw ${error.name}${code ? ` (${code})` : ''}: ${error.message}`,
        rule: test.rule,
        stack: studentStack(error),
      },
    };
  }
  return { status: 'crashed', failure: { message: `your code threw a non-Error value: ${String(error)}`, rule: test.rule } };
}

/** One reader for all tests: opening /dev/kmsg means skipping the whole log again. */
const kernelLog = new KernelLogCursor();

async function runOne(test: GradedTest, data: WorkerData): Promise<TestResult> {
  const timeoutMs = Math.round((test.timeoutMs ?? DEFAULT_TIMEOUT_MS) * data.timeoutScale);
  const started = Date.now();
  const controller = new AbortController();
  const log: string[] = [];
  kernelLog.drain(); // what was logged before this test started
  const kernelLines: string[] = [];
  const context: TestContext = {
    log: (message) => void log.push(message),
    readKernelFile: (path) => readFileSync(path, 'utf8'),
    kernelLogSinceStart: () => {
      kernelLines.push(...kernelLog.drain());
      return [...kernelLines];
    },
    runProcess: (command, args, options = {}) =>
      runProcess(command, args, { ...options, signal: controller.signal, timeoutMs: Math.min(options.timeoutMs ?? timeoutMs, Math.max(1, started + timeoutMs - Date.now())) }),
    studentCliPath: (file) => studentCliPath(data, file),
    runStudentCli: (file, args, options = {}) =>
      runCli(studentCliPath(data, file), args, {
        signal: controller.signal,
        timeoutMs: Math.min(options.timeoutMs ?? timeoutMs, Math.max(1, started + timeoutMs - Date.now())),
      }),
    modulePath: data.modulePath,
    remainingMs: () => Math.max(0, started + timeoutMs - Date.now()),
    signal: controller.signal,
  };
  post({ type: 'test-start', name: test.name, timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  let result: TestResult;
  const base = { name: test.name, maxPoints: test.points, rule: test.rule, hint: test.hint };
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => test.run(context)), timeout]);
    if (outcome === 'timeout') {
      controller.abort(new Error('time budget exceeded'));
      result = {
        ...base,
        points: 0,
        status: 'timeout',
        durationMs: Date.now() - started,
        failure: {
          message: `did not finish within ${(timeoutMs / 1000).toFixed(1)} s: is your code waiting for a reply that never comes (wrong seq, wrong port, missing NLM_F_REQUEST)?`,
          rule: test.rule,
        },
      };
    } else {
      result = { ...base, points: test.points, status: 'passed', durationMs: Date.now() - started };
    }
  } catch (error) {
    const { status, failure } = describeError(error, test);
    result = { ...base, points: 0, status, durationMs: Date.now() - started, failure };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  kernelLines.push(...kernelLog.drain());
  if (result.failure) {
    if (log.length) result.failure.log = log;
    if (kernelLines.length) result.failure.kernelLog = kernelLines.slice(-40);
  }
  return result;
}

function selected(test: GradedTest, data: WorkerData): boolean {
  if (data.skip.includes(test.name)) return false;
  if (!data.filter.length) return true;
  const name = test.name.toLowerCase();
  return data.filter.some((f) => name.includes(f.toLowerCase()));
}

/** Entry point of the bundle the grader builds for a lab. */
export async function runLabInWorker(lab: LabDefinition): Promise<void> {
  // The agent hands the job's data to a pre-started worker by message (see agent.ts).
  const data = ((globalThis as { __nlwbWorkerData?: WorkerData }).__nlwbWorkerData ?? workerData) as WorkerData;
  // A promise the student's code forgot (or one left behind by a timed-out test) must not
  // take the other tests down with it.
  process.on('unhandledRejection', () => undefined);
  const tests = lab.tests.filter((test) => selected(test, data));
  post({
    type: 'list',
    tests: tests.map((t) => ({ name: t.name, points: t.points, timeoutMs: Math.round((t.timeoutMs ?? DEFAULT_TIMEOUT_MS) * data.timeoutScale) })),
  });
  await startSignal;
  for (const test of tests) post({ type: 'test-end', result: await runOne(test, data) });
  post({ type: 'done' });
}
