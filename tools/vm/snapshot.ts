/**
 * Saved guests. Booting the kernel and starting Node in the emulated guest takes 10-15 s;
 * restoring a guest saved right after its agent said "ready" takes about one. The first
 * run on a machine boots and saves (.cache/snapshots/, about 300 MB); later runs restore.
 *
 * A saved guest is only valid for the QEMU, kernel, initramfs (which holds Node and the
 * agent) and machine arguments it was made with, so all of those make its key. Nothing
 * of the host's files is in it: the guest mounts them after the restore (attach.sh).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, fileStamp, hashOf } from './cache.ts';

const QEMU_BINARY_DIRS = ['/usr/bin', '/usr/local/bin', '/bin'];

/** Where the guest made from these inputs is (or will be) saved. */
export function snapshotPath(inputs: { kernelImage: string; initramfs: string; machineArgs: string[] }): string {
  const qemu = QEMU_BINARY_DIRS.map((dir) => join(dir, 'qemu-system-x86_64')).find((path) => existsSync(path)) ?? 'qemu-system-x86_64';
  // With KVM the guest sees the host's CPU model; a saved guest does not restore on another.
  const cpu = /^model name\s*:.*$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[0] ?? '';
  const key = hashOf('snapshot-v1', fileStamp(qemu), fileStamp(inputs.kernelImage), inputs.initramfs, cpu, ...inputs.machineArgs);
  return join(cacheDir('snapshots'), `${key}.state`);
}
