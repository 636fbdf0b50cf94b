/**
 * Graded tests of lab 5 (Multicast events).
 *
 * The kernel's truth is what counts: /proc/nl_events/state and log_<group>
 * (every event the kernel numbered), /proc/net/netlink (which sockets joined
 * which groups, and how many messages the kernel dropped for each), and a
 * reference peer built on #netlink (kernel/05-events/peer.ts). Group ids are
 * never hard-coded: the kernel assigns them when the module loads.
 */
import { defineLab, expect, type TestContext } from '#grader';
import { NetlinkSocket, NetlinkSocketError } from '#socket';
import { NETLINK_GENERIC, parseGenlMessage, parseMessages, type NetlinkClient } from '#netlink';
import { NL_EVENTS_CMD_TRIGGER } from '#kernel/05-events/nl_events.ts';
import {
  eventOf,
  membersOf,
  netlinkSockets,
  openPeer,
  readLog,
  readState,
  resolveEvents,
  sleep,
  trigger,
  waitForMembers,
  type EventsFamily,
  type GroupName,
  type LoggedEvent,
} from '#kernel/05-events/peer.ts';
import * as groups from './groups.ts';
import * as events from './events.ts';
import { EventListener, type ListenRecord } from './listener.ts';

/* ---------- helpers ---------- */

const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
/** One attribute, padded to 4 bytes with zeros. */
function nla(type: number, value: number[]): number[] {
  const out = [...u16(4 + value.length), ...u16(type), ...value];
  while (out.length % 4) out.push(0);
  return out;
}

/** expect.ok without the assertion signature (which needs explicit annotations at every call). */
function check(condition: boolean, message: string, options: { rule?: string } = {}): void {
  if (!condition) expect.fail(message, options);
}

function isEventFormatError(error: unknown): error is events.EventFormatError {
  return error instanceof events.EventFormatError;
}

function isRangeError(error: unknown): error is RangeError {
  return error instanceof RangeError;
}

async function withPeer<T>(fn: (client: NetlinkClient, family: EventsFamily) => Promise<T>): Promise<T> {
  const client = openPeer();
  try {
    return await fn(client, await resolveEvents(client));
  } finally {
    client.close();
  }
}

/** The kernel's log entries with first <= seq <= last. */
function logRange(t: TestContext, group: GroupName, first: bigint, last: bigint): LoggedEvent[] {
  return readLog(t, group).filter((e) => e.seq >= first && e.seq <= last);
}

function same(e: { seq: bigint; timeNs: bigint; text: string }): string {
  return `${e.seq} ${e.timeNs} ${e.text}`;
}

/** Compares received events with the kernel's log, event by event, and names the first difference. */
function expectSameAsLog(t: TestContext, what: string, got: readonly { seq: bigint; timeNs: bigint; text: string }[], log: readonly LoggedEvent[]): void {
  for (let i = 0; i < Math.max(got.length, log.length); i++) {
    const g = got[i];
    const k = log[i];
    if (!g || !k || same(g) !== same(k)) {
      t.log(`${what}: ${got.length} received, ${log.length} in the kernel's log`);
      expect.fail(
        `${what}: event #${i + 1} differs from the kernel's log: got ${g ? `"${same(g)}"` : 'nothing'}, the log has ${k ? `"${same(k)}"` : 'nothing'}`,
        { rule: 'every event arrives once, in seq order, exactly as the kernel logged it (seq time_ns text)' },
      );
    }
  }
}

/** Pulls records from a listener until `done` says stop or the time runs out. */
async function collect(
  t: TestContext,
  iterator: AsyncIterator<ListenRecord>,
  done: (records: readonly ListenRecord[]) => boolean,
  timeoutMs: number,
): Promise<ListenRecord[]> {
  const records: ListenRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(records)) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === 'timeout' || next.done) break;
    records.push(next.value);
  }
  const eventsSeen = records.filter((r) => r.kind === 'event').length;
  t.log(`collected ${records.length} records (${eventsSeen} events, ${records.length - eventsSeen} gaps)`);
  return records;
}

