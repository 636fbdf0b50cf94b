/**
 * Messages between the host's grader, the guest agent and the test worker. They travel
 * as JSON lines (host <-> agent) and as worker messages (agent <-> worker), so every
 * byte buffer is base64 here.
 */
import type { ByteDecoder, ProcessResult } from './api.ts';

export type TestStatus = 'passed' | 'failed' | 'todo' | 'timeout' | 'crashed' | 'kernel';

export interface FailureReport {
  message: string;
  rule?: string;
  hint?: string;
  decode?: ByteDecoder;
  expectedBytes?: string;
  actualBytes?: string;
  /** Where in the student's code it happened, when the error came from there. */
  stack?: string;
  /** Lines the test logged with t.log(). */
  log?: string[];
  /** Kernel log lines printed during the test, when they matter. */
  kernelLog?: string[];
}

export interface TestResult {
  name: string;
  points: number;
  maxPoints: number;
  status: TestStatus;
  durationMs: number;
  rule?: string;
  hint?: string;
  failure?: FailureReport;
}

/** What the worker tells the agent. */
export type WorkerMessage =
  | { type: 'list'; tests: { name: string; points: number; timeoutMs: number }[] }
  | { type: 'test-start'; name: string; timeoutMs: number }
  | { type: 'test-end'; result: TestResult }
  | { type: 'done' }
  /** Start a student CLI (the agent has Node processes waiting for that). */
  | { type: 'run-cli'; requestId: number; script: string; args: string[]; timeoutMs: number }
  | { type: 'cancel-cli'; requestId: number };

/** What the agent tells the worker after it has started. */
export type AgentToWorker =
  /** The module is loaded: run the tests. */
  | { type: 'start' }
  | { type: 'cli-result'; requestId: number; result: ProcessResult };

export interface WorkerData {
  /** Only tests whose names contain one of these (case-insensitive); empty = all. */
  filter: string[];
  /** Tests already run (or hung) by an earlier worker of the same job. */
  skip: string[];
  timeoutScale: number;
  jobDir: string;
  modulePath: string | undefined;
}

export interface JobModule {
  /** File name of the .ko inside the job's files. */
  file: string;
  name: string;
  params: string[];
  requires: string[];
}

/** Host -> agent. */
export type HostMessage =
  | {
      type: 'job';
      id: number;
      /** Host folder with the job's files (the guest sees the host's files at the same paths). */
      dir: string;
      /** Path of the worker bundle, relative to `dir`. */
      entry: string;
      module?: JobModule;
      filter: string[];
      timeoutScale: number;
    }
  /** Mount the host's filesystem (once per boot or restore), set the clock, add entropy. */
  | { type: 'attach'; unixTime: number; entropy: string }
  | { type: 'poweroff' };

/** Agent -> host. */
export type GuestMessage =
  | { type: 'ready'; uptimeMs: number }
  | { type: 'attached'; error?: string; timings: Record<string, number> }
  | { type: 'job-start'; id: number; tests: { name: string; points: number }[] }
  | { type: 'test-start'; id: number; name: string }
  | { type: 'test-end'; id: number; result: TestResult }
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'job-end'; id: number; moduleUnloaded: boolean; unloadError?: string; setupError?: string; kernelLog: string[]; timings: Record<string, number> };
