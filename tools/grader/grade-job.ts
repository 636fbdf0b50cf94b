/**
 * Grades one job in a running session and turns everything that can go wrong into the
 * one GradeResult that every output format derives from. Shared by `npm run lab` and the
 * project's own tests.
 */
import type { LabDefinition } from './api.ts';
import type { LabLocation } from './labs.ts';
import { summarize, type GradeResult } from './result.ts';
import { GradingSession, SetupError, type JobOutcome, type JobRequest } from './session.ts';
import { MissingPackagesError } from './setup.ts';
import { ModuleBuildError } from '../vm/kbuild.ts';
import { MachineError } from '../vm/qemu.ts';

export function explainSetupError(error: unknown): { message: string; details?: string } {
  if (error instanceof ModuleBuildError) return { message: error.message, details: `${error.output.trim()}\n\nThe module's compiler output is above; fix the first error it names.` };
  if (error instanceof MachineError) return { message: error.message, details: `kernel console (last lines):\n${error.consoleLog.slice(-40).join('\n')}` };
  if (error instanceof SetupError) return { message: error.message, details: error.details };
  if (error instanceof MissingPackagesError) return { message: error.message };
  const e = error as Error;
  // esbuild reports syntax and import errors with file:line; show them as they are.
  if (Array.isArray((e as { errors?: unknown }).errors)) {
    const errors = (e as unknown as { errors: { text: string; location?: { file: string; line: number; column: number; lineText: string } | null }[] }).errors;
    return {
      message: 'your code does not compile',
      details: errors
        .map((x) => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column}: ${x.text}\n    ${x.location.lineText}` : x.text))
        .join('\n'),
    };
  }
  return { message: e.message ?? String(error), details: e.stack };
}

export async function gradeJob(session: GradingSession, lab: LabLocation, request: JobRequest): Promise<GradeResult> {
  const started = Date.now();
  const base = {
    lab: { number: lab.number, slug: lab.slug, title: request.definition.title },
    variant: request.variant,
    kernel: { version: session.kernelVersion, accelerator: session.accelerator },
    startedAt: new Date(started).toISOString(),
  };
  let outcome: JobOutcome | undefined;
  let error: GradeResult['error'];
  try {
    outcome = await session.runJob(request);
    if (outcome.setupError) error = { message: 'the module did not load', details: `${outcome.setupError}\n${outcome.kernelLog.slice(-30).join('\n')}` };
    if (!outcome.moduleUnloaded) error = { message: 'the module did not unload cleanly after the tests', details: outcome.unloadError };
  } catch (e) {
    error = explainSetupError(e);
  }
  const expected = request.definition.tests
    .filter((t) => !request.filter.length || request.filter.some((f) => t.name.toLowerCase().includes(f.toLowerCase())))
    .map((t) => ({ name: t.name, points: t.points }));
  return summarize(
    {
      ...base,
      durationMs: Date.now() - started,
      tests: outcome?.results ?? [],
      kernelProblems: outcome?.kernelProblems ?? [],
      kernelLogTail: outcome?.kernelProblems.length ? outcome.kernelLog.slice(-60) : undefined,
      error,
    },
    expected,
  );
}

