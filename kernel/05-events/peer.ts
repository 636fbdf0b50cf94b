/**
 * A reference peer of the nl_events family for the module's self-test and lab
 * 5's graded tests. Built on #socket and the course library (#netlink), never
 * on a student's files, and paired with readers of the kernel's own truth:
 * /proc/nl_events/{state,log_<group>} and /proc/net/netlink (which lists every
 * netlink socket with its port id, its first 32 group bits and its drop count).
 */
import type { TestContext } from '#grader';
import {
  AttributeBuilder,
  NetlinkClient,
  NETLINK_GENERIC,
  findAttribute,
  openGenl,
  requireAttribute,
  type ParsedGenlMessage,
} from '#netlink';
import {
  NL_EVENTS_ATTR_COUNT,
  NL_EVENTS_ATTR_GROUP,
  NL_EVENTS_ATTR_SEQ,
  NL_EVENTS_ATTR_TEXT,
  NL_EVENTS_ATTR_TIME_NS,
  NL_EVENTS_CMD_EVENT,
  NL_EVENTS_CMD_GET_LOG,
  NL_EVENTS_CMD_TRIGGER,
  NL_EVENTS_FAMILY_NAME,
  NL_EVENTS_FAMILY_VERSION,
  NL_EVENTS_GROUP_ALERTS,
  NL_EVENTS_GROUP_ALERTS_NAME,
  NL_EVENTS_GROUP_EVENTS,
  NL_EVENTS_GROUP_EVENTS_NAME,
  NL_EVENTS_PROC_LOG_PREFIX,
  NL_EVENTS_PROC_STATE,
} from './nl_events.ts';

export type GroupName = typeof NL_EVENTS_GROUP_EVENTS_NAME | typeof NL_EVENTS_GROUP_ALERTS_NAME;

export const GROUP_INDEX: Readonly<Record<GroupName, number>> = {
  [NL_EVENTS_GROUP_EVENTS_NAME]: NL_EVENTS_GROUP_EVENTS,
  [NL_EVENTS_GROUP_ALERTS_NAME]: NL_EVENTS_GROUP_ALERTS,
};

export interface LoggedEvent {
  seq: bigint;
  timeNs: bigint;
  text: string;
}

export interface EventsFamily {
  familyId: number;
  /** Multicast group ids as nlctrl reports them (dynamic: never hard-code them). */
  groupIds: Record<GroupName, number>;
}

type Reader = Pick<TestContext, 'readKernelFile'>;

/** A NETLINK_GENERIC client with extended ACKs on. Close it when done. */
export function openPeer(): NetlinkClient {
  return openGenl({ timeoutMs: 20000 });
}

/** Family id and group ids through nlctrl (a fresh lookup: ids change when the module reloads). */
export async function resolveEvents(client: NetlinkClient): Promise<EventsFamily> {
  const family = await client.resolveFamily(NL_EVENTS_FAMILY_NAME, { fresh: true });
  const id = (name: GroupName): number => {
    const group = family.multicastGroups.find((g) => g.name === name);
    if (!group) throw new Error(`nlctrl lists no multicast group "${name}" for family ${NL_EVENTS_FAMILY_NAME}`);
    return group.id;
  };
  return { familyId: family.id, groupIds: { events: id('events'), alerts: id('alerts') } };
}

/** TRIGGER: emits `count` events to `group` and returns the first seq the kernel assigned. */
export async function trigger(client: NetlinkClient, familyId: number, group: GroupName, count: number, text?: string): Promise<bigint> {
  const attrs = new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, GROUP_INDEX[group]).u32(NL_EVENTS_ATTR_COUNT, count);
  if (text !== undefined) attrs.nulString(NL_EVENTS_ATTR_TEXT, text);
  const replies = await client.genlRequest(familyId, NL_EVENTS_CMD_TRIGGER, NL_EVENTS_FAMILY_VERSION, attrs, {
    what: `TRIGGER ${group} x${count}`,
  });
  const reply = replies.find((r) => r.genl.cmd === NL_EVENTS_CMD_TRIGGER);
  if (!reply) throw new Error(`TRIGGER ${group} x${count} was ACKed without a TRIGGER reply`);
  return requireAttribute(reply.attributes, NL_EVENTS_ATTR_SEQ, 'NL_EVENTS_ATTR_SEQ').u64();
}

/** Reads one EVENT message (notification or GET_LOG part). */
export function eventOf(message: ParsedGenlMessage): LoggedEvent & { group: number } {
  if (message.genl.cmd !== NL_EVENTS_CMD_EVENT) throw new Error(`expected an EVENT (cmd ${NL_EVENTS_CMD_EVENT}), got cmd ${message.genl.cmd}`);
  const a = message.attributes;
  return {
    group: requireAttribute(a, NL_EVENTS_ATTR_GROUP, 'GROUP').u32(),
    seq: requireAttribute(a, NL_EVENTS_ATTR_SEQ, 'SEQ').u64(),
    timeNs: requireAttribute(a, NL_EVENTS_ATTR_TIME_NS, 'TIME_NS').u64(),
    text: findAttribute(a, NL_EVENTS_ATTR_TEXT)?.nulString() ?? '',
  };
}

