import { endianness } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  HOST_LITTLE_ENDIAN,
  NLMSG_ALIGN,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NetlinkParseError,
  concatMessages,
  decodeHeader,
  encodeMessage,
  parseMessages,
} from '#netlink';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function parseError(fn: () => unknown): NetlinkParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof NetlinkParseError) return error;
    throw error;
  }
  throw new Error('expected a NetlinkParseError, nothing was thrown');
}

describe('nlmsghdr framing', () => {
  it('probes host byte order the same way os.endianness() reports it', () => {
    expect(HOST_LITTLE_ENDIAN).toBe(endianness() === 'LE');
  });

  it('aligns to 4 bytes, also above 2^31', () => {
    expect([0, 1, 2, 3, 4, 5, 16, 17, 19, 20].map(NLMSG_ALIGN)).toEqual([0, 4, 4, 4, 4, 8, 16, 20, 20, 20]);
    expect(NLMSG_ALIGN(0x80000001)).toBe(0x80000004);
  });

  it('encodes header + payload with nlmsg_len excluding padding and zeroed padding', () => {
    const m = encodeMessage({ type: 0x10, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, pid: 0, payload: bytes('686900') });
    // nlmsg_len 19 = 16 + 3; type 0x0010; flags 0x0005; seq 1; pid 0; "hi\0"; one zero pad byte
    expect(hex(m)).toBe('13000000' + '1000' + '0500' + '01000000' + '00000000' + '686900' + '00');
  });

  it('encodes an empty payload as exactly 16 bytes', () => {
    expect(hex(encodeMessage({ type: 1, flags: 5, seq: 0xdeadbeef, pid: 7 }))).toBe('10000000' + '0100' + '0500' + 'efbeadde' + '07000000');
  });

  it('rejects out-of-range header fields instead of wrapping', () => {
    expect(() => encodeMessage({ type: 0x10000, flags: 0 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 1, flags: -1 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 1, flags: 0, seq: 2 ** 32 })).toThrow(RangeError);
  });

  it('splits several messages in one datagram at NLMSG_ALIGN(nlmsg_len)', () => {
    const a = encodeMessage({ type: 0x10, flags: 1, seq: 1, payload: bytes('aa') }); // len 17, 20 on the wire
    const b = encodeMessage({ type: 0x11, flags: 1, seq: 2, payload: bytes('bbccdd') }); // len 19
    const c = encodeMessage({ type: 0x12, flags: 1, seq: 3 });
    const dgram = concatMessages([a, b, c]);
    expect(dgram.length).toBe(20 + 20 + 16);
    const parsed = parseMessages(dgram);
    expect(parsed.map((m) => [m.offset, m.header.type, m.header.length, m.header.seq, hex(m.payload)])).toEqual([
      [0, 0x10, 17, 1, 'aa'],
      [20, 0x11, 19, 2, 'bbccdd'],
      [40, 0x12, 16, 3, ''],
    ]);
  });

  it('accepts a last message whose padding was trimmed', () => {
    const m = encodeMessage({ type: 0x10, flags: 1, payload: bytes('aa') }).subarray(0, 17);
    expect(parseMessages(m)).toHaveLength(1);
  });

  it('decodes a hand-written NLMSG_ERROR header', () => {
    const h = decodeHeader(bytes('24000000 0200 0001 05000000 39300000'));
    expect(h).toEqual({ length: 36, type: NLMSG_ERROR, flags: 0x100, seq: 5, pid: 12345 });
  });

  it('rejects nlmsg_len below 16 at the offset of the bad header', () => {
    const good = encodeMessage({ type: 0x10, flags: 1 });
    for (let len = 0; len < 16; len++) {
      const bad = encodeMessage({ type: 0x10, flags: 1 });
      new DataView(bad.buffer).setUint32(0, len, HOST_LITTLE_ENDIAN);
      const e = parseError(() => parseMessages(concatMessages([good, bad])));
      expect(e.rule).toBe('nlmsg-len-below-header');
      expect(e.offset).toBe(16);
    }
  });

  it('rejects nlmsg_len past the datagram', () => {
    const m = encodeMessage({ type: 0x10, flags: 1, payload: bytes('00000000') });
    new DataView(m.buffer).setUint32(0, 21, HOST_LITTLE_ENDIAN);
    const e = parseError(() => parseMessages(m));
    expect(e.rule).toBe('nlmsg-len-past-end');
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/nlmsg_len is 21, but only 20 bytes/);
  });

  it('rejects a truncated header and trailing bytes that cannot hold a header', () => {
    expect(parseError(() => parseMessages(bytes('100000000100'))).rule).toBe('nlmsg-header-truncated');
    const e = parseError(() => parseMessages(concatMessages([encodeMessage({ type: 3, flags: 2 }), bytes('000000')])));
    expect(e.rule).toBe('nlmsg-header-truncated');
    expect(e.offset).toBe(16);
  });

  it('returns payload views that stay inside the datagram view', () => {
    const big = new Uint8Array(64).fill(0xee);
    const inner = encodeMessage({ type: 0x10, flags: 1, payload: bytes('0102') });
    big.set(inner, 8);
    const view = big.subarray(8, 8 + 18);
    const [m] = parseMessages(view);
    expect(m?.payload.byteOffset).toBe(8 + 16);
    expect(hex(m!.payload)).toBe('0102');
  });
});
