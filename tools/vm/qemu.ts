/**
 * A QEMU virtual machine running the installed distribution kernel, the course's
 * initramfs and the guest agent.
 *
 * Two channels, kept apart on purpose:
 * - the serial console carries the kernel log; it is scanned for Oops, BUG, WARNING,
 *   panics and lockups, whatever the guest's user space does;
 * - a virtio-serial port (a Unix socket on the host) carries the agent's JSON lines:
 *   jobs in, results out. Student code never writes to it.
 *
 * The guest gets no network device. Every start has a hard timeout and every exit path
 * kills QEMU.
 *
 * A booted, idle guest can be saved to a file and later restored in about a second
 * instead of booting again (QEMU's migration to and from a file; see snapshot.ts). A
 * QMP socket drives that.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { InstalledKernel } from './kernel.ts';
import { scanKernelLog, type KernelProblem } from './kernel-log.ts';
import { QmpClient } from './qmp.ts';

export type Accelerator = 'kvm' | 'tcg';

export interface MachineOptions {
  kernel: InstalledKernel;
  initramfs: string;
  accelerator: Accelerator;
  memoryMiB?: number;
  cpus?: number;
  /** Called with every console line (kernel log) as it arrives. */
  onConsoleLine?: (line: string) => void;
}

export class MachineError extends Error {
  override name = 'MachineError';
  constructor(
    message: string,
    readonly consoleLog: string[],
  ) {
    super(message);
  }
}

/** Runs `qemu-system-x86_64 -accel kvm` on a tiny probe: true only when a guest really runs. */
export function kvmUsable(): boolean {
  const forced = process.env.NLWB_ACCEL;
  if (forced === 'kvm') return true;
  if (forced === 'tcg') return false;
  // /dev/kvm can exist and open while guests hang (measured on this project's machines),
  // so demand hardware virtualisation flags and a probe that finishes.
  if (!existsSync('/dev/kvm')) return false;
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  if (!/\b(vmx|svm)\b/.test(cpuinfo)) return false;
  const probe = spawnSync(
    'qemu-system-x86_64',
    ['-accel', 'kvm', '-nodefaults', '-nographic', '-no-reboot', '-m', '64', '-bios', 'none', '-device', 'isa-debug-exit', '-S', '-display', 'none', '-monitor', 'stdio'],
    { input: 'cont\nquit\n', timeout: 5000, encoding: 'utf8' },
  );
  return probe.status === 0 && !probe.error;
}

