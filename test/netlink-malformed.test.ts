/**
 * Property-style: thousands of random and mutated buffers. The parsers may only
 * throw NetlinkParseError, every view they return lies inside the input view
 * (never past it, even when the input is a window into a larger buffer), and
 * the decoder never throws at all.
 */
import { describe, expect, it } from 'vitest';
import {
  AttributeBuilder,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NetlinkParseError,
  type NetlinkAttribute,
  concatMessages,
  decodeDatagram,
  encodeGenlMessage,
  encodeMessage,
  formatDecoded,
  malformedMessages,
  describeMalformed,
  parseAttributes,
  parseErrorMessage,
  parseDoneMessage,
  parseFamilyReply,
  parseGenlMessage,
  parseMessages,
  prng,
} from '#netlink';

const random = prng(0xc0ffee);
const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

function randomBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => int(0, 255));
}

/** Valid-looking seeds to mutate: real framing with nested attributes and error replies. */
function seeds(): Uint8Array[] {
  const attrs = new AttributeBuilder()
    .nulString(2, 'nlctrl')
    .u16(1, 0x10)
    .nested(6, (ops) => ops.nested(1, (op) => op.u32(1, 3).u32(2, 14)))
    .nested(7, (groups) => groups.nested(1, (g) => g.nulString(1, 'notify').u32(2, 0x10)))
    .bytes();
  const genl = encodeGenlMessage({ familyId: 0x10, cmd: 1, version: 2, attributes: attrs, seq: 3, pid: 77 });
  const request = encodeMessage({ type: 0x10, flags: 5, seq: 9, payload: new Uint8Array([3, 1, 0, 0, 5, 0, 1, 0, 9, 0, 0, 0]) });
  const ext = new AttributeBuilder().nulString(1, 'bad attribute').u32(2, 20).nested(4, (p) => p.u32(1, 3)).bytes();
  const errPayload = Uint8Array.from([0xea, 0xff, 0xff, 0xff, ...request, ...ext]);
  const err = encodeMessage({ type: 2, flags: NLM_F_ACK_TLVS, seq: 9, pid: 77, payload: errPayload });
  const done = encodeMessage({ type: 3, flags: 2, seq: 3, payload: new Uint8Array(4) });
  return [genl, err, done, concatMessages([genl, genl, done]), attrs];
}

function mutate(input: Uint8Array): Uint8Array {
  let out = Uint8Array.from(input);
  const rounds = int(1, 4);
  for (let r = 0; r < rounds; r++) {
    const op = int(0, 5);
    if (op === 0 && out.length) out[int(0, out.length - 1)] = int(0, 255); // flip a byte
    else if (op === 1 && out.length) out = out.slice(0, int(0, out.length)); // truncate
    else if (op === 2) out = Uint8Array.from([...out, ...randomBytes(int(1, 9))]); // append
    else if (op === 3 && out.length >= 2) {
      const at = int(0, out.length - 2) & ~1; // a plausible u16 length field
      new DataView(out.buffer).setUint16(at, int(0, 0xffff), true);
    } else if (op === 4 && out.length >= 4) {
      const at = int(0, out.length - 4) & ~3;
      new DataView(out.buffer).setUint32(at, [0, 1, 4, 15, 16, 17, out.length, out.length + 1, 0xffffffff][int(0, 8)]!, true);
    } else if (op === 5 && out.length > 4) out = Uint8Array.from([...out.slice(0, int(0, out.length)), ...out]); // splice
  }
  return out;
}

/** Puts `bytes` in the middle of a larger buffer of 0xEE so any read past the window would be visible. */
function windowed(bytes: Uint8Array): Uint8Array {
  const big = new Uint8Array(bytes.length + 64).fill(0xee);
  big.set(bytes, 32);
  return big.subarray(32, 32 + bytes.length);
}

/** Cheap assertion for hot loops (expect() per byte buffer is too slow for thousands of cases). */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function insideWindow(view: Uint8Array, window: Uint8Array): boolean {
  return view.buffer === window.buffer && view.byteOffset >= window.byteOffset && view.byteOffset + view.byteLength <= window.byteOffset + window.byteLength;
}

function walkAttrs(attrs: NetlinkAttribute[], window: Uint8Array, depth: number): void {
  for (const a of attrs) {
    check(insideWindow(a.value, window), 'attribute value outside the input');
    for (const read of [() => a.u8(), () => a.u16(), () => a.u32(), () => a.u64(), () => a.s64(), () => a.be32(), () => a.nulString(), () => a.string(), () => a.ipv4(), () => a.flag()]) {
      try {
        read();
      } catch (e) {
        if (!(e instanceof NetlinkParseError)) throw e;
      }
    }
    if (depth < 8) {
      try {
        walkAttrs(a.attributes(), window, depth + 1);
      } catch (e) {
        if (!(e instanceof NetlinkParseError)) throw e;
      }
    }
  }
}

