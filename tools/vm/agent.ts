/**
 * The guest agent: PID 1's only child inside the course's virtual machine (or a local
 * process in host-kernel mode). It owns the results channel and the kernel module:
 *
 *   agent --ready--> host: idle, with a test worker and CLI processes pre-started
 *                          (the moment the host may save the booted guest)
 *   host --attach--> agent: mount the host's filesystem (kernel/vm/attach.sh)
 *   host --job--> agent: load the module, run tests in a worker thread (files: job.dir)
 *   agent --test-start/test-end/output--> host, while they happen
 *   agent: unload the module, report whether that was clean --job-end--> host
 *
 * A worker that stops answering (a student's infinite loop) is terminated and a new one
 * resumes after the test that hung. Bundled by tools/vm/bundle.ts into the guest image.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProcessResult } from '../grader/api.ts';
import { KernelLogCursor } from '../grader/kmsg.ts';
import { collectProcess } from '../grader/process.ts';
import type { AgentToWorker, GuestMessage, HostMessage, JobModule, TestResult, WorkerData, WorkerMessage } from '../grader/protocol.ts';
import { GUEST_PATHS, IMAGE_AFTER_ATTACH, imagePath } from './guest-paths.ts';

type Job = Extract<HostMessage, { type: 'job' }>;

const HANG_GRACE_MS = 3000;

/** Where messages go: the virtio-serial port in the VM, fd 3 in host-kernel mode. */
function openChannel(): { input: NodeJS.ReadableStream; write: (line: string) => void } {
  if (process.env.NLWB_AGENT_FD) {
    const fd = Number(process.env.NLWB_AGENT_FD);
    // A pipe: read through the event loop (a blocking read in a pool thread would keep Node from exiting).
    return { input: new Socket({ fd, readable: true, writable: false }), write: (line) => void writeSync(fd, line) };
  }
  const ports = existsSync('/sys/class/virtio-ports') ? readdirSync('/sys/class/virtio-ports') : [];
  const port = ports.find((p) => readFileSync(`/sys/class/virtio-ports/${p}/name`, 'utf8').trim() === 'nlwb.ctl');
  if (!port) {
    console.error('nlwb-agent: no virtio-serial port named nlwb.ctl; is virtio_console loaded?');
    process.exit(2);
  }
  // A virtio port can be open only once at a time, so one fd serves both directions.
  const fd = openSync(`/dev/${port}`, 'r+');
  return {
    input: createReadStream('', { fd, autoClose: false, highWaterMark: 1 << 16 }),
    write: (line) => void writeSync(fd, line),
  };
}

const channel = openChannel();
const send = (message: GuestMessage): void => channel.write(`${JSON.stringify(message)}\n`);

/** Whether the host's filesystem is mounted (and the image moved to IMAGE_AFTER_ATTACH). */
let attached = false;

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`.trim();
  return { ok: result.status === 0, output };
}

/**
 * insmod/rmmod of the lab's module: in the VM the image's static busybox, which starts
 * much faster than kmod and its libraries read over 9p.
 */
function moduleTool(tool: 'insmod' | 'rmmod', args: string[]): { ok: boolean; output: string } {
  return process.env.NLWB_GUEST ? run(imagePath(GUEST_PATHS.busybox, attached), [tool, ...args]) : run(tool, args);
}

function loadModule(jobDir: string, module: JobModule): string | undefined {
  for (const dependency of module.requires) {
    const r = run('modprobe', [dependency]);
    if (!r.ok) return `modprobe ${dependency} failed: ${r.output}`;
  }
  const r = moduleTool('insmod', [join(jobDir, module.file), ...module.params]);
  return r.ok ? undefined : `insmod ${module.file} ${module.params.join(' ')} failed: ${r.output}`;
}

function moduleLoaded(name: string): boolean {
  return existsSync(`/sys/module/${name}`);
}

/**
 * Starting a worker thread costs about as much as starting Node itself (seconds under
 * software emulation), so one is always started ahead of the next job; it waits for the
 * bundle to import.
 */
const WORKER_BOOTSTRAP = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ entry, data }) => {
  globalThis.__nlwbWorkerData = data;
  // Stack traces of the student's code point at their .ts files, not into the bundle.
  process.setSourceMapsEnabled(true);
  import(entry).catch((error) => { setImmediate(() => { throw error; }); });
});`;
let warmWorker: Worker | undefined;
let warmWorkerOnline: Promise<void> = Promise.resolve();
function prestartWorker(): void {
  const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, stdout: true, stderr: true });
  warmWorker = worker;
  warmWorkerOnline = new Promise((resolve) => {
    worker.once('online', resolve);
    worker.once('error', () => resolve());
  });
}

/**
 * Student CLIs start from Node processes that are already running (tools/vm/zygote.ts):
 * a fresh Node costs 0.5-3 s in the emulated guest. The pool is refilled between jobs,
 * not during one, where it would slow the tests down (a job that needs more CLIs than
 * the pool holds starts the rest the ordinary way).
 */
