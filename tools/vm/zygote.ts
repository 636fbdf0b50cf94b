/**
 * A pre-started Node process for one run of a student's CLI. Starting Node inside the
 * emulated guest takes 0.5-3 s, longer than most CLI tests; the agent keeps a few of
 * these waiting (they are even part of the saved guest) and hands one a script and its
 * arguments when a test runs the CLI. From then on it is an ordinary process: its own
 * pid, stdout, stderr and exit status, and `process.argv` as if it had been started as
 * `node SCRIPT ARGS...`.
 */
import { pathToFileURL } from 'node:url';

interface Start {
  script: string;
  args: string[];
}

process.once('message', (start: Start) => {
  // Without the IPC channel the process ends, like any other, when it has nothing left to do.
  process.disconnect?.();
  process.argv = [process.execPath, start.script, ...start.args];
  // Errors name the student's .ts files and lines, not the bundle's.
  process.setSourceMapsEnabled(true);
  import(pathToFileURL(start.script).href).catch((error: unknown) => {
    // Re-thrown outside the promise: Node reports it and exits 1, exactly as for `node SCRIPT`.
    setImmediate(() => {
      throw error;
    });
  });
});
process.send?.('ready');
