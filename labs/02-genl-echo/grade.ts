/**
 * Graded tests of lab 2 (Generic netlink echo).
 *
 * Three kinds of tests:
 * - byte vectors written by hand for the pure functions of genl.ts;
 * - the student's client driven through a scripted Transport that replays
 *   hand-built datagrams (a dump over several datagrams, DONE sharing a
 *   datagram, stale replies), so every legal framing is exercised;
 * - the real module in the real kernel, judged by /proc/gnl_foobar_xmpl/state
 *   and by the course library's reference client (NetlinkClient), never only
 *   by what the student's code says about itself.
 */
import { defineLab, expect, GradeFailure, TodoError, type TestContext } from '#grader';
import { NetlinkSocket } from '#socket';
import {
  AttributeBuilder,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OPS,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_VERSION,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NetlinkError,
  SOL_NETLINK,
  concatMessages,
  encodeGenlMessage,
  encodeMessage,
  openGenl,
  parseGenlMessage,
  parseMessages,
  type ParsedMessage,
} from '#netlink';
import {
  GNL_FOOBAR_XMPL_A_MSG,
  GNL_FOOBAR_XMPL_C_ECHO_MSG,
  GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR,
  GNL_FOOBAR_XMPL_DUMP_GREETING,
  GNL_FOOBAR_XMPL_DUMP_PARTS,
  GNL_FOOBAR_XMPL_FAMILY_NAME,
} from '#kernel/02-genl-echo/gnl_foobar_xmpl.ts';
import { counter, readState, withDumpLayout } from '#kernel/02-genl-echo/peer.ts';
import * as genl from './genl.ts';
import * as client from './client.ts';

/* ---------- helpers: little-endian byte vectors written by hand ---------- */

const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const nlmsghdr = (len: number, type: number, flags: number, seq: number, pid: number): number[] => [...u32(len), ...u16(type), ...u16(flags), ...u32(seq), ...u32(pid)];
/** An attribute with its padding; `value` is taken as is. */
const nla = (type: number, value: number[]): number[] => [...u16(4 + value.length), ...u16(type), ...value, ...new Array<number>((4 - (value.length % 4)) % 4).fill(0)];

/** The message as parseMessages would hand it to parseGenlMessage. */
function parsedOne(bytes: number[]): ParsedMessage {
  const [message] = parseMessages(Uint8Array.from(bytes));
  if (!message) throw new Error('grader bug: empty vector');
  return message;
}

/** expect.ok as a declared assertion, so TypeScript narrows after it. */
function ok(condition: unknown, message: string): asserts condition {
  if (!condition) expect.fail(message);
}

function isGenlError(error: unknown): error is genl.GenlError {
  return error instanceof genl.GenlError;
}

/** expect.throws for a GenlError; a TodoError passes through so the report says "not done yet". */
function throwsGenl(fn: () => unknown, check: (e: genl.GenlError) => boolean, message: string): Promise<genl.GenlError> {
  return expect.throws(
    fn,
    (e): e is genl.GenlError => {
      if (e instanceof TodoError) throw e;
      return isGenlError(e) && check(e);
    },
    message,
  );
}

/* ---------- helpers: hand-built kernel answers ---------- */

const FAKE_ID = 0x1a;
const PORT = 4242;

/** A GETFAMILY reply the way nlctrl builds it (nests without NLA_F_NESTED, as nla_nest_start_noflag does). */
function familyReply(seq: number, options: { nestedFlag?: boolean; groups?: Array<[string, number]> } = {}): Uint8Array {
  const nested = { nestedFlag: options.nestedFlag ?? false };
  const attrs = new AttributeBuilder()
    .string(CTRL_ATTR_FAMILY_NAME, `${GNL_FOOBAR_XMPL_FAMILY_NAME}\0`)
    .u16(CTRL_ATTR_FAMILY_ID, FAKE_ID)
    .u32(CTRL_ATTR_VERSION, 1)
    .u32(CTRL_ATTR_HDRSIZE, 0)
    .u32(CTRL_ATTR_MAXATTR, 1)
    .nested(CTRL_ATTR_OPS, (ops) => {
      ops.nested(1, (op) => op.u32(CTRL_ATTR_OP_ID, 1).u32(CTRL_ATTR_OP_FLAGS, 0xe), nested);
      ops.nested(2, (op) => op.u32(CTRL_ATTR_OP_ID, 2).u32(CTRL_ATTR_OP_FLAGS, 0xa), nested);
    }, nested);
  if (options.groups) {
    const groups = options.groups;
    attrs.nested(CTRL_ATTR_MCAST_GROUPS, (list) => {
      groups.forEach(([name, id], i) => list.nested(i + 1, (g) => g.u32(CTRL_ATTR_MCAST_GRP_ID, id).nulString(CTRL_ATTR_MCAST_GRP_NAME, name), nested));
    }, nested);
  }
  const body = attrs.bytes();
  const payload = new Uint8Array(4 + body.length);
  payload.set([CTRL_CMD_NEWFAMILY, 2, 0, 0]);
  payload.set(body, 4);
  return encodeMessage({ type: GENL_ID_CTRL, flags: 0, seq, pid: PORT, payload });
}

