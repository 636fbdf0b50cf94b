/**
 * A small client for QEMU's machine protocol (QMP): JSON commands over a Unix socket,
 * answered in order, with asynchronous events in between (which this client skips).
 */
import { createConnection, type Socket } from 'node:net';

type Reply = { return?: unknown; error?: { class: string; desc: string }; event?: string };

export class QmpClient {
  private buffer = '';
  private waiting: ((reply: Reply) => void)[] = [];
  private greeted: Promise<void>;

  private constructor(private readonly socket: Socket) {
    let greet: () => void = () => undefined;
    this.greeted = new Promise((resolve) => (greet = resolve));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline).trim();
        this.buffer = this.buffer.slice(newline + 1);
        if (!line) continue;
        const reply = JSON.parse(line) as Reply & { QMP?: unknown };
        if (reply.QMP) greet();
        else if (!reply.event) this.waiting.shift()?.(reply);
      }
    });
    const failAll = (): void => {
      for (const waiter of this.waiting.splice(0)) waiter({ error: { class: 'Disconnected', desc: 'QEMU closed its QMP socket' } });
    };
    socket.on('close', failAll);
    socket.on('error', failAll);
  }

  static async connect(path: string): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(path);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const client = new QmpClient(socket);
    await client.greeted;
    await client.execute('qmp_capabilities');
    return client;
  }

  /** Runs a command; rejects with QEMU's own description when it fails. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((reply) => (reply.error ? reject(new Error(`${command}: ${reply.error.desc}`)) : resolve(reply.return as T)));
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