const zygotePath = (): string => process.env.NLWB_ZYGOTE ?? imagePath(GUEST_PATHS.zygote, attached);
const ZYGOTE_POOL = existsSync(zygotePath()) ? 3 : 0;
const zygotes: { child: ChildProcess; ready: Promise<boolean> }[] = [];
function startZygote(): void {
  const child = spawn(process.execPath, [zygotePath()], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  const ready = new Promise<boolean>((resolve) => {
    child.once('message', () => resolve(true));
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  zygotes.push({ child, ready });
}
function fillZygotePool(): void {
  while (zygotes.length < ZYGOTE_POOL) startZygote();
}

/** Student CLIs that are running, by request: a test that runs out of time kills its CLI. */
const runningClis = new Map<number, ChildProcess>();
async function runStudentCli(request: Extract<WorkerMessage, { type: 'run-cli' }>): Promise<ProcessResult> {
  const zygote = zygotes.shift();
  const asked = performance.now();
  let child: ChildProcess;
  if (zygote && (await zygote.ready) && zygote.child.connected) {
    child = zygote.child;
    child.send({ script: request.script, args: request.args });
    timings.cliWaitMs = (timings.cliWaitMs ?? 0) + Math.round(performance.now() - asked);
    timings.cliPrestarted = (timings.cliPrestarted ?? 0) + 1;
  } else {
    zygote?.child.kill('SIGKILL');
    child = spawn(process.execPath, [request.script, ...request.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    timings.cliFresh = (timings.cliFresh ?? 0) + 1;
  }
  runningClis.set(request.requestId, child);
  const result = await collectProcess(child, { timeoutMs: request.timeoutMs });
  runningClis.delete(request.requestId);
  return result;
}

function takeWarmWorker(): Worker {
  const worker = warmWorker ?? new Worker(WORKER_BOOTSTRAP, { eval: true, stdout: true, stderr: true });
  warmWorker = undefined;
  return worker;
}

/**
 * Runs the tests, restarting the worker after a hang, and resolves with every result.
 * The worker imports the lab while the module loads; `moduleReady` says whether to go.
 */
function runTests(job: Job, jobDir: string, modulePath: string | undefined, moduleReady: Promise<boolean>): Promise<void> {
  const done = new Set<string>();
  const plannedPoints = new Map<string, number>();
  return new Promise((resolve) => {
    const startWorker = (): void => {
      const data: WorkerData = { filter: job.filter, skip: [...done], timeoutScale: job.timeoutScale, jobDir, modulePath };
      const worker = takeWarmWorker();
      worker.postMessage({ entry: pathToFileURL(join(jobDir, job.entry)).href, data });
      let current: { name: string; timer: NodeJS.Timeout } | undefined;
      let finished = false;
      const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer | string) =>
        send({ type: 'output', id: job.id, stream, text: chunk.toString() });
      worker.stdout.on('data', forward('stdout'));
      worker.stderr.on('data', forward('stderr'));
      const endTest = (result: TestResult): void => {
        if (current) clearTimeout(current.timer);
        current = undefined;
        done.add(result.name);
        send({ type: 'test-end', id: job.id, result });
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'list') {
          mark('workerReady');
          void moduleReady.then((go) => {
            if (go) {
              if (!data.skip.length) for (const t of message.tests) plannedPoints.set(t.name, t.points);
              if (!data.skip.length) send({ type: 'job-start', id: job.id, tests: message.tests.map(({ name, points }) => ({ name, points })) });
              const start: AgentToWorker = { type: 'start' };
              worker.postMessage(start);
            } else {
              finished = true;
              void worker.terminate().then(() => resolve());
            }
          });
        } else if (message.type === 'test-start') {
          if (done.has(message.name) || current) return;
          send({ type: 'test-start', id: job.id, name: message.name });
          const timer = setTimeout(() => {
            // The worker did not even manage its own timeout: its thread is blocked.
            endTest({
              name: message.name,
              points: 0,
              maxPoints: 0,
              status: 'timeout',
              durationMs: message.timeoutMs + HANG_GRACE_MS,
              failure: {
                message: `your code blocked the thread for more than ${((message.timeoutMs + HANG_GRACE_MS) / 1000).toFixed(1)} s (an endless loop, or a busy wait instead of await?); the grader stopped it and went on with the next test`,
              },
            });
            finished = true;
            void worker.terminate().then(startWorker);
          }, message.timeoutMs + HANG_GRACE_MS);
          current = { name: message.name, timer };
        } else if (message.type === 'test-end') {
          // Only the test that is running can end, once, with at most its own points:
          // code in the worker posting made-up results gains nothing.
          if (!current || current.name !== message.result.name) return;
          const planned = plannedPoints.get(message.result.name) ?? 0;
          endTest({ ...message.result, maxPoints: planned, points: Math.min(Math.max(0, message.result.points), planned) });
        } else if (message.type === 'run-cli') {
          void runStudentCli(message).then((result) => {
            const reply: AgentToWorker = { type: 'cli-result', requestId: message.requestId, result };
            if (!finished) worker.postMessage(reply);
          });
        } else if (message.type === 'cancel-cli') {
          runningClis.get(message.requestId)?.kill('SIGKILL');
        } else if (message.type === 'done') {
          finished = true;
          void worker.terminate().then(() => resolve());
        }
      });
      worker.on('error', (error) => {
        if (finished) return;
        finished = true;
        if (current) {
          endTest({
            name: current.name,
            points: 0,
            maxPoints: 0,
            status: 'crashed',
            durationMs: 0,
            failure: { message: `the test thread died: ${error.message}` },
          });
          void worker.terminate().then(startWorker);
        } else {
          send({ type: 'output', id: job.id, stream: 'stderr', text: `the grader could not load the lab: ${error.stack ?? error.message}\n` });
          resolve();
        }
      });
      worker.on('exit', () => {
        if (!finished) {
          finished = true;
          if (current) {
            endTest({ name: current.name, points: 0, maxPoints: 0, status: 'crashed', durationMs: 0, failure: { message: 'your code ended the test thread (process.exit?)' } });
            startWorker();
          } else resolve();
        }
      });
    };
    startWorker();
  });
}

/** Milestones of the current job, in ms since it arrived: where the time goes. */
let timings: Record<string, number> = {};
let jobArrived = 0;
const mark = (name: string): void => void (timings[name] = Math.round(performance.now() - jobArrived));

async function runJob(job: Job): Promise<void> {
  jobArrived = performance.now();
  timings = {};
  const jobDir = job.dir;
  // Drained now and then during the job: the kernel's ring buffer is finite.
  const kernelLogCursor = new KernelLogCursor();
  const kernelLog: string[] = [];
  const drainKernelLog = (): void => {
    kernelLog.push(...kernelLogCursor.drain());
    if (kernelLog.length > 20_000) kernelLog.splice(0, 5000);
  };
  const drainTimer = setInterval(drainKernelLog, 500);
  let setupError: string | undefined;
  let modulePath: string | undefined;
  if (job.module) modulePath = join(jobDir, job.module.file);
  let moduleReady: (go: boolean) => void = () => undefined;
  const tests = runTests(job, jobDir, modulePath, new Promise((resolve) => (moduleReady = resolve)));
  if (job.module) {
    if (moduleLoaded(job.module.name)) moduleTool('rmmod', [job.module.name]);
    setupError = loadModule(jobDir, job.module);
  }
  mark('moduleLoaded');
  moduleReady(!setupError);
  await tests;
  mark('testsDone');
  let moduleUnloaded = true;
  let unloadError: string | undefined;
  if (job.module && moduleLoaded(job.module.name)) {
    const r = moduleTool('rmmod', [job.module.name]);
    moduleUnloaded = r.ok;
    if (!r.ok) unloadError = r.output;
  }
  mark('moduleUnloaded');
  clearInterval(drainTimer);
  drainKernelLog();
  kernelLogCursor.close();
  send({ type: 'job-end', id: job.id, moduleUnloaded, unloadError, setupError, kernelLog: kernelLog.slice(-400), timings });
  // Warm up for the next job (--watch) while the student edits.
  if (!warmWorker) prestartWorker();
  fillZygotePool();
}

/** Mounts the host's filesystem under everything (kernel/vm/attach.sh); a no-op outside the VM. */
function attach(message: Extract<HostMessage, { type: 'attach' }>): void {
  const started = performance.now();
  let error: string | undefined;
  if (process.env.NLWB_GUEST && !attached) {
    // A restored guest starts with the random state it was saved with.
    writeFileSync('/dev/urandom', Buffer.from(message.entropy, 'base64'));
    const r = spawnSync(GUEST_PATHS.busybox, ['sh', GUEST_PATHS.attach, String(Math.floor(message.unixTime / 1000)), IMAGE_AFTER_ATTACH], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) error = `attach.sh failed: ${`${r.stdout}${r.stderr}${r.error?.message ?? ''}`.trim()}`;
    else attached = true;
  }
  send({ type: 'attached', error, timings: { attachMs: Math.round(performance.now() - started) } });
}

/** In the VM the agent ends the machine; outside it, just itself. */
function powerOff(): void {
  if (process.env.NLWB_GUEST) spawnSync(imagePath(GUEST_PATHS.busybox, attached), ['poweroff', '-f']);
  process.exit(0);
}

prestartWorker();
fillZygotePool();
let queue: Promise<void> = Promise.resolve();
let buffer = '';
channel.input.on('data', (chunk: string | Buffer) => {
  buffer += chunk.toString();
  let newline: number;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    if (!line) continue;
    const message = JSON.parse(line) as HostMessage;
    if (message.type === 'poweroff') powerOff();
    if (message.type === 'attach') queue = queue.then(() => attach(message));
    if (message.type === 'job') queue = queue.then(() => runJob(message));
  }
});
// Ready means idle: whatever is pre-started has finished starting, so a guest saved now
// is restored with all of it warm.
void Promise.all([warmWorkerOnline, ...zygotes.map((z) => z.ready)]).then(() =>
  send({ type: 'ready', uptimeMs: Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000) }),
);