function eventRecords(records: readonly ListenRecord[]): events.EventRecord[] {
  return records.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
}

function lastEventSeq(records: readonly ListenRecord[]): bigint {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.kind === 'event') return r.event.seq;
  }
  return 0n;
}

function socketRow(t: TestContext, portId: number): ReturnType<typeof netlinkSockets>[number] | undefined {
  return netlinkSockets(t).find((r) => r.protocol === NETLINK_GENERIC && r.portId === portId);
}

/** Reads `event ...` lines of the listen CLI. */
function parseCliEvents(stdout: string): Array<{ seq: bigint; timeNs: bigint; text: string; source: string }> {
  const out: Array<{ seq: bigint; timeNs: bigint; text: string; source: string }> = [];
  for (const line of stdout.split('\n')) {
    const m = /^event group=\S+ seq=(\d+) time_ns=(\d+) source=(live|log) text=(.*)$/.exec(line);
    if (m) out.push({ seq: BigInt(m[1]!), timeNs: BigInt(m[2]!), source: m[3]!, text: m[4]! });
  }
  return out;
}

const KERNEL = 60000;

/* ---------- the lab ---------- */

export default defineLab({
  title: 'Multicast events',
  module: { dir: 'kernel/05-events', name: 'nl_events' },
  studentFiles: ['groups.ts', 'events.ts', 'listener.ts', 'listen.ts'],
  firstStep: 'Open labs/05-events/groups.ts and do TODO 1 (groupMask).',
  tests: [
    {
      name: 'groupMask puts group g at bit g-1, only for 1..32',
      points: 2,
      rule: 'sockaddr_nl.nl_groups is a bitmask: group g is bit g-1, so it reaches groups 1..32 only',
      hint: 'Return (1 << (g - 1)) >>> 0; the >>> 0 keeps group 32 positive. Throw a RangeError outside 1..32.',
      run: async () => {
        const vectors: Array<[number, number]> = [
          [1, 0x1],
          [2, 0x2],
          [5, 0x10],
          [16, 0x8000],
          [31, 0x40000000],
          [32, 0x80000000],
        ];
        for (const [group, mask] of vectors) {
          expect.equal(groups.groupMask(group), mask, { what: `groupMask(${group})` });
        }
        // The seed's listener bound nl_groups = 16 and believed it had joined group 16.
        check(groups.groupMask(5) === 16 && groups.groupMask(16) !== 16, 'a mask of 16 is group 5; group 16 is 0x8000', {
          rule: 'the seed bug: nl_groups = 16 joins group 5, not group 16',
        });
        for (const bad of [0, 33, -1, 1.5, 64]) {
          await expect.throws(() => groups.groupMask(bad), isRangeError, `groupMask(${bad}) must throw a RangeError (no bit for it)`);
        }
      },
    },
    {
      name: 'resolveGroups reads the group ids from nlctrl',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'generic netlink group ids are assigned at registration: read them from CTRL_ATTR_MCAST_GROUPS',
      hint: 'client.resolveFamily(NL_EVENTS_FAMILY_NAME, { fresh: true }), then find each name in multicastGroups.',
      run: async (t) => {
        const state = readState(t);
        const client = openPeer();
        try {
          const got = await groups.resolveGroups(client);
          expect.deepEqual(
            got,
            { familyId: state.num('family_id'), ids: { events: state.num('events.group_id'), alerts: state.num('alerts.group_id') } },
            { what: 'resolveGroups() (compared with /proc/nl_events/state)' },
          );
        } finally {
          client.close();
        }
      },
    },
    {
      name: 'decodeEvent reads GROUP, SEQ, TIME_NS and TEXT as the kernel sends them',
      points: 2,
      rule: 'EVENT = genlmsghdr (cmd 1) + GROUP u32, SEQ u64, TIME_NS u64, TEXT NUL string, in any order; u64 stays exact',
      hint: 'parseGenlMessage(message), check cmd, requireAttribute(...).u64() for SEQ and TIME_NS (bigint), findAttribute for TEXT.',
      run: async () => {
        const seq = 2n ** 53n + 1n; // a Number would round this to 2^53
        const time = 0x0123456789abcdefn;
        const genl = [1, 1, 0, 0];
        const payload = [
          ...genl,
          ...nla(4, [...ascii('disk full'), 0]),
          ...nla(2, u64(seq)),
          ...nla(1, u32(1)),
          ...nla(3, u64(time)),
        ];
        expect.deepEqual(
          events.decodeEvent({ payload: Uint8Array.from(payload) }),
          { group: 1, seq, timeNs: time, text: 'disk full' },
          { what: 'decodeEvent of an alert (attributes out of order, SEQ above 2^53)' },
        );
        const noText = [...genl, ...nla(1, u32(0)), ...nla(2, u64(7n)), ...nla(3, u64(9n))];
        expect.deepEqual(events.decodeEvent({ payload: Uint8Array.from(noText) }), { group: 0, seq: 7n, timeNs: 9n, text: '' }, { what: 'decodeEvent without TEXT' });
        const noSeq = [...genl, ...nla(1, u32(0)), ...nla(3, u64(9n))];
        await expect.throws(() => events.decodeEvent({ payload: Uint8Array.from(noSeq) }), isEventFormatError, 'an EVENT without SEQ must throw EventFormatError');
        const trigger = [NL_EVENTS_CMD_TRIGGER, 1, 0, 0, ...nla(1, u32(0)), ...nla(2, u64(7n)), ...nla(3, u64(9n))];
        await expect.throws(() => events.decodeEvent({ payload: Uint8Array.from(trigger) }), isEventFormatError, 'a TRIGGER reply is not an EVENT: EventFormatError');
        const truncated = [...genl, ...u16(12), ...u16(2), 1, 2];
        await expect.throws(() => events.decodeEvent({ payload: Uint8Array.from(truncated) }), isEventFormatError, 'an attribute past the end must throw EventFormatError');
      },
    },
    {
      name: 'mergeEvents keeps only newer events, in seq order, once each',
      points: 2,
      rule: 'resynchronised events join the stream after the last seq handed out, without duplicates',
      hint: 'filter seq > lastSeq, sort with bigint comparisons, skip a seq equal to the previous one.',
      run: () => {
        const ev = (seq: bigint, text = `e${seq}`): events.EventRecord => ({ group: 0, seq, timeNs: seq * 10n, text });
        const incoming = [ev(12n), ev(9n), ev(10n), ev(11n), ev(10n), ev(2n ** 60n), ev(13n)];
        const before = incoming.map((e) => e.seq);
        expect.deepEqual(
          events.mergeEvents(10n, incoming).map((e) => e.seq),
          [11n, 12n, 13n, 2n ** 60n],
          { what: 'mergeEvents(10n, [12, 9, 10, 11, 10, 2^60, 13]) seqs' },
        );
        expect.deepEqual(incoming.map((e) => e.seq), before, { what: 'the input array after mergeEvents (must not change)' });
        expect.deepEqual(events.mergeEvents(5n, []), [], { what: 'mergeEvents of nothing' });
        expect.deepEqual(events.mergeEvents(99n, [ev(3n)]), [], { what: 'mergeEvents when everything is old' });
      },
    },
    {
      name: 'fetchLog returns the kernel log (GET_LOG dump)',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'GET_LOG is a dump: REQUEST|ACK|DUMP, parts until NLMSG_DONE, each part an EVENT',
      hint: 'genlPayload({ cmd: NL_EVENTS_CMD_GET_LOG, version: 1, attributes }) and client.dump(familyId, payload); decode every reply.',
      run: async (t) => {
        await withPeer(async (client, family) => {
          const first = await trigger(client, family.familyId, 'alerts', 20, 'fetch me');
          const last = first + 19n;
          const got = await events.fetchLog(client, family.familyId, 'alerts', { since: first });
          expectSameAsLog(t, 'fetchLog(alerts, { since })', got, logRange(t, 'alerts', first, last));
          check(got.every((e) => e.group === 1), 'every event of the alerts log carries GROUP 1');
          const tail = await events.fetchLog(client, family.familyId, 'alerts', { count: 5 });
          expectSameAsLog(t, 'fetchLog(alerts, { count: 5 })', tail, logRange(t, 'alerts', last - 4n, last));
        });
      },
    },
    {
      name: 'a listener hands out triggered events live, in order',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'join with NETLINK_ADD_MEMBERSHIP(group id); notifications carry seq 0, pid 0 and arrive in SEQ order',
      hint: 'EventListener.open: resolveGroups, NetlinkSocket.open(NETLINK_GENERIC), addMembership, then the newest logged seq as lastSeq.',
      run: async (t) => {
        await withPeer(async (client, family) => {
          const before = readState(t).big('alerts.next_seq');
          const listener = await EventListener.open({ group: 'alerts' });
          try {
            expect.equal(listener.lastSeq, before - 1n, { what: 'lastSeq right after open (the newest seq in the log)' });
            check(membersOf(t, family.groupIds.alerts).some((r) => r.portId === listener.socket.portId) || family.groupIds.alerts > 32,
              `/proc/net/netlink does not show port ${listener.socket.portId} in group ${family.groupIds.alerts}: did open() call addMembership with the id from nlctrl?`);
            const first = await trigger(client, family.familyId, 'alerts', 200);
            const last = first + 199n;
            const records = await collect(t, listener[Symbol.asyncIterator](), (r) => lastEventSeq(r) >= last, t.remainingMs() - 2000);
            const gaps = records.filter((r) => r.kind === 'gap');
            expect.deepEqual(gaps, [], { what: 'gap records (nothing was lost: the buffer was large enough)' });
            check(records.every((r) => r.kind !== 'event' || r.source === 'live'), 'every event should come live (source "live")');
            expectSameAsLog(t, 'events handed out', eventRecords(records), logRange(t, 'alerts', first, last));
          } finally {
            listener.close();
          }
        });
      },
    },
    {
      name: 'three listener processes each receive every one of 3000 events, in order',
      points: 4,
      timeoutMs: 180000,
      rule: 'multicast is 1:N: every member of the group gets its own copy of every notification',
      hint: 'listen.ts: open an EventListener, print formatRecord() per record, stop after --count events, close the listener.',
      run: async (t) => {
        const COUNT = 3000;
        await withPeer(async (client, family) => {
          const start = readState(t).big('events.next_seq');
          const already = family.groupIds.events <= 32 ? membersOf(t, family.groupIds.events).length : 0;
          const args = ['--group', 'events', '--count', String(COUNT), '--since', String(start), '--rcvbuf', String(8 << 20)];
          const runs = [0, 1, 2].map(() => t.runStudentCli('listen.ts', args, { timeoutMs: t.remainingMs() - 3000 }));
          let exited = 0;
          for (const run of runs) void run.then(() => exited++);
          let triggerError: unknown;
          try {
            await waitForMembers(t, family.groupIds.events, already + 3, {
              timeoutMs: 90000,
              fallbackMs: 20000,
              giveUp: () => (exited > 0 ? `${exited} listener process(es) exited before joining` : undefined),
            });
            const first = await trigger(client, family.familyId, 'events', COUNT);
            expect.equal(first, start, { what: 'first seq of the burst' });
          } catch (error) {
            triggerError = error;
          }
          const results = await Promise.all(runs);
          if (triggerError) {
            const failed = results.find((r) => r.code !== 0);
            if (failed) expect.fail(`a listener process failed (exit ${failed.code}) before the burst:\n${failed.stderr.trim().slice(0, 1500)}`);
            throw triggerError;
          }
          const log = logRange(t, 'events', start, start + BigInt(COUNT) - 1n);
          expect.equal(log.length, COUNT, { what: "events of the burst in the kernel's log" });
          results.forEach((result, i) => {
            t.log(`listener ${i + 1}: exit ${result.code}, ${result.stdout.split('\n').length} lines; stderr ${JSON.stringify(result.stderr.slice(0, 500))}`);
            if (result.timedOut) expect.fail(`listener ${i + 1} did not finish: it should exit after --count ${COUNT} events`);
            expect.equal(result.code, 0, { what: `listener ${i + 1} exit code` });
            expectSameAsLog(t, `listener ${i + 1}`, parseCliEvents(result.stdout), log);
          });
          expect.equal(readState(t).big('events.next_seq'), start + BigInt(COUNT), { what: "the kernel's next seq after the burst" });
        });
      },
    },
    {
      name: 'a tiny receive buffer: loss is detected, then resynced to exactly the kernel log',
      points: 4,
      timeoutMs: 120000,
      rule: 'an overrun drops notifications and makes recvmsg fail with ENOBUFS; a SEQ jump shows the hole; GET_LOG fills it',
      hint: 'receiveBatch: catch code "ENOBUFS" -> gap + resyncFromLog(); seq > lastSeq + 1 -> gap + resync; skip seq <= lastSeq.',
      run: async (t) => {
        const COUNT = 2000;
        await withPeer(async (client, family) => {
          const listener = await EventListener.open({ group: 'events', rcvbuf: 1 });
          try {
            const port = listener.socket.portId;
            const dropsBefore = socketRow(t, port)?.drops ?? 0;
            const start = listener.lastSeq + 1n;
            const first = await trigger(client, family.familyId, 'events', COUNT, 'burst');
            expect.equal(first, start, { what: 'first seq of the burst (nothing else should have been emitted)' });
            const last = first + BigInt(COUNT) - 1n;
            const dropped = (socketRow(t, port)?.drops ?? 0) - dropsBefore;
            t.log(`the kernel dropped ${dropped} notifications for port ${port}`);
            check(dropped > 0, `the kernel dropped nothing for port ${port}, so this test proves nothing: was the receive buffer set small?`);
            const records = await collect(t, listener[Symbol.asyncIterator](), (r) => lastEventSeq(r) >= last, t.remainingMs() - 3000);
            const gaps = records.filter((r) => r.kind === 'gap');
            t.log(`gaps: ${gaps.map((g) => (g.kind === 'gap' ? `${g.reason} ${g.from}..${g.to ?? '?'}` : '')).join(', ')}`);
            check(gaps.length > 0, `${dropped} notifications were dropped but the listener reported no gap record`);
            check(!gaps.some((g) => g.kind === 'gap' && g.reason === 'lost'), 'nothing was lost for good: the log holds all 2000 events');
            const got = eventRecords(records);
            check(got.some((e) => e.seq <= last), 'no events at all');
            expectSameAsLog(t, 'events after resync', got, logRange(t, 'events', start, last));
          } finally {
            listener.close();
          }
        });
      },
    },
    {
      name: 'after unsubscribe nothing more arrives',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'NETLINK_DROP_MEMBERSHIP leaves the group: the socket stays open but gets no more notifications',
      hint: 'unsubscribe(): socket.dropMembership(groupId), mark unsubscribed, abort the waiting receive.',
      run: async (t) => {
        await withPeer(async (client, family) => {
          const listener = await EventListener.open({ group: 'alerts' });
          try {
            const iterator = listener[Symbol.asyncIterator]();
            const first = await trigger(client, family.familyId, 'alerts', 5);
            const records = await collect(t, iterator, (r) => lastEventSeq(r) >= first + 4n, 20000);
            expect.equal(eventRecords(records).length, 5, { what: 'events received while subscribed' });
            listener.unsubscribe();
            const row = socketRow(t, listener.socket.portId);
            check(row !== undefined, 'unsubscribe() must leave the socket open (close() is separate): its port vanished from /proc/net/netlink');
            if (family.groupIds.alerts <= 32) {
              check(!membersOf(t, family.groupIds.alerts).some((r) => r.portId === listener.socket.portId), `port ${listener.socket.portId} is still in group ${family.groupIds.alerts} (/proc/net/netlink): call dropMembership`);
            }
            expect.equal(readState(t).num('alerts.listening'), 0, { what: 'alerts.listening in /proc/nl_events/state' });
            const unheard = readState(t).big('alerts.unheard');
            await trigger(client, family.familyId, 'alerts', 5);
            expect.equal(readState(t).big('alerts.unheard') - unheard, 5n, { what: 'events the kernel delivered to nobody after unsubscribe' });
            const after = await collect(t, iterator, (r) => r.length > 0, 1000);
            expect.deepEqual(after.filter((r) => r.kind === 'event'), [], { what: 'records after unsubscribe' });
          } finally {
            listener.close();
          }
        });
      },
    },
    {
      name: 'the legacy bind mask joins the right group (and nl_groups = 16 is group 5)',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'bind(nl_groups) takes a bitmask: group g is bit g-1; 16 = 0x10 joins group 5',
      hint: 'openLegacyListener(id): NetlinkSocket.open(NETLINK_GENERIC, { groups: groupMask(id) }).',
      run: async (t) => {
        await withPeer(async (client, family) => {
          const id = family.groupIds.alerts;
          if (id > 32) {
            t.log(`alerts has group id ${id}: beyond the bitmask`);
            await expect.throws(() => groups.openLegacyListener(id), isRangeError, `group ${id} has no bit: openLegacyListener must throw a RangeError`);
            return;
          }
          const legacy = groups.openLegacyListener(id);
          const seed = NetlinkSocket.open(NETLINK_GENERIC, { groups: 16 }); // what the seed did
          try {
            expect.equal(socketRow(t, legacy.portId)?.groups, (1 << (id - 1)) >>> 0, { what: `groups of the legacy socket in /proc/net/netlink (alerts is group ${id})` });
            check(membersOf(t, 5).some((r) => r.portId === seed.portId), 'nl_groups = 16 should have joined group 5');
            check(!membersOf(t, 16).some((r) => r.portId === seed.portId), 'nl_groups = 16 must not join group 16');
            const first = await trigger(client, family.familyId, 'alerts', 3, 'legacy');
            const got: bigint[] = [];
            while (got.length < 3) {
              const datagram = await legacy.receive({ timeoutMs: 10000 });
              for (const m of parseMessages(datagram.data)) {
                if (m.header.type === family.familyId) got.push(eventOf(parseGenlMessage(m)).seq);
              }
            }
            expect.deepEqual(got, [first, first + 1n, first + 2n], { what: 'seqs received on the legacy socket' });
            if (id !== 5) {
              // The seed's socket sits in some other group: none of our alerts reach it.
              for (;;) {
                let datagram;
                try {
                  datagram = await seed.receive({ timeoutMs: 300 });
                } catch (error) {
                  if (error instanceof NetlinkSocketError && error.code === 'ETIMEDOUT') break;
                  throw error;
                }
                if (parseMessages(datagram.data).some((m) => m.header.type === family.familyId)) {
                  expect.fail(`a socket bound with nl_groups = 16 (group 5) received an nl_events alert, but alerts is group ${id}`);
                }
              }
            }
          } finally {
            legacy.close();
            seed.close();
          }
          await sleep(0);
        });
      },
    },
  ],
});