/** A family message carrying MSG = text. */
function textMessage(seq: number, text: string, flags: number): Uint8Array {
  const body = new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, text).bytes();
  const payload = new Uint8Array(4 + body.length);
  payload.set([GNL_FOOBAR_XMPL_C_ECHO_MSG, 1, 0, 0]);
  payload.set(body, 4);
  return encodeMessage({ type: FAKE_ID, flags, seq, pid: PORT, payload });
}

function doneMessage(seq: number, error = 0): Uint8Array {
  return encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq, pid: PORT, payload: Uint8Array.from(u32(error >>> 0)) });
}

/** NLMSG_ERROR as netlink_ack builds it: capped (header only) or with the whole request, then optional TLVs. */
function errorMessage(request: Uint8Array, error: number, options: { capped: boolean; extAck?: string; offset?: number }): Uint8Array {
  const [req] = parseMessages(request);
  if (!req) throw new Error('grader bug: no request');
  const echoed = options.capped ? request.subarray(0, 16) : request.subarray(0, (req.header.length + 3) & ~3);
  const tlvs = new AttributeBuilder();
  if (options.extAck !== undefined) tlvs.nulString(NLMSGERR_ATTR_MSG, options.extAck);
  if (options.offset !== undefined) tlvs.u32(NLMSGERR_ATTR_OFFS, options.offset);
  const tlvBytes = tlvs.bytes();
  const payload = new Uint8Array(4 + echoed.length + tlvBytes.length);
  new DataView(payload.buffer).setInt32(0, error, true);
  payload.set(echoed, 4);
  payload.set(tlvBytes, 4 + echoed.length);
  let flags = options.capped ? NLM_F_CAPPED : 0;
  if (tlvBytes.length) flags |= NLM_F_ACK_TLVS;
  return encodeMessage({ type: NLMSG_ERROR, flags, seq: req.header.seq, pid: PORT, payload });
}

const ack = (request: Uint8Array): Uint8Array => errorMessage(request, 0, { capped: true });

/**
 * A Transport that answers each request with scripted datagrams, built from the
 * request itself (its seq). Receiving when nothing is left fails: on a real
 * socket that would wait forever.
 */
class ScriptedTransport implements client.Transport {
  readonly sent: ParsedMessage[] = [];
  readonly queue: Uint8Array[] = [];
  closed = false;

  constructor(private readonly answer: (request: ParsedMessage, bytes: Uint8Array) => Uint8Array[]) {}

  send(datagram: Uint8Array): void {
    for (const message of parseMessages(datagram)) {
      this.sent.push(message);
      this.queue.push(...this.answer(message, datagram));
    }
  }

  async receive(): Promise<Uint8Array> {
    const next = this.queue.shift();
    if (!next) {
      throw new GradeFailure('your client waited for another datagram after the kernel had finished answering: on a real socket it would hang here', {
        rule: 'an exchange ends at the ACK (doit) or at NLMSG_DONE (dump), wherever they sit in a datagram',
      });
    }
    return next;
  }

  close(): void {
    this.closed = true;
  }
}

/** Answers GETFAMILY like nlctrl (reply, then ACK) and dumps with `dumpDatagrams`. */
function scriptedFamily(dumpDatagrams: (seq: number) => Uint8Array[], extra: (seq: number) => Uint8Array[] = () => []): ScriptedTransport {
  return new ScriptedTransport((request, bytes) => {
    const { seq, type, flags } = request.header;
    if (type === GENL_ID_CTRL) return [...extra(seq), familyReply(seq), ack(bytes)];
    if (type === FAKE_ID && (flags & NLM_F_DUMP) === NLM_F_DUMP) return [...extra(seq), ...dumpDatagrams(seq)];
    if (type === FAKE_ID) {
      const text = parseGenlMessage(request).attributes.find((a) => a.type === GNL_FOOBAR_XMPL_A_MSG)?.nulString() ?? '';
      return [...extra(seq), textMessage(seq, text, 0), ack(bytes)];
    }
    throw new GradeFailure(`your client sent a message of type 0x${type.toString(16)}, neither nlctrl (0x10) nor the family`);
  });
}

