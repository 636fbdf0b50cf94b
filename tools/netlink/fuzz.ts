/**
 * Deterministic malformed netlink input for module self-tests
 * (kernel/NN-topic/selftest.ts): the same seed gives the same bytes, so a
 * crash found once can be replayed. Each returned Uint8Array is one datagram.
 *
 * Every case breaks exactly one rule (or a couple, labelled) so a failure can
 * be traced to it; `describeMalformed()` names the rule for a given index.
 */
import { AttributeBuilder } from './attributes.ts';
import {
  GENL_HDRLEN,
  NETLINK_EXT_ACK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_NOOP,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_ECHO,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  SOL_NETLINK,
} from './constants.ts';
import { errnoName, parseErrorMessage } from './errors.ts';
import { HOST_LITTLE_ENDIAN, NLMSG_ALIGN, concatMessages, encodeMessage, parseMessages, writeHeader } from './message.ts';

/** mulberry32: small, fast, and good enough to spread cases; fully determined by the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
  /** Printable ASCII without NUL. */
  text(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(0x21, 0x7e));
    return s;
  }
}

export interface MalformedOptions {
  seed: number;
  count: number;
  /** When set, generic netlink cases (bad genl headers and attributes) addressed to this family are mixed in. */
  genlFamilyId?: number;
  /** Message types a raw-protocol module understands (e.g. [0x10]); default: random types >= 0x10. */
  messageTypes?: number[];
  /** genl commands the family has (default 0..8). */
  genlCommands?: number[];
  /**
   * Allow random message types anywhere in 0x10..0xffff (default true). False keeps
   * random types at 0x1000 and above, which no protocol uses, so the bytes can be
   * sent to a shared protocol (NETLINK_GENERIC, NETLINK_ROUTE) on a real host
   * without reaching other families' handlers.
   */
  randomTypes?: boolean;
}

type Case = (rng: Rng, ctx: Context) => Uint8Array;

interface Context {
  seq: number;
  randomTypes: boolean;
  types: number[];
  familyId?: number;
  commands: number[];
}

function setLen(bytes: Uint8Array, len: number, at = 0): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, len >>> 0, HOST_LITTLE_ENDIAN);
  return bytes;
}

/** A type no known protocol uses unless random types are allowed. */
function freeType(rng: Rng, ctx: Context): number {
  return ctx.randomTypes ? rng.int(0x10, 0xffff) : rng.int(0x1000, 0xffff);
}

function userType(rng: Rng, ctx: Context): number {
  return ctx.types.length && rng.next() < 0.7 ? rng.pick(ctx.types) : freeType(rng, ctx);
}

function good(ctx: Context, type = NLMSG_NOOP): Uint8Array {
  return encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq });
}

const RAW_CASES: Record<string, Case> = {
  'nlmsg_len below 16': (rng, ctx) => {
    const m = encodeMessage({ type: userType(rng, ctx), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: rng.bytes(rng.int(0, 24)) });
    return setLen(m, rng.int(0, 15));
  },
  'nlmsg_len past the datagram': (rng, ctx) => {
    const m = encodeMessage({ type: userType(rng, ctx), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: rng.bytes(rng.int(0, 32)) });
    return setLen(m, rng.next() < 0.2 ? 0xffffffff : m.length + rng.int(1, 4096));
  },
  'truncated header': (rng, ctx) => good(ctx, userType(rng, ctx)).slice(0, rng.int(1, NLMSG_HDRLEN - 1)),
  'odd alignment: next message not at NLMSG_ALIGN': (rng, ctx) => {
    const first = encodeMessage({ type: userType(rng, ctx), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: rng.bytes(rng.int(1, 3) + 4 * rng.int(0, 4)) });
    const len = new DataView(first.buffer).getUint32(0, HOST_LITTLE_ENDIAN);
    const second = good(ctx);
    const out = new Uint8Array(len + second.length);
    out.set(first.subarray(0, len));
    out.set(second, len); // packed at nlmsg_len instead of NLMSG_ALIGN(nlmsg_len)
    return out;
  },
  'missing NLM_F_REQUEST': (rng, ctx) =>
    encodeMessage({ type: userType(rng, ctx), flags: rng.pick([0, NLM_F_ACK, NLM_F_ACK | NLM_F_ECHO, NLM_F_DUMP]), seq: ctx.seq, payload: rng.bytes(rng.int(0, 40)) }),
  'control type below NLMSG_MIN_TYPE': (rng, ctx) =>
    encodeMessage({ type: rng.int(0, 0x0f), flags: NLM_F_REQUEST | rng.pick([0, NLM_F_ACK, NLM_F_DUMP | NLM_F_ACK]), seq: ctx.seq, payload: rng.bytes(rng.int(0, 40)) }),
  'unknown message type': (rng, ctx) =>
    encodeMessage({ type: rng.int(0x1000, 0xffff), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: rng.bytes(rng.int(0, 64)) }),
  'known type, random payload and flags': (rng, ctx) =>
    encodeMessage({ type: userType(rng, ctx), flags: NLM_F_REQUEST | (rng.int(0, 0xffff) & ~1), seq: ctx.seq, payload: rng.bytes(rng.int(0, 300)) }),
  'known type, unterminated text payload': (rng, ctx) =>
    encodeMessage({ type: userType(rng, ctx), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: new TextEncoder().encode(rng.text(rng.pick([1, 63, 64, 65, 200, 4000]))) }),
  'random bytes': (rng, ctx) => {
    const out = rng.bytes(rng.int(0, 256));
    if (!ctx.randomTypes && out.length >= 6) new DataView(out.buffer).setUint16(4, rng.next() < 0.5 ? rng.int(0, 0x0f) : freeType(rng, ctx), HOST_LITTLE_ENDIAN);
    return out;
  },
  'bad message between two good ones': (rng, ctx) => {
    const badLen = rng.int(0, 15);
    const bad = setLen(encodeMessage({ type: userType(rng, ctx), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq }), badLen);
    return concatMessages([good(ctx), bad, good(ctx)]);
  },
  'ERROR/DONE sent to the kernel': (rng, ctx) =>
    encodeMessage({ type: rng.pick([NLMSG_ERROR, NLMSG_DONE]), flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: rng.bytes(rng.pick([0, 3, 4, 20, 36])) }),
};

