/**
 * Project checks of nl_tlv (not graded for students):
 * `npx tsx tools/grader/cli.ts 3 --selftest`.
 *
 * The module is judged by the reference peer (peer.ts, on #netlink), iproute2's
 * `genl`, its own /proc files and the kernel log: load/unload with records in
 * the table, the policy on every request shape, the record bound, dump
 * consistency, concurrent clients, and a few hundred malformed messages.
 */
import { existsSync } from 'node:fs';
import { defineLab, expect, type TestContext } from '#grader';
import {
  AttributeBuilder,
  GENL_HDRLEN,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  SOL_NETLINK,
  encodeGenlHeader,
  encodeMessage,
  parseMessages,
} from '#netlink';
import { malformedMessages, sendMalformed } from '#netlink/fuzz.ts';
import { NetlinkSocket } from '#socket';
import {
  NL_TLV_A_EMP_ID,
  NL_TLV_A_NAME,
  NL_TLV_A_TAGS,
  NL_TLV_A_WEBSITES,
  NL_TLV_CMD_ADD,
  NL_TLV_CMD_DEL,
  NL_TLV_CMD_GET,
  NL_TLV_FAMILY_NAME,
  NL_TLV_MAX_RECORDS,
  NL_TLV_MAX_WEBSITES,
  NL_TLV_PROC_DIR,
  NL_TLV_TAG_A_LEVEL,
  NL_TLV_TAG_A_TEAM,
  NL_TLV_WEBSITE_A_WEBSITE,
} from './nl_tlv.ts';
import { RefClient, readProcRecords, readProcState, type RefEmployee } from './peer.ts';

const MODULE = 'nl_tlv';

function ok(condition: unknown, message: string): asserts condition {
  if (!condition) expect.fail(message);
}

const records = (t: TestContext): RefEmployee[] => readProcRecords((p) => t.readKernelFile(p));
const state = (t: TestContext): Record<string, number> => readProcState((p) => t.readKernelFile(p));

function expectCleanKernelLog(t: TestContext): void {
  const bad = t.kernelLogSinceStart().filter((line) => /WARNING|BUG|Oops|general protection|refcount_t|leak|UBSAN|KASAN|lockdep/i.test(line));
  ok(bad.length === 0, `the kernel logged problems:\n${bad.join('\n')}`);
}

