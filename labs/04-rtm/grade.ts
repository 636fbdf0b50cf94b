/**
 * Graded tests of lab 4 (the RTM project).
 *
 * Verdicts come from the kernel: /proc/nl_rtm/routes (every table and route
 * the module holds), /proc/net/netlink (who listens), a reference client on
 * #netlink (kernel/04-rtm/reference.ts), and, for the stretch part, iproute2's
 * own `ip route show`. The student's CLI always runs as a separate process.
 */
import { defineLab, expect, type TestContext } from '#grader';
import {
  AttributeBuilder,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_DUMP_INTR,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NetlinkClient,
  NetlinkError,
  concatMessages,
  encodeMessage,
  findAttribute,
  parseAttributes,
  strerror,
  type NetlinkAttribute,
} from '#netlink';
import {
  NLRTM_A_DST,
  NLRTM_A_GATEWAY,
  NLRTM_A_METRIC,
  NLRTM_A_OIF,
  NLRTM_A_PREFIXLEN,
  NLRTM_A_TABLE,
  NLRTM_DELROUTE,
  NLRTM_DELTABLE,
  NLRTM_NEWROUTE,
  NLRTM_NEWTABLE,
} from '#kernel/04-rtm/nl_rtm.ts';
import { addRoutesFast, openReference, routeAttributes, tableAttributes, type RefRoute } from '#kernel/04-rtm/reference.ts';
import { ScriptedSocket, expectTable, ipBinary, ipText, lines, procRoutes, procTable, waitForListener } from './grading/helpers.ts';
import * as rtm from './rtm.ts';

const KERNEL = 15_000;

function check(condition: unknown, message: string): void {
  if (!condition) expect.fail(message);
}
const CLI = 30_000;

/** A student Route from a reference route. */
function toRoute(r: RefRoute): rtm.Route {
  const route: rtm.Route = { table: r.table, dst: r.dst, prefixLength: r.plen, metric: r.metric };
  if (r.gateway) route.gateway = r.gateway;
  if (r.oif) route.dev = r.oif;
  return route;
}

/** Makes a fresh table with the reference client (ignores "exists"). */
async function freshTable(ref: NetlinkClient, name: string): Promise<void> {
  await ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes(name)).catch(() => undefined);
  await ref.request(NLRTM_NEWTABLE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, tableAttributes(name));
}

async function withReference<T>(fn: (ref: NetlinkClient) => Promise<T>): Promise<T> {
  const ref = openReference();
  try {
    return await fn(ref);
  } finally {
    ref.close();
  }
}

function errnoOf(error: unknown): string {
  if (error instanceof NetlinkError) return error.code;
  throw error;
}

function cliLog(t: TestContext, args: string[], r: { code: number | null; stdout: string; stderr: string }): void {
  t.log(`ip ${args.join(' ')} -> exit ${r.code}; stdout ${JSON.stringify(r.stdout.slice(0, 400))}; stderr ${JSON.stringify(r.stderr.slice(0, 400))}`);
}

async function cli(t: TestContext, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await t.runStudentCli('ip.ts', args, { timeoutMs: Math.max(1000, t.remainingMs() - 500) });
  cliLog(t, args, r);
  return r;
}

async function cliOk(t: TestContext, args: string[]): Promise<string> {
  const r = await cli(t, args);
  expect.equal(r.code, 0, { what: `exit status of "ip ${args.join(' ')}" (stderr: ${r.stderr.trim().slice(0, 200)})` });
  return r.stdout;
}

/* The flag table: (operation, prefix exists?) -> errno and what the table holds afterwards. */
const OLD: RefRoute = { table: '', dst: '10.5.0.0', plen: 16, gateway: '10.0.0.1', metric: 0 };
interface FlagCase {
  op: rtm.RouteOp;
  existing: boolean;
  route: Partial<RefRoute>;
  errno: string;
  after: 'old' | 'new' | 'both' | 'none';
}
const FLAG_CASES: FlagCase[] = [
  { op: 'add', existing: false, route: { gateway: '10.0.0.2' }, errno: 'OK', after: 'new' },
  { op: 'add', existing: true, route: { gateway: '10.0.0.2' }, errno: 'EEXIST', after: 'old' },
  { op: 'replace', existing: false, route: { gateway: '10.0.0.2' }, errno: 'OK', after: 'new' },
  { op: 'replace', existing: true, route: { gateway: '10.0.0.2', oif: 'eth1' }, errno: 'OK', after: 'new' },
  { op: 'append', existing: false, route: { gateway: '10.0.0.2', metric: 5 }, errno: 'OK', after: 'new' },
  { op: 'append', existing: true, route: { gateway: '10.0.0.2', metric: 5 }, errno: 'OK', after: 'both' },
  { op: 'append', existing: true, route: { gateway: '10.0.0.2', metric: 0 }, errno: 'EEXIST', after: 'old' },
  { op: 'change', existing: false, route: { gateway: '10.0.0.2' }, errno: 'ENOENT', after: 'none' },
  { op: 'change', existing: true, route: { gateway: '10.0.0.2' }, errno: 'OK', after: 'new' },
  { op: 'del', existing: false, route: {}, errno: 'ESRCH', after: 'none' },
  { op: 'del', existing: true, route: {}, errno: 'OK', after: 'none' },
];