function genl(ctx: Context, rng: Rng, body: Uint8Array, options: { cmd?: number; version?: number; reserved?: number; flags?: number } = {}): Uint8Array {
  const payload = new Uint8Array(GENL_HDRLEN + body.length);
  payload[0] = options.cmd ?? rng.pick(ctx.commands);
  payload[1] = options.version ?? 1;
  new DataView(payload.buffer).setUint16(2, options.reserved ?? 0, HOST_LITTLE_ENDIAN);
  payload.set(body, GENL_HDRLEN);
  return encodeMessage({ type: ctx.familyId!, flags: options.flags ?? NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload });
}

function randomAttrType(rng: Rng): number {
  return rng.pick([0, 1, 2, 3, 4, 5, rng.int(0, 16), rng.int(0, 0x3fff), 0x3fff]) | rng.pick([0, 0, 0, NLA_F_NESTED, NLA_F_NET_BYTEORDER]);
}

/** A nest `depth` levels deep around a small leaf. */
function deepNest(rng: Rng, depth: number): Uint8Array {
  let inner = new AttributeBuilder().u32(rng.int(1, 5), rng.int(0, 100)).bytes();
  for (let d = 0; d < depth; d++) inner = new AttributeBuilder().nested(rng.int(1, 5), inner).bytes();
  return inner;
}