/** Runs a program through /bin/sh (which drains stdin, so an early exit cannot EPIPE the worker). */
async function sh(t: TestContext, command: string, args: string[]): Promise<string> {
  const script = '"$0" "$@"; status=$?; cat >/dev/null; exit $status';
  const r = await t.runProcess('/bin/sh', ['-c', script, command, ...args], { timeoutMs: 15000 });
  ok(r.code === 0, `${command} ${args.join(' ')} exited with ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function withPeer<T>(fn: (peer: RefClient) => Promise<T>): Promise<T> {
  const peer = await RefClient.open();
  try {
    return await fn(peer);
  } finally {
    peer.close();
  }
}

function employee(i: number): RefEmployee {
  return {
    name: `Worker ${i}`,
    websites: Array.from({ length: 1 + (i % 3) }, (_, j) => `w${j}.n${i}.example`),
    empId: BigInt(i),
    ...(i % 5 === 0 ? { tags: { level: 1 + (i % 9), team: `team ${i % 7}` } } : {}),
  };
}

const web = (...sites: string[]) => (n: AttributeBuilder): void => {
  for (const s of sites) n.nulString(NL_TLV_WEBSITE_A_WEBSITE, s);
};

export default defineLab({
  title: 'nl_tlv self-test',
  module: { dir: 'kernel/03-tlv', name: MODULE },
  studentFiles: [],
  firstStep: 'Build the module: make -C /lib/modules/$(uname -r)/build M=<a copy of kernel/03-tlv>.',
  tests: [
    {
      name: 'module unloads with records stored and loads twice',
      points: 1,
      timeoutMs: 60000,
      rule: 'rmmod unregisters the family, removes /proc/nl_tlv and frees every record; insmod starts empty',
      async run(t) {
        ok(t.modulePath, 'the grader did not say where the built module is');
        for (let round = 1; round <= 2; round++) {
          await withPeer((peer) => peer.addMany(Array.from({ length: 50 }, (_, i) => employee(round * 1000 + i))));
          expect.equal(records(t).length, 50, { what: `round ${round}: records before rmmod` });
          await sh(t, '/sbin/rmmod', [MODULE]);
          ok(!existsSync(NL_TLV_PROC_DIR), `round ${round}: ${NL_TLV_PROC_DIR} is still there after rmmod`);
          const gone = await RefClient.open().then(
            (peer) => {
              peer.close();
              return false;
            },
            () => true,
          );
          ok(gone, `round ${round}: the family ${NL_TLV_FAMILY_NAME} still resolves after rmmod`);
          ok(t.kernelLogSinceStart().filter((l) => /50 records freed/.test(l)).length >= round, `round ${round}: no "50 records freed" line in the kernel log`);
          await sh(t, '/sbin/insmod', [t.modulePath]);
          expect.equal(state(t).records, 0, { what: `round ${round}: records after insmod` });
          await withPeer(async (peer) => {
            await peer.add(employee(round));
            expect.deepEqual(await peer.list(), [employee(round)], { what: `round ${round}: dump after insmod` });
            await peer.clear();
          });
        }
        expectCleanKernelLog(t);
      },
    },
    {
      name: 'iproute2 genl sees the family: version 1, max attribs 5, three commands',
      points: 1,
      timeoutMs: 15000,
      rule: 'maxattr is the highest attribute type (NL_TLV_A_MAX = 5); ADD, GET (doit and dump) and DEL are registered',
      async run(t) {
        const genl = ['/usr/sbin/genl', '/sbin/genl', '/usr/bin/genl', '/bin/genl'].find((p) => existsSync(p));
        ok(genl, 'iproute2 `genl` is not installed');
        const out = await sh(t, genl, ['ctrl', 'get', 'name', NL_TLV_FAMILY_NAME]);
        t.log(out);
        ok(/Name: nl_tlv/.test(out), 'genl does not show the family name');
        ok(/Version: 0x1\b/.test(out) || /Version: 1\b/.test(out), 'genl shows another version than 1');
        ok(/max attribs: 5\b/.test(out), 'genl shows another max attribs than 5');
        await withPeer(async (peer) => {
          const ops = peer.family.ops.map((o) => o.id).sort();
          expect.deepEqual(ops, [NL_TLV_CMD_ADD, NL_TLV_CMD_GET, NL_TLV_CMD_DEL], { what: 'CTRL_ATTR_OPS ids' });
        });
      },
    },
    {
      name: 'policy and handlers reject every bad request shape with an errno and an extended ACK',
      points: 2,
      timeoutMs: 30000,
      rule: 'strict validation: missing, unknown, oversized, unterminated, un-nested attributes, stray flags and a non-zero reserved byte are -EINVAL; out-of-range values -ERANGE; unknown commands -EOPNOTSUPP',
      async run(t) {
        await withPeer(async (peer) => {
          await peer.clear();
          const name = new AttributeBuilder().nulString(NL_TLV_A_NAME, 'Ada').bytes();
          const websites = new AttributeBuilder().nested(NL_TLV_A_WEBSITES, web('a.example')).bytes();
          const id = new AttributeBuilder().u64(NL_TLV_A_EMP_ID, 42n).bytes();
          const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
          const before = state(t);
          const cases: Array<[string, number, Uint8Array, number, string, 'message' | 'offset' | 'missing']> = [
            ['ADD without NAME', NL_TLV_CMD_ADD, cat(websites, id), 0, 'EINVAL', 'missing'],
            ['ADD without WEBSITES', NL_TLV_CMD_ADD, cat(name, id), 0, 'EINVAL', 'missing'],
            ['ADD without EMP_ID', NL_TLV_CMD_ADD, cat(name, websites), 0, 'EINVAL', 'missing'],
            ['ADD with an empty WEBSITES', NL_TLV_CMD_ADD, cat(name, new AttributeBuilder().nested(NL_TLV_A_WEBSITES, () => undefined).bytes(), id), 0, 'EINVAL', 'offset'],
            [
              `ADD with ${NL_TLV_MAX_WEBSITES + 1} websites`,
              NL_TLV_CMD_ADD,
              cat(name, new AttributeBuilder().nested(NL_TLV_A_WEBSITES, web(...Array.from({ length: NL_TLV_MAX_WEBSITES + 1 }, (_, i) => `s${i}.example`))).bytes(), id),
              0,
              'EINVAL',
              'offset',
            ],
            ['ADD with an empty NAME', NL_TLV_CMD_ADD, cat(new AttributeBuilder().nulString(NL_TLV_A_NAME, '').bytes(), websites, id), 0, 'EINVAL', 'offset'],
            ['ADD with a control character in NAME', NL_TLV_CMD_ADD, cat(new AttributeBuilder().nulString(NL_TLV_A_NAME, 'A\tB').bytes(), websites, id), 0, 'EINVAL', 'offset'],
            ['ADD with a 31-byte TEAM without NUL', NL_TLV_CMD_ADD, cat(name, websites, id, new AttributeBuilder().nested(NL_TLV_A_TAGS, (n) => n.string(NL_TLV_TAG_A_TEAM, 'T'.repeat(31))).bytes()), 0, 'EINVAL', 'offset'],
            ['ADD with LEVEL 0', NL_TLV_CMD_ADD, cat(name, websites, id, new AttributeBuilder().nested(NL_TLV_A_TAGS, (n) => n.u8(NL_TLV_TAG_A_LEVEL, 0)).bytes()), 0, 'ERANGE', 'offset'],
            ['ADD with TAGS lacking NLA_F_NESTED', NL_TLV_CMD_ADD, cat(name, websites, id, new AttributeBuilder().nested(NL_TLV_A_TAGS, (n) => n.u8(NL_TLV_TAG_A_LEVEL, 2), { nestedFlag: false }).bytes()), 0, 'EINVAL', 'offset'],
            ['ADD with attribute type 0', NL_TLV_CMD_ADD, cat(name, websites, id, new AttributeBuilder().u32(0, 1).bytes()), 0, 'EINVAL', 'offset'],
            ['ADD with NLM_F_CREATE', NL_TLV_CMD_ADD, cat(name, websites, id), NLM_F_CREATE, 'EINVAL', 'message'],
            ['GET with NAME (GET takes only EMP_ID)', NL_TLV_CMD_GET, cat(id, name), 0, 'EINVAL', 'offset'],
            ['GET without EMP_ID', NL_TLV_CMD_GET, new Uint8Array(0), 0, 'EINVAL', 'missing'],
            ['GET of a missing id', NL_TLV_CMD_GET, id, 0, 'ENOENT', 'offset'],
            ['DEL of a missing id', NL_TLV_CMD_DEL, id, 0, 'ENOENT', 'offset'],
            ['DEL with EMP_ID as u16', NL_TLV_CMD_DEL, new AttributeBuilder().u16(NL_TLV_A_EMP_ID, 42).bytes(), 0, 'EINVAL', 'offset'],
            ['command 77', 77, id, 0, 'EOPNOTSUPP', 'message'],
          ];
          for (const [what, cmd, attrs, flags, code, expectWhat] of cases) {
            const { error } = await peer.ask(cmd, attrs, flags);
            ok(error, `${what}: the kernel accepted it`);
            expect.equal(error.code, code, { what: `${what}: errno` });
            if (expectWhat === 'offset') ok(error.extAckOffset !== undefined && error.extAckMessage, `${what}: the extended ACK lacks a message or an offset (${error.message})`);
            if (expectWhat === 'missing') ok(error.extAck?.missingType !== undefined && error.extAckMessage, `${what}: the extended ACK lacks the missing type or a message (${error.message})`);
            if (expectWhat === 'message' && code !== 'EOPNOTSUPP') ok(error.extAckMessage, `${what}: the extended ACK has no message`);
          }
          // A non-zero reserved byte in the genl header.
          const reserved = peer.payload(NL_TLV_CMD_GET, id);
          reserved[2] = 1;
          const r = await peer.netlink.request(peer.family.id, NLM_F_ACK, reserved).then(
            () => undefined,
            (e: unknown) => e as { code?: string },
          );
          expect.equal(r?.code, 'EINVAL', { what: 'GET with genlmsghdr.reserved = 1: errno' });
          expect.deepEqual(records(t), [], { what: 'records after the refused requests' });
          const after = state(t);
          ok((after.rejected ?? 0) > (before.rejected ?? 0), '/proc/nl_tlv/state "rejected" did not count the handlers\' rejections');
        });
        expectCleanKernelLog(t);
      },
    },
    {
      name: `the table holds ${NL_TLV_MAX_RECORDS} records, then ADD is ENOSPC`,
      points: 1,
      timeoutMs: 120000,
      rule: 'a bounded table: the record after the last is refused with -ENOSPC and a message; DEL makes room again',
      async run(t) {
        await withPeer(async (peer) => {
          await peer.clear();
          await peer.addMany(Array.from({ length: NL_TLV_MAX_RECORDS }, (_, i) => employee(i)));
          expect.equal(state(t).records, NL_TLV_MAX_RECORDS, { what: 'records when full' });
          const full = await peer.addRaw(new AttributeBuilder().nulString(NL_TLV_A_NAME, 'One Too Many').nested(NL_TLV_A_WEBSITES, web('x.example')).u64(NL_TLV_A_EMP_ID, 99999n).bytes());
          ok(full, 'ADD beyond the bound was accepted');
          expect.equal(full.code, 'ENOSPC', { what: 'errno beyond the bound' });
          ok(full.extAckMessage, 'ENOSPC without an extended ACK message');
          ok(!(await peer.del(0n)), 'DEL of record 0 failed');
          await peer.add(employee(5000));
          expect.equal(records(t).length, NL_TLV_MAX_RECORDS, { what: 'records after DEL + ADD' });
          await peer.clear();
          expect.equal(state(t).records, 0, { what: 'records after clearing' });
        });
        expectCleanKernelLog(t);
      },
    },
    {
      name: 'a dump interrupted by a change is flagged NLM_F_DUMP_INTR',
      points: 1,
      timeoutMs: 60000,
      rule: 'dump parts carry NLM_F_MULTI and the request seq; a change between parts sets NLM_F_DUMP_INTR; the dump ends with NLMSG_DONE',
      async run(t) {
        await withPeer(async (peer) => {
          await peer.clear();
          await peer.addMany(Array.from({ length: 600 }, (_, i) => employee(i)));
          const socket = NetlinkSocket.open(NETLINK_GENERIC);
          try {
            socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
            const seq = 4242;
            const payload = Uint8Array.from([...encodeGenlHeader({ cmd: NL_TLV_CMD_GET, version: 1 })]);
            socket.send(encodeMessage({ type: peer.family.id, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq, payload }));
            let parts = 0;
            let interrupted = false;
            let done = false;
            let datagrams = 0;
            while (!done) {
              const { data, truncated } = await socket.receive({ bufferSize: 65536, signal: t.signal });
              ok(!truncated, 'a dump datagram did not fit in 64 KiB');
              datagrams++;
              for (const m of parseMessages(data)) {
                expect.equal(m.header.seq, seq, { what: 'seq of a dump message' });
                if (m.header.type === NLMSG_DONE) done = true;
                else if (m.header.type === NLMSG_ERROR) expect.fail('the dump ended in NLMSG_ERROR');
                else {
                  parts++;
                  ok(m.header.flags & NLM_F_MULTI, 'a dump part lacks NLM_F_MULTI');
                  if (m.header.flags & NLM_F_DUMP_INTR) interrupted = true;
                  ok(m.payload.length > GENL_HDRLEN, 'an empty dump part');
                }
              }
              // Change the table after the first datagram: later parts must say so.
              if (datagrams === 1) await peer.del(599n);
            }
            t.log(`${parts} parts in ${datagrams} datagrams, interrupted=${interrupted}`);
            ok(datagrams >= 3, `the dump of 600 records took only ${datagrams} datagrams; the test needs at least 3`);
            ok(interrupted, 'no dump part carried NLM_F_DUMP_INTR although a record was deleted mid-dump');
          } finally {
            socket.close();
          }
          const clean = await peer.netlink.dump(peer.family.id, peer.payload(NL_TLV_CMD_GET, new Uint8Array(0)));
          expect.equal(clean.interrupted, false, { what: 'NLM_F_DUMP_INTR on an undisturbed dump' });
          expect.equal(clean.replies.length, 599, { what: 'records in an undisturbed dump' });
          await peer.clear();
        });
      },
    },
    {
      name: 'four concurrent clients: every ADD and DEL lands exactly once',
      points: 1,
      timeoutMs: 60000,
      rule: 'handlers run in parallel (parallel_ops) and the record list is locked',
      async run(t) {
        const peers = await Promise.all([0, 1, 2, 3].map(() => RefClient.open()));
        try {
          await peers[0]!.clear();
          await Promise.all(
            peers.map(async (peer, p) => {
              const mine = Array.from({ length: 120 }, (_, i) => employee(10000 * (p + 1) + i));
              await peer.addMany(mine, 8);
              for (let i = 0; i < mine.length; i += 2) ok(!(await peer.del(mine[i]!.empId)), `client ${p}: DEL ${mine[i]!.empId} failed`);
            }),
          );
          const left = records(t);
          expect.equal(left.length, 4 * 60, { what: 'records left' });
          expect.deepEqual(new Set(left.map((e) => e.empId)).size, left.length, { what: 'distinct ids' });
          expect.equal(state(t).records, left.length, { what: '/proc state records vs listing' });
          await peers[0]!.clear();
        } finally {
          for (const p of peers) p.close();
        }
        expectCleanKernelLog(t);
      },
    },
    {
      name: 'a few hundred malformed messages: no crash, no warning, still serving',
      points: 2,
      timeoutMs: 120000,
      rule: 'a module never oopses, warns or hangs on malformed input from userspace',
      async run(t) {
        await withPeer(async (peer) => {
          await peer.clear();
          // Attribute-level damage aimed at ADD, GET and DEL: random bytes and mutated valid requests.
          let seed = 0x71c;
          const rnd = (n: number): number => {
            seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
            return seed % n;
          };
          const valid = new AttributeBuilder()
            .nulString(NL_TLV_A_NAME, 'Fuzz Target')
            .nested(NL_TLV_A_WEBSITES, web('f.example', 'g.example'))
            .u64(NL_TLV_A_EMP_ID, 7n)
            .nested(NL_TLV_A_TAGS, (n) => n.u8(NL_TLV_TAG_A_LEVEL, 3).nulString(NL_TLV_TAG_A_TEAM, 'z'))
            .bytes();
          let accepted = 0;
          for (let i = 0; i < 200; i++) {
            let attrs: Uint8Array;
            if (i % 3 === 0) attrs = Uint8Array.from({ length: rnd(64) }, () => rnd(256));
            else {
              attrs = valid.slice(0, valid.length - (i % 5 === 0 ? rnd(8) : 0));
              for (let k = 1 + rnd(3); k > 0; k--) attrs[rnd(attrs.length)] = rnd(256);
            }
            const cmd = [NL_TLV_CMD_ADD, NL_TLV_CMD_ADD, NL_TLV_CMD_GET, NL_TLV_CMD_DEL][i % 4]!;
            const { error } = await peer.ask(cmd, attrs);
            if (!error && cmd === NL_TLV_CMD_ADD) accepted++;
          }
          t.log(`${accepted} mutated ADDs happened to be valid`);
          // Then the course library's generic malformed input, aimed at this family.
          const fuzz = malformedMessages({ seed: 3, count: 300, genlFamilyId: peer.family.id, genlCommands: [0, 1, 2, 3, 200] });
          const report = await sendMalformed(NETLINK_GENERIC, fuzz, { genlFamilyId: peer.family.id, quietMs: 300 });
          t.log(`fuzz: ${JSON.stringify(report)}`);
          ok(report.malformedReplies === 0, `${report.malformedReplies} replies to malformed input were themselves malformed`);
          // Still serving, and /proc agrees with a dump.
          await peer.clear();
          await peer.add(employee(77));
          expect.deepEqual(await peer.list(), [employee(77)], { what: 'dump after the malformed input' });
          expect.deepEqual(records(t), [employee(77)], { what: '/proc after the malformed input' });
          await peer.clear();
        });
        expectCleanKernelLog(t);
      },
    },
  ],
});