export function chooseAccelerator(): Accelerator {
  return kvmUsable() ? 'kvm' : 'tcg';
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

export interface AgentMessage {
  type: string;
  [key: string]: unknown;
}

/**
 * A booted guest. Events: 'message' (AgentMessage from the agent), 'console' (line),
 * 'exit' ({code, signal}).
 */
export class Machine extends EventEmitter {
  private qemu: ChildProcess | undefined;
  private control: Socket | undefined;
  private controlBuffer = '';
  private readonly socketPath = join(tmpdir(), `nlwb-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
  private readonly qmpPath = `${this.socketPath}.qmp`;
  private qmp: QmpClient | undefined;
  readonly consoleLog: string[] = [];
  private consolePartial = '';
  private exited = false;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(readonly options: MachineOptions) {
    super();
  }

  /**
   * QEMU's arguments. A saved guest can only be restored by a QEMU started with the same
   * devices, so these (minus the per-run socket paths) are part of the snapshot's key.
   */
  machineArgs(sockets = { control: this.socketPath, qmp: this.qmpPath }): string[] {
    const o = this.options;
    const cmdline = [
      'console=ttyS0',
      // level 5 puts warnings and worse on the console, where they are scanned
      'loglevel=5',
      'panic=-1',
      'nokaslr',
      'mitigations=off',
      'tsc=reliable',
      // freed memory (the unpacked initramfs) is zeroed, and zero pages cost nothing in a snapshot
      'init_on_free=1',
      `nlwb.node=${process.execPath}`,
    ].join(' ');
    return [
      '-accel', o.accelerator,
      ...(o.accelerator === 'kvm' ? ['-cpu', 'host'] : ['-cpu', 'max']),
      '-smp', String(o.cpus ?? 2),
      '-m', String(o.memoryMiB ?? 2048),
      '-nodefaults', '-nographic', '-no-reboot', '-monitor', 'none',
      '-serial', 'stdio',
      '-kernel', o.kernel.image,
      '-initrd', o.initramfs,
      '-append', cmdline,
      '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
      '-device', 'virtio-serial-pci',
      '-chardev', `socket,id=ctl,path=${sockets.control},server=on,wait=off`,
      '-device', 'virtserialport,chardev=ctl,name=nlwb.ctl',
      '-qmp', `unix:${sockets.qmp},server=on,wait=off`,
      '-nic', 'none',
    ];
  }

  /**
   * Starts QEMU and resolves when the agent is ready: after a boot, when it says so; after
   * restoring `restoreFrom` (a saved guest), as soon as the guest runs again.
   */
  async boot(timeoutMs: number, restoreFrom?: string): Promise<void> {
    const args = this.machineArgs();
    if (restoreFrom) args.push('-incoming', `exec:cat ${shellQuote(restoreFrom)}`);
    const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.qemu = qemu;
    qemu.stdout?.setEncoding('utf8');
    qemu.stdout?.on('data', (chunk: string) => this.onConsole(chunk));
    qemu.stderr?.setEncoding('utf8');
    qemu.stderr?.on('data', (chunk: string) => this.onConsole(chunk));
    qemu.on('error', (error) => this.emit('boot-error', error));
    qemu.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = { code, signal };
      this.flushConsole();
      rmSync(this.socketPath, { force: true });
      rmSync(this.qmpPath, { force: true });
      this.qmp?.close();
      this.emit('exit', this.exitInfo);
    });

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new MachineError(`the guest did not start within ${Math.round(timeoutMs / 1000)} s`, this.consoleLog)), timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('message', onMessage);
        this.off('exit', onExit);
        this.off('boot-error', onError);
      };
      const fail = (error: Error): void => {
        cleanup();
        this.kill();
        reject(error);
      };
      const onMessage = (message: AgentMessage): void => {
        if (message.type === 'ready') {
          cleanup();
          resolve();
        }
      };
      const onExit = (): void =>
        fail(
          new MachineError(
            restoreFrom
              ? `QEMU stopped while loading it: ${this.consoleLog.filter((l) => l.startsWith('qemu-system')).at(-1) ?? 'no reason given'}`
              : 'the guest stopped before its agent was ready',
            this.consoleLog,
          ),
        );
      const onError = (error: Error): void =>
        fail(new MachineError(`cannot start qemu-system-x86_64 (${error.message}); install Debian's qemu-system-x86 package`, this.consoleLog));
      this.on('message', onMessage);
      this.on('exit', onExit);
      this.on('boot-error', onError);
      void this.connectControl(timeoutMs);
      if (restoreFrom)
        this.resumeRestored(timeoutMs).then(
          () => {
            cleanup();
            resolve();
          },
          (error: Error) => fail(new MachineError(`cannot restore the saved guest: ${error.message}`, this.consoleLog)),
        );
    });
  }

  /** Waits until QEMU has loaded a saved guest, then lets it run. */
  private async resumeRestored(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const qmp = await this.connectQmp(deadline);
    for (;;) {
      const { status } = await qmp.execute<{ status: string }>('query-status');
      if (status === 'paused' || status === 'postmigrate') break;
      if (status !== 'inmigrate') throw new Error(`QEMU reports the guest as "${status}"`);
      if (Date.now() > deadline) throw new Error('loading took too long');
      await new Promise((r) => setTimeout(r, 10));
    }
    await qmp.execute('cont');
    while (!this.control) {
      if (this.exited || Date.now() > deadline) throw new Error('the control port did not connect');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async connectQmp(deadline: number): Promise<QmpClient> {
    while (!this.qmp) {
      if (this.exited || Date.now() > deadline) throw new Error('QEMU did not open its QMP socket');
      if (existsSync(this.qmpPath)) this.qmp = await QmpClient.connect(this.qmpPath).catch(() => undefined);
      if (!this.qmp) await new Promise((r) => setTimeout(r, 10));
    }
    return this.qmp;
  }

  /**
   * Saves the paused guest to `path` (written elsewhere first, then renamed, so a reader
   * never sees half a file) and lets it run on.
   */
  async save(path: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const qmp = await this.connectQmp(deadline);
    const temp = `${path}.${process.pid}.tmp`;
    await qmp.execute('stop');
    try {
      await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(temp)}` });
      for (;;) {
        const info = await qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (info.status === 'completed') break;
        if (info.status === 'failed' || info.status === 'cancelled') throw new Error(`saving the guest failed: ${info['error-desc'] ?? info.status}`);
        if (Date.now() > deadline) throw new Error('saving the guest took too long');
        await new Promise((r) => setTimeout(r, 20));
      }
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    } finally {
      await qmp.execute('cont');
    }
  }

  /** Connects to QEMU's end of the virtio-serial port once QEMU has created the socket. */
  private async connectControl(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.exited && Date.now() < deadline) {
      if (existsSync(this.socketPath)) {
        const connected = await new Promise<Socket | undefined>((resolve) => {
          const socket = createConnection(this.socketPath);
          socket.once('connect', () => resolve(socket));
          socket.once('error', () => resolve(undefined));
        });
        if (connected) {
          this.control = connected;
          connected.setEncoding('utf8');
          connected.on('data', (chunk: string) => this.onControl(chunk));
          connected.on('error', () => undefined);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private onControl(chunk: string): void {
    this.controlBuffer += chunk;
    let newline: number;
    while ((newline = this.controlBuffer.indexOf('\n')) >= 0) {
      const line = this.controlBuffer.slice(0, newline).trim();
      this.controlBuffer = this.controlBuffer.slice(newline + 1);
      if (!line.startsWith('{')) continue; // line noise before the agent opened the port
      try {
        this.emit('message', JSON.parse(line) as AgentMessage);
      } catch {
        // A half line cannot happen on a stream we split on newlines; ignore garbage.
      }
    }
  }

  private onConsole(chunk: string): void {
    this.consolePartial += chunk.replace(/\r/g, '');
    let newline: number;
    while ((newline = this.consolePartial.indexOf('\n')) >= 0) {
      this.pushConsoleLine(this.consolePartial.slice(0, newline));
      this.consolePartial = this.consolePartial.slice(newline + 1);
    }
  }

  private flushConsole(): void {
    if (this.consolePartial) this.pushConsoleLine(this.consolePartial);
    this.consolePartial = '';
  }

  private pushConsoleLine(line: string): void {
    this.consoleLog.push(line);
    if (this.consoleLog.length > 5000) this.consoleLog.splice(0, 1000);
    this.options.onConsoleLine?.(line);
    this.emit('console', line);
  }

  /** Problems (oops, warnings, lockups...) the kernel has printed so far. */
  kernelProblems(fromLine = 0): KernelProblem[] {
    return scanKernelLog(this.consoleLog.slice(fromLine));
  }

  send(message: AgentMessage): void {
    if (!this.control) throw new MachineError('the guest agent is not connected', this.consoleLog);
    this.control.write(`${JSON.stringify(message)}\n`);
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Asks the agent to power off; kills QEMU if it has not stopped within `graceMs`. */
  async shutdown(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    try {
      this.send({ type: 'poweroff' });
    } catch {
      this.kill();
    }
    await new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const timer = setTimeout(() => {
        this.kill();
        resolve();
      }, graceMs);
      this.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kill(): void {
    this.control?.destroy();
    if (!this.exited) this.qemu?.kill('SIGKILL');
  }
}
