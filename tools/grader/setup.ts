/**
 * Makes sure the machine has what grading needs, and says what it installs and why.
 * As root it installs Debian packages itself; otherwise it prints the exact command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findKernel } from '../vm/kernel.ts';

interface Requirement {
  /** Debian package that provides it. */
  pkg: string;
  why: string;
  present: () => boolean;
}

const onPath = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

export const LAB_REQUIREMENTS: Requirement[] = [
  { pkg: 'qemu-system-x86', why: 'runs the course kernel in a virtual machine', present: () => onPath('qemu-system-x86_64') },
  { pkg: 'linux-image-amd64', why: 'the Linux kernel the labs are graded in', present: () => findKernel() !== undefined },
  { pkg: 'linux-headers-amd64', why: 'headers to build the lessons\' kernel modules', present: () => findKernel() !== undefined },
  { pkg: 'busybox-static', why: 'the tiny init system inside the virtual machine', present: () => existsSync(process.env.NLWB_BUSYBOX ?? '/bin/busybox') },
  { pkg: 'make', why: 'drives the kernel module build (Kbuild)', present: () => onPath('make') },
  { pkg: 'gcc', why: 'compiles the kernel modules and the socket binding', present: () => onPath('gcc') },
  { pkg: 'libc6-dev', why: 'C headers for the socket binding', present: () => existsSync('/usr/include/stdio.h') },
  { pkg: 'kmod', why: 'insmod/rmmod/modprobe inside the virtual machine', present: () => onPath('insmod') || existsSync('/sbin/insmod') },
  { pkg: 'iproute2', why: 'ip and genl, independent peers the graders compare with', present: () => onPath('ip') || existsSync('/sbin/ip') },
];

export function missingPackages(requirements = LAB_REQUIREMENTS): Requirement[] {
  return requirements.filter((r) => !r.present());
}

export class MissingPackagesError extends Error {
  override name = 'MissingPackagesError';
}

/** Installs missing packages as root (with progress), or explains how to. */
export function ensurePackages(log: (line: string) => void, requirements = LAB_REQUIREMENTS): void {
  const missing = missingPackages(requirements);
  if (!missing.length) return;
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const command = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  log('This machine is missing Debian packages the labs need:');
  for (const m of missing) log(`  ${m.pkg.padEnd(20)} ${m.why}`);
  if (process.getuid?.() !== 0) {
    throw new MissingPackagesError(`Install them as root, then run the lab again:\n  sudo apt-get update && sudo ${command}`);
  }
  log(`Installing them now (about 1-2 minutes): ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) throw new MissingPackagesError(`apt-get ${args[0]} failed (exit ${r.status}); fix the error above and run again.`);
  }
  const still = missingPackages(requirements);
  if (still.length) throw new MissingPackagesError(`still missing after installing: ${still.map((s) => s.pkg).join(', ')}`);
}
