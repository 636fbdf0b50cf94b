/**
 * One grading session: prepares everything a lab needs (module, initramfs, bundles),
 * boots the kernel once, and runs jobs in it. `--watch` keeps the session and sends one
 * job per save.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabDefinition } from './api.ts';
import { repoRoot, type LabLocation } from './labs.ts';
import type { GuestMessage, HostMessage, JobModule, TestResult } from './protocol.ts';
import { writeStarter } from './starter.ts';
import { bundle, bundleGuestProgram, type Variant } from '../vm/bundle.ts';
import { cacheDir, hashOf, keepOnly } from '../vm/cache.ts';
import { ensureInitramfs, type GuestPrograms } from '../vm/initramfs.ts';
import { snapshotPath } from '../vm/snapshot.ts';
import { buildModule, type BuiltModule } from '../vm/kbuild.ts';
import { findKernel, type InstalledKernel } from '../vm/kernel.ts';
import { scanKernelLog, type KernelProblem } from '../vm/kernel-log.ts';
import { chooseAccelerator, Machine, MachineError, type Accelerator } from '../vm/qemu.ts';
import { HostMachine, hostKernel, hostKernelUnavailable } from '../vm/host.ts';
import { ensureNativeBinding } from '../netlink-socket/build.ts';

export interface Progress {
  step(message: string): void;
  done(message: string): void;
  /** The student's code printed something while its tests ran. */
  output(stream: 'stdout' | 'stderr', text: string): void;
  testStart(name: string): void;
  testEnd(result: TestResult): void;
}

export interface JobOutcome {
  tests: { name: string; points: number }[];
  results: TestResult[];
  /** Kernel trouble seen during the job (oops, warnings...), with the log around it. */
  kernelProblems: KernelProblem[];
  kernelLog: string[];
  moduleUnloaded: boolean;
  unloadError?: string;
  setupError?: string;
  /** Milestones inside the guest (ms since the job arrived). */
  timings: Record<string, number>;
}

export class SetupError extends Error {
  override name = 'SetupError';
  constructor(
    message: string,
    readonly details = '',
  ) {
    super(message);
  }
}

export interface SessionOptions {
  lab: LabLocation;
  progress: Progress;
  accelerator?: Accelerator;
  /** Grade in the machine's own kernel instead of a virtual machine (root only). */
  hostKernel?: boolean;
  /** Every kernel console line as it arrives (`--verbose`). */
  onConsoleLine?: (line: string) => void;
}

/** What one job grades: which code, which tests. */
export interface JobRequest {
  /** 'selftest' runs kernel/NN/selftest.ts (project checks). */
  variant: Variant;
  definition: LabDefinition;
  filter: string[];
  /**
   * Folder whose files replace the student's files (same names as `studentFiles`),
   * e.g. one student's submission when an instructor grades a class.
   */
  studentDir?: string;
}

export async function loadLabDefinition(path: string): Promise<LabDefinition> {
  const module = (await import(pathToFileURL(path).href)) as { default?: LabDefinition };
  if (!module.default?.tests) throw new SetupError(`${relative(repoRoot, path)} has no default export made with defineLab()`);
  return module.default;
}

export class GradingSession {
  private machine: Machine | HostMachine | undefined;
  private kernel: InstalledKernel;
  private built: BuiltModule | undefined;
  private jobCounter = 0;
  readonly accelerator: Accelerator | 'host';
  /** How the kernel came up: from the saved guest, by a boot (then saved), or the host's own. */
  guestStart: 'restored' | 'booted' | 'booted after a failed restore' | 'host' | undefined;
  /** The saved guest this session restored or wrote. */
  snapshotFile: string | undefined;

