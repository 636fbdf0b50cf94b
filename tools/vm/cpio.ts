/**
 * A minimal writer for the "newc" cpio format the kernel unpacks as an initramfs.
 * Written here (instead of calling cpio(1)) so device nodes such as /dev/console can be
 * packed without root and without one more Debian package.
 */
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'char'; path: string; major: number; minor: number; mode?: number };

const TYPE = { dir: 0o040000, file: 0o100000, char: 0o020000 } as const;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, data: Uint8Array, rdev: [number, number] = [0, 0]): void => {
    const nameBytes = Buffer.from(`${name}\0`);
    const header =
      '070701' +
      hex8(ino++) +
      hex8(mode) +
      hex8(0) + // uid
      hex8(0) + // gid
      hex8(1) + // nlink
      hex8(0) + // mtime: fixed, so equal inputs give equal archives
      hex8(data.length) +
      hex8(0) +
      hex8(0) + // dev major/minor
      hex8(rdev[0]) +
      hex8(rdev[1]) +
      hex8(nameBytes.length) +
      hex8(0); // check
    parts.push(Buffer.from(header), nameBytes, Buffer.alloc(pad4(110 + nameBytes.length)));
    parts.push(Buffer.from(data), Buffer.alloc(pad4(data.length)));
  };
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+/, '');
    if (entry.kind === 'dir') push(path, TYPE.dir | (entry.mode ?? 0o755), new Uint8Array());
    else if (entry.kind === 'file') push(path, TYPE.file | (entry.mode ?? 0o644), entry.data);
    else push(path, TYPE.char | (entry.mode ?? 0o600), new Uint8Array(), [entry.major, entry.minor]);
  }
  push('TRAILER!!!', 0, new Uint8Array());
  return Buffer.concat(parts);
}