function exercise(bytes: Uint8Array): void {
  const window = windowed(bytes);
  const onlyParseErrors = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof NetlinkParseError)) throw new Error(`threw ${String(e)} for ${Buffer.from(bytes).toString('hex')}`);
    }
  };
  onlyParseErrors(() => {
    for (const m of parseMessages(window)) {
      check(insideWindow(m.payload, window), 'payload outside the input');
      check(m.header.length >= 16, 'nlmsg_len below 16 accepted');
      onlyParseErrors(() => {
        const g = parseGenlMessage(m);
        walkAttrs(g.attributes, window, 0);
        onlyParseErrors(() => void parseFamilyReply(g.attributes));
      });
      for (const flags of [0, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLM_F_CAPPED | NLM_F_ACK_TLVS]) {
        onlyParseErrors(() => {
          const e = parseErrorMessage(m.payload, flags);
          if (e.requestPayload) check(insideWindow(e.requestPayload, window), 'echoed request outside the input');
          if (e.extAck) walkAttrs(e.extAck.attributes, window, 0);
        });
        onlyParseErrors(() => void parseDoneMessage(m.payload, flags));
      }
    }
  });
  onlyParseErrors(() => walkAttrs(parseAttributes(window), window, 0));
  for (const kind of ['nlmsg', 'genl', 'nlattr', 'tlv', 'hex'] as const) {
    const tree = decodeDatagram(window, { kind });
    check(typeof formatDecoded(tree) === 'string', 'formatDecoded failed');
  }
}

describe('malformed input never escapes as anything but NetlinkParseError', () => {
  it('random buffers (3000)', { timeout: 120_000 }, () => {
    for (let i = 0; i < 3000; i++) exercise(randomBytes(int(0, 160)));
  });

  it('mutations of valid messages (4000)', { timeout: 120_000 }, () => {
    const base = seeds();
    for (let i = 0; i < 4000; i++) exercise(mutate(base[i % base.length]!));
  });

  it('every case of the fuzz generator', { timeout: 120_000 }, () => {
    const options = { seed: 7, count: 600, genlFamilyId: 0x10 };
    const messages = malformedMessages(options);
    expect(new Set(describeMalformed(options)).size).toBeGreaterThan(25);
    for (const m of messages) exercise(m);
  });
});

describe('fuzz generator', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = malformedMessages({ seed: 1, count: 200, genlFamilyId: 0x20 });
    const b = malformedMessages({ seed: 1, count: 200, genlFamilyId: 0x20 });
    const c = malformedMessages({ seed: 2, count: 200, genlFamilyId: 0x20 });
    expect(a.map((m) => Buffer.from(m).toString('hex'))).toEqual(b.map((m) => Buffer.from(m).toString('hex')));
    expect(a.map((m) => Buffer.from(m).toString('hex'))).not.toEqual(c.map((m) => Buffer.from(m).toString('hex')));
  });

  it('produces framing errors the strict parser rejects, and genl cases addressed to the family', () => {
    const options = { seed: 3, count: 400, genlFamilyId: 0x20 };
    const names = describeMalformed(options);
    const messages = malformedMessages(options);
    const rejected = (i: number): boolean => {
      try {
        parseMessages(messages[i]!);
        return false;
      } catch (e) {
        return e instanceof NetlinkParseError;
      }
    };
    for (let i = 0; i < names.length; i++) {
      if (['nlmsg_len below 16', 'nlmsg_len past the datagram', 'truncated header', 'bad message between two good ones'].includes(names[i]!)) {
        expect(rejected(i), `${names[i]} #${i}`).toBe(true);
      }
      if (names[i]!.startsWith('genl:')) expect(new DataView(messages[i]!.buffer).getUint16(4, true)).toBe(0x20);
    }
  });

  it('with randomTypes false, never addresses a type another protocol family could own', () => {
    const messages = malformedMessages({ seed: 11, count: 500, messageTypes: [0x10], randomTypes: false });
    for (const m of messages) {
      if (m.length < 6) continue;
      const type = new DataView(m.buffer).getUint16(4, true);
      expect(type < 0x10 || type === 0x10 || type >= 0x1000, `type ${type}`).toBe(true);
    }
  });
});