  /** `module` is the kernel module every job of this session uses (one per lesson). */
  constructor(
    readonly options: SessionOptions,
    readonly module: LabDefinition['module'],
  ) {
    if (options.hostKernel) {
      const why = hostKernelUnavailable();
      if (why) throw new SetupError(`cannot grade in this machine's own kernel: ${why}`, 'Leave out --host-kernel to grade in a virtual machine instead.');
    }
    const kernel = options.hostKernel ? hostKernel() : findKernel();
    if (!kernel) throw new SetupError('no kernel with headers is installed', 'Install Debian\'s linux-image-amd64 and linux-headers-amd64 packages (npm run lab does this when run as root).');
    this.kernel = kernel;
    this.accelerator = options.hostKernel ? 'host' : (options.accelerator ?? chooseAccelerator());
  }

  get timeoutScale(): number {
    const forced = Number(process.env.NLWB_TIMEOUT_SCALE);
    if (forced > 0) return forced;
    return this.accelerator === 'tcg' ? 3 : 1;
  }

  get kernelVersion(): string {
    return this.kernel.version;
  }

  /** Builds what the guest needs and starts it; steps run in parallel where they can. */
  async start(): Promise<void> {
    const { progress } = this.options;
    progress.step(`preparing kernel ${this.kernel.version}`);
    removeAbandonedJobDirs();
    const [agent, zygote] = await Promise.all([bundleGuestProgram('agent'), bundleGuestProgram('zygote')]);
    await ensureNativeBinding();
    // The module build (about 2 s when it changed) overlaps the kernel's start.
    const moduleBuild = this.module ? this.buildModule() : Promise.resolve(undefined);
    const started = Date.now();
    const machineStart = this.accelerator === 'host' ? this.startHostKernel(agent, zygote) : this.startVirtualMachine({ agent, zygote });
    const [built] = await Promise.all([moduleBuild, machineStart]).catch(async (error: unknown) => {
      this.machine?.kill();
      throw error;
    });
    this.built = built;
    await this.attach();
    progress.done(`kernel up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  private async startHostKernel(agent: string, zygote: string): Promise<void> {
    this.options.progress.step(`using this machine's own kernel ${this.kernel.version} (--host-kernel)`);
    this.guestStart = 'host';
    const write = (name: string, code: string): string => {
      const path = join(cacheDir('guest'), `${name}-${hashOf(code)}.mjs`);
      if (!existsSync(path)) writeFileSync(path, code);
      return path;
    };
    const machine = new HostMachine();
    this.machine = machine;
    await machine.boot(write('agent', agent), write('zygote', zygote), 30_000);
  }

  /**
   * Restores the saved guest when there is one (about a second); otherwise boots the
   * kernel and saves the guest for the next runs.
   */
  private async startVirtualMachine(programs: GuestPrograms): Promise<void> {
    const { progress } = this.options;
    const how = this.accelerator === 'kvm' ? 'KVM' : 'software emulation';
    const initramfs = ensureInitramfs(this.kernel, programs);
    const create = (): Machine => {
      const machine = new Machine({ kernel: this.kernel, initramfs, accelerator: this.accelerator as Accelerator, onConsoleLine: this.options.onConsoleLine });
      this.machine = machine;
      return machine;
    };
    let machine = create();
    const saved = snapshotPath({ kernelImage: this.kernel.image, initramfs, machineArgs: machine.machineArgs({ control: '', qmp: '' }) });
    this.snapshotFile = saved;
    this.guestStart = 'booted';
    if (existsSync(saved)) {
      progress.step(`starting Linux ${this.kernel.version} from its saved state (${how})`);
      try {
        await machine.boot(60_000, saved);
        this.guestStart = 'restored';
        return;
      } catch (error) {
        machine.kill();
        rmSync(saved, { force: true });
        progress.done(`could not restore it (${(error as Error).message}); booting afresh`);
        this.guestStart = 'booted after a failed restore';
        machine = create();
      }
    }
    progress.step(`booting Linux ${this.kernel.version} (${how}; the booted kernel is saved, later runs start in about a second)`);
    // Under software emulation on a busy machine a boot can take a minute; never forever.
    await machine.boot(this.accelerator === 'kvm' ? 30_000 : 180_000);
    try {
      await machine.save(saved);
      keepOnly(saved, '.state'); // a saved guest is hundreds of MB
    } catch (error) {
      progress.done(`could not save the booted kernel (${(error as Error).message}); the next run boots again`);
    }
  }

  /** Has the agent mount the host's files (and set the clock, and add entropy) before any job. */
  private async attach(): Promise<void> {
    const machine = this.machine!;
    const reply = await new Promise<Extract<GuestMessage, { type: 'attached' }>>((resolve, reject) => {
      const timer = setTimeout(() => finish(new MachineError('the guest agent did not answer (attach)', machine.consoleLog)), 30_000);
      const onMessage = (m: GuestMessage): void => {
        if (m.type === 'attached') finish(undefined, m);
      };
      const onExit = (): void => finish(new MachineError('the guest stopped while attaching the host filesystem', machine.consoleLog));
      const finish = (error?: Error, m?: Extract<GuestMessage, { type: 'attached' }>): void => {
        clearTimeout(timer);
        machine.off('message', onMessage as (m: unknown) => void);
        machine.off('exit', onExit);
        if (error || !m) reject(error);
        else resolve(m);
      };
      machine.on('message', onMessage as (m: unknown) => void);
      machine.on('exit', onExit);
      const message: HostMessage = { type: 'attach', unixTime: Date.now(), entropy: randomBytes(64).toString('base64') };
      machine.send(message);
    });
    if (reply.error) throw new MachineError(`the guest could not mount the course's files: ${reply.error}`, machine.consoleLog);
  }

  private async buildModule(): Promise<BuiltModule> {
    const module = this.module!;
    const built = await buildModule(join(repoRoot, module.dir), module.name, this.kernel);
    if (!built.fromCache) this.options.progress.done(`built ${module.name}.ko`);
    return built;
  }

  /**
   * Writes what a job needs into a fresh folder under .cache/jobs/: the tests bundled with
   * the variant's files swapped in, each student CLI, the module. The guest reads it
   * through its view of the host's files (a new name each time, so no stale cache).
   */
  private async writeJobDir(request: JobRequest, id: number): Promise<string> {
    const { lab } = this.options;
    const { variant } = request;
    let variantDir: string | undefined = request.studentDir;
    if (variant === 'solution') variantDir = join(lab.dir, 'solution');
    if (variant === 'starter') {
      variantDir = join(cacheDir('starter'), lab.slug);
      writeStarter(lab, variantDir);
    }
    const files: Record<string, string | Uint8Array> = {};
    files['worker.mjs'] = await bundle({ entry: definitionPathOf(lab, variant), labDir: lab.dir, variantDir, asWorker: true });
    for (const cli of request.definition.studentFiles) {
      const source = join(variantDir ?? lab.dir, cli);
      if (!cli.endsWith('.ts') || !existsSync(source) || !readFileSync(source, 'utf8').includes('process.argv')) continue;
      files[`cli/${cli.replace(/\.ts$/, '.mjs')}`] = await bundle({ entry: source, labDir: lab.dir, variantDir, asWorker: false });
    }
    if (this.built) files[`${this.built.name}.ko`] = readFileSync(this.built.path);
    const dir = join(cacheDir('jobs'), `${process.pid}-${id}-${randomBytes(4).toString('hex')}`);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  }

  /** Runs the lab's tests once in the running kernel. */
  async runJob(request: JobRequest): Promise<JobOutcome> {
    const machine = this.machine;
    if (!machine?.running) throw new SetupError('the guest kernel is not running');
    const { progress } = this.options;
    const bundleStart = Date.now();
    const id = ++this.jobCounter;
    const dir = await this.writeJobDir(request, id);
    const bundleMs = Date.now() - bundleStart;
    const module = this.module;
    const jobModule: JobModule | undefined =
      module && this.built ? { file: `${this.built.name}.ko`, name: module.name, params: module.params ?? [], requires: module.requires ?? [] } : undefined;
    const consoleStart = machine.consoleLog.length;
    const message: HostMessage = { type: 'job', id, dir, entry: 'worker.mjs', module: jobModule, filter: request.filter, timeoutScale: this.timeoutScale };
    const outcome: JobOutcome = { tests: [], results: [], kernelProblems: [], kernelLog: [], moduleUnloaded: true, timings: {} };
    const totalBudget = request.definition.tests.reduce((sum, t) => sum + (t.timeoutMs ?? 5000) * this.timeoutScale + 4000, 30_000);

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new MachineError(`the guest stopped answering (no result within ${Math.round(totalBudget / 1000)} s): the kernel may be hung`, machine.consoleLog)), totalBudget);
      // A kernel that oopsed or locked up often leaves the agent stuck in a system call;
      // give it a moment to report, then stop waiting and show the log.
      let crashTimer: NodeJS.Timeout | undefined;
      const onConsole = (line: string): void => {
        if (crashTimer || !/Oops|BUG: |Kernel panic|soft lockup|general protection fault|detected stalls/.test(line)) return;
        crashTimer = setTimeout(() => finish(new MachineError(`the kernel crashed during the tests: ${line.trim()}`, machine.consoleLog)), 15_000);
      };
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        clearTimeout(crashTimer);
        machine.off('console', onConsole);
        machine.off('message', onMessage);
        machine.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      const onMessage = (m: GuestMessage): void => {
        if ('id' in m && m.id !== id) return;
        switch (m.type) {
          case 'job-start':
            outcome.tests = m.tests;
            break;
          case 'test-start':
            progress.testStart(m.name);
            break;
          case 'test-end':
            m.result.maxPoints ||= outcome.tests.find((t) => t.name === m.result.name)?.points ?? 0;
            outcome.results.push(m.result);
            progress.testEnd(m.result);
            break;
          case 'output':
            progress.output(m.stream, m.text);
            break;
          case 'job-end':
            outcome.kernelLog = m.kernelLog;
            outcome.moduleUnloaded = m.moduleUnloaded;
            outcome.unloadError = m.unloadError;
            outcome.setupError = m.setupError;
            outcome.timings = { bundleMs, ...m.timings };
            finish();
            break;
          default:
            break;
        }
      };
      const onExit = (): void => finish(new MachineError('the guest kernel stopped during the tests (panic or reboot)', machine.consoleLog));
      machine.on('message', onMessage as (m: unknown) => void);
      machine.on('exit', onExit);
      machine.on('console', onConsole);
      machine.send(message as unknown as { type: string });
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
    if (process.env.NLWB_TIMINGS) console.error(`timings of job ${id} (ms; guest milestones since the job arrived): ${JSON.stringify(outcome.timings)}`);
    outcome.kernelProblems = [...machine.kernelProblems(consoleStart), ...scanKernelLog(outcome.kernelLog)];
    // The same report seen on both channels counts once.
    outcome.kernelProblems = outcome.kernelProblems.filter((p, i, all) => all.findIndex((q) => q.line.includes(p.line) || p.line.includes(q.line)) === i);
    if (!outcome.kernelLog.length) outcome.kernelLog = machine.consoleLog.slice(consoleStart);
    return outcome;
  }

  consoleLog(): string[] {
    return this.machine?.consoleLog ?? [];
  }

  async stop(): Promise<void> {
    await this.machine?.shutdown();
  }
}

/** Job folders of grading runs that were killed before they could clean up. */
function removeAbandonedJobDirs(): void {
  const jobs = cacheDir('jobs');
  for (const name of readdirSync(jobs)) {
    const pid = Number(name.split('-')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      // no such process: its folder is abandoned
    }
    if (!alive) rmSync(join(jobs, name), { recursive: true, force: true });
  }
}

export function definitionPathOf(lab: LabLocation, variant: Variant): string {
  if (variant === 'selftest') {
    const path = join(lab.kernelDir, 'selftest.ts');
    if (!existsSync(path)) throw new SetupError(`lab ${lab.number} has no module self-test (${relative(repoRoot, path)})`);
    return path;
  }
  return join(lab.dir, 'grade.ts');
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