const GENL_CASES: Record<string, Case> = {
  'genl: payload shorter than genlmsghdr': (rng, ctx) =>
    encodeMessage({ type: ctx.familyId!, flags: NLM_F_REQUEST | NLM_F_ACK, seq: ctx.seq, payload: rng.bytes(rng.int(0, GENL_HDRLEN - 1)) }),
  'genl: wrong version or non-zero reserved': (rng, ctx) =>
    genl(ctx, rng, new AttributeBuilder().nulString(1, rng.text(rng.int(0, 20))).bytes(), {
      version: rng.pick([0, 2, 255, rng.int(0, 255)]),
      reserved: rng.pick([0, 1, 0xffff]),
    }),
  'genl: unknown command': (rng, ctx) => genl(ctx, rng, rng.bytes(rng.int(0, 32)), { cmd: rng.int(0, 255) }),
  'genl: reserved or ambiguous flag bits': (rng, ctx) =>
    genl(ctx, rng, new AttributeBuilder().nulString(1, 'x').bytes(), {
      flags: NLM_F_REQUEST | NLM_F_ACK | rng.pick([NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND, NLM_F_DUMP, NLM_F_DUMP | NLM_F_EXCL, 0x1000, 0x8000]),
    }),
  'genl: nla_len below 4': (rng, ctx) => {
    const attrs = new AttributeBuilder().u32(1, 1).bytes();
    const bad = Uint8Array.of(rng.int(0, 3), 0, rng.int(0, 6), 0, ...rng.bytes(rng.int(0, 8)));
    return genl(ctx, rng, Uint8Array.from([...attrs, ...bad]));
  },
  'genl: attribute overruns the message': (rng, ctx) => {
    const a = new AttributeBuilder().binary(rng.int(1, 5), rng.bytes(rng.int(0, 12))).bytes();
    new DataView(a.buffer).setUint16(0, a.length + rng.int(1, 200), HOST_LITTLE_ENDIAN);
    return genl(ctx, rng, a);
  },
  'genl: trailing bytes shorter than an attribute header': (rng, ctx) =>
    genl(ctx, rng, Uint8Array.from([...new AttributeBuilder().u8(1, 1).bytes(), ...rng.bytes(rng.int(1, 3))])),
  'genl: wrong attribute types and lengths': (rng, ctx) => {
    const b = new AttributeBuilder();
    for (let i = rng.int(1, 6); i > 0; i--) b.binary(randomAttrType(rng), rng.bytes(rng.pick([0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 65, 1025])));
    return genl(ctx, rng, b.bytes());
  },
  'genl: unterminated or oversized strings': (rng, ctx) =>
    genl(ctx, rng, new AttributeBuilder().string(rng.int(1, 5), rng.text(rng.pick([0, 1, 15, 16, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 4000]))).bytes()),
  'genl: string with an embedded NUL': (rng, ctx) =>
    genl(ctx, rng, new AttributeBuilder().binary(rng.int(1, 5), new TextEncoder().encode(`${rng.text(3)}\0${rng.text(3)}`)).bytes()),
  'genl: duplicate attributes': (rng, ctx) => {
    const t = rng.int(1, 5);
    return genl(ctx, rng, new AttributeBuilder().nulString(t, rng.text(4)).u64(t, BigInt(rng.int(0, 1000))).nulString(t, '').bytes());
  },
  'genl: deep nests': (rng, ctx) => genl(ctx, rng, deepNest(rng, rng.pick([1, 2, 8, 32, 64, 200]))),
  'genl: self-similar nest (inner length equals outer)': (rng, ctx) => {
    // A nest whose only child claims the whole container: a naive recursive parser loops or overruns.
    const depth = rng.int(2, 40);
    const total = 4 * depth + 4;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    for (let d = 0; d < depth; d++) {
      dv.setUint16(d * 4, total, HOST_LITTLE_ENDIAN);
      dv.setUint16(d * 4 + 2, rng.int(1, 5) | NLA_F_NESTED, HOST_LITTLE_ENDIAN);
    }
    return genl(ctx, rng, out);
  },
  'genl: nested attribute holding garbage': (rng, ctx) =>
    genl(ctx, rng, new AttributeBuilder().attr(rng.int(1, 5) | NLA_F_NESTED, rng.bytes(rng.int(1, 40))).bytes()),
  'genl: dump request with garbage': (rng, ctx) =>
    genl(ctx, rng, rng.bytes(rng.int(0, 40)), { flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP }),
};

const RAW_NAMES = Object.keys(RAW_CASES);
const GENL_NAMES = Object.keys(GENL_CASES);

function plan(options: MalformedOptions): string[] {
  const names = options.genlFamilyId !== undefined ? [...RAW_NAMES, ...GENL_NAMES, ...GENL_NAMES] : RAW_NAMES;
  const out: string[] = [];
  // Round-robin first so every rule is covered even for small counts, then random.
  const rng = new Rng(options.seed ^ 0x5eed);
  for (let i = 0; i < options.count; i++) out.push(i < names.length ? names[i]! : rng.pick(names));
  return out;
}

/** Names the rule broken by each message `malformedMessages(options)` returns. */
export function describeMalformed(options: MalformedOptions): string[] {
  return plan(options);
}

/** `count` malformed datagrams, identical for identical options. seq = 1, 2, 3, ... */
export function malformedMessages(options: MalformedOptions): Uint8Array[] {
  const names = plan(options);
  const ctx: Context = {
    seq: 0,
    randomTypes: options.randomTypes ?? true,
    types: options.messageTypes ?? (options.genlFamilyId !== undefined ? [options.genlFamilyId] : []),
    commands: options.genlCommands ?? [0, 1, 2, 3, 4, 5, 6, 7, 8],
    ...(options.genlFamilyId !== undefined ? { familyId: options.genlFamilyId } : {}),
  };
  return names.map((name, i) => {
    ctx.seq = i + 1;
    const rng = new Rng((options.seed * 0x9e3779b1 + i) >>> 0);
    const make = RAW_CASES[name] ?? GENL_CASES[name]!;
    return make(rng, ctx);
  });
}

