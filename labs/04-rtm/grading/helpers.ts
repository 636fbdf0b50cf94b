/**
 * Helpers of lab 4's graded tests: the kernel's truth (/proc/nl_rtm/routes,
 * /proc/net/netlink), a scripted fake socket for dump tests, and the paths
 * the network-namespace test needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { expect, type TestContext } from '#grader';
import {
  NLMSG_DONE,
  NLM_F_MULTI,
  concatMessages,
  encodeMessage,
  parseMessages,
  type NetlinkSocketLike,
} from '#netlink';
import { NLRTM_PROC_ROUTES, NLRTM_UNIT_DEFAULT } from '#kernel/04-rtm/nl_rtm.ts';
import { parseProcRoutes, routeText, type ProcRoutes, type RefRoute } from '#kernel/04-rtm/reference.ts';

export function procRoutes(t: TestContext): ProcRoutes {
  return parseProcRoutes(t.readKernelFile(NLRTM_PROC_ROUTES));
}

/** The routes of one table as /proc/nl_rtm/routes lists them, one text per route. */
export function procTable(t: TestContext, table: string): string[] {
  return procRoutes(t)
    .routes.filter((r) => r.table === table)
    .map(routeText);
}

export function expectTable(t: TestContext, table: string, expected: readonly RefRoute[], rule: string): void {
  expect.deepEqual(procTable(t, table), expected.map(routeText), { what: `routes of table ${table} in ${NLRTM_PROC_ROUTES}`, rule });
}

/** `ip route show` text of a route (what the student's formatRoute must print). */
export function ipText(r: RefRoute, showTable = false): string {
  const prefix = r.plen === 0 && r.dst === '0.0.0.0' ? 'default' : r.plen === 32 ? r.dst : `${r.dst}/${r.plen}`;
  const parts = [prefix];
  if (r.gateway) parts.push('via', r.gateway);
  if (r.oif) parts.push('dev', r.oif);
  if (showTable && r.table !== 'main') parts.push('table', r.table);
  if (r.metric) parts.push('metric', String(r.metric));
  return parts.join(' ');
}

/**
 * Waits until some socket of nl_rtm's unit has joined multicast group 1, as
 * the kernel reports in /proc/net/netlink (columns: sk Eth Pid Groups ...).
 */
export async function waitForListener(t: TestContext, timeoutMs: number, giveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !t.signal.aborted && !giveUp()) {
    const lines = readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (Number(f[1]) === NLRTM_UNIT_DEFAULT && Number(f[2]) !== 0 && (Number.parseInt(f[3] ?? '0', 16) & 1) === 1) return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * A socket that answers each dump request with the next scripted reply set:
 * parts (payloads) with the given flags, then NLMSG_DONE, in one datagram.
 * Counts the requests it saw.
 */
export class ScriptedSocket implements NetlinkSocketLike {
  readonly portId = 4242;
  requests = 0;
  #queue: Uint8Array[] = [];
  #waiting: Array<(d: Uint8Array) => void> = [];

  constructor(private readonly script: Array<{ type: number; flags: number; payloads: Uint8Array[] }>) {}

  send(bytes: Uint8Array): number {
    const [request] = parseMessages(bytes);
    const step = this.script[this.requests++];
    if (!request || !step) return bytes.length;
    const seq = request.header.seq;
    const parts = step.payloads.map((payload) => encodeMessage({ type: step.type, flags: NLM_F_MULTI | step.flags, seq, pid: this.portId, payload }));
    parts.push(encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI | step.flags, seq, pid: this.portId, payload: new Uint8Array(4) }));
    const datagram = concatMessages(parts);
    const waiter = this.#waiting.shift();
    if (waiter) waiter(datagram);
    else this.#queue.push(datagram);
    return bytes.length;
  }

  receive(options: { signal?: AbortSignal } = {}): Promise<{ data: Uint8Array; truncated: boolean; from: { portId: number; groups: number } }> {
    const wrap = (data: Uint8Array) => ({ data, truncated: false, from: { portId: 0, groups: 0 } });
    const next = this.#queue.shift();
    if (next) return Promise.resolve(wrap(next));
    return new Promise((resolve, reject) => {
      const deliver = (d: Uint8Array): void => resolve(wrap(d));
      this.#waiting.push(deliver);
      options.signal?.addEventListener(
        'abort',
        () => {
          this.#waiting = this.#waiting.filter((w) => w !== deliver);
          reject(options.signal?.reason ?? new Error('aborted'));
        },
        { once: true },
      );
    });
  }

  setOption(): void {}
  close(): void {}
}

/** iproute2's `ip` in the machine the tests run in. */
export function ipBinary(): string {
  return ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
}

/** Lines of a CLI's stdout, without the empty last one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}
