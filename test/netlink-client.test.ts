/**
 * NetlinkClient against a scripted fake socket (exact control over datagram
 * boundaries, seq and pid), then against the host kernel when the AF_NETLINK
 * addon is available.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeBuilder,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NetlinkClient,
  NetlinkError,
  NetlinkProtocolError,
  NetlinkTimeoutError,
  type NetlinkSocketLike,
  type ParsedMessage,
  concatMessages,
  encodeMessage,
  malformedMessages,
  parseMessages,
  sendMalformed,
} from '#netlink';

const PORT = 4242;

function int32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/** An NLMSG_ERROR answering `req` (CAPPED, optional ext-ack message). */
function errorReply(req: ParsedMessage, errno: number, text?: string): Uint8Array {
  const header = encodeMessage({ type: req.header.type, flags: req.header.flags, seq: req.header.seq, pid: req.header.pid }).subarray(0, 16);
  new DataView(header.buffer, header.byteOffset).setUint32(0, req.header.length, true);
  const tlvs = text ? new AttributeBuilder().nulString(1, text).bytes() : new Uint8Array(0);
  return encodeMessage({
    type: NLMSG_ERROR,
    flags: NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0),
    seq: req.header.seq,
    pid: PORT,
    payload: Uint8Array.from([...int32(-errno), ...header, ...tlvs]),
  });
}

const ack = (req: ParsedMessage): Uint8Array => errorReply(req, 0);
const data = (req: ParsedMessage, flags = 0, text = 'x', pid = PORT, seq = req.header.seq): Uint8Array =>
  encodeMessage({ type: req.header.type, flags, seq, pid, payload: new TextEncoder().encode(text) });
const done = (req: ParsedMessage, error = 0, flags = NLM_F_MULTI): Uint8Array =>
  encodeMessage({ type: NLMSG_DONE, flags, seq: req.header.seq, pid: PORT, payload: int32(error) });

type Datagram = { data: Uint8Array; from?: number; truncated?: boolean };

/** A socket whose kernel is a script: for each request, the datagrams to deliver. */
class FakeSocket implements NetlinkSocketLike {
  readonly portId = PORT;
  readonly sent: ParsedMessage[] = [];
  readonly options: Array<[number, number, number]> = [];
  #queue: Datagram[] = [];
  #waiting: Array<{ resolve: (d: Datagram) => void; reject: (e: unknown) => void; signal?: AbortSignal }> = [];
  constructor(readonly script: (req: ParsedMessage, index: number) => Datagram[]) {}

  send(bytes: Uint8Array): number {
    for (const m of parseMessages(bytes)) {
      this.sent.push(m);
      for (const d of this.script(m, this.sent.length - 1)) this.push(d);
    }
    return bytes.length;
  }
  push(d: Datagram): void {
    const w = this.#waiting.shift();
    if (w) w.resolve(d);
    else this.#queue.push(d);
  }
  receive(options: { signal?: AbortSignal } = {}): Promise<{ data: Uint8Array; truncated: boolean; size: number; from: { portId: number; groups: number } }> {
    const shape = (d: Datagram) => ({ data: d.data, truncated: d.truncated ?? false, size: d.data.length, from: { portId: d.from ?? 0, groups: 0 } });
    const next = this.#queue.shift();
    if (next) return Promise.resolve(shape(next));
    return new Promise((resolve, reject) => {
      const entry = { resolve: (d: Datagram) => resolve(shape(d)), reject, ...(options.signal ? { signal: options.signal } : {}) };
      this.#waiting.push(entry);
      options.signal?.addEventListener('abort', () => {
        this.#waiting = this.#waiting.filter((w) => w !== entry);
        reject(options.signal!.reason);
      });
    });
  }
  setOption(level: number, name: number, value: number | boolean): void {
    this.options.push([level, name, Number(value)]);
  }
  close(): void {}
}

