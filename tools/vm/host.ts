/**
 * Host-kernel mode (`npm run lab N -- --host-kernel`): the agent runs as a local child
 * process and loads the module into the machine's own kernel. Faster, but a broken
 * module can take the machine down, so it is only used when asked, as root, on a kernel
 * that can load modules and has matching headers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { Duplex } from 'node:stream';
import { findKernel, type InstalledKernel } from './kernel.ts';
import { scanKernelLog, type KernelProblem } from './kernel-log.ts';
import type { AgentMessage } from './qemu.ts';

/** Why the host kernel cannot be used, or undefined when it can. */
export function hostKernelUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'this is not Linux';
  if (process.getuid?.() !== 0) return 'loading modules needs root (run with sudo)';
  if (!existsSync('/proc/modules')) return 'this kernel was built without module support (CONFIG_MODULES is off)';
  if (readFileSync('/proc/sys/kernel/modules_disabled', 'utf8').trim() === '1') return 'module loading is disabled (kernel.modules_disabled=1)';
  if (!existsSync(`/lib/modules/${release()}/build/Makefile`)) return `no headers for the running kernel ${release()} (install linux-headers-${release()})`;
  return undefined;
}

export function hostKernel(): InstalledKernel | undefined {
  const k = findKernel();
  if (k?.version === release()) return k;
  return existsSync(`/lib/modules/${release()}/build/Makefile`)
    ? { version: release(), image: '', modulesDir: `/lib/modules/${release()}`, buildDir: `/lib/modules/${release()}/build` }
    : undefined;
}

/** The same surface as Machine, backed by a local agent process. */
export class HostMachine extends EventEmitter {
  private child: ChildProcess | undefined;
  private channel: Duplex | undefined;
  private buffer = '';
  readonly consoleLog: string[] = [];
  private exited = false;

  async boot(agentPath: string, zygotePath: string, timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, [agentPath], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'], env: { ...process.env, NLWB_AGENT_FD: '3', NLWB_ZYGOTE: zygotePath } });
    this.child = child;
    this.channel = child.stdio[3] as Duplex;
    this.channel.setEncoding('utf8');
    this.channel.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (line.startsWith('{')) this.emit('message', JSON.parse(line) as AgentMessage);
      }
    });
    child.on('exit', () => {
      this.exited = true;
      this.emit('exit');
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the local agent did not start')), timeoutMs);
      this.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kernelProblems(): KernelProblem[] {
    return scanKernelLog(this.consoleLog);
  }

  send(message: AgentMessage): void {
    this.channel?.write(`${JSON.stringify(message)}\n`);
  }

  get running(): boolean {
    return !this.exited;
  }

  async shutdown(): Promise<void> {
    if (this.exited) return;
    this.send({ type: 'poweroff' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child?.kill('SIGKILL');
        resolve();
      }, 3000);
      this.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kill(): void {
    if (!this.exited) this.child?.kill('SIGKILL');
  }
}
