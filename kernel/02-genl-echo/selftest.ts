/**
 * Project checks of gnl_foobar_xmpl (not graded for students):
 * `npx tsx tools/grader/cli.ts 2 --selftest`.
 *
 * The module is judged by independent peers: the course library's reference
 * peer (peer.ts on #netlink), iproute2's `genl`, and a C program written the
 * way a client of the original example family is written (thirdparty/), plus
 * its own /proc state and the kernel log.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineLab, expect, type TestContext } from '#grader';
import {
  AttributeBuilder,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_CMD_CAP_HASPOL,
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_APPEND,
  NLM_F_CAPPED,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  encodeMessage,
  parseMessages,
} from '#netlink';
import { encodeGetFamily, parseGenlMessage } from '#netlink/genl.ts';
import { malformedMessages, sendMalformed } from '#netlink/fuzz.ts';
import {
  GNL_FOOBAR_XMPL_A_MSG,
  GNL_FOOBAR_XMPL_C_ECHO_MSG,
  GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR,
  GNL_FOOBAR_XMPL_DUMP_GREETING,
  GNL_FOOBAR_XMPL_DUMP_PARTS,
  GNL_FOOBAR_XMPL_ERR_TEXT,
  GNL_FOOBAR_XMPL_FAMILY_NAME,
  GNL_FOOBAR_XMPL_FAMILY_VERSION,
  GNL_FOOBAR_XMPL_MSG_MAX,
  GNL_FOOBAR_XMPL_PROC_DIR,
} from './gnl_foobar_xmpl.ts';
import { FoobarPeer, counter, readState, withDumpLayout, type Exchange } from './peer.ts';

const EINVAL = 22;
const EOPNOTSUPP = 95;
const ENOENT = 2;
const MODULE = 'gnl_foobar_xmpl';

/** expect.ok as a declared assertion, so TypeScript narrows after it. */
function ok(condition: unknown, message: string): asserts condition {
  if (!condition) expect.fail(message);
}

function state(t: TestContext): Record<string, string> {
  return readState((path) => t.readKernelFile(path));
}

/** Fails on any sign of a kernel problem logged during the test. */
function expectCleanKernelLog(t: TestContext): void {
  const bad = t.kernelLogSinceStart().filter((line) => /WARNING|BUG|Oops|general protection|refcount_t|leak|UBSAN|KASAN/i.test(line));
  ok(bad.length === 0, `the kernel logged problems:\n${bad.join('\n')}`);
}

function expectError(answer: Exchange, errno: number, what: string): NonNullable<Exchange['error']> {
  ok(answer.error, `${what}: expected NLMSG_ERROR, got ${answer.done ? 'NLMSG_DONE' : 'nothing'}`);
  expect.equal(answer.error.error, -errno, { what: `${what}: error code` });
  return answer.error;
}

async function withPeer<T>(fn: (peer: FoobarPeer, familyId: number) => Promise<T>, options: { capAck?: boolean } = {}): Promise<T> {
  const peer = FoobarPeer.open(options);
  try {
    return await fn(peer, await peer.familyId());
  } finally {
    peer.close();
  }
}

/** Sends a request with NLM_F_ACK and returns the answer; `attrs` are raw attribute bytes. */
async function ask(peer: FoobarPeer, familyId: number, cmd: number, flags: number, attrs?: Uint8Array | AttributeBuilder): Promise<Exchange> {
  const seq = peer.nextSeq();
  return peer.exchange(peer.request(familyId, cmd, flags, seq, attrs), seq);
}

/**
 * Runs a program through /bin/sh, which reads stdin to its end after the program
 * exits: a program that exits before the grader has closed its stdin pipe can
 * otherwise make that close fail with EPIPE inside the test worker.
 */