export default defineLab({
  title: 'The RTM project',
  module: { dir: 'kernel/04-rtm', name: 'nl_rtm', requires: ['dummy'] },
  studentFiles: ['rtm.ts', 'ip.ts', 'rtnl.ts'],
  firstStep:
    'Open labs/04-rtm/rtm.ts and do TODO 1 (routeFlags): the nlmsg_flags `ip route add|replace|append|change|del` send. Then run `npm run lab 4` again.',
  tests: [
    /* ---------------- the protocol, no kernel needed ---------------- */
    {
      name: 'routeFlags and tableFlags choose the flags iproute2 uses',
      points: 2,
      rule: 'add = CREATE|EXCL, replace = CREATE|REPLACE, append = CREATE|APPEND, change = REPLACE, del = none; all with REQUEST|ACK',
      hint: 'The modifier bits live in the high byte of nlmsg_flags and mean different things for NEW, GET and DEL requests; combine them with |.',
      run: () => {
        const base = NLM_F_REQUEST | NLM_F_ACK;
        const want: Record<rtm.RouteOp, number> = {
          add: base | NLM_F_CREATE | NLM_F_EXCL,
          replace: base | NLM_F_CREATE | NLM_F_REPLACE,
          append: base | NLM_F_CREATE | NLM_F_APPEND,
          change: base | NLM_F_REPLACE,
          del: base,
        };
        for (const op of Object.keys(want) as rtm.RouteOp[]) {
          expect.equal(rtm.routeFlags(op), want[op], { what: `routeFlags('${op}') (0x${want[op].toString(16)} expected)` });
        }
        expect.equal(rtm.tableFlags('add'), base | NLM_F_CREATE | NLM_F_EXCL, { what: "tableFlags('add')" });
        expect.equal(rtm.tableFlags('del'), base, { what: "tableFlags('del')" });
      },
    },
    {
      name: 'parsePrefix reads prefixes as ip route does',
      points: 1,
      rule: 'A.B.C.D/LEN with LEN 0..32; A.B.C.D alone is a /32; "default" is 0.0.0.0/0; anything else is a usage error',
      hint: 'Check every part (four decimal numbers 0..255) before trusting it; throw UsageError with the text you could not read.',
      run: async () => {
        expect.deepEqual(rtm.parsePrefix('10.0.0.0/8'), { dst: '10.0.0.0', prefixLength: 8 });
        expect.deepEqual(rtm.parsePrefix('192.0.2.7'), { dst: '192.0.2.7', prefixLength: 32 });
        expect.deepEqual(rtm.parsePrefix('default'), { dst: '0.0.0.0', prefixLength: 0 });
        for (const bad of ['10.0.0/8', '10.0.0.0/33', '256.1.1.1/8', 'ten/8', '10.0.0.0/8/1', '']) {
          await expect.throws(() => rtm.parsePrefix(bad), (e): e is rtm.UsageError => e instanceof rtm.UsageError, `parsePrefix(${JSON.stringify(bad)}) must throw UsageError`);
        }
      },
    },
    {
      name: 'encodeRoute writes nl_rtm attributes',
      points: 2,
      rule: 'TABLE and OIF are NUL-terminated strings, DST and GATEWAY 4 bytes in network order, PREFIXLEN a u8, METRIC a u32; optional ones only when set',
      hint: "Use AttributeBuilder: nulString(), ipv4(), u8(), u32(). Leave GATEWAY, OIF and METRIC out when the route has none (the kernel's default metric is 0).",
      run: () => {
        const full = parseAttributes(rtm.encodeRoute({ table: 'blue', dst: '10.1.0.0', prefixLength: 16, gateway: '192.0.2.1', dev: 'eth0', metric: 300 }));
        const get = (type: number, what: string): NetlinkAttribute => {
          return findAttribute(full, type) ?? expect.fail(`encodeRoute left out ${what} (attribute type ${type})`);
        };
        expect.bytes(get(NLRTM_A_TABLE, 'TABLE').value, [0x62, 0x6c, 0x75, 0x65, 0], { what: 'TABLE value', decode: 'hex' });
        expect.bytes(get(NLRTM_A_DST, 'DST').value, [10, 1, 0, 0], { what: 'DST value (network order)' });
        expect.bytes(get(NLRTM_A_PREFIXLEN, 'PREFIXLEN').value, [16], { what: 'PREFIXLEN value (one byte)' });
        expect.bytes(get(NLRTM_A_GATEWAY, 'GATEWAY').value, [192, 0, 2, 1], { what: 'GATEWAY value' });
        expect.bytes(get(NLRTM_A_OIF, 'OIF').value, [0x65, 0x74, 0x68, 0x30, 0], { what: 'OIF value' });
        expect.bytes(get(NLRTM_A_METRIC, 'METRIC').value, [0x2c, 0x01, 0, 0], { what: 'METRIC value (u32, host order)' });
        const bare = parseAttributes(rtm.encodeRoute({ table: 'main', dst: '0.0.0.0', prefixLength: 0, dev: 'eth0' }));
        expect.deepEqual(
          bare.map((a) => a.type).sort(),
          [NLRTM_A_TABLE, NLRTM_A_DST, NLRTM_A_PREFIXLEN, NLRTM_A_OIF].sort(),
          { what: 'attribute types of a route without gateway and metric' },
        );
      },
    },
    {
      name: 'decodeRoute reads attributes by type, in any order',
      points: 2,
      rule: 'attributes are found by type, never by position; unknown types are skipped',
      hint: 'parseAttributes() then findAttribute() for each type you need; do not index the array.',
      run: () => {
        const payload = new AttributeBuilder()
          .u32(NLRTM_A_METRIC, 7)
          .u16(42, 1)
          .nulString(NLRTM_A_OIF, 'd0')
          .ipv4(NLRTM_A_GATEWAY, '198.51.100.9')
          .u8(NLRTM_A_PREFIXLEN, 24)
          .ipv4(NLRTM_A_DST, '172.16.5.0')
          .nulString(NLRTM_A_TABLE, 'green')
          .bytes();
        expect.deepEqual(rtm.decodeRoute({ payload }), { table: 'green', dst: '172.16.5.0', prefixLength: 24, gateway: '198.51.100.9', dev: 'd0', metric: 7 });
        const bare = new AttributeBuilder().nulString(NLRTM_A_TABLE, 'main').ipv4(NLRTM_A_DST, '0.0.0.0').u8(NLRTM_A_PREFIXLEN, 0).u32(NLRTM_A_METRIC, 0).bytes();
        const route = rtm.decodeRoute({ payload: bare });
        check(route.gateway === undefined && route.dev === undefined, `a route without GATEWAY and OIF must decode without them, got ${JSON.stringify(route)}`);
      },
    },
    {
      name: 'formatRoute, formatEvent and errorText print like iproute2',
      points: 2,
      rule: '`ip route show` prints PREFIX [via GW] [dev IF] [metric N]; /32 without /32, 0/0 as default; errors as "RTNETLINK answers: <strerror>"',
      hint: 'metric 0 is not printed; "table NAME" only with showTable and not for main; deletions start with "Deleted ".',
      run: () => {
        expect.equal(rtm.formatRoute({ table: 'main', dst: '10.0.0.0', prefixLength: 8, gateway: '192.0.2.1', dev: 'eth0', metric: 5 }), '10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5');
        expect.equal(rtm.formatRoute({ table: 'main', dst: '0.0.0.0', prefixLength: 0, gateway: '192.0.2.1', metric: 0 }), 'default via 192.0.2.1');
        expect.equal(rtm.formatRoute({ table: 'blue', dst: '192.0.2.9', prefixLength: 32, dev: 'd0' }), '192.0.2.9 dev d0');
        expect.equal(rtm.formatEvent({ kind: 'route', deleted: true, route: { table: 'blue', dst: '10.0.0.0', prefixLength: 8, gateway: '10.9.9.9', metric: 0 } }), 'Deleted 10.0.0.0/8 via 10.9.9.9 table blue');
        expect.equal(rtm.errorText(new NetlinkError(17)), 'RTNETLINK answers: File exists');
        expect.equal(rtm.errorText(new NetlinkError(3)), 'RTNETLINK answers: No such process');
      },
    },
    {
      name: 'eventsFromDatagram turns notifications into events',
      points: 1,
      rule: 'a datagram may hold several messages; NEW*/DEL* of routes and tables become events, other types are ignored',
      hint: 'parseMessages() splits the datagram; switch on nlmsg_type.',
      run: () => {
        const route = routeAttributes({ table: 'blue', dst: '10.0.0.0', plen: 8, gateway: '10.9.9.9', metric: 0 });
        const datagram = concatMessages([
          encodeMessage({ type: NLRTM_NEWTABLE, flags: 0, payload: tableAttributes('blue') }),
          encodeMessage({ type: NLRTM_NEWROUTE, flags: 0, payload: route }),
          encodeMessage({ type: 0x30, flags: 0, payload: new Uint8Array(4) }),
          encodeMessage({ type: NLRTM_DELROUTE, flags: 0, payload: route }),
        ]);
        const events = rtm.eventsFromDatagram(datagram).map(rtm.formatEvent);
        expect.deepEqual(events, ['table blue', '10.0.0.0/8 via 10.9.9.9 table blue', 'Deleted 10.0.0.0/8 via 10.9.9.9 table blue'], { what: 'events' });
      },
    },
    {
      name: 'listRoutes runs a dump again when it was interrupted',
      points: 2,
      rule: 'NLM_F_DUMP_INTR on a dump part means the table changed while it was dumped: the result may mix old and new state, so dump again',
      hint: 'NetlinkClient.dump() reports `interrupted`; loop until a dump comes back clean (a few tries), then decode.',
      run: async () => {
        const stale = [routeAttributes({ table: 'x', dst: '10.0.0.0', plen: 8, gateway: '10.0.0.1', metric: 0 })];
        const fresh = [
          routeAttributes({ table: 'x', dst: '10.0.0.0', plen: 8, gateway: '10.0.0.2', metric: 0 }),
          routeAttributes({ table: 'x', dst: '10.1.0.0', plen: 16, oif: 'eth0', metric: 3 }),
        ];
        const socket = new ScriptedSocket([
          { type: NLRTM_NEWROUTE, flags: NLM_F_DUMP_INTR, payloads: stale },
          { type: NLRTM_NEWROUTE, flags: 0, payloads: fresh },
        ]);
        const client = new rtm.RtmClient(new NetlinkClient(socket, { timeoutMs: 2000 }));
        const routes = await client.listRoutes('x');
        expect.equal(socket.requests, 2, { what: 'dump requests sent (the first answer was interrupted)' });
        expect.deepEqual(routes.map((r) => rtm.formatRoute(r)), ['10.0.0.0/8 via 10.0.0.2', '10.1.0.0/16 dev eth0 metric 3'], { what: 'routes returned' });
      },
    },

    /* ---------------- the library against the module ---------------- */
    {
      name: 'modifyRoute: every flag against an existing or a missing prefix',
      points: 4,
      timeoutMs: KERNEL,
      rule: 'IPv4 FIB semantics: new prefix needs CREATE (else ENOENT); existing + EXCL or no modifier = EEXIST; REPLACE replaces; APPEND adds another metric; missing route on delete = ESRCH',
      hint: 'Each case starts from a fresh table; compare your flags with routeFlags() and check that modifyRoute sends DELROUTE for del.',
      run: async (t) => {
        await withReference(async (ref) => {
          const client = new rtm.RtmClient();
          try {
            for (const [i, c] of FLAG_CASES.entries()) {
              const table = `flags${i}`;
              await freshTable(ref, table);
              const old: RefRoute = { ...OLD, table };
              if (c.existing) await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, routeAttributes(old));
              const asked: RefRoute = { table, dst: OLD.dst, plen: OLD.plen, metric: 0, ...c.route };
              let got = 'OK';
              try {
                const route: rtm.Route = { table, dst: asked.dst, prefixLength: asked.plen };
                if (c.route.gateway) route.gateway = c.route.gateway;
                if (c.route.oif) route.dev = c.route.oif;
                if (c.route.metric !== undefined) route.metric = c.route.metric;
                await client.modifyRoute(c.op, route);
              } catch (error) {
                got = errnoOf(error);
              }
              const label = `${c.op} on a ${c.existing ? 'existing' : 'missing'} prefix${c.route.metric !== undefined ? ` (metric ${c.route.metric})` : ''}`;
              expect.equal(got, c.errno, { what: `result of ${label}` });
              const expected = { old: [old], new: [asked], both: [old, asked], none: [] }[c.after];
              expectTable(t, table, expected, `after ${label}`);
              await ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes(table));
            }
            // Tables follow the same rules.
            await freshTable(ref, 'tflags');
            expect.equal(await client.addTable('tflags').then(() => 'OK', errnoOf), 'EEXIST', { what: 'addTable of an existing table' });
            await ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('tflags'));
            expect.equal(await client.deleteTable('tflags').then(() => 'OK', errnoOf), 'ENOENT', { what: 'deleteTable of a missing table' });
          } finally {
            client.close();
          }
        });
      },
    },
    {
      name: 'lookup returns the longest matching prefix',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'GETROUTE without DUMP is a longest-prefix match; among routes of that prefix the lowest metric wins; no match is ENETUNREACH',
      hint: 'Send TABLE and DST (the address) without NLM_F_DUMP; the reply is a NEWROUTE message before the ACK.',
      run: async () => {
        await withReference(async (ref) => {
          await freshTable(ref, 'lpm');
          const add = (r: Omit<RefRoute, 'table'>, flags = NLM_F_CREATE | NLM_F_EXCL) =>
            ref.request(NLRTM_NEWROUTE, NLM_F_ACK | flags, routeAttributes({ table: 'lpm', ...r }));
          await add({ dst: '10.0.0.0', plen: 8, gateway: '10.255.0.1', metric: 0 });
          await add({ dst: '10.1.0.0', plen: 16, gateway: '10.255.0.2', metric: 20 });
          await add({ dst: '10.1.0.0', plen: 16, gateway: '10.255.0.3', metric: 10 }, NLM_F_CREATE | NLM_F_APPEND);
          await add({ dst: '10.1.2.0', plen: 24, oif: 'eth2', metric: 0 });
          const client = new rtm.RtmClient();
          try {
            const text = async (addr: string) => rtm.formatRoute(await client.lookup('lpm', addr));
            expect.equal(await text('10.1.2.3'), '10.1.2.0/24 dev eth2', { what: 'lookup 10.1.2.3' });
            expect.equal(await text('10.1.3.3'), '10.1.0.0/16 via 10.255.0.3 metric 10', { what: 'lookup 10.1.3.3 (two routes, metrics 10 and 20)' });
            expect.equal(await text('10.200.0.1'), '10.0.0.0/8 via 10.255.0.1', { what: 'lookup 10.200.0.1' });
            expect.equal(await client.lookup('lpm', '11.0.0.1').then(() => 'OK', errnoOf), 'ENETUNREACH', { what: 'lookup of an address no route covers' });
          } finally {
            client.close();
            await ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('lpm'));
          }
        });
      },
    },
    {
      name: 'concurrent clients: nothing lost',
      points: 3,
      timeoutMs: CLI,
      rule: 'each socket matches its own replies by seq; the kernel serialises changes, so every ACKed route is in the table',
      hint: 'Keep one NetlinkClient per RtmClient and await each request; do not share sequence numbers between sockets.',
      run: async (t) => {
        await withReference((ref) => freshTable(ref, 'many'));
        const expected: RefRoute[] = [];
        // Two CLI processes and four in-process clients at the same time.
        const processes = [0, 1].map((p) => {
          expected.push({ table: 'many', dst: `10.${200 + p}.0.0`, plen: 16, oif: `eth${p}`, metric: 0 });
          return cli(t, ['route', 'add', `10.${200 + p}.0.0/16`, 'dev', `eth${p}`, 'table', 'many']);
        });
        const clients = [0, 1, 2, 3].map(() => new rtm.RtmClient());
        try {
          const work = clients.map(async (client, c) => {
            for (let i = 0; i < 60; i++) {
              const route: RefRoute = { table: 'many', dst: `10.${c}.${i}.0`, plen: 24, gateway: `192.0.2.${c + 1}`, metric: i };
              expected.push(route);
              await client.modifyRoute('add', toRoute(route));
            }
          });
          await Promise.all(work);
          for (const r of await Promise.all(processes)) expect.equal(r.code, 0, { what: `exit status of a concurrent "ip route add" (stderr: ${r.stderr.trim()})` });
        } finally {
          for (const c of clients) c.close();
        }
        const got = procTable(t, 'many');
        expect.equal(got.length, expected.length, { what: `routes in table many (${expected.length} were added)` });
        const want = new Set(expected.map((r) => `${r.dst}/${r.plen}${r.gateway ? ` via ${r.gateway}` : ''}${r.oif ? ` dev ${r.oif}` : ''} metric ${r.metric}`));
        const missing = [...want].filter((r) => !got.includes(r));
        expect.deepEqual(missing, [], { what: 'routes missing from /proc/nl_rtm/routes' });
        await withReference((ref) => ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('many')));
      },
    },

    /* ---------------- the CLI, as separate processes ---------------- */
    {
      name: 'ip table add, show and del',
      points: 2,
      timeoutMs: CLI,
      rule: 'table add sends NEWTABLE with CREATE|EXCL; table show dumps GETTABLE; table del sends DELTABLE',
      hint: 'Print "NAME routes N" per table for `table show`; check the kernel with cat /proc/nl_rtm/routes.',
      run: async (t) => {
        await cliOk(t, ['table', 'add', 'cli-t']);
        check(procRoutes(t).tables.has('cli-t'), 'after "ip table add cli-t" the kernel has no table cli-t');
        const shown = lines(await cliOk(t, ['table', 'show']));
        const tables = procRoutes(t).tables;
        expect.deepEqual(shown, [...tables].map(([name, n]) => `${name} routes ${n}`), { what: '"ip table show" output (one "NAME routes N" line per table, kernel order)' });
        await cliOk(t, ['table', 'del', 'cli-t']);
        check(!procRoutes(t).tables.has('cli-t'), 'after "ip table del cli-t" the kernel still has table cli-t');
      },
    },
    {
      name: 'ip route add, append, replace and del change exactly what they say',
      points: 3,
      timeoutMs: CLI,
      rule: 'each route command is one NEWROUTE/DELROUTE with the right flags and attributes; the kernel table is the proof',
      hint: 'Parse PREFIX first, then keyword/value pairs; "table" defaults to main. Compare with cat /proc/nl_rtm/routes.',
      run: async (t) => {
        await withReference((ref) => freshTable(ref, 'cli-r'));
        await cliOk(t, ['route', 'add', '10.7.0.0/16', 'via', '192.0.2.1', 'dev', 'eth0', 'table', 'cli-r']);
        await cliOk(t, ['route', 'append', '10.7.0.0/16', 'via', '192.0.2.2', 'metric', '9', 'table', 'cli-r']);
        expectTable(t, 'cli-r', [
          { table: 'cli-r', dst: '10.7.0.0', plen: 16, gateway: '192.0.2.1', oif: 'eth0', metric: 0 },
          { table: 'cli-r', dst: '10.7.0.0', plen: 16, gateway: '192.0.2.2', metric: 9 },
        ], 'after route add and route append');
        await cliOk(t, ['route', 'replace', '10.7.0.0/16', 'dev', 'eth3', 'table', 'cli-r']);
        expectTable(t, 'cli-r', [{ table: 'cli-r', dst: '10.7.0.0', plen: 16, oif: 'eth3', metric: 0 }], 'after route replace (every route of the prefix replaced)');
        await cliOk(t, ['route', 'del', '10.7.0.0/16', 'table', 'cli-r']);
        expectTable(t, 'cli-r', [], 'after route del');
        await withReference((ref) => ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('cli-r')));
      },
    },
    {
      name: 'ip prints kernel errors the way iproute2 does',
      points: 2,
      timeoutMs: CLI,
      rule: 'a refused request prints "RTNETLINK answers: <strerror(errno)>" (then the ext-ack text) and exits 2; a usage mistake exits 1',
      hint: 'Catch NetlinkError in main(): its errno gives the text (strerror); do not print a stack trace.',
      run: async (t) => {
        await withReference(async (ref) => {
          await freshTable(ref, 'cli-e');
          await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, routeAttributes({ table: 'cli-e', dst: '10.8.0.0', plen: 16, gateway: '192.0.2.1' }));
        });
        const [dup, missing, usage] = await Promise.all([
          cli(t, ['route', 'add', '10.8.0.0/16', 'via', '192.0.2.1', 'table', 'cli-e']),
          cli(t, ['route', 'del', '10.9.0.0/16', 'table', 'cli-e']),
          cli(t, ['route', 'add', '10.9.0.0/16', 'gateway', '192.0.2.1']),
        ]);
        expect.equal(dup.code, 2, { what: 'exit status of a duplicate route add' });
        expect.equal(dup.stderr.split('\n')[0], `RTNETLINK answers: ${strerror(17)}`, { what: 'first stderr line of a duplicate route add' });
        expect.equal(missing.code, 2, { what: 'exit status of deleting a missing route' });
        expect.equal(missing.stderr.split('\n')[0], `RTNETLINK answers: ${strerror(3)}`, { what: 'first stderr line of deleting a missing route (ESRCH)' });
        expect.equal(usage.code, 1, { what: 'exit status of "route add ... gateway X" (ip says via, not gateway)' });
        expectTable(t, 'cli-e', [{ table: 'cli-e', dst: '10.8.0.0', plen: 16, gateway: '192.0.2.1', metric: 0 }], 'failed commands change nothing');
        await withReference((ref) => ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('cli-e')));
      },
    },
    {
      name: 'ip route show lists a table of thousands of routes',
      points: 3,
      timeoutMs: CLI,
      rule: 'a dump spans many datagrams: read until NLMSG_DONE, not until the first datagram ends',
      hint: 'One receive is not enough: NetlinkClient.dump() collects every part until NLMSG_DONE.',
      run: async (t) => {
        const N = 3000;
        const routes: RefRoute[] = [];
        for (let i = 0; i < N; i++) routes.push({ table: 'big', dst: `10.${(i >> 8) & 255}.${i & 255}.0`, plen: 24, gateway: `192.0.2.${1 + (i % 200)}`, metric: i % 7 });
        await withReference(async (ref) => {
          await freshTable(ref, 'big');
          addRoutesFast(ref, routes, NLM_F_CREATE | NLM_F_EXCL);
        });
        const kernel = procRoutes(t).routes.filter((r) => r.table === 'big');
        expect.equal(kernel.length, N, { what: 'routes the reference client put in table big (set-up)' });
        const shown = lines(await cliOk(t, ['route', 'show', 'table', 'big']));
        expect.equal(shown.length, N, { what: 'lines printed by "ip route show table big"' });
        expect.deepEqual(shown, kernel.map((r) => ipText(r)), { what: '"ip route show table big" (kernel order)' });
        await withReference((ref) => ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('big')));
      },
    },
    {
      name: 'ip route get prints the longest-prefix match',
      points: 1,
      timeoutMs: CLI,
      rule: 'route get is GETROUTE without DUMP; no match prints "RTNETLINK answers: Network is unreachable"',
      hint: 'Print the route lookup() returns with formatRoute().',
      run: async (t) => {
        await withReference(async (ref) => {
          await freshTable(ref, 'cli-g');
          await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, routeAttributes({ table: 'cli-g', dst: '172.16.0.0', plen: 12, gateway: '192.0.2.1' }));
          await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, routeAttributes({ table: 'cli-g', dst: '172.16.4.0', plen: 22, oif: 'eth4', metric: 3 }));
        });
        const [hit, miss] = await Promise.all([cli(t, ['route', 'get', '172.16.5.9', 'table', 'cli-g']), cli(t, ['route', 'get', '8.8.8.8', 'table', 'cli-g'])]);
        expect.equal(hit.code, 0, { what: 'exit status of route get' });
        expect.equal(hit.stdout.trim(), '172.16.4.0/22 dev eth4 metric 3', { what: 'route get 172.16.5.9' });
        expect.equal(miss.stderr.split('\n')[0], `RTNETLINK answers: ${strerror(101)}`, { what: 'route get of an unrouted address' });
        await withReference((ref) => ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('cli-g')));
      },
    },
    {
      name: 'ip monitor prints every change as it happens',
      points: 3,
      timeoutMs: CLI,
      rule: 'join multicast group NLRTM_GROUP_CHANGES (1) with NETLINK_ADD_MEMBERSHIP; every change arrives as the message type it was made with',
      hint: 'addMembership(1) on a socket of unit 30, then receive forever; print formatEvent() of each event; stop after `count N`.',
      run: async (t) => {
        const monitorRun = cli(t, ['monitor', 'count', '6']);
        // A monitor that ends before it subscribes fails now, not when the budget runs out.
        let ended: Awaited<typeof monitorRun> | undefined;
        void monitorRun.then((r) => (ended = r));
        const ready = await waitForListener(t, Math.max(1000, t.remainingMs() - 8000), () => ended !== undefined);
        check(
          ready,
          ended
            ? `the monitor ended (exit status ${ended.code}) before any socket of unit 30 joined group 1: ${ended.stderr.split('\n').find((l) => /^\w*Error\b/.test(l)) ?? (ended.stderr.trim().split('\n')[0] || 'it printed nothing')}`
            : 'no socket of unit 30 joined group 1 (see /proc/net/netlink): the monitor never subscribed',
        );
        const base = { table: 'mon', dst: '10.1.0.0', plen: 16 };
        await withReference(async (ref) => {
          await ref.request(NLRTM_NEWTABLE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, tableAttributes('mon'));
          await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, routeAttributes({ ...base, gateway: '10.0.0.1', oif: 'eth0' }));
          await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND, routeAttributes({ ...base, gateway: '10.0.0.2', metric: 7 }));
          await ref.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, routeAttributes({ ...base, oif: 'eth1' }));
          await ref.request(NLRTM_DELROUTE, NLM_F_ACK, routeAttributes(base));
          await ref.request(NLRTM_DELTABLE, NLM_F_ACK, tableAttributes('mon'));
        });
        const r = await monitorRun;
        expect.deepEqual(
          lines(r.stdout),
          [
            'table mon',
            '10.1.0.0/16 via 10.0.0.1 dev eth0 table mon',
            '10.1.0.0/16 via 10.0.0.2 table mon metric 7',
            '10.1.0.0/16 dev eth1 table mon',
            'Deleted 10.1.0.0/16 dev eth1 table mon',
            'Deleted table mon',
          ],
          { what: '"ip monitor count 6" output' },
        );
      },
    },

    /* ---------------- stretch: the kernel's own routing table ---------------- */
    {
      name: 'stretch: --kernel drives the real routing table in a network namespace',
      points: 3,
      timeoutMs: 40_000,
      rule: 'RTM_NEWROUTE/RTM_DELROUTE carry struct rtmsg then RTA_* attributes; iproute2 `ip route show` is the judge',
      hint: 'rtmsg: family AF_INET, dst_len, table RT_TABLE_MAIN, protocol RTPROT_BOOT, scope UNIVERSE with a gateway (LINK without), type RTN_UNICAST; RTA_OIF is an ifindex (RTM_GETLINK).',
      run: async (t) => {
        const ip = ipBinary();
        const ns = `nlwb4-${process.pid}`;
        const node = process.execPath;
        const bundle = t.studentCliPath('ip.ts');
        const sh = async (args: string[]): Promise<string> => {
          const r = await t.runProcess(ip, args, { timeoutMs: 10_000 });
          t.log(`ip ${args.join(' ')} -> ${r.code} ${r.stdout.trim()} ${r.stderr.trim()}`);
          if (r.code !== 0) expect.fail(`set-up command "ip ${args.join(' ')}" failed: ${r.stderr.trim()}`);
          return r.stdout;
        };
        const inNs = (args: string[]) => t.runProcess(ip, ['netns', 'exec', ns, node, bundle, '--kernel', ...args], { timeoutMs: 15_000 });
        const oracle = async (): Promise<string[]> => {
          const routes = JSON.parse(await sh(['-n', ns, '-j', 'route', 'show', 'table', 'main'])) as Array<{ dst: string; gateway?: string; dev?: string; metric?: number; protocol?: string }>;
          return routes.map((r) => [r.dst, ...(r.gateway ? ['via', r.gateway] : []), ...(r.dev ? ['dev', r.dev] : []), ...(r.metric ? ['metric', String(r.metric)] : [])].join(' '));
        };
        await t.runProcess(ip, ['netns', 'del', ns], { timeoutMs: 5000 });
        await sh(['netns', 'add', ns]);
        try {
          await sh(['-n', ns, 'link', 'add', 'd0', 'type', 'dummy']);
          await sh(['-n', ns, 'link', 'set', 'd0', 'up']);
          await sh(['-n', ns, 'addr', 'add', '10.9.0.1/24', 'dev', 'd0']);
          // Independent of each other in the real FIB (a route's key includes its metric), so run them at once.
          const [add, append, dev] = await Promise.all([
            inNs(['route', 'add', '10.20.0.0/16', 'via', '10.9.0.254', 'dev', 'd0', 'metric', '7']),
            inNs(['route', 'append', '10.20.0.0/16', 'via', '10.9.0.253', 'metric', '9']),
            inNs(['route', 'add', '10.30.0.0/16', 'dev', 'd0']),
          ]);
          for (const [what, r] of [['route add', add], ['route append', append], ['route add (dev only)', dev]] as const) {
            t.log(`${what}: exit ${r.code} ${r.stderr.trim()}`);
            expect.equal(r.code, 0, { what: `exit status of --kernel ${what} (stderr: ${r.stderr.trim().slice(0, 200)})` });
          }
          const truth = await oracle();
          for (const want of ['10.20.0.0/16 via 10.9.0.254 dev d0 metric 7', '10.20.0.0/16 via 10.9.0.253 dev d0 metric 9', '10.30.0.0/16 dev d0']) {
            check(truth.includes(want), `iproute2 does not show "${want}" in the namespace's main table; it shows:\n    ${truth.join('\n    ')}`);
          }
          // Same error text as iproute2 for the same mistake (a duplicate changes nothing, so it can run beside show).
          const [show, ours, theirs] = await Promise.all([
            inNs(['route', 'show']),
            inNs(['route', 'add', '10.30.0.0/16', 'dev', 'd0']),
            t.runProcess(ip, ['-n', ns, 'route', 'add', '10.30.0.0/16', 'dev', 'd0'], { timeoutMs: 10_000 }),
          ]);
          expect.deepEqual(lines(show.stdout), truth, { what: '--kernel route show, compared with iproute2 `ip route show` (dst, via, dev, metric)' });
          expect.equal(ours.stderr.split('\n')[0], theirs.stderr.split('\n')[0], { what: 'first stderr line of a duplicate --kernel route add (iproute2 printed the expected one)' });
          const del = await inNs(['route', 'del', '10.20.0.0/16', 'metric', '7']);
          expect.equal(del.code, 0, { what: `exit status of --kernel route del (stderr: ${del.stderr.trim()})` });
          const after = await oracle();
          check(!after.includes('10.20.0.0/16 via 10.9.0.254 dev d0 metric 7') && after.includes('10.20.0.0/16 via 10.9.0.253 dev d0 metric 9'), `after deleting the metric 7 route iproute2 shows:\n    ${after.join('\n    ')}`);
        } finally {
          await t.runProcess(ip, ['netns', 'del', ns], { timeoutMs: 5000 });
        }
      },
    },
  ],
});

