/**
 * The guest's initramfs. Two parts:
 *
 * - what PID 1 needs (kernel/vm/init.sh): busybox and the in-tree modules for virtio,
 *   9p, overlayfs and the virtio-serial port;
 * - the guest image under /image: this machine's own Node (at the same path as on the
 *   host) with the shared libraries it links, busybox, the guest agent, the CLI
 *   pre-starter and the script that later attaches the host's filesystem.
 *
 * The agent runs from /image, not from the host's filesystem over 9p, so a booted guest
 * with Node already running can be saved and restored (QEMU cannot migrate a guest that
 * has a 9p share mounted; see snapshot.ts). Cached under .cache/initramfs/ keyed by
 * everything that goes in.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../grader/labs.ts';
import { cacheDir, fileStamp, hashOf, keepOnly } from './cache.ts';
import { writeCpio, type CpioEntry } from './cpio.ts';
import { GUEST_PATHS } from './guest-paths.ts';
import { moduleClosure, moduleNameOf, type InstalledKernel } from './kernel.ts';

/** Virtio transport, 9p, overlayfs and the virtio-serial port, as Debian ships them (modules). */
export const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'virtio_console'];

const BUSYBOX = process.env.NLWB_BUSYBOX ?? '/bin/busybox';
const INIT_SCRIPT = join(repoRoot, 'kernel', 'vm', 'init.sh');
const ATTACH_SCRIPT = join(repoRoot, 'kernel', 'vm', 'attach.sh');

export interface GuestPrograms {
  /** Bundled tools/vm/agent.ts. */
  agent: string;
  /** Bundled tools/vm/zygote.ts. */
  zygote: string;
}

/** The shared libraries and the ELF interpreter a dynamically linked program loads (from ldd). */
export function sharedLibraries(binary: string): string[] {
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (ldd.status !== 0) throw new Error(`ldd ${binary} failed: ${ldd.stderr || ldd.error?.message}`);
  const paths: string[] = [];
  for (const line of ldd.stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) paths.push(match[1]);
  }
  return paths;
}

export function ensureInitramfs(kernel: InstalledKernel, programs: GuestPrograms): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static package`);
  const modules = moduleClosure(kernel, BOOT_MODULES);
  const node = realpathSync(process.execPath);
  const libraries = sharedLibraries(node);
  const init = readFileSync(INIT_SCRIPT);
  const attach = readFileSync(ATTACH_SCRIPT);
  const key = hashOf('initramfs-v2', kernel.version, init, attach, programs.agent, programs.zygote, process.execPath, ...[BUSYBOX, node, ...libraries, ...modules].map(fileStamp));
  const target = join(cacheDir('initramfs'), `${kernel.version}-${key}.cpio`);
  if (existsSync(target)) return target;

  const image = (path: string): string => `image${path}`;
  const file = (path: string, data: Uint8Array, mode = 0o644): CpioEntry => ({ kind: 'file', path, data, mode });
  const imageFiles: CpioEntry[] = [
    file(image(process.execPath), readFileSync(node), 0o755),
    ...libraries.map((path) => file(image(path), readFileSync(path), 0o755)),
    file(image(GUEST_PATHS.busybox), readFileSync(BUSYBOX), 0o755),
    file(image(GUEST_PATHS.agent), Buffer.from(programs.agent)),
    file(image(GUEST_PATHS.zygote), Buffer.from(programs.zygote)),
    file(image(GUEST_PATHS.attach), attach, 0o755),
    // The host's files that the image holds a copy of (attach.sh mounts the copies over them).
    file(image('/nlwb/host-files'), Buffer.from([process.execPath, ...libraries].join('\n') + '\n')),
  ];
  // Every parent directory of the image's files, listed before the files.
  const imageDirs = new Set(['image/proc', 'image/sys', 'image/dev', 'image/tmp', 'image/mnt']);
  for (const entry of imageFiles) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) imageDirs.add(parts.slice(0, i).join('/'));
  }
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'modules'].map((path): CpioEntry => ({ kind: 'dir', path })),
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    file('bin/busybox', readFileSync(BUSYBOX), 0o755),
    file('init', init, 0o755),
    file('modules.order', Buffer.from(modules.map(moduleNameOf).join('\n') + '\n')),
    ...modules.map((path) => file(`modules/${moduleNameOf(path)}.ko`, readFileSync(path))),
    ...[...imageDirs].sort().map((path): CpioEntry => ({ kind: 'dir', path })),
    ...imageFiles,
  ];
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, writeCpio(entries));
  renameSync(temp, target);
  keepOnly(target, '.cpio'); // an image is over 100 MB
  return target;
}
