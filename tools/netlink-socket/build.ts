/**
 * Builds the AF_NETLINK addon with the system C compiler. npm 11 does not run
 * dependencies' install scripts, so the project builds its own addon: the
 * grader and the tests call ensureNativeBinding() first; it compiles only when
 * the cached build for this source, these flags and this Node is missing.
 *
 *   npx tsx tools/netlink-socket/build.ts
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan, repoRoot } from './native.ts';

/** Returns the path of the built addon, compiling it first when needed. */
export async function ensureNativeBinding(): Promise<string> {
  const root = repoRoot();
  const plan = buildPlan(root);
  if (existsSync(plan.output)) return plan.output;

  const cc = process.env.CC || 'cc';
  mkdirSync(dirname(plan.output), { recursive: true });
  // Build beside the target and rename: parallel builders never see half a file.
  const tmp = `${plan.output}.${process.pid}.tmp`;
  const args = [...plan.flags, plan.source, '-o', tmp];
  process.stderr.write(
    `netlink-socket: building the AF_NETLINK addon ${relative(root, plan.output)} (${cc} ${plan.flags.join(' ')})\n`,
  );
  try {
    await new Promise<void>((done, fail) => {
      execFile(cc, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
        if (!error) return done();
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        fail(
          new Error(
            missing
              ? `No C compiler found (tried \`${cc}\`). Install one, e.g. \`apt-get install build-essential\` on Debian/Ubuntu, then run \`npx tsx tools/netlink-socket/build.ts\`.`
              : `Compiling ${relative(root, plan.source)} failed; the compiler said:\n${(stdout + stderr).trimEnd()}\n` +
                  'If headers or the compiler are missing, install build-essential (`apt-get install build-essential`); ' +
                  'if node_modules/node-api-headers is missing, run `npm ci`. Then run `npx tsx tools/netlink-socket/build.ts` again.',
          ),
        );
      });
    });
    renameSync(tmp, plan.output);
  } finally {
    rmSync(tmp, { force: true });
  }
  return plan.output;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  ensureNativeBinding().then(
    (path) => console.log(`${path} (ready in ${Math.round(performance.now() - started)} ms)`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
