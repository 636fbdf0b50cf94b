/**
 * Assertions for graded tests. Each failure is a GradeFailure that carries the
 * protocol rule and, for byte comparisons, both buffers so the report can decode them.
 */
import { isDeepStrictEqual, inspect } from 'node:util';
import { GradeFailure, TodoError, type ByteDecoder } from './api.ts';

interface RuleOption {
  rule?: string;
}

function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: 100, maxArrayLength: 32 });
}

function toBytes(value: Uint8Array | ArrayBuffer | readonly number[]): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return Uint8Array.from(value);
}

type Bytes = Uint8Array | ArrayBuffer | readonly number[];

/** Declared with an explicit type so `expect.ok` narrows like an assertion function. */
export interface Expect {
  bytes(actual: unknown, expected: Bytes, options?: RuleOption & { decode?: ByteDecoder; what?: string }): void;
  equal<T>(actual: T, expected: T, options?: RuleOption & { what?: string }): void;
  deepEqual(actual: unknown, expected: unknown, options?: RuleOption & { what?: string }): void;
  ok(condition: unknown, message: string, options?: RuleOption): asserts condition;
  fail(message: string, options?: RuleOption): never;
  throws<E = unknown>(fn: () => unknown, check: (error: unknown) => error is E, message: string, options?: RuleOption): Promise<E>;
}

export const expect: Expect = {
  /** Fails unless `actual` and `expected` hold the same bytes. */
  bytes(actual: unknown, expected: Bytes, options: RuleOption & { decode?: ByteDecoder; what?: string } = {}): void {
    const what = options.what ?? 'bytes';
    if (!(actual instanceof Uint8Array) && !(actual instanceof ArrayBuffer) && !Array.isArray(actual)) {
      throw new GradeFailure(`expected ${what} as a Uint8Array, got ${show(actual)}`, { rule: options.rule });
    }
    const a = toBytes(actual as Uint8Array);
    const e = toBytes(expected);
    if (a.length === e.length && a.every((byte, i) => byte === e[i])) return;
    const firstDiff = a.findIndex((byte, i) => byte !== e[i]);
    const where =
      a.length !== e.length
        ? `length ${a.length}, expected ${e.length}`
        : `first difference at byte offset ${firstDiff}`;
    throw new GradeFailure(`${what} differ (${where})`, {
      rule: options.rule,
      actualBytes: a,
      expectedBytes: e,
      decode: options.decode ?? 'hex',
    });
  },

  equal<T>(actual: T, expected: T, options: RuleOption & { what?: string } = {}): void {
    if (Object.is(actual, expected)) return;
    throw new GradeFailure(`${options.what ?? 'value'} is ${show(actual)}, expected ${show(expected)}`, {
      rule: options.rule,
      actual,
      expected,
    });
  },

  deepEqual(actual: unknown, expected: unknown, options: RuleOption & { what?: string } = {}): void {
    if (isDeepStrictEqual(actual, expected)) return;
    throw new GradeFailure(`${options.what ?? 'value'} is\n    ${show(actual)}\n  expected\n    ${show(expected)}`, {
      rule: options.rule,
      actual,
      expected,
    });
  },

  ok(condition: unknown, message: string, options: RuleOption = {}): asserts condition {
    if (!condition) throw new GradeFailure(message, { rule: options.rule });
  },

  fail(message: string, options: RuleOption = {}): never {
    throw new GradeFailure(message, { rule: options.rule });
  },

  /**
   * Fails unless `fn` throws (or rejects) and `check` accepts the error. Returns the
   * error so the test can look closer.
   */
  async throws<E = unknown>(
    fn: () => unknown,
    check: (error: unknown) => error is E,
    message: string,
    options: RuleOption = {},
  ): Promise<E> {
    let result: unknown;
    try {
      result = await fn();
    } catch (error) {
      if (check(error)) return error;
      // An unfinished TODO is reported as such, not as "threw the wrong thing".
      if (error instanceof TodoError) throw error;
      throw new GradeFailure(`${message}; it threw something else: ${show(error)}`, { rule: options.rule });
    }
    throw new GradeFailure(`${message}; it returned ${show(result)} instead of throwing`, { rule: options.rule });
  },
};
