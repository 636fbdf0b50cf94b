/**
 * Project checks of nl_events (not graded for students): `npm run lab 5 -- --selftest`.
 *
 * Everything talks to the module through the course library (#netlink, the
 * reference peer in ./peer.ts) and #socket, and judges by what the kernel says:
 * replies, error codes, extended-ACK texts, /proc/nl_events/*, /proc/net/netlink,
 * the module parameter in sysfs and the kernel log.
 *
 * The malformed-message cases are written here (tools/netlink has no fuzz
 * generator yet): a table of hand-made rejections, then a seeded flood.
 */
import { writeFileSync } from 'node:fs';
import { defineLab, expect, type TestContext } from '#grader';
import { NetlinkSocket } from '#socket';
import {
  AttributeBuilder,
  CTRL_ATTR_FAMILY_NAME,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NetlinkError,
  genlPayload,
  parseGenlMessage,
  parseMessages,
  type NetlinkClient,
} from '#netlink';
import {
  NL_EVENTS_ATTR_COUNT,
  NL_EVENTS_ATTR_GROUP,
  NL_EVENTS_ATTR_MAX,
  NL_EVENTS_ATTR_PAD,
  NL_EVENTS_ATTR_SEQ,
  NL_EVENTS_ATTR_TEXT,
  NL_EVENTS_ATTR_TIME_NS,
  NL_EVENTS_CMD_EVENT,
  NL_EVENTS_CMD_GET_LOG,
  NL_EVENTS_CMD_TRIGGER,
  NL_EVENTS_FAMILY_NAME,
  NL_EVENTS_FAMILY_VERSION,
  NL_EVENTS_LOG_CAPACITY,
  NL_EVENTS_PARAM_PERIOD,
  NL_EVENTS_TEXT_MAX,
  NL_EVENTS_TICK_PREFIX,
  NL_EVENTS_TRIGGER_MAX,
} from './nl_events.ts';
import { eventOf, getLog, kernelTrouble, membersOf, openPeer, readLog, readState, resolveEvents, sleep, trigger, type EventsFamily } from './peer.ts';

const EINVAL = 22;
const ERANGE = 34;
const EOPNOTSUPP = 95;

function noKernelTrouble(t: TestContext): void {
  const bad = kernelTrouble(t.kernelLogSinceStart());
  if (bad.length) expect.fail(`the kernel complained:\n${bad.join('\n')}`);
}

function check(condition: boolean, message: string): void {
  if (!condition) expect.fail(message);
}

function modulePath(t: TestContext): string {
  if (!t.modulePath) return expect.fail('the grader did not say where nl_events.ko is (t.modulePath)');
  return t.modulePath;
}

async function run(t: TestContext, command: string, args: string[]): Promise<void> {
  const result = await t.runProcess(command, args, { timeoutMs: 30000 });
  t.log(`${command} ${args.join(' ')} -> ${result.code} ${result.stderr.trim()}`);
  if (result.code !== 0) expect.fail(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
}

/** rmmod, retried briefly: a dump that just ended may still hold the module for a moment. */
async function unload(t: TestContext): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const result = await t.runProcess('/sbin/rmmod', ['nl_events'], { timeoutMs: 30000 });
    if (result.code === 0) return;
    if (attempt >= 20) expect.fail(`rmmod nl_events keeps failing: ${result.stderr.trim()}`);
    await sleep(100);
  }
}

async function withPeer<T>(fn: (client: NetlinkClient, family: EventsFamily) => Promise<T>): Promise<T> {
  const client = openPeer();
  try {
    return await fn(client, await resolveEvents(client));
  } finally {
    client.close();
  }
}

/** The errno of a request that must fail (and its ext-ack message). */
async function rejection(client: NetlinkClient, familyId: number, flags: number, payload: Uint8Array, what: string): Promise<NetlinkError> {
  try {
    const result = await client.exchange(familyId, flags, payload, { what, timeoutMs: 10000 });
    return expect.fail(`${what}: the kernel accepted it (${result.replies.length} replies)`);
  } catch (error) {
    if (error instanceof NetlinkError) return error;
    throw error;
  }
}

