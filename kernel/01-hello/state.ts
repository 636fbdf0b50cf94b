/**
 * The module's read-only state (/proc/nl_hello/state, `key: value` lines), read the
 * same way by the graded tests and the self-test: the kernel's truth.
 */
import type { TestContext } from '#grader';
import { HELLO_PROC_STATE } from './nl_hello.ts';

export interface HelloState {
  unit: number;
  greetings: number;
  errors: number;
  lastName: string;
  lastPort: number;
}

export function readHelloState(t: TestContext): HelloState {
  const text = t.readKernelFile(HELLO_PROC_STATE);
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
  }
  const num = (key: string): number => {
    const value = Number(values.get(key));
    if (!Number.isInteger(value)) throw new Error(`${HELLO_PROC_STATE} has no numeric "${key}" line:\n${text}`);
    return value;
  };
  return {
    unit: num('unit'),
    greetings: num('greetings'),
    errors: num('errors'),
    lastName: values.get('last_name') ?? '',
    lastPort: num('last_port'),
  };
}