async function sh(t: TestContext, command: string, args: string[], timeoutMs?: number): Promise<string> {
  const script = '"$0" "$@"; status=$?; cat >/dev/null; exit $status';
  const r = await t.runProcess('/bin/sh', ['-c', script, command, ...args], timeoutMs ? { timeoutMs } : {});
  ok(r.code === 0, `${command} ${args.join(' ')} exited with ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function genlBinary(): string {
  const found = ['/usr/sbin/genl', '/sbin/genl', '/usr/bin/genl', '/bin/genl'].find((p) => existsSync(p));
  ok(found, 'iproute2 `genl` is not installed (apt-get install iproute2)');
  return found;
}

/** A tiny deterministic PRNG so the malformed inputs are the same on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function rawAttr(len: number, type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(4, (body.length + 4 + 3) & ~3));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, len, true);
  dv.setUint16(2, type, true);
  out.set(body.subarray(0, out.length - 4), 4);
  return out;
}

/** A few hundred requests the module must reject (or ignore) without harm. */
function malformedRequests(familyId: number): Uint8Array[] {
  const rnd = prng(0x2badc0de);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rnd() & 0xff);
  const genl = (cmd: number, version: number, attrs: Uint8Array, flags = NLM_F_REQUEST | NLM_F_ACK): Uint8Array => {
    const payload = new Uint8Array(4 + attrs.length);
    payload.set([cmd, version, 0, 0]);
    payload.set(attrs, 4);
    return encodeMessage({ type: familyId, flags, seq: 0x6000 + (rnd() & 0xfff), payload });
  };
  const out: Uint8Array[] = [];
  // Payload shorter than the genl header.
  for (let n = 0; n < 4; n++) out.push(encodeMessage({ type: familyId, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: bytes(n) }));
  // Commands and versions nobody registered.
  for (const cmd of [0, 3, 4, 127, 128, 255]) out.push(genl(cmd, 1, new Uint8Array(0)));
  for (const version of [0, 2, 255]) out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, version, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'v').bytes()));
  // Broken attribute headers.
  for (const len of [0, 1, 2, 3, 5, 200, 0xffff]) out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, rawAttr(len, GNL_FOOBAR_XMPL_A_MSG, Uint8Array.of(0x41, 0, 0, 0))));
  // Wrong attribute types, flag bits, missing NUL, empty, too long, NUL inside, duplicates.
  for (const type of [0, 2, 3, 0x7fff, 0x8001, 0x4001, 0xc001]) out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, rawAttr(8, type, Uint8Array.of(0x68, 0x69, 0, 0))));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, rawAttr(7, GNL_FOOBAR_XMPL_A_MSG, Uint8Array.of(0x61, 0x62, 0x63, 0))));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, rawAttr(4, GNL_FOOBAR_XMPL_A_MSG, new Uint8Array(0))));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().binary(GNL_FOOBAR_XMPL_A_MSG, new Uint8Array(GNL_FOOBAR_XMPL_MSG_MAX + 16).fill(0x7a)).bytes()));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'x'.repeat(GNL_FOOBAR_XMPL_MSG_MAX)).bytes()));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().binary(GNL_FOOBAR_XMPL_A_MSG, Uint8Array.of(0x61, 0, 0x62, 0)).bytes()));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'a').nulString(GNL_FOOBAR_XMPL_A_MSG, 'b').bytes()));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().nested(GNL_FOOBAR_XMPL_A_MSG, (n) => n.u32(1, 7)).bytes()));
  // Trailing bytes that cannot be an attribute.
  for (let n = 1; n < 4; n++) {
    const ok = new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'tail').bytes();
    const attrs = new Uint8Array(ok.length + n);
    attrs.set(ok);
    out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, attrs));
  }
  // Flags: reserved bits, a dump of a command without dumpit, no NLM_F_REQUEST.
  for (const extra of [NLM_F_CREATE, NLM_F_APPEND, 0x1000, 0x8000, NLM_F_MULTI, 0x10, 0x20]) {
    out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'f').bytes(), NLM_F_REQUEST | NLM_F_ACK | extra));
  }
  out.push(genl(GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR, 1, new Uint8Array(0), NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, rawAttr(6, 9, Uint8Array.of(1, 2)), NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP));
  out.push(genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'noreq').bytes(), NLM_F_ACK));
  // nlmsg_len that lies (shorter than the header, longer than the datagram).
  for (const lie of [0, 8, 15, 4096]) {
    const m = genl(GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'lie').bytes());
    new DataView(m.buffer).setUint32(0, lie, true);
    out.push(m);
  }
  // Random attribute soup, and random bytes after a valid genl header.
  while (out.length < 320) {
    const soup = new AttributeBuilder();
    const count = 1 + (rnd() % 4);
    for (let i = 0; i < count; i++) soup.binary(rnd() % 4 | (rnd() & 0xc000), bytes(rnd() % 24));
    out.push(genl(rnd() % 4, rnd() % 3, rnd() & 1 ? soup.bytes() : bytes(rnd() % 64), NLM_F_REQUEST | NLM_F_ACK | (rnd() & 1 ? NLM_F_DUMP : 0)));
  }
  return out;
}

/** Parses the `genl ctrl get name X` text of iproute2. */
function parseGenlCtrl(text: string): { id: number; version: number; maxAttr: number; ops: Map<number, string> } {
  const head = /ID:\s*0x([0-9a-f]+)\s+Version:\s*0x([0-9a-f]+)\s+header size:\s*(\d+)\s+max attribs:\s*(\d+)/i.exec(text);
  ok(head, `cannot read genl's output:\n${text}`);
  const ops = new Map<number, string>();
  // Capabilities follow each op only on some kernel/iproute2 combinations: optional.
  for (const m of text.matchAll(/#\d+:\s+ID-0x([0-9a-f]+)[ \t]*\n(?:\s*Capabilities \(0x[0-9a-f]+\):\s*\n\s*([^\n]*))?/gi)) {
    ops.set(Number.parseInt(m[1]!, 16), (m[2] ?? '').trim());
  }
  return { id: Number.parseInt(head[1]!, 16), version: Number.parseInt(head[2]!, 16), maxAttr: Number(head[4]), ops };
}

export default defineLab({
  title: 'gnl_foobar_xmpl self-test',
  module: { dir: 'kernel/02-genl-echo', name: MODULE },
  studentFiles: [],
  firstStep: 'Build the module: make -C /lib/modules/$(uname -r)/build M=$PWD/kernel/02-genl-echo (in a copy of the folder).',
  tests: [
    {
      name: 'module unloads and loads twice, registering and unregistering the family',
      points: 1,
      timeoutMs: 30_000,
      rule: 'rmmod unregisters the family and removes /proc/gnl_foobar_xmpl; insmod brings both back',
      async run(t) {
        ok(t.modulePath, 'the grader did not say where the built module is');
        for (let round = 1; round <= 2; round++) {
          await sh(t, '/sbin/rmmod', [MODULE]);
          ok(!existsSync(GNL_FOOBAR_XMPL_PROC_DIR), `round ${round}: ${GNL_FOOBAR_XMPL_PROC_DIR} is still there after rmmod`);
          const peer = FoobarPeer.open();
          try {
            const seq = peer.nextSeq();
            const answer = await peer.exchange(encodeGetFamily(GNL_FOOBAR_XMPL_FAMILY_NAME, { seq }), seq);
            expectError(answer, ENOENT, `round ${round}: GETFAMILY after rmmod`);
          } finally {
            peer.close();
          }
          await sh(t, '/sbin/insmod', [t.modulePath]);
          ok(existsSync(GNL_FOOBAR_XMPL_PROC_DIR), `round ${round}: ${GNL_FOOBAR_XMPL_PROC_DIR} is missing after insmod`);
          await withPeer(async (p, id) => {
            const seq = p.nextSeq();
            const answer = await p.exchange(p.echoRequest(id, `round ${round}`, seq), seq);
            expect.equal(answer.messages.length, 1, { what: `round ${round}: echo replies after insmod` });
          });
        }
        expectCleanKernelLog(t);
      },
    },
    {
      name: 'iproute2 genl sees the family: version 1, max attribs 1, both operations',
      points: 1,
      timeoutMs: 15_000,
      rule: 'maxattr is the highest attribute type (1), not the policy array length (the seed module reported 2)',
      async run(t) {
        const out = await sh(t, genlBinary(), ['ctrl', 'get', 'name', GNL_FOOBAR_XMPL_FAMILY_NAME]);
        t.log(out);
        const info = parseGenlCtrl(out);
        expect.equal(info.id, counter(state(t), 'family_id'), { what: 'family id (genl vs /proc)' });
        expect.equal(info.version, GNL_FOOBAR_XMPL_FAMILY_VERSION, { what: 'version' });
        expect.equal(info.maxAttr, 1, { what: 'max attribs' });
        expect.deepEqual([...info.ops.keys()].sort(), [GNL_FOOBAR_XMPL_C_ECHO_MSG, GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR], { what: 'operations' });
        const caps1 = info.ops.get(1) ?? '';
        const caps2 = info.ops.get(2) ?? '';
        if (caps1 || caps2) {
          ok(/can doit/.test(caps1) && /can dumpit/.test(caps1), `ECHO_MSG should be doit + dumpit: ${caps1}`);
          ok(/can doit/.test(caps2) && !/dumpit/.test(caps2), `REPLY_WITH_NLMSG_ERR should be doit only: ${caps2}`);
        }
        // The capability bits themselves are checked below on the raw CTRL_ATTR_OPS.
        await withPeer(async (peer) => {
          const family = await peer.resolve(GNL_FOOBAR_XMPL_FAMILY_NAME);
          expect.equal(family.maxAttr, 1, { what: 'CTRL_ATTR_MAXATTR' });
          expect.equal(family.hdrSize, 0, { what: 'CTRL_ATTR_HDRSIZE' });
          expect.deepEqual(family.ops, [
            { id: GNL_FOOBAR_XMPL_C_ECHO_MSG, flags: GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP | GENL_CMD_CAP_HASPOL },
            { id: GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR, flags: GENL_CMD_CAP_DO | GENL_CMD_CAP_HASPOL },
          ], { what: 'CTRL_ATTR_OPS' });
          expect.deepEqual(family.multicastGroups, [], { what: 'CTRL_ATTR_MCAST_GROUPS' });
        });
      },
    },
    {
      name: 'ECHO_MSG doit replies with the same text, the request seq and the sender port, then the ACK',
      points: 1,
      rule: 'a reply echoes nlmsg_seq and goes to the sender port (the seed module replied with seq + 1)',
      async run(t) {
        const before = state(t);
        await withPeer(async (peer, id) => {
          const seq = peer.nextSeq();
          const answer = await peer.exchange(peer.echoRequest(id, 'grüße, kernel', seq), seq);
          expect.equal(answer.strangers.length, 0, { what: 'messages with another seq' });
          expect.equal(answer.messages.length, 1, { what: 'replies' });
          const reply = answer.messages[0]!;
          expect.equal(reply.header.type, id, { what: 'reply nlmsg_type' });
          expect.equal(reply.header.pid, peer.socket.portId, { what: 'reply nlmsg_pid' });
          expect.equal(reply.header.flags & NLM_F_MULTI, 0, { what: 'NLM_F_MULTI on a doit reply' });
          expect.equal(parseGenlMessage(reply).genl.cmd, GNL_FOOBAR_XMPL_C_ECHO_MSG, { what: 'reply cmd' });
          expect.equal(FoobarPeer.text(reply), 'grüße, kernel', { what: 'reply MSG' });
          expect.equal(answer.error?.error, 0, { what: 'ACK error' });
          const after = state(t);
          expect.equal(counter(after, 'echoes'), counter(before, 'echoes') + 1, { what: 'echoes counter' });
          expect.equal(after.last_message, 'grüße, kernel', { what: 'last_message' });
          expect.equal(counter(after, 'last_seq'), seq, { what: 'last_seq' });
          expect.equal(counter(after, 'last_portid'), peer.socket.portId, { what: 'last_portid' });
        });
      },
    },
    {
      name: 'dump: 3 greetings flagged NLM_F_MULTI with the request seq, then NLMSG_DONE, in every datagram layout',
      points: 1,
      timeoutMs: 15_000,
      rule: 'a dumpit passes NLM_F_MULTI and the request seq to genlmsg_put itself (the seed used seq 0, 1, 2 and no MULTI)',
      async run(t) {
        for (const perDatagram of [1, 2, 3]) {
          for (const doneShared of [false, true]) {
            const layout = `${perDatagram} per datagram, DONE ${doneShared ? 'shared' : 'alone'}`;
            const before = state(t);
            await withDumpLayout({ perDatagram, doneShared }, () =>
              withPeer(async (peer, id) => {
                const seq = peer.nextSeq();
                const answer = await peer.exchange(peer.request(id, GNL_FOOBAR_XMPL_C_ECHO_MSG, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq), seq);
                expect.equal(answer.done?.error, 0, { what: `${layout}: NLMSG_DONE error` });
                expect.equal(answer.messages.length, GNL_FOOBAR_XMPL_DUMP_PARTS, { what: `${layout}: parts` });
                for (const part of answer.messages) {
                  ok(part.header.flags & NLM_F_MULTI, `${layout}: a part lacks NLM_F_MULTI`);
                  expect.equal(FoobarPeer.text(part), GNL_FOOBAR_XMPL_DUMP_GREETING, { what: `${layout}: greeting` });
                }
                const chunks = Math.ceil(GNL_FOOBAR_XMPL_DUMP_PARTS / perDatagram);
                expect.equal(answer.datagrams.length, doneShared ? chunks : chunks + 1, { what: `${layout}: datagrams` });
                const last = parseMessages(answer.datagrams.at(-1)!);
                expect.equal(last.at(-1)?.header.type, NLMSG_DONE, { what: `${layout}: last message type` });
                expect.equal(last.length, doneShared ? GNL_FOOBAR_XMPL_DUMP_PARTS - (chunks - 1) * perDatagram + 1 : 1, { what: `${layout}: messages in the last datagram` });
              }),
            );
            const after = state(t);
            expect.equal(counter(after, 'dumps'), counter(before, 'dumps') + 1, { what: `${layout}: dumps counter` });
            expect.equal(counter(after, 'dump_parts'), counter(before, 'dump_parts') + GNL_FOOBAR_XMPL_DUMP_PARTS, { what: `${layout}: dump_parts counter` });
          }
        }
      },
    },
    {
      name: 'two dumps at once each get all 3 parts (no shared dump state)',
      points: 1,
      rule: 'dump progress lives in the netlink_callback, not in a global (the seed kept it global, behind a mutex held across dumps)',
      async run() {
        const a = FoobarPeer.open();
        const b = FoobarPeer.open();
        try {
          const id = await a.familyId();
          const seqA = a.nextSeq();
          const seqB = b.nextSeq() + 7;
          // Both dumps start before either is read: each keeps its own progress.
          a.socket.send(a.request(id, GNL_FOOBAR_XMPL_C_ECHO_MSG, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seqA));
          b.socket.send(b.request(id, GNL_FOOBAR_XMPL_C_ECHO_MSG, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seqB));
          const [ra, rb] = await Promise.all([a.collect(seqA), b.collect(seqB)]);
          expect.equal(ra.messages.length, GNL_FOOBAR_XMPL_DUMP_PARTS, { what: 'parts of dump A' });
          expect.equal(rb.messages.length, GNL_FOOBAR_XMPL_DUMP_PARTS, { what: 'parts of dump B' });
        } finally {
          a.close();
          b.close();
        }
      },
    },
    {
      name: 'REPLY_WITH_NLMSG_ERR: -EINVAL with an extended-ACK message, with NETLINK_CAP_ACK off and on',
      points: 1,
      rule: 'errors are negative errnos with NL_SET_ERR_MSG text; CAP_ACK echoes only the request header',
      async run(t) {
        for (const capAck of [false, true]) {
          const before = state(t);
          await withPeer(async (peer, id) => {
            const answer = await ask(peer, id, GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR, NLM_F_REQUEST | NLM_F_ACK);
            const error = expectError(answer, EINVAL, `CAP_ACK ${capAck ? 'on' : 'off'}`);
            expect.equal(error.capped, capAck, { what: 'NLM_F_CAPPED' });
            expect.equal(error.extAck?.message, GNL_FOOBAR_XMPL_ERR_TEXT, { what: 'extended-ACK message' });
            expect.equal(answer.messages.length, 0, { what: 'data replies before the error' });
          }, { capAck });
          expect.equal(counter(state(t), 'errors'), counter(before, 'errors') + 1, { what: 'errors counter' });
        }
      },
    },
    {
      name: 'ECHO_MSG without MSG: -EINVAL naming the missing attribute',
      points: 1,
      rule: 'a missing required attribute is reported with NLMSGERR_ATTR_MISS_TYPE',
      async run() {
        await withPeer(async (peer, id) => {
          const error = expectError(await ask(peer, id, GNL_FOOBAR_XMPL_C_ECHO_MSG, NLM_F_REQUEST | NLM_F_ACK), EINVAL, 'echo without MSG');
          expect.equal(error.extAck?.missingType, GNL_FOOBAR_XMPL_A_MSG, { what: 'NLMSGERR_ATTR_MISS_TYPE' });
        });
      },
    },
    {
      name: 'strict validation: unknown attributes, unterminated and over-long strings are rejected with the offset',
      points: 1,
      rule: 'strict policy validation rejects what the policy does not describe and points at it',
      async run() {
        await withPeer(async (peer, id) => {
          const cases: Array<[string, Uint8Array]> = [
            ['unknown attribute type 2', new AttributeBuilder().nulString(2, 'x').bytes()],
            ['MSG without NUL', new AttributeBuilder().string(GNL_FOOBAR_XMPL_A_MSG, 'abc').bytes()],
            ['MSG longer than GNL_FOOBAR_XMPL_MSG_MAX', new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'y'.repeat(GNL_FOOBAR_XMPL_MSG_MAX)).bytes()],
          ];
          for (const [what, attrs] of cases) {
            const error = expectError(await ask(peer, id, GNL_FOOBAR_XMPL_C_ECHO_MSG, NLM_F_REQUEST | NLM_F_ACK, attrs), EINVAL, what);
            expect.equal(error.extAck?.offset, 20, { what: `${what}: NLMSGERR_ATTR_OFFS (first attribute)` });
          }
          // The longest legal message still echoes.
          const longest = 'z'.repeat(GNL_FOOBAR_XMPL_MSG_MAX - 1);
          const seq = peer.nextSeq();
          const ok = await peer.exchange(peer.echoRequest(id, longest, seq), seq);
          expect.equal(FoobarPeer.text(ok.messages[0]!), longest, { what: 'echo of the longest legal MSG' });
        });
      },
    },
    {
      name: 'resv_start_op: reserved nlmsg_flags bits are rejected; unknown commands are -EOPNOTSUPP',
      points: 1,
      rule: 'families since 6.1 set resv_start_op so flags like NLM_F_CREATE on a genl command are -EINVAL',
      async run() {
        await withPeer(async (peer, id) => {
          const msg = new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, 'flags').bytes();
          for (const bit of [NLM_F_CREATE, NLM_F_APPEND]) {
            const error = expectError(await ask(peer, id, GNL_FOOBAR_XMPL_C_ECHO_MSG, NLM_F_REQUEST | NLM_F_ACK | bit, msg), EINVAL, `flag 0x${bit.toString(16)}`);
            ok(/reserved/i.test(error.extAck?.message ?? ''), `the ext-ack should name the reserved bits, got ${error.extAck?.message}`);
          }
          expectError(await ask(peer, id, 3, NLM_F_REQUEST | NLM_F_ACK), EOPNOTSUPP, 'unknown command 3');
          expectError(await ask(peer, id, GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP), EOPNOTSUPP, 'dump of a doit-only command');
        });
      },
    },
    {
      name: 'a few hundred malformed messages: no crash, no warning, still serving',
      points: 1,
      timeoutMs: 120_000,
      rule: 'a module never oopses, warns or hangs on malformed input from userspace',
      async run(t) {
        await withPeer(async (peer, id) => {
          const requests = malformedRequests(id);
          for (let i = 0; i < requests.length; i += 16) {
            for (const request of requests.slice(i, i + 16)) {
              try {
                peer.socket.send(request);
              } catch (error) {
                t.log(`send of malformed request ${i} failed: ${(error as Error).message}`);
              }
            }
            // A valid echo after each batch: its reply proves the module still answers.
            const seq = peer.nextSeq();
            const answer = await peer.exchange(peer.echoRequest(id, `alive ${i}`, seq), seq);
            expect.equal(FoobarPeer.text(answer.messages[0]!), `alive ${i}`, { what: `echo after malformed batch ${i / 16}` });
          }
          t.log(`${requests.length} targeted malformed requests sent`);
          // Then the course library's generic malformed input, aimed at this family.
          const fuzz = malformedMessages({ seed: 2, count: 300, genlFamilyId: id, genlCommands: [0, 1, 2, 3, 255] });
          const report = await sendMalformed(NETLINK_GENERIC, fuzz, { genlFamilyId: id, quietMs: 300 });
          t.log(`fuzz: ${JSON.stringify(report)}`);
          ok(report.malformedReplies === 0, `${report.malformedReplies} replies to malformed input were themselves malformed`);
          const seq = peer.nextSeq();
          const answer = await peer.exchange(peer.echoRequest(id, 'alive after fuzz', seq), seq);
          expect.equal(FoobarPeer.text(answer.messages[0]!), 'alive after fuzz', { what: 'echo after the fuzz run' });
        });
        ok(state(t).family === GNL_FOOBAR_XMPL_FAMILY_NAME, '/proc state is unreadable after the malformed input');
        expectCleanKernelLog(t);
      },
    },
    {
      name: 'a third-party C client written for the original family works unchanged',
      points: 1,
      timeoutMs: 90_000,
      rule: 'wire compatibility: same family name, version, command and attribute numbers, and a dump that ends with NLMSG_DONE',
      async run(t) {
        const source = fileURLToPath(new URL('./thirdparty/foobar_client.c', import.meta.url));
        ok(existsSync(source), `${source} is missing`);
        const binary = '/tmp/gnl_foobar_xmpl_client';
        await sh(t, 'cc', ['-O0', '-Wall', '-Werror', '-o', binary, source], 80_000);
        for (const layout of [{ perDatagram: 1, doneShared: false }, { perDatagram: 3, doneShared: true }]) {
          const out = await withDumpLayout(layout, () => sh(t, binary, ['hello from C']));
          t.log(out);
          const lines = out.trim().split('\n');
          expect.equal(lines[0], `family_id: ${counter(state(t), 'family_id')}`, { what: 'first line' });
          expect.equal(lines[1], 'echo: hello from C', { what: 'echo line' });
          expect.equal(lines.filter((l) => l === `dump: ${GNL_FOOBAR_XMPL_DUMP_GREETING}`).length, GNL_FOOBAR_XMPL_DUMP_PARTS, { what: 'dump lines' });
          ok(lines.includes('dump_done: 0'), 'the client never saw NLMSG_DONE with 0');
        }
      },
    },
    {
      name: 'without NETLINK_EXT_ACK the error carries no TLVs',
      points: 1,
      rule: 'without NETLINK_EXT_ACK the kernel sends no TLVs (NLM_F_ACK_TLVS clear)',
      async run(t) {
        const peer = FoobarPeer.open({ extAck: false });
        try {
          const id = await peer.familyId();
          const answer = await ask(peer, id, GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR, NLM_F_REQUEST | NLM_F_ACK);
          const error = expectError(answer, EINVAL, 'without EXT_ACK');
          expect.equal(error.extAck, undefined, { what: 'ext-ack without NETLINK_EXT_ACK' });
          const raw = parseMessages(answer.datagrams.at(-1)!).at(-1)!;
          expect.equal(raw.header.flags & NLM_F_ACK_TLVS, 0, { what: 'NLM_F_ACK_TLVS' });
          expect.equal(raw.header.flags & NLM_F_CAPPED, 0, { what: 'NLM_F_CAPPED' });
        } finally {
          peer.close();
        }
        expectCleanKernelLog(t);
      },
    },
  ],
});