const triggerAttrs = (group: number, count: number): AttributeBuilder => new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, group).u32(NL_EVENTS_ATTR_COUNT, count);
const payloadOf = (cmd: number, attrs: AttributeBuilder | Uint8Array, version = NL_EVENTS_FAMILY_VERSION): Uint8Array =>
  genlPayload({ cmd, version, attributes: attrs });

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export default defineLab({
  title: 'nl_events self-test',
  module: { dir: 'kernel/05-events', name: 'nl_events' },
  studentFiles: [],
  firstStep: 'Read kernel/05-events/nl_events.c.',
  tests: [
    {
      name: 'nlctrl shows the family, its two groups and its two commands',
      points: 1,
      timeoutMs: 30000,
      run: async (t) => {
        const client = openPeer();
        try {
          const family = await client.resolveFamily(NL_EVENTS_FAMILY_NAME, { fresh: true });
          const state = readState(t);
          expect.equal(family.id, state.num('family_id'), { what: 'family id (nlctrl vs /proc)' });
          expect.equal(family.version, NL_EVENTS_FAMILY_VERSION, { what: 'version' });
          expect.equal(family.maxAttr, NL_EVENTS_ATTR_MAX, { what: 'maxattr' });
          expect.deepEqual(
            family.multicastGroups.map((g) => [g.name, g.id]),
            [
              ['events', state.num('events.group_id')],
              ['alerts', state.num('alerts.group_id')],
            ],
            { what: 'multicast groups (nlctrl vs /proc)' },
          );
          const ops = new Map(family.ops.map((o) => [o.id, o.flags]));
          check(((ops.get(NL_EVENTS_CMD_TRIGGER) ?? 0) & GENL_CMD_CAP_DO) !== 0, 'TRIGGER must be a doit');
          check(((ops.get(NL_EVENTS_CMD_GET_LOG) ?? 0) & GENL_CMD_CAP_DUMP) !== 0, 'GET_LOG must be a dumpit');
          check(!ops.has(NL_EVENTS_CMD_EVENT), 'EVENT is a notification only, not a command');
          t.log(`group ids: events=${state.num('events.group_id')} alerts=${state.num('alerts.group_id')}`);
        } finally {
          client.close();
        }
      },
    },
    {
      name: 'notifications: seq 0, pid 0, consecutive SEQ per group, logged and counted',
      points: 1,
      timeoutMs: 60000,
      run: async (t) => {
        await withPeer(async (client, family) => {
          const sock = NetlinkSocket.open(NETLINK_GENERIC);
          try {
            sock.addMembership(family.groupIds.events);
            sock.addMembership(family.groupIds.alerts);
            const before = readState(t);
            const e1 = await trigger(client, family.familyId, 'events', 3, 'one');
            const a1 = await trigger(client, family.familyId, 'alerts', 2);
            expect.equal(e1, before.big('events.next_seq'), { what: 'first events seq' });
            expect.equal(a1, before.big('alerts.next_seq'), { what: 'first alerts seq (separate numbering)' });
            const seen: string[] = [];
            while (seen.length < 5) {
              const d = await sock.receive({ timeoutMs: 10000 });
              for (const m of parseMessages(d.data)) {
                expect.deepEqual([m.header.seq, m.header.pid, m.header.flags], [0, 0, 0], { what: 'notification nlmsg_seq, nlmsg_pid, nlmsg_flags' });
                const e = eventOf(parseGenlMessage(m));
                seen.push(`${e.group}:${e.seq}:${e.text}`);
              }
            }
            expect.deepEqual(seen, [`0:${e1}:one`, `0:${e1 + 1n}:one`, `0:${e1 + 2n}:one`, `1:${a1}:trigger 1/2`, `1:${a1 + 1n}:trigger 2/2`], { what: 'events in arrival order' });
            const after = readState(t);
            expect.equal(after.big('events.sent') - before.big('events.sent'), 3n, { what: 'events.sent delta' });
            expect.equal(after.big('events.delivered') - before.big('events.delivered'), 3n, { what: 'events.delivered delta' });
            expect.equal(after.num('events.listening'), 1, { what: 'events.listening' });
            const log = readLog(t, 'events').filter((e) => e.seq >= e1);
            expect.deepEqual(log.map((e) => `${e.seq} ${e.text}`), [`${e1} one`, `${e1 + 1n} one`, `${e1 + 2n} one`], { what: 'log_events tail' });
            const dumped = await getLog(client, family.familyId, 'events', { since: e1 });
            expect.deepEqual(dumped.events, log, { what: 'GET_LOG vs /proc log' });
          } finally {
            sock.close();
          }
        });
        noKernelTrouble(t);
      },
    },
    {
      name: 'the log keeps the last 4096 events; GET_LOG honours SEQ and COUNT',
      points: 1,
      timeoutMs: 120000,
      run: async (t) => {
        await withPeer(async (client, family) => {
          const first = await trigger(client, family.familyId, 'alerts', NL_EVENTS_LOG_CAPACITY + 100, 'wrap');
          const last = first + BigInt(NL_EVENTS_LOG_CAPACITY + 99);
          const state = readState(t);
          expect.equal(state.num('alerts.log_size'), NL_EVENTS_LOG_CAPACITY, { what: 'alerts.log_size' });
          expect.equal(state.big('alerts.oldest_seq'), last - BigInt(NL_EVENTS_LOG_CAPACITY) + 1n, { what: 'alerts.oldest_seq' });
          const log = readLog(t, 'alerts');
          expect.equal(log.length, NL_EVENTS_LOG_CAPACITY, { what: 'lines in log_alerts' });
          expect.equal(log[0]!.seq, last - BigInt(NL_EVENTS_LOG_CAPACITY) + 1n, { what: 'first line of log_alerts' });
          const all = await getLog(client, family.familyId, 'alerts');
          expect.deepEqual(all.events, log, { what: 'full GET_LOG (across many datagrams) vs /proc' });
          expect.equal((await getLog(client, family.familyId, 'alerts', { count: 3 })).events.map((e) => e.seq).join(','), `${last - 2n},${last - 1n},${last}`, { what: 'GET_LOG COUNT 3' });
          expect.equal((await getLog(client, family.familyId, 'alerts', { since: last - 1n })).events.length, 2, { what: 'GET_LOG SEQ last-1' });
          expect.equal((await getLog(client, family.familyId, 'alerts', { since: last + 10n })).events.length, 0, { what: 'GET_LOG past the end' });
          expect.equal((await getLog(client, family.familyId, 'alerts', { since: 1n })).events.length, NL_EVENTS_LOG_CAPACITY, { what: 'GET_LOG from seq 1 (overwritten ones skipped)' });
        });
        noKernelTrouble(t);
      },
    },
    {
      name: 'malformed requests get the right errno and an extended-ACK message',
      points: 2,
      timeoutMs: 60000,
      run: async (t) => {
        await withPeer(async (client, family) => {
          const id = family.familyId;
          const RA = NLM_F_REQUEST | NLM_F_ACK;
          const long = 'x'.repeat(NL_EVENTS_TEXT_MAX); // 64 chars + NUL: one too many
          // core: rejected by genetlink itself before the family sees the message (a command
          // or mode the family does not implement); 6.1's core gives no ext-ack text there.
          const cases: Array<{ what: string; flags?: number; payload: Uint8Array; errno: number[]; msg?: RegExp; missing?: number; core?: boolean }> = [
            { what: 'TRIGGER without GROUP', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, new AttributeBuilder().u32(NL_EVENTS_ATTR_COUNT, 1)), errno: [EINVAL], msg: /GROUP/, missing: NL_EVENTS_ATTR_GROUP },
            { what: 'TRIGGER without COUNT', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, 0)), errno: [EINVAL], msg: /COUNT/, missing: NL_EVENTS_ATTR_COUNT },
            { what: 'TRIGGER GROUP 2', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(2, 1)), errno: [EINVAL, ERANGE] },
            { what: 'TRIGGER COUNT 0', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 0)), errno: [EINVAL, ERANGE] },
            { what: 'TRIGGER COUNT too big', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, NL_EVENTS_TRIGGER_MAX + 1)), errno: [EINVAL, ERANGE] },
            { what: 'TRIGGER GROUP as u16', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, new AttributeBuilder().u16(NL_EVENTS_ATTR_GROUP, 0).u32(NL_EVENTS_ATTR_COUNT, 1)), errno: [EINVAL, ERANGE] },
            { what: 'TRIGGER TEXT without NUL', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).string(NL_EVENTS_ATTR_TEXT, 'abc')), errno: [EINVAL, ERANGE] },
            { what: 'TRIGGER TEXT too long', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).nulString(NL_EVENTS_ATTR_TEXT, long)), errno: [EINVAL, ERANGE] },
            { what: 'TRIGGER TEXT empty', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).nulString(NL_EVENTS_ATTR_TEXT, '')), errno: [EINVAL], msg: /empty/ },
            { what: 'TRIGGER TEXT with a newline', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).nulString(NL_EVENTS_ATTR_TEXT, 'a\nb')), errno: [EINVAL], msg: /control/ },
            { what: 'TRIGGER with SEQ (not its attribute)', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).u64(NL_EVENTS_ATTR_SEQ, 1n)), errno: [EINVAL] },
            { what: 'TRIGGER with TIME_NS', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).u64(NL_EVENTS_ATTR_TIME_NS, 1n)), errno: [EINVAL] },
            { what: 'TRIGGER with PAD', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).u32(NL_EVENTS_ATTR_PAD, 0)), errno: [EINVAL] },
            { what: 'TRIGGER with attribute 7 (above maxattr)', payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1).u32(NL_EVENTS_ATTR_MAX + 1, 0)), errno: [EINVAL] },
            { what: 'TRIGGER with NLM_F_CREATE (reserved for genl since 6.1)', flags: RA | NLM_F_CREATE, payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1)), errno: [EINVAL] },
            { what: 'TRIGGER with a non-zero genlmsghdr reserved field', payload: Uint8Array.of(NL_EVENTS_CMD_TRIGGER, 1, 1, 0, ...triggerAttrs(0, 1).bytes()), errno: [EINVAL] },
            { what: 'TRIGGER as a dump', flags: RA | NLM_F_DUMP, payload: payloadOf(NL_EVENTS_CMD_TRIGGER, triggerAttrs(0, 1)), errno: [EOPNOTSUPP], core: true },
            { what: 'GET_LOG as a doit', payload: payloadOf(NL_EVENTS_CMD_GET_LOG, new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, 0)), errno: [EOPNOTSUPP], core: true },
            { what: 'GET_LOG without GROUP', flags: RA | NLM_F_DUMP, payload: payloadOf(NL_EVENTS_CMD_GET_LOG, new AttributeBuilder()), errno: [EINVAL], msg: /GROUP/ }, // reported in NLMSG_DONE: only MSG, no MISS_TYPE there
            { what: 'GET_LOG GROUP 9', flags: RA | NLM_F_DUMP, payload: payloadOf(NL_EVENTS_CMD_GET_LOG, new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, 9)), errno: [EINVAL, ERANGE] },
            { what: 'GET_LOG with TEXT', flags: RA | NLM_F_DUMP, payload: payloadOf(NL_EVENTS_CMD_GET_LOG, new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, 0).nulString(NL_EVENTS_ATTR_TEXT, 'x')), errno: [EINVAL] },
            { what: 'GET_LOG COUNT 0', flags: RA | NLM_F_DUMP, payload: payloadOf(NL_EVENTS_CMD_GET_LOG, new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, 0).u32(NL_EVENTS_ATTR_COUNT, 0)), errno: [EINVAL, ERANGE] },
            { what: 'EVENT sent by userspace', payload: payloadOf(NL_EVENTS_CMD_EVENT, new AttributeBuilder().u32(NL_EVENTS_ATTR_GROUP, 0)), errno: [EOPNOTSUPP], core: true },
            { what: 'unknown command 200', payload: payloadOf(200, new AttributeBuilder()), errno: [EOPNOTSUPP], core: true },
            { what: 'attribute running past the message', payload: Uint8Array.of(NL_EVENTS_CMD_TRIGGER, 1, 0, 0, 40, 0, 1, 0, 0, 0, 0, 0), errno: [EINVAL, ERANGE] },
          ];
          const before = readState(t);
          for (const c of cases) {
            const error = await rejection(client, id, c.flags ?? RA, c.payload, c.what);
            t.log(`${c.what}: ${error.message}`);
            check(c.errno.includes(error.errno), `${c.what}: errno ${error.code}, expected ${c.errno.join(' or ')}`);
            if (!c.core) check(Boolean(error.extAckMessage), `${c.what}: no extended-ACK message (${error.message})`);
            if (c.msg) check(c.msg.test(error.extAckMessage ?? ''), `${c.what}: ext-ack "${error.extAckMessage}" should match ${c.msg}`);
            if (c.missing !== undefined) expect.equal(error.extAck?.missingType, c.missing, { what: `${c.what}: NLMSGERR_ATTR_MISS_TYPE` });
          }
          const after = readState(t);
          expect.equal(after.big('events.next_seq'), before.big('events.next_seq'), { what: 'events emitted by rejected requests' });
          expect.equal(after.num('triggers'), before.num('triggers'), { what: 'triggers served by rejected requests' });
          // Still serving.
          await trigger(client, id, 'events', 1, 'after the rejections');
        });
        noKernelTrouble(t);
      },
    },
    {
      name: 'a seeded flood of 400 malformed messages leaves the module serving',
      points: 2,
      timeoutMs: 180000,
      run: async (t) => {
        await withPeer(async (client, family) => {
          const random = prng(0x5eed05);
          const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
          const cmds = [0, NL_EVENTS_CMD_EVENT, NL_EVENTS_CMD_TRIGGER, NL_EVENTS_CMD_GET_LOG, 4, 255];
          const flagChoices = [NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, NLM_F_REQUEST | NLM_F_ACK | 0x100, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | 0x800];
          let accepted = 0;
          let rejected = 0;
          const errnos = new Map<string, number>();
          const before = readState(t);
          for (let i = 0; i < 400; i++) {
            const attrs = new AttributeBuilder();
            const n = Math.floor(random() * 5);
            for (let k = 0; k < n; k++) {
              const type = Math.floor(random() * 9);
              const kind = random();
              if (type === NL_EVENTS_ATTR_COUNT && kind < 0.5) attrs.u32(type, 1 + Math.floor(random() * 3)); // small, sometimes valid
              else if (kind < 0.3) attrs.u32(type, Math.floor(random() * 4));
              else if (kind < 0.5) attrs.u64(type, BigInt(Math.floor(random() * 2 ** 40)));
              else if (kind < 0.7) attrs.nulString(type, 'f'.repeat(Math.floor(random() * 80)));
              else attrs.binary(type, Uint8Array.from({ length: Math.floor(random() * 12) }, () => Math.floor(random() * 256)));
            }
            let payload = genlPayload({ cmd: pick(cmds), version: Math.floor(random() * 3), attributes: attrs });
            if (random() < 0.2) payload = payload.subarray(0, Math.floor(random() * payload.length)); // truncated
            if (random() < 0.1) payload = Uint8Array.from([...payload, 0xff, 0x7f]); // trailing garbage
            try {
              await client.exchange(family.familyId, pick(flagChoices), payload, { what: `flood #${i}`, timeoutMs: 10000 });
              accepted++;
            } catch (error) {
              if (!(error instanceof NetlinkError)) throw new Error(`flood #${i}: ${(error as Error).message}`);
              rejected++;
              errnos.set(error.code, (errnos.get(error.code) ?? 0) + 1);
            }
          }
          t.log(`accepted ${accepted}, rejected ${rejected}: ${[...errnos].map(([k, v]) => `${k} ${v}`).join(', ')}`);
          check(rejected > 300, `only ${rejected} of 400 malformed messages were rejected`);
          const after = readState(t);
          t.log(`events emitted by the flood: ${after.big('events.next_seq') - before.big('events.next_seq')} + ${after.big('alerts.next_seq') - before.big('alerts.next_seq')}`);
          const first = await trigger(client, family.familyId, 'events', 2, 'after the flood');
          const log = await getLog(client, family.familyId, 'events', { since: first });
          expect.deepEqual(log.events.map((e) => e.text), ['after the flood', 'after the flood'], { what: 'GET_LOG after the flood' });
        });
        noKernelTrouble(t);
      },
    },
    {
      name: 'the periodic source ticks, and period_ms can be changed at runtime',
      points: 2,
      timeoutMs: 120000,
      run: async (t) => {
        await withPeer(async (client, family) => {
          const sock = NetlinkSocket.open(NETLINK_GENERIC);
          try {
            sock.addMembership(family.groupIds.events);
            const before = readState(t);
            expect.equal(before.num('period_ms'), 0, { what: 'period_ms by default' });
            writeFileSync(NL_EVENTS_PARAM_PERIOD, '50');
            const got: string[] = [];
            while (got.length < 3) {
              const d = await sock.receive({ timeoutMs: 10000 });
              for (const m of parseMessages(d.data)) {
                const e = eventOf(parseGenlMessage(m));
                got.push(`${e.seq} ${e.text}`);
              }
            }
            t.log(`ticks: ${got.join(', ')}`);
            for (const line of got) {
              const [seq, text] = [line.split(' ')[0], line.slice(line.indexOf(' ') + 1)];
              expect.equal(text, `${NL_EVENTS_TICK_PREFIX} ${seq}`, { what: 'tick text' });
            }
            writeFileSync(NL_EVENTS_PARAM_PERIOD, '0');
            await sleep(300); // a tick that was running finishes and must not re-arm
            const stopped = readState(t).num('ticks');
            await sleep(600);
            expect.equal(readState(t).num('ticks'), stopped, { what: 'ticks after period_ms = 0' });
            check(stopped >= before.num('ticks') + 3, 'ticks counter should have grown by at least 3');
            let refused = false;
            try {
              writeFileSync(NL_EVENTS_PARAM_PERIOD, '3600001');
            } catch {
              refused = true;
            }
            check(refused, 'period_ms = 3600001 must be refused');
            expect.equal(readState(t).num('period_ms'), 0, { what: 'period_ms after a refused write' });
            // Triggers and ticks share the numbering: still consecutive.
            const first = await trigger(client, family.familyId, 'events', 1, 'after ticks');
            expect.equal(first, readState(t).big('events.next_seq') - 1n, { what: 'seq after ticks' });
          } finally {
            sock.close();
          }
        });
        noKernelTrouble(t);
      },
    },
    {
      name: 'unloading while listeners are subscribed (and ticking) is clean; reload with period_ms',
      points: 2,
      timeoutMs: 150000,
      run: async (t) => {
        const ko = modulePath(t);
        const family = await withPeer(async (_client, f) => f);
        const listeners = [0, 1, 2].map(() => {
          const s = NetlinkSocket.open(NETLINK_GENERIC);
          s.addMembership(family.groupIds.events);
          s.addMembership(family.groupIds.alerts);
          return s;
        });
        try {
          if (family.groupIds.events <= 32) expect.equal(membersOf(t, family.groupIds.events).length >= 3, true, { what: '3 members before unload' });
          writeFileSync(NL_EVENTS_PARAM_PERIOD, '5'); // tick fast while unloading
          await sleep(200);
          await unload(t);
          // The kernel removed the sockets from the groups; they stay usable and quiet.
          if (family.groupIds.events <= 32) expect.equal(membersOf(t, family.groupIds.events).length, 0, { what: 'members of the old events group after unload' });
          await run(t, '/sbin/insmod', [ko, 'period_ms=20']);
          expect.equal(t.readKernelFile('/sys/module/nl_events/parameters/period_ms').trim(), '20', { what: 'period_ms after insmod period_ms=20' });
          await sleep(500);
          const state = readState(t);
          check(state.num('ticks') >= 3, `insmod period_ms=20 should tick from the start (ticks: ${state.num('ticks')})`);
          expect.equal(state.big('events.next_seq'), BigInt(state.num('ticks')) + 1n, { what: 'fresh numbering: next_seq = ticks + 1' });
          await unload(t); // while ticking every 20 ms
          await run(t, '/sbin/insmod', [ko]);
          expect.equal(readState(t).num('period_ms'), 0, { what: 'period_ms after a plain insmod' });
        } finally {
          for (const s of listeners) s.close();
        }
        noKernelTrouble(t);
      },
    },
    {
      name: 'unloads and loads again, twice, with fresh state each time',
      points: 1,
      timeoutMs: 150000,
      run: async (t) => {
        const ko = modulePath(t);
        for (let round = 1; round <= 2; round++) {
          await unload(t);
          const client = openPeer();
          try {
            await expect.throws(
              () => client.genlRequest(0x10, 3, 1, new AttributeBuilder().nulString(CTRL_ATTR_FAMILY_NAME, NL_EVENTS_FAMILY_NAME)),
              (e): e is NetlinkError => e instanceof NetlinkError && e.code === 'ENOENT',
              `round ${round}: with nl_events unloaded, nlctrl must not know the family`,
            );
          } finally {
            client.close();
          }
          await run(t, '/sbin/insmod', [ko]);
          const state = readState(t);
          expect.deepEqual(
            [state.big('events.next_seq'), state.big('alerts.next_seq'), state.num('events.log_size'), state.num('triggers')],
            [1n, 1n, 0, 0],
            { what: `round ${round}: fresh state (next seqs, log size, triggers)` },
          );
          await withPeer(async (c, f) => {
            expect.equal(await trigger(c, f.familyId, 'events', 1), 1n, { what: `round ${round}: first seq` });
          });
        }
        noKernelTrouble(t);
      },
    },
  ],
});
