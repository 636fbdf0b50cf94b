/**
 * Reading the kernel log (/dev/kmsg) without blocking: every open file has its own
 * position, and reads never wait, so no thread is ever parked in the kernel (a blocked
 * read would keep Node from exiting).
 */
import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';

/** Reads the kernel log records that appear after it was created (each fd has its own position). */
export class KernelLogCursor {
  private fd: number | undefined;
  constructor() {
    try {
      this.fd = openSync('/dev/kmsg', fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      this.drain(); // skip what was logged before the test started
    } catch {
      this.fd = undefined; // no kernel log to read (not Linux, or no permission)
    }
  }

  drain(): string[] {
    if (this.fd === undefined) return [];
    const lines: string[] = [];
    const buffer = Buffer.alloc(8192);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, buffer, 0, buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records were overwritten; keep reading newer ones
        break; // EAGAIN: nothing more
      }
      if (n <= 0) break;
      const record = buffer.subarray(0, n).toString('utf8');
      const semicolon = record.indexOf(';');
      const text = record.slice(semicolon + 1).split('\n')[0] ?? '';
      lines.push(text);
    }
    return lines;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