/** What came back while sending malformed input. */
export interface MalformedReport {
  sent: number;
  /** send() failures by errno name (the kernel may refuse a datagram outright). */
  sendErrors: Record<string, number>;
  /** NLMSG_ERROR with error 0. */
  acks: number;
  /** NLMSG_ERROR replies by errno name, e.g. { EINVAL: 120, EOPNOTSUPP: 12 }. */
  errors: Record<string, number>;
  /** Other replies (data, DONE) by type. */
  otherReplies: number;
  /** Replies the library could not parse: a module bug worth a look. */
  malformedReplies: number;
  /** Receive errors (ENOBUFS: replies were dropped because we sent faster than we read). */
  receiveErrors: Record<string, number>;
}

/** The socket operations sendMalformed needs (NetlinkSocket satisfies it). */
export interface FuzzSocket {
  send(bytes: Uint8Array): number;
  receive(options?: { timeoutMs?: number; bufferSize?: number }): Promise<{ data: Uint8Array; truncated: boolean }>;
  setOption(level: number, name: number, value: number | boolean): void;
  close(): void;
}

export interface SendMalformedOptions {
  genlFamilyId?: number;
  /** Messages sent before replies are drained (default 8: keeps the receive queue far from overflowing). */
  batch?: number;
  /** A drain ends after this long without a reply (default 150 ms; raise it under slow emulation). */
  quietMs?: number;
  /** Use this socket instead of opening one (it is not closed). */
  socket?: FuzzSocket;
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/**
 * Sends every message on a fresh socket of `protocol` and reads all replies,
 * never failing on error replies: the result counts them by errno. A module
 * passes its self-test if the kernel stays healthy and it still serves
 * afterwards (the caller checks that).
 */
export async function sendMalformed(protocol: number, messages: readonly Uint8Array[], options: SendMalformedOptions = {}): Promise<MalformedReport> {
  let socket = options.socket;
  if (!socket) {
    const { NetlinkSocket } = await import('#socket');
    socket = NetlinkSocket.open(protocol);
  }
  const owned = !options.socket;
  const report: MalformedReport = { sent: 0, sendErrors: {}, acks: 0, errors: {}, otherReplies: 0, malformedReplies: 0, receiveErrors: {} };
  const batch = options.batch ?? 8;
  const quietMs = options.quietMs ?? 150;
  const s = socket;
  try {
    s.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    const drain = async (): Promise<void> => {
      for (;;) {
        let datagram: { data: Uint8Array; truncated: boolean };
        try {
          datagram = await s.receive({ timeoutMs: quietMs, bufferSize: 65536 });
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'unknown';
          if (code === 'ETIMEDOUT') return;
          bump(report.receiveErrors, code);
          if (code !== 'ENOBUFS') return;
          continue;
        }
        try {
          if (datagram.truncated) throw new Error('truncated');
          for (const m of parseMessages(datagram.data)) {
            if (m.header.type === NLMSG_ERROR) {
              const e = parseErrorMessage(m.payload, m.header.flags).error;
              if (e === 0) report.acks++;
              else bump(report.errors, errnoName(e));
            } else report.otherReplies++;
          }
        } catch {
          report.malformedReplies++;
        }
      }
    };
    for (let i = 0; i < messages.length; i++) {
      try {
        s.send(messages[i]!);
        report.sent++;
      } catch (error) {
        bump(report.sendErrors, (error as { code?: string }).code ?? 'unknown');
      }
      if ((i + 1) % batch === 0 || i === messages.length - 1) await drain();
    }
  } finally {
    if (owned) s.close();
  }
  return report;
}

/** Pads to NLMSG_ALIGN: exported for tests that build their own cases. */
export function alignedCopy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(NLMSG_ALIGN(bytes.length));
  out.set(bytes);
  return out;
}

/** Rewrites nlmsg_len of the message at `offset` (tests use it to break framing on purpose). */
export function withLength(bytes: Uint8Array, length: number, offset = 0): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const dv = new DataView(copy.buffer);
  writeHeader(copy, offset, {
    length,
    type: dv.getUint16(offset + 4, HOST_LITTLE_ENDIAN),
    flags: dv.getUint16(offset + 6, HOST_LITTLE_ENDIAN),
    seq: dv.getUint32(offset + 8, HOST_LITTLE_ENDIAN),
    pid: dv.getUint32(offset + 12, HOST_LITTLE_ENDIAN),
  });
  return copy;
}
