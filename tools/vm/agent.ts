/**
 * The guest agent: PID 1's only child inside the course's virtual machine (or a local
 * process in host-kernel mode). It owns the results channel and the kernel module:
 *
 *   host --job--> agent: write files, load module, run tests in a worker thread
 *   agent --test-start/test-end/output--> host, while they happen
 *   agent: unload the module, report whether that was clean --job-end--> host
 *
 * A worker that stops answering (a student's infinite loop) is terminated and a new one
 * resumes after the test that hung. Bundled by tools/vm/bundle.ts into .cache/guest/.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GuestMessage, HostMessage, JobModule, TestResult, WorkerData, WorkerMessage } from '../grader/protocol.ts';

type Job = Extract<HostMessage, { type: 'job' }>;

const HANG_GRACE_MS = 3000;

/** Where messages go: the virtio-serial port in the VM, fd 3 in host-kernel mode. */
function openChannel(): { input: NodeJS.ReadableStream; write: (line: string) => void } {
  if (process.env.NLWB_AGENT_FD) {
    const fd = Number(process.env.NLWB_AGENT_FD);
    return { input: createReadStream('', { fd, autoClose: false }), write: (line) => void writeSync(fd, line) };
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

/** The whole kernel log as it arrives, so each job can report what the kernel said. */
const kernelLog: string[] = [];
function followKernelLog(): void {
  if (!existsSync('/dev/kmsg')) return;
  let partial = '';
  const stream = createReadStream('/dev/kmsg', { encoding: 'utf8' });
  stream.on('data', (chunk: string | Buffer) => {
    partial += chunk.toString();
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const record = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      if (record.startsWith(' ')) continue; // continuation lines (dictionary)
      kernelLog.push(record.slice(record.indexOf(';') + 1));
      if (kernelLog.length > 20_000) kernelLog.splice(0, 5000);
    }
  });
  stream.on('error', () => undefined); // EPIPE when the ring wraps: nothing useful to do
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`.trim();
  return { ok: result.status === 0, output };
}

function loadModule(jobDir: string, module: JobModule): string | undefined {
  for (const dependency of module.requires) {
    const r = run('modprobe', [dependency]);
    if (!r.ok) return `modprobe ${dependency} failed: ${r.output}`;
  }
  const r = run('insmod', [join(jobDir, module.file), ...module.params]);
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
  import(entry).catch((error) => { setImmediate(() => { throw error; }); });
});`;
let warmWorker: Worker | undefined;
function prestartWorker(): void {
  warmWorker = new Worker(WORKER_BOOTSTRAP, { eval: true, stdout: true, stderr: true });
}
function takeWarmWorker(): Worker {
  const worker = warmWorker ?? new Worker(WORKER_BOOTSTRAP, { eval: true, stdout: true, stderr: true });
  prestartWorker();
  return worker;
}

/** Runs the tests, restarting the worker after a hang, and resolves with every result. */
function runTests(job: Job, jobDir: string, modulePath: string | undefined): Promise<void> {
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
          if (!data.skip.length) for (const t of message.tests) plannedPoints.set(t.name, t.points);
          if (!data.skip.length) send({ type: 'job-start', id: job.id, tests: message.tests.map(({ name, points }) => ({ name, points })) });
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
  const jobDir = `/tmp/nlwb-job-${job.id}`;
  rmSync(jobDir, { recursive: true, force: true });
  for (const [path, content] of Object.entries(job.files)) {
    const target = join(jobDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(content, 'base64'));
  }
  mark('filesWritten');
  const logStart = kernelLog.length;
  let setupError: string | undefined;
  let modulePath: string | undefined;
  if (job.module) {
    modulePath = join(jobDir, job.module.file);
    if (moduleLoaded(job.module.name)) run('rmmod', [job.module.name]);
    setupError = loadModule(jobDir, job.module);
  }
  mark('moduleLoaded');
  if (!setupError) await runTests(job, jobDir, modulePath);
  mark('testsDone');
  let moduleUnloaded = true;
  let unloadError: string | undefined;
  if (job.module && moduleLoaded(job.module.name)) {
    const r = run('rmmod', [job.module.name]);
    moduleUnloaded = r.ok;
    if (!r.ok) unloadError = r.output;
  }
  // Let the kernel log reader catch up with what unloading printed.
  await new Promise((r) => setTimeout(r, 50));
  mark('moduleUnloaded');
  send({ type: 'job-end', id: job.id, moduleUnloaded, unloadError, setupError, kernelLog: kernelLog.slice(logStart).slice(-400), timings });
}

followKernelLog();
prestartWorker();
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
    if (message.type === 'poweroff') process.exit(0);
    if (message.type === 'job') queue = queue.then(() => runJob(message));
  }
});
send({ type: 'ready', uptimeMs: Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000) });