/** GET_LOG dump of a group (optionally from seq `since`, at most the last `count`). */
export async function getLog(
  client: NetlinkClient,
  familyId: number,
  group: GroupName,
  options: { since?: bigint; count?: number } = {},
): Promise<{ events: LoggedEvent[]; interrupted: boolean }> {
  const attrs = new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, GROUP_INDEX[group]);
  if (options.since !== undefined) attrs.u64(NL_EVENTS_ATTR_SEQ, options.since);
  if (options.count !== undefined) attrs.u32(NL_EVENTS_ATTR_COUNT, options.count);
  const parts = await client.genlDump(familyId, NL_EVENTS_CMD_GET_LOG, NL_EVENTS_FAMILY_VERSION, attrs, { what: `GET_LOG ${group}` });
  return {
    events: parts.map((p) => {
      const { seq, timeNs, text } = eventOf(p);
      return { seq, timeNs, text };
    }),
    interrupted: parts.interrupted,
  };
}

/* ---------- the kernel's truth ---------- */

/** /proc/nl_events/state as a key -> value map, with typed getters that name what is missing. */
export class EventsState {
  constructor(readonly text: string) {}
  #values(): Map<string, string> {
    const values = new Map<string, string>();
    for (const line of this.text.split('\n')) {
      const colon = line.indexOf(': ');
      if (colon > 0) values.set(line.slice(0, colon), line.slice(colon + 2));
    }
    return values;
  }
  get(key: string): string {
    const value = this.#values().get(key);
    if (value === undefined) throw new Error(`${NL_EVENTS_PROC_STATE} has no "${key}" line:\n${this.text}`);
    return value;
  }
  big(key: string): bigint {
    const value = this.get(key);
    if (!/^\d+$/.test(value)) throw new Error(`${NL_EVENTS_PROC_STATE}: "${key}" is not a number: ${value}`);
    return BigInt(value);
  }
  num(key: string): number {
    return Number(this.big(key));
  }
}

export function readState(t: Reader): EventsState {
  return new EventsState(t.readKernelFile(NL_EVENTS_PROC_STATE));
}

/** /proc/nl_events/log_<group>: "<seq> <time_ns> <text>" per line, oldest first. */
export function readLog(t: Reader, group: GroupName): LoggedEvent[] {
  const text = t.readKernelFile(`${NL_EVENTS_PROC_LOG_PREFIX}${group}`);
  const out: LoggedEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^(\d+) (\d+) (.*)$/.exec(line);
    if (!m) throw new Error(`${NL_EVENTS_PROC_LOG_PREFIX}${group}: malformed line "${line}"`);
    out.push({ seq: BigInt(m[1]!), timeNs: BigInt(m[2]!), text: m[3]! });
  }
  return out;
}

export interface NetlinkSocketRow {
  protocol: number;
  portId: number;
  /** Group bits 1..32 (bit g-1 is group g); higher groups are not shown by the kernel. */
  groups: number;
  rmem: number;
  /** Messages the kernel dropped because this socket's receive queue was full. */
  drops: number;
}

/** Every netlink socket in the namespace, from /proc/net/netlink. */
export function netlinkSockets(t: Reader): NetlinkSocketRow[] {
  const rows: NetlinkSocketRow[] = [];
  for (const line of t.readKernelFile('/proc/net/netlink').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    rows.push({
      protocol: Number(f[1]),
      portId: Number(f[2]),
      groups: Number.parseInt(f[3]!, 16) >>> 0,
      rmem: Number(f[4]),
      drops: Number(f[8]),
    });
  }
  return rows;
}

/** Generic netlink sockets that joined `groupId` (only answerable for ids 1..32). */
export function membersOf(t: Reader, groupId: number): NetlinkSocketRow[] {
  if (groupId < 1 || groupId > 32) throw new RangeError(`/proc/net/netlink only shows groups 1..32, not ${groupId}`);
  const bit = (1 << (groupId - 1)) >>> 0;
  return netlinkSockets(t).filter((r) => r.protocol === NETLINK_GENERIC && (r.groups & bit) !== 0);
}

/**
 * Waits until at least `n` sockets joined `groupId` (read from /proc/net/netlink).
 * For ids above 32, which that file cannot show, it waits `fallbackMs` instead.
 */
export async function waitForMembers(
  t: Reader & Pick<TestContext, 'signal' | 'log'>,
  groupId: number,
  n: number,
  options: { timeoutMs: number; fallbackMs?: number; giveUp?: () => string | undefined },
): Promise<void> {
  if (groupId > 32) {
    t.log(`group id ${groupId} > 32: /proc/net/netlink cannot show it, waiting ${options.fallbackMs ?? 5000} ms instead`);
    await sleep(options.fallbackMs ?? 5000);
    return;
  }
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const count = membersOf(t, groupId).length;
    if (count >= n) return;
    const reason = options.giveUp?.();
    if (reason) throw new Error(`only ${count} of ${n} listeners joined multicast group ${groupId}: ${reason}`);
    if (Date.now() > deadline || t.signal.aborted) {
      throw new Error(`only ${count} of ${n} listeners joined multicast group ${groupId} within ${options.timeoutMs} ms (checked in /proc/net/netlink)`);
    }
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Kernel log lines that mean trouble (oops, warnings, lockdep, ...). */
export function kernelTrouble(lines: readonly string[]): string[] {
  return lines.filter((line) => /\b(BUG|WARNING|Oops|panic|general protection|refcount_t|KASAN|kmemleak|possible recursive locking|circular locking)\b/.test(line));
}