describe('NetlinkClient (scripted kernel)', () => {
  it('sets EXT_ACK by default and CAP_ACK when asked', () => {
    const s = new FakeSocket(() => []);
    new NetlinkClient(s, { capAck: true });
    expect(s.options).toEqual([
      [270, 11, 1],
      [270, 10, 1],
    ]);
  });

  it('do-request: reply then ACK; REQUEST always set; seq increases', async () => {
    const s = new FakeSocket((req) => [{ data: data(req, 0, 'hello') }, { data: ack(req) }]);
    const c = new NetlinkClient(s, { firstSeq: 100 });
    const r1 = await c.exchange(0x10, NLM_F_ACK);
    const r2 = await c.request(0x10, NLM_F_ACK);
    expect(s.sent.map((m) => [m.header.seq, m.header.flags, m.header.pid])).toEqual([
      [101, NLM_F_REQUEST | NLM_F_ACK, 0],
      [102, NLM_F_REQUEST | NLM_F_ACK, 0],
    ]);
    expect(r1.replies.map((m) => Buffer.from(m.payload).toString())).toEqual(['hello']);
    expect(r1.ack?.error).toBe(0);
    expect(r2).toHaveLength(1);
  });

  it('without ACK, a single reply ends the exchange', async () => {
    const s = new FakeSocket((req) => [{ data: data(req) }]);
    expect(await new NetlinkClient(s).request(0x10, 0)).toHaveLength(1);
  });

  it('an error reply rejects with NetlinkError carrying errno, name and ext-ack text', async () => {
    const s = new FakeSocket((req) => [{ data: errorReply(req, 17, 'table exists') }]);
    const error = await new NetlinkClient(s).request(0x15, NLM_F_ACK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({ errno: 17, code: 'EEXIST', extAckMessage: 'table exists', message: 'EEXIST (File exists): table exists' });
  });

  it('dump across datagrams, DONE in its own datagram', async () => {
    const s = new FakeSocket((req) => [
      { data: concatMessages([data(req, NLM_F_MULTI, 'a'), data(req, NLM_F_MULTI, 'b')]) },
      { data: data(req, NLM_F_MULTI, 'c') },
      { data: done(req) },
    ]);
    const r = await new NetlinkClient(s).dump(0x10);
    expect(s.sent[0]!.header.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | 0x300);
    expect(r.replies.map((m) => Buffer.from(m.payload).toString())).toEqual(['a', 'b', 'c']);
    expect(r.datagrams).toHaveLength(3);
    expect(r.done).toEqual({ error: 0 });
    expect(r.interrupted).toBe(false);
    expect(r.partsWithoutMulti).toBe(0);
  });

  it('dump where DONE shares the datagram with data; parts without MULTI are counted', async () => {
    const s = new FakeSocket((req) => [{ data: concatMessages([data(req, NLM_F_MULTI, 'a'), data(req, 0, 'b'), done(req)]) }]);
    const r = await new NetlinkClient(s).dump(0x10);
    expect(r.replies).toHaveLength(2);
    expect(r.partsWithoutMulti).toBe(1);
  });

  it('NLM_F_DUMP_INTR is surfaced, and retried when asked', async () => {
    let runs = 0;
    const s = new FakeSocket((req) => {
      runs++;
      const flags = runs === 1 ? NLM_F_MULTI | NLM_F_DUMP_INTR : NLM_F_MULTI;
      return [{ data: concatMessages([data(req, flags), done(req)]) }];
    });
    const c = new NetlinkClient(s);
    expect((await c.dump(0x10)).interrupted).toBe(true);
    runs = 0;
    const retried = await c.dump(0x10, undefined, { retries: 2 });
    expect(retried.interrupted).toBe(false);
    expect(runs).toBe(2);
  });

  it("DONE's negative error rejects the dump", async () => {
    const s = new FakeSocket((req) => [{ data: concatMessages([data(req, NLM_F_MULTI), done(req, -105)]) }]);
    await expect(new NetlinkClient(s).dump(0x10)).rejects.toMatchObject({ code: 'ENOBUFS', errno: 105 });
  });

  it('keeps notifications, wrong-pid, wrong-seq and non-kernel messages aside, never as replies', async () => {
    const s = new FakeSocket((req) => [
      { data: data(req, 0, 'notification', 0, 0) },
      { data: data(req, 0, 'other port', PORT + 1) },
      { data: data(req, 0, 'from a peer'), from: 999 },
      { data: data(req, 0, 'seq+1', PORT, req.header.seq + 1) },
      { data: data(req, 0, 'the reply') },
      { data: ack(req) },
    ]);
    const c = new NetlinkClient(s);
    const replies = await c.request(0x10, NLM_F_ACK);
    expect(replies.map((m) => Buffer.from(m.payload).toString())).toEqual(['the reply']);
    expect(c.unmatched.map((m) => Buffer.from(m.payload).toString())).toEqual(['notification', 'other port', 'from a peer', 'seq+1']);
  });

  it('times out with an error that names the near miss (reply with seq + 1)', async () => {
    const s = new FakeSocket((req) => [{ data: data(req, 0, 'late', PORT, req.header.seq + 1) }]);
    const c = new NetlinkClient(s, { firstSeq: 10 });
    const error = await c.request(0x10, NLM_F_ACK, undefined, { timeoutMs: 50, what: 'GREET "Ada"' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkTimeoutError);
    expect((error as Error).message).toBe(
      'GREET "Ada": got no reply and no ACK within 50 ms. Note: a type 0x10 arrived with seq 12: replies must echo the request\'s seq (11), not seq + 1.',
    );
  });

  it('answers concurrent requests by seq even when replies arrive out of order', async () => {
    const held: ParsedMessage[] = [];
    const s = new FakeSocket((req) => {
      held.push(req);
      return [];
    });
    const c = new NetlinkClient(s);
    const first = c.request(0x10, NLM_F_ACK);
    const second = c.request(0x11, NLM_F_ACK);
    s.push({ data: concatMessages([data(held[1]!, 0, 'two'), ack(held[1]!)]) });
    s.push({ data: concatMessages([data(held[0]!, 0, 'one'), ack(held[0]!)]) });
    expect((await first).map((m) => Buffer.from(m.payload).toString())).toEqual(['one']);
    expect((await second).map((m) => Buffer.from(m.payload).toString())).toEqual(['two']);
  });

  it('a truncated datagram fails the request instead of being parsed', async () => {
    const s = new FakeSocket((req) => [{ data: data(req).subarray(0, 16), truncated: true }]);
    await expect(new NetlinkClient(s).request(0x10, NLM_F_ACK)).rejects.toBeInstanceOf(NetlinkProtocolError);
  });
});

// ---- the host kernel ----

let hostError: string | undefined;
beforeAll(async () => {
  try {
    const { ensureNativeBinding } = await import('../tools/netlink-socket/build.ts');
    await ensureNativeBinding();
    NetlinkClient.open(NETLINK_GENERIC).close();
  } catch (error) {
    hostError = String(error);
  }
}, 120_000);

describe('NetlinkClient on the host kernel', () => {
  const clients: NetlinkClient[] = [];
  const open = (protocol: number): NetlinkClient => {
    const c = NetlinkClient.open(protocol);
    clients.push(c);
    return c;
  };
  afterAll(() => clients.forEach((c) => c.close()));

  it('resolves nlctrl: id 0x10, GETFAMILY among its ops, the "notify" multicast group', async (ctx) => {
    if (hostError) ctx.skip(`no AF_NETLINK addon: ${hostError}`);
    const family = await open(NETLINK_GENERIC).resolveFamily('nlctrl');
    expect(family.id).toBe(0x10);
    expect(family.name).toBe('nlctrl');
    expect(family.ops.map((o) => o.id)).toContain(3);
    expect(family.multicastGroups).toContainEqual({ name: 'notify', id: 0x10 });
  });

  it('an unknown family is ENOENT with a message that says what to check', async (ctx) => {
    if (hostError) ctx.skip(`no AF_NETLINK addon: ${hostError}`);
    const error = await open(NETLINK_GENERIC).resolveFamily('nosuchfamily').catch((e: unknown) => e);
    expect(error).toMatchObject({ errno: 2, code: 'ENOENT' });
    expect((error as Error).message).toMatch(/not registered \(is its kernel module loaded\?\)/);
  });

  it('an RTM_GETLINK dump finishes at NLMSG_DONE and includes the loopback device', async (ctx) => {
    if (hostError) ctx.skip(`no AF_NETLINK addon: ${hostError}`);
    const RTM_GETLINK = 18;
    const RTM_NEWLINK = 16;
    const IFLA_IFNAME = 3;
    const ifinfomsg = new Uint8Array(16); // family AF_UNSPEC: all links
    const result = await open(NETLINK_ROUTE).dump(RTM_GETLINK, ifinfomsg);
    expect(result.done?.error).toBe(0);
    expect(result.replies.length).toBeGreaterThan(0);
    expect(result.replies.every((m) => m.header.type === RTM_NEWLINK && (m.header.flags & NLM_F_MULTI) !== 0)).toBe(true);
    const { parseAttributes, findAttribute } = await import('#netlink');
    const names = result.replies.map((m) => findAttribute(parseAttributes(m.payload.subarray(16)), IFLA_IFNAME)?.nulString());
    expect(names).toContain('lo');
  });

  it('a bad request gets a NetlinkError with errno and the kernel\'s ext-ack text and offset', async (ctx) => {
    if (hostError) ctx.skip(`no AF_NETLINK addon: ${hostError}`);
    // GETFAMILY with CTRL_ATTR_FAMILY_ID as 1 byte: nlctrl's policy wants a u16.
    const attrs = new AttributeBuilder().nulString(2, 'nlctrl').u8(1, 5);
    const error = await open(NETLINK_GENERIC).genlRequest(0x10, 3, 1, attrs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    const e = error as NetlinkError;
    expect(e.code).toBe('ERANGE');
    expect(e.extAckMessage).toBeTruthy();
    expect(e.extAckOffset).toBe(16 + 4 + 12); // nlmsghdr + genlmsghdr + the 12-byte FAMILY_NAME attribute
  });

  it('sendMalformed to nlctrl: replies counted by errno, none malformed, nlctrl still serves', { timeout: 60_000 }, async (ctx) => {
    if (hostError) ctx.skip(`no AF_NETLINK addon: ${hostError}`);
    // randomTypes false + nlctrl's own id: nothing reaches another family on this host.
    const messages = malformedMessages({ seed: 5, count: 120, genlFamilyId: 0x10, messageTypes: [0x10], genlCommands: [0, 1, 3, 10, 200], randomTypes: false });
    const report = await sendMalformed(NETLINK_GENERIC, messages, { quietMs: 60, batch: 16 });
    expect(report.sent).toBe(120);
    expect(report.malformedReplies).toBe(0);
    expect(report.errors.EINVAL ?? 0).toBeGreaterThan(0);
    expect(Object.keys(report.errors).every((name) => /^E[A-Z]+$/.test(name))).toBe(true);
    expect((await open(NETLINK_GENERIC).resolveFamily('nlctrl')).id).toBe(0x10);
  });
});
