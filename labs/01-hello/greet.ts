/**
 * greet: say hello to the kernel.
 *
 *   $ npx tsx labs/01-hello/greet.ts Ada
 *   Hello, Ada!
 *   $ npx tsx labs/01-hello/greet.ts ''
 *   greet: EINVAL (Invalid argument): name is empty
 */
import { TodoError } from '#grader';
import { HelloError, greet } from './hello.ts';

const USAGE = `usage: greet <name>
Sends <name> to the nl_hello kernel module (netlink unit 31) and prints its greeting.`;

// #region cli
export async function main(args: string[]): Promise<number> {
  // TODO 10: With no arguments, print USAGE to stderr and return 2. Otherwise
  // greet the arguments joined by spaces, print the greeting to stdout and
  // return 0. On a HelloError print `greet: <its message>` to stderr (the
  // message already reads `EINVAL (Invalid argument): <kernel's text>`) and
  // return 1; other errors too: `greet: <message>`, return 1.
  throw new TodoError('TODO 10 (greet CLI)');
}
// #endregion cli

process.exitCode = await main(process.argv.slice(2));
