/**
 * Running a program for a test and collecting what it did: output, exit status, and
 * whether it had to be killed. Used by the test worker (`t.runProcess`) and by the guest
 * agent (student CLIs started from its pre-started Node processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcessResult } from './api.ts';

export interface CollectOptions {
  timeoutMs?: number;
  input?: string;
  signal?: AbortSignal;
}

/** Waits for a started child with piped stdio; SIGKILL when the time is up or the signal aborts. */
export function collectProcess(child: ChildProcess, options: CollectOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const kill = (): void => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, options.timeoutMs ?? 10_000);
    options.signal?.addEventListener('abort', kill, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
    };
    // A program that exits without reading its input makes our write fail with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.on('error', (error) => {
      settle();
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${error.message}\n`, timedOut });
    });
    child.on('close', (code, signal) => {
      settle();
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin?.end(options.input ?? '');
  });
}

export function runProcess(command: string, args: string[], options: CollectOptions & { env?: Record<string, string> } = {}): Promise<ProcessResult> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  return collectProcess(child, options);
}
