/**
 * The guest's initramfs: busybox, the init script (kernel/vm/init.sh) and the in-tree
 * modules the init needs before it can mount the host's filesystem. Cached under
 * .cache/initramfs/ keyed by everything that goes in, so it is built once per kernel.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../grader/labs.ts';
import { cacheDir, hashOf } from './cache.ts';
import { writeCpio, type CpioEntry } from './cpio.ts';
import { moduleClosure, moduleNameOf, type InstalledKernel } from './kernel.ts';

/** Virtio transport, 9p, overlayfs and the virtio-serial port, as Debian ships them (modules). */
export const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'virtio_console'];

const BUSYBOX = process.env.NLWB_BUSYBOX ?? '/bin/busybox';
const INIT_SCRIPT = join(repoRoot, 'kernel', 'vm', 'init.sh');

export function ensureInitramfs(kernel: InstalledKernel): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static package`);
  const modules = moduleClosure(kernel, BOOT_MODULES);
  const init = readFileSync(INIT_SCRIPT);
  const stamp = (path: string): string => {
    const s = statSync(path);
    return `${path}:${s.size}:${s.mtimeMs}`;
  };
  const key = hashOf('initramfs-v1', kernel.version, init, stamp(BUSYBOX), ...modules.map(stamp));
  const target = join(cacheDir('initramfs'), `${kernel.version}-${key}.cpio`);
  if (existsSync(target)) return target;

  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'modules', 'host', 'rw', 'root', 'tmp'].map((path): CpioEntry => ({ kind: 'dir', path })),
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'file', path: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755 },
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
    { kind: 'file', path: 'modules.order', data: Buffer.from(modules.map(moduleNameOf).join('\n') + '\n') },
    ...modules.map((path): CpioEntry => ({ kind: 'file', path: `modules/${moduleNameOf(path)}.ko`, data: readFileSync(path) })),
  ];
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, writeCpio(entries));
  renameSync(temp, target);
  return target;
}
