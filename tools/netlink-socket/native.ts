/**
 * Where the compiled addon lives and how to load it. Shared by build.ts (which
 * compiles it) and socket.ts (which loads it synchronously), so both agree on
 * one cache key: the C source, the compiler flags and Node's ABI version.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_IN_REPO = join('tools', 'netlink-socket', 'netlink_socket.c');

/** Opaque socket handle made by the addon. */
export type NativeHandle = { readonly __brand: 'NetlinkSocketHandle' };

/** What netlink_socket.c exports (see the comments there). */
export interface NativeBinding {
  open(protocol: number, groups: number, pid: number): NativeHandle;
  sockname(handle: NativeHandle): [portId: number, groups: number];
  send(handle: NativeHandle, bytes: Uint8Array, portId: number, groups: number): number;
  recv(
    handle: NativeHandle,
    buffer: Uint8Array,
    peek: boolean,
  ): [size: number, truncated: boolean, portId: number, groups: number] | null;
  setopt(handle: NativeHandle, level: number, name: number, value: number): void;
  getopt(handle: NativeHandle, level: number, name: number): number;
  poll(handle: NativeHandle, onReadable: ((status: number) => void) | null): void;
  close(handle: NativeHandle): void;
}

/** The repository root: beside this file when run from source, else found from cwd. */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('../../', import.meta.url));
  if (existsSync(join(here, SOURCE_IN_REPO))) return resolve(here);
  // Bundled copies of this file (the grader's esbuild bundles) live elsewhere.
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, SOURCE_IN_REPO))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `Cannot find ${SOURCE_IN_REPO} from ${here} or ${process.cwd()}. ` +
      'Run from inside the netlink-workbook repository, or set NETLINK_SOCKET_ADDON to the built .node file.',
  );
}

/** Node's own headers (for uv.h), when this Node ships them. */
function nodeIncludeDir(): string | null {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => existsSync(join(dir, 'uv.h'))) ?? null;
}

export interface BuildPlan {
  source: string;
  output: string;
  /** Arguments for the C compiler, output path excluded. */
  flags: string[];
}

/** Everything needed to build or find the addon; cheap and synchronous. */
export function buildPlan(root: string = repoRoot(), uvInclude: string | null = nodeIncludeDir()): BuildPlan {
  const source = join(root, SOURCE_IN_REPO);
  const napiInclude = join(root, 'node_modules', 'node-api-headers', 'include');
  // Directories are named symbolically in the key so the same build is found
  // from another mount of the tree (the VM guest sees the host's files).
  const symbolic = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11'];
  symbolic.push('-I<node-api-headers>');
  if (uvInclude) symbolic.push('-DNLS_HAVE_UV_H', '-I<node-include>');
  const key = createHash('sha256')
    .update(readFileSync(source))
    .update('\0' + symbolic.join(' '))
    .update('\0' + process.versions.modules)
    .digest('hex')
    .slice(0, 16);
  const flags = symbolic.map((f) =>
    f === '-I<node-api-headers>' ? `-I${napiInclude}` : f === '-I<node-include>' ? `-I${uvInclude}` : f,
  );
  return { source, output: join(root, '.cache', 'native', `netlink_socket-${key}.node`), flags };
}

let loaded: NativeBinding | null = null;

/**
 * Load the addon synchronously. Uses NETLINK_SOCKET_ADDON when set (an exact
 * .node path), else the cached build for this source and this Node. Throws
 * with the command to run when it has not been built.
 */
export function loadNativeBinding(): NativeBinding {
  if (loaded) return loaded;
  let path = process.env.NETLINK_SOCKET_ADDON;
  if (!path) {
    const root = repoRoot();
    path = buildPlan(root).output;
    // A VM guest may not see Node's headers; the host's build (with uv.h) still fits.
    const other = buildPlan(root, nodeIncludeDir() ? null : '<node-include>').output;
    if (!existsSync(path) && existsSync(other)) path = other;
  }
  if (!existsSync(path)) {
    throw new Error(
      `The AF_NETLINK addon is not built (missing ${path}). ` +
        'Build it with `npx tsx tools/netlink-socket/build.ts` (or call ensureNativeBinding() from tools/netlink-socket/build.ts), then try again.',
    );
  }
  const require = createRequire(import.meta.url);
  loaded = require(path) as NativeBinding;
  return loaded;
}