/* ---------- helpers: the kernel's truth ---------- */

function state(t: TestContext): Record<string, string> {
  return readState((path) => t.readKernelFile(path));
}

async function referenceFamily(): Promise<Awaited<ReturnType<ReturnType<typeof openGenl>['resolveFamily']>>> {
  const ref = openGenl();
  try {
    return await ref.resolveFamily(GNL_FOOBAR_XMPL_FAMILY_NAME);
  } finally {
    ref.close();
  }
}

/** The student's client on a real socket, closed afterwards. */
async function withClient<T>(options: client.ClientOptions, fn: (c: client.FoobarClient) => Promise<T>): Promise<T> {
  const c = client.FoobarClient.open(options);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** A real socket as a Transport, so a test can slip its own datagrams in first. */
function socketTransport(capAck = false): { socket: NetlinkSocket; transport: client.Transport } {
  const socket = NetlinkSocket.open(NETLINK_GENERIC);
  socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  socket.setOption(SOL_NETLINK, NETLINK_CAP_ACK, capAck ? 1 : 0);
  return {
    socket,
    transport: {
      send: (d) => void socket.send(d),
      receive: async () => (await socket.receive({ timeoutMs: 3000 })).data,
      close: () => socket.close(),
    },
  };
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

export default defineLab({
  title: 'Generic netlink echo',
  module: { dir: 'kernel/02-genl-echo', name: 'gnl_foobar_xmpl' },
  studentFiles: ['genl.ts', 'client.ts', 'echo.ts'],
  firstStep: 'Open labs/02-genl-echo/genl.ts and do TODO 1 (encodeGenlRequest).',
  tests: [
    /* ---------------- genl.ts, byte by byte ---------------- */
    {
      name: 'encodeGenlRequest: nlmsghdr, then cmd, version, reserved 0, then the attributes',
      points: 2,
      rule: 'a genl request is nlmsghdr (type = family id, NLM_F_REQUEST set) + 4-byte genlmsghdr + attributes',
      hint: 'payload[0] = cmd, payload[1] = version, payload[2..3] = 0; nlmsg_len counts header + payload; always OR in NLM_F_REQUEST.',
      run() {
        const attrs = nla(CTRL_ATTR_FAMILY_NAME, [...ascii('nlctrl'), 0]);
        const got = genl.encodeGenlRequest({ familyId: GENL_ID_CTRL, cmd: 3, version: 2, flags: NLM_F_ACK, seq: 7, attributes: Uint8Array.from(attrs) });
        expect.bytes(got, [...nlmsghdr(16 + 4 + attrs.length, 0x10, NLM_F_REQUEST | NLM_F_ACK, 7, 0), 3, 2, 0, 0, ...attrs], { decode: 'genl', what: 'GETFAMILY "nlctrl" request' });
        const dump = genl.encodeGenlRequest({ familyId: 0x1b, cmd: 1, version: 1, flags: NLM_F_DUMP | NLM_F_ACK, seq: 0x01020304 });
        expect.bytes(dump, [...nlmsghdr(20, 0x1b, 0x305, 0x01020304, 0), 1, 1, 0, 0], { decode: 'genl', what: 'dump request without attributes' });
      },
    },
    {
      name: 'parseGenlMessage: genl header, then attributes with offsets from the nlmsghdr',
      points: 1,
      rule: 'the 4-byte genlmsghdr comes first in the payload; extended-ACK offsets count from the start of the nlmsghdr',
      hint: 'parseAttributes(payload.subarray(4), { baseOffset: 20 }); throw NetlinkParseError when the payload is shorter than 4 bytes.',
      async run() {
        const msg = [...nla(GNL_FOOBAR_XMPL_A_MSG, [...ascii('hi'), 0]), ...nla(7, u32(9))];
        const parsed = genl.parseGenlMessage(parsedOne([...nlmsghdr(20 + msg.length, FAKE_ID, 0, 5, 0), 1, 1, 0, 0, ...msg]));
        expect.equal(parsed.cmd, 1, { what: 'cmd' });
        expect.equal(parsed.version, 1, { what: 'version' });
        expect.deepEqual(parsed.attributes.map((a) => [a.type, a.offset]), [[1, 20], [7, 28]], { what: '[type, offset] of the attributes' });
        expect.equal(parsed.attributes[0]?.nulString(), 'hi', { what: 'MSG' });
        await expect.throws(
          () => genl.parseGenlMessage(parsedOne([...nlmsghdr(18, FAKE_ID, 0, 5, 0), 1, 1])),
          (e): e is Error => {
            if (e instanceof TodoError) throw e;
            return e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError);
          },
          'a payload of 2 bytes cannot hold a genlmsghdr: parseGenlMessage should throw a parse error',
        );
      },
    },
    {
      name: 'parseFamily: id, name, version, maxattr and the nested OPS and MCAST_GROUPS lists',
      points: 2,
      rule: 'CTRL_ATTR_OPS and CTRL_ATTR_MCAST_GROUPS are nests of nests; FAMILY_ID is a u16; order is never assumed',
      hint: 'For each entry of the OPS nest, parse its value as attributes again (entry.attributes()) and read OP_ID and OP_FLAGS.',
      run() {
        for (const nestedFlag of [false, true]) {
          const [message] = parseMessages(familyReply(1, { nestedFlag, groups: [['events', 0x21], ['alerts', 0x22]] }));
          const info = genl.parseFamily(parseGenlMessage(message!).attributes);
          expect.deepEqual(
            info,
            {
              id: FAKE_ID,
              name: GNL_FOOBAR_XMPL_FAMILY_NAME,
              version: 1,
              hdrSize: 0,
              maxAttr: 1,
              ops: [{ id: 1, flags: 0xe }, { id: 2, flags: 0xa }],
              mcastGroups: [{ name: 'events', id: 0x21 }, { name: 'alerts', id: 0x22 }],
            },
            { what: `parsed family (nests ${nestedFlag ? 'with' : 'without'} NLA_F_NESTED)` },
          );
        }
      },
    },
    {
      name: 'parseFamily: no groups is an empty list; a reply without FAMILY_ID is an error',
      points: 1,
      rule: 'MCAST_GROUPS is absent when a family has none; FAMILY_ID and FAMILY_NAME are required',
      async run() {
        const [message] = parseMessages(familyReply(1));
        const info = genl.parseFamily(parseGenlMessage(message!).attributes);
        expect.deepEqual(info.mcastGroups, [], { what: 'mcastGroups of a family without groups' });
        const attrs = [...nla(CTRL_ATTR_VERSION, u32(1)), ...nla(CTRL_ATTR_MAXATTR, u32(1))];
        const noId = parseMessages(Uint8Array.from([...nlmsghdr(20 + attrs.length, GENL_ID_CTRL, 0, 1, 0), 1, 2, 0, 0, ...attrs]));
        await expect.throws(() => genl.parseFamily(parseGenlMessage(noId[0]!).attributes), (e): e is Error => { if (e instanceof TodoError) throw e; return e instanceof Error; }, 'parseFamily should throw when FAMILY_ID is missing');
      },
    },
    {
      name: 'errorFromReply: ACK is undefined; an error is a GenlError with a positive errno, its name and the ext-ack text',
      points: 2,
      rule: 'NLMSG_ERROR carries a negative errno; extended-ACK TLVs follow the echoed request (rounded up to 4 bytes)',
      hint: 'errno = -error; TLVs start at 4 + NLMSG_ALIGN(echoed nlmsg_len) when NLM_F_CAPPED is clear.',
      run() {
        // A 21-byte request (a 1-byte attribute value): its echo is padded to 24.
        const request = Uint8Array.from([...nlmsghdr(21, FAKE_ID, NLM_F_REQUEST | NLM_F_ACK, 3, 0), 2, 1, 0, 0, 0x41, 0, 0, 0]);
        const ackMsg = parseMessages(ack(request))[0]!;
        expect.equal(genl.errorFromReply(ackMsg.payload, ackMsg.header.flags), undefined, { what: 'errorFromReply of an ACK' });
        const failed = parseMessages(errorMessage(request, -22, { capped: false, extAck: 'you asked for this', offset: 20 }))[0]!;
        const error = genl.errorFromReply(failed.payload, failed.header.flags);
        ok(error instanceof genl.GenlError, `expected a GenlError, got ${String(error)}`);
        expect.equal((error as genl.GenlError).errno, 22, { what: 'errno (positive)' });
        expect.equal((error as genl.GenlError).code, 'EINVAL', { what: 'code' });
        expect.equal((error as genl.GenlError).extAckMessage, 'you asked for this', { what: 'extAckMessage' });
        expect.equal((error as genl.GenlError).extAckOffset, 20, { what: 'extAckOffset' });
      },
    },
    {
      name: 'errorFromReply with NLM_F_CAPPED: the TLVs right after the request header are still read',
      points: 2,
      rule: 'with NETLINK_CAP_ACK the kernel echoes only the 16-byte request header and sets NLM_F_CAPPED',
      hint: 'Look at the NLMSG_ERROR message\'s own flags, not at the echoed nlmsg_len, to know where the TLVs start.',
      run() {
        const request = Uint8Array.from([...nlmsghdr(28, FAKE_ID, NLM_F_REQUEST | NLM_F_ACK, 3, 0), 1, 1, 0, 0, ...nla(1, [...ascii('abc'), 0])]);
        const failed = parseMessages(errorMessage(request, -2, { capped: true, extAck: 'gone' }))[0]!;
        const error = genl.errorFromReply(failed.payload, failed.header.flags);
        ok(error instanceof genl.GenlError, `expected a GenlError, got ${String(error)}`);
        expect.equal((error as genl.GenlError).errno, 2, { what: 'errno' });
        expect.equal((error as genl.GenlError).code, 'ENOENT', { what: 'code' });
        expect.equal((error as genl.GenlError).extAckMessage, 'gone', { what: 'extAckMessage of a capped error' });
      },
    },
    {
      name: 'readReplies skips messages with another seq (stale replies)',
      points: 1,
      rule: 'replies are matched on nlmsg_seq; an answer to an earlier request is not the answer to this one',
      hint: 'Compare header.seq with the seq of your request and skip the others (continue, not return).',
      run() {
        const into: genl.GenlMessage[] = [];
        const datagram = concatMessages([textMessage(6, 'stale', 0), doneMessage(6), textMessage(7, 'fresh', NLM_F_MULTI)]);
        const over = genl.readReplies(datagram, 7, into);
        expect.equal(over, false, { what: 'readReplies result (the DONE belongs to seq 6)' });
        expect.deepEqual(into.map((m) => m.attributes[0]?.nulString()), ['fresh'], { what: 'texts collected for seq 7' });
      },
    },
    {
      name: 'readReplies: DONE in the same datagram as data, and a dump over several datagrams',
      points: 2,
      rule: 'a dump ends at NLMSG_DONE, which may share a datagram with the last parts or arrive alone',
      hint: 'Walk every message of each datagram; return true at DONE, false when the datagram ends without it.',
      run() {
        const shared: genl.GenlMessage[] = [];
        expect.equal(genl.readReplies(concatMessages([textMessage(9, 'a', NLM_F_MULTI), textMessage(9, 'b', NLM_F_MULTI), doneMessage(9)]), 9, shared), true, { what: 'DONE shared with data: result' });
        expect.equal(shared.length, 2, { what: 'DONE shared with data: parts' });
        const spread: genl.GenlMessage[] = [];
        const steps = [textMessage(4, 'a', NLM_F_MULTI), concatMessages([textMessage(4, 'b', NLM_F_MULTI), textMessage(4, 'c', NLM_F_MULTI)]), doneMessage(4)].map((d) => genl.readReplies(d, 4, spread));
        expect.deepEqual(steps, [false, false, true], { what: 'results for three datagrams' });
        expect.deepEqual(spread.map((m) => m.attributes[0]?.nulString()), ['a', 'b', 'c'], { what: 'parts in order' });
      },
    },
    {
      name: 'readReplies: a negative DONE and an NLMSG_ERROR become GenlErrors; an ACK ends a doit',
      points: 1,
      rule: 'NLMSG_DONE carries an int error; NLMSG_ERROR with 0 is an ACK, otherwise a negative errno',
      async run() {
        await throwsGenl(() => genl.readReplies(concatMessages([textMessage(3, 'a', NLM_F_MULTI), doneMessage(3, -90)]), 3, []), (e) => e.errno === 90 && e.code === 'EMSGSIZE', 'a DONE carrying -EMSGSIZE should throw GenlError errno 90 EMSGSIZE');
        const request = Uint8Array.from([...nlmsghdr(20, FAKE_ID, NLM_F_REQUEST | NLM_F_ACK, 5, 0), 2, 1, 0, 0]);
        await throwsGenl(() => genl.readReplies(errorMessage(request, -22, { capped: false, extAck: 'no' }), 5, []), (e) => e.errno === 22 && e.extAckMessage === 'no', 'an NLMSG_ERROR carrying -EINVAL should throw GenlError errno 22 with its ext-ack text');
        const into: genl.GenlMessage[] = [];
        expect.equal(genl.readReplies(concatMessages([textMessage(5, 'r', 0), ack(request)]), 5, into), true, { what: 'reply + ACK: result' });
        expect.equal(into.length, 1, { what: 'reply + ACK: replies collected' });
      },
    },
    /* ---------------- the client, on hand-built datagrams ---------------- */
    {
      name: 'client dump loop on scripted datagrams: one part per datagram, DONE alone, stale replies in between',
      points: 2,
      rule: 'a dump is read datagram after datagram until NLMSG_DONE; other seqs are skipped',
      hint: 'exchange() keeps receiving until readReplies returns true.',
      async run() {
        const transport = scriptedFamily(
          (seq) => [textMessage(seq, 'one', NLM_F_MULTI), textMessage(seq - 1, 'stale', NLM_F_MULTI), textMessage(seq, 'two', NLM_F_MULTI), textMessage(seq, 'three', NLM_F_MULTI), doneMessage(seq)],
          (seq) => [textMessage(seq + 1000, 'noise', 0)],
        );
        const c = client.FoobarClient.open({ transport });
        expect.deepEqual(await c.dumpGreetings(), ['one', 'two', 'three'], { what: 'dumpGreetings()' });
        const dumpRequest = transport.sent.find((m) => m.header.type === FAKE_ID);
        ok(dumpRequest, 'the client never sent a request to the family');
        expect.equal(dumpRequest.header.flags & (NLM_F_REQUEST | NLM_F_DUMP), NLM_F_REQUEST | NLM_F_DUMP, { what: 'REQUEST and both DUMP bits on the dump request' });
        expect.equal(transport.queue.length, 0, { what: 'datagrams left unread' });
        c.close();
        ok(transport.closed, 'close() did not close the transport');
      },
    },
    {
      name: 'client dump loop on scripted datagrams: everything, DONE included, in one datagram',
      points: 2,
      rule: 'NLMSG_DONE can share a datagram with data: the parts before it count, and nothing more is read',
      async run() {
        const transport = scriptedFamily((seq) => [concatMessages([textMessage(seq, 'x', NLM_F_MULTI), textMessage(seq, 'y', NLM_F_MULTI), textMessage(seq, 'z', NLM_F_MULTI), doneMessage(seq)])]);
        const c = client.FoobarClient.open({ transport });
        expect.deepEqual(await c.dumpGreetings(), ['x', 'y', 'z'], { what: 'dumpGreetings()' });
        expect.equal(await c.echo('after'), 'after', { what: 'echo after the dump' });
      },
    },
    /* ---------------- against the module in the kernel ---------------- */
    {
      name: 'resolveFamily finds gnl_foobar_xmpl as nlctrl describes it',
      points: 2,
      rule: 'CTRL_CMD_GETFAMILY by name returns id, version, maxattr and the operations',
      hint: 'GETFAMILY goes to GENL_ID_CTRL (0x10) with CTRL_ATTR_FAMILY_NAME as a NUL-terminated string.',
      async run(t) {
        const ref = await referenceFamily();
        const got = await withClient({}, (c) => c.resolveFamily(GNL_FOOBAR_XMPL_FAMILY_NAME));
        expect.equal(got.id, counter(state(t), 'family_id'), { what: 'id (vs /proc family_id)' });
        expect.deepEqual(
          { name: got.name, version: got.version, hdrSize: got.hdrSize, maxAttr: got.maxAttr, ops: got.ops, mcastGroups: got.mcastGroups },
          { name: ref.name, version: ref.version, hdrSize: ref.hdrSize, maxAttr: ref.maxAttr, ops: ref.ops, mcastGroups: ref.multicastGroups },
          { what: 'family (vs the reference client)' },
        );
      },
    },
    {
      name: 'resolveFamily("nlctrl") lists its multicast group and operations',
      points: 1,
      rule: 'multicast group ids are read from the MCAST_GROUPS nest (the controller has "notify")',
      async run() {
        const ref = openGenl();
        let expected;
        try {
          expected = await ref.resolveFamily('nlctrl');
        } finally {
          ref.close();
        }
        const got = await withClient({}, (c) => c.resolveFamily('nlctrl'));
        expect.equal(got.id, GENL_ID_CTRL, { what: 'nlctrl id' });
        expect.deepEqual(got.mcastGroups, expected.multicastGroups, { what: 'multicast groups' });
        expect.deepEqual(got.ops, expected.ops, { what: 'operations' });
      },
    },
    {
      name: 'resolveFamily of an unknown name rejects with GenlError ENOENT',
      points: 1,
      rule: 'nlctrl answers -ENOENT for a family that is not registered',
      async run() {
        await withClient({}, (c) =>
          throwsGenl(() => c.resolveFamily('no_such_family'), (e) => e.errno === 2 && e.code === 'ENOENT', 'resolveFamily("no_such_family") should reject with GenlError errno 2 (ENOENT)'),
        );
      },
    },
    {
      name: 'echo(text) returns the kernel\'s reply and the module counts it',
      points: 2,
      rule: 'ECHO_MSG doit replies with the same MSG; /proc/gnl_foobar_xmpl/state counts echoes',
      hint: 'Send ECHO_MSG (cmd 1, version 1) to the resolved family id with GNL_FOOBAR_XMPL_A_MSG as a NUL-terminated string.',
      async run(t) {
        const before = counter(state(t), 'echoes');
        const text = `echo ${Date.now() % 100000} ✓`;
        expect.equal(await withClient({}, (c) => c.echo(text)), text, { what: 'echo() result' });
        const after = state(t);
        expect.equal(counter(after, 'echoes'), before + 1, { what: 'echoes counter' });
        expect.equal(after.last_message, text, { what: 'last_message in /proc' });
      },
    },
    {
      name: 'a stale reply already queued on the socket is skipped (GETFAMILY and echo)',
      points: 2,
      rule: 'replies are matched on nlmsg_seq: an answer to someone else\'s request on the same socket is not yours',
      hint: 'Give every request a new seq and ignore messages whose seq differs, in every exchange.',
      async run() {
        const { id } = await referenceFamily();
        const { socket, transport } = socketTransport();
        const c = client.FoobarClient.open({ transport });
        try {
          const stale = (seq: number, text: string): void =>
            void socket.send(encodeGenlMessage({ familyId: id, cmd: GNL_FOOBAR_XMPL_C_ECHO_MSG, version: 1, flags: NLM_F_REQUEST | NLM_F_ACK, seq, attributes: new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, text) }));
          // The kernel answers a doit while send() runs: these replies wait in the queue.
          stale(0x7ffffff0, 'stale before GETFAMILY');
          const family = await c.resolveFamily(GNL_FOOBAR_XMPL_FAMILY_NAME);
          expect.equal(family.id, id, { what: 'family id with a stale echo reply queued first' });
          stale(0x7ffffff1, 'stale before echo');
          expect.equal(await c.echo('fresh'), 'fresh', { what: 'echo() with a stale reply queued first' });
          expect.equal(await c.echo('fresh again'), 'fresh again', { what: 'a second echo() on the same client' });
        } finally {
          c.close();
        }
      },
    },
    {
      name: 'dumpGreetings returns the 3 greetings and the module counts one dump',
      points: 2,
      rule: 'ECHO_MSG with NLM_F_DUMP: 3 parts flagged NLM_F_MULTI, then NLMSG_DONE',
      hint: 'NLM_F_DUMP is two bits (ROOT | MATCH = 0x300).',
      async run(t) {
        const before = state(t);
        const greetings = await withClient({}, (c) => c.dumpGreetings());
        expect.deepEqual(greetings, new Array<string>(GNL_FOOBAR_XMPL_DUMP_PARTS).fill(GNL_FOOBAR_XMPL_DUMP_GREETING), { what: 'dumpGreetings()' });
        const after = state(t);
        expect.equal(counter(after, 'dumps'), counter(before, 'dumps') + 1, { what: 'dumps counter' });
        expect.equal(counter(after, 'dump_parts'), counter(before, 'dump_parts') + GNL_FOOBAR_XMPL_DUMP_PARTS, { what: 'dump_parts counter' });
      },
    },
    {
      name: 'dumpGreetings when the kernel puts NLMSG_DONE in the datagram of the last part, or all in one',
      points: 2,
      rule: 'DONE sharing a datagram with data still ends the dump, and the parts before it count',
      hint: 'Do not stop at the first datagram, and do not wait for a datagram that holds only DONE.',
      timeoutMs: 10_000,
      async run() {
        for (const perDatagram of [1, 2, 3]) {
          await withDumpLayout({ perDatagram, doneShared: true }, () =>
            withClient({}, async (c) => {
              expect.equal((await c.dumpGreetings()).length, GNL_FOOBAR_XMPL_DUMP_PARTS, { what: `greetings with ${perDatagram} part(s) per datagram and DONE shared` });
              expect.equal(await c.echo('next'), 'next', { what: 'echo right after that dump' });
            }),
          );
        }
      },
    },
    {
      name: 'provokeError: GenlError errno 22 (EINVAL) with the kernel\'s extended-ACK text',
      points: 2,
      rule: 'NLMSG_ERROR carries -EINVAL; the typed error has the positive errno, its name and NLMSGERR_ATTR_MSG',
      hint: 'errno is -error; the ext-ack TLVs follow the echoed request; NETLINK_EXT_ACK must be on.',
      async run(t) {
        const before = counter(state(t), 'errors');
        const error = await withClient({}, (c) => c.provokeError());
        ok(isGenlError(error), `provokeError() should resolve with a GenlError, got ${String(error)}`);
        const ref = openGenl();
        let refText: string | undefined;
        try {
          const { id } = await ref.resolveFamily(GNL_FOOBAR_XMPL_FAMILY_NAME);
          await ref.genlRequest(id, GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR, 1).then(
            () => expect.fail('grader: the module acknowledged REPLY_WITH_NLMSG_ERR'),
            (e: unknown) => {
              if (e instanceof NetlinkError) refText = e.extAckMessage;
              else throw e;
            },
          );
        } finally {
          ref.close();
        }
        expect.equal(error.errno, 22, { what: 'errno' });
        expect.equal(error.code, 'EINVAL', { what: 'code' });
        expect.equal(error.extAckMessage, refText, { what: 'extAckMessage (vs the reference client)' });
        expect.equal(counter(state(t), 'errors'), before + 2, { what: 'errors counter (yours and the reference client\'s)' });
      },
    },
    {
      name: 'with NETLINK_CAP_ACK on: the error text is still read, echo and dump still work',
      points: 2,
      rule: 'CAP_ACK removes the echoed request payload (NLM_F_CAPPED); the ext-ack TLVs move up',
      hint: 'Use the NLM_F_CAPPED flag of the NLMSG_ERROR message to find where the TLVs start.',
      async run() {
        await withClient({ capAck: true }, async (c) => {
          const error = await c.provokeError();
          ok(isGenlError(error), `provokeError() should resolve with a GenlError, got ${String(error)}`);
          expect.equal(error.errno, 22, { what: 'errno with CAP_ACK' });
          ok(error.extAckMessage !== undefined && /REPLY_WITH_NLMSG_ERR/.test(error.extAckMessage), `extAckMessage with CAP_ACK should be the kernel's text, got ${String(error.extAckMessage)}`);
          expect.equal(await c.echo('capped'), 'capped', { what: 'echo with CAP_ACK' });
          expect.equal((await c.dumpGreetings()).length, GNL_FOOBAR_XMPL_DUMP_PARTS, { what: 'dump with CAP_ACK' });
        });
      },
    },
    {
      name: 'the echo.ts CLI echoes, dumps and reports the error',
      points: 2,
      rule: 'the CLI is a thin shell over the client: its output is what the kernel answered',
      timeoutMs: 60_000,
      async run(t) {
        const text = `cli ${Date.now() % 100000}`;
        const echoed = await t.runStudentCli('echo.ts', [text]);
        expect.equal(echoed.code, 0, { what: `exit status of echo.ts "${text}" (stderr: ${echoed.stderr.trim()})` });
        expect.deepEqual(lines(echoed.stdout), [text], { what: 'echo.ts output' });
        expect.equal(state(t).last_message, text, { what: 'last_message in /proc after the CLI ran' });
        const dumped = await t.runStudentCli('echo.ts', ['--dump']);
        expect.deepEqual(lines(dumped.stdout), new Array<string>(GNL_FOOBAR_XMPL_DUMP_PARTS).fill(GNL_FOOBAR_XMPL_DUMP_GREETING), { what: 'echo.ts --dump output' });
        const failed = await t.runStudentCli('echo.ts', ['--error', '--cap-ack']);
        ok(/EINVAL/.test(failed.stdout) && /REPLY_WITH_NLMSG_ERR/.test(failed.stdout), `echo.ts --error should print EINVAL and the kernel's text, printed:\n${failed.stdout}${failed.stderr}`);
      },
    },
  ],
});
