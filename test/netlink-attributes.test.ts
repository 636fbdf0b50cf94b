import { describe, expect, it } from 'vitest';
import {
  AttributeBuilder,
  NLA_ALIGN,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NetlinkParseError,
  findAttribute,
  findAttributes,
  parseAttributes,
} from '#netlink';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
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

describe('attribute builder (hand-computed vectors, little-endian host)', () => {
  it('pads to 4 with zeros and keeps padding out of nla_len', () => {
    expect(hex(new AttributeBuilder().u8(1, 0xab).bytes())).toBe('05000100' + 'ab000000');
    expect(hex(new AttributeBuilder().u16(1, 0x1234).bytes())).toBe('06000100' + '34120000');
    expect(hex(new AttributeBuilder().u32(2, 0x01020304).bytes())).toBe('08000200' + '04030201');
    expect(hex(new AttributeBuilder().u64(5, 1n).bytes())).toBe('0c000500' + '0100000000000000');
    expect(hex(new AttributeBuilder().s8(1, -1).bytes())).toBe('05000100' + 'ff000000');
    expect(hex(new AttributeBuilder().s16(1, -2).bytes())).toBe('06000100' + 'feff0000');
    expect(hex(new AttributeBuilder().s32(1, -3).bytes())).toBe('08000100' + 'fdffffff');
    expect(hex(new AttributeBuilder().s64(1, -1n).bytes())).toBe('0c000100' + 'ffffffffffffffff');
  });

  it('strings: NLA_STRING without NUL, NLA_NUL_STRING with one', () => {
    expect(hex(new AttributeBuilder().string(3, 'abcde').bytes())).toBe('09000300' + '6162636465' + '000000');
    expect(hex(new AttributeBuilder().nulString(2, 'abc').bytes())).toBe('08000200' + '61626300');
    expect(hex(new AttributeBuilder().nulString(2, '').bytes())).toBe('05000200' + '00000000');
  });

  it('flag, binary, big-endian and IPv4 values', () => {
    expect(hex(new AttributeBuilder().flag(9).bytes())).toBe('04000900');
    expect(hex(new AttributeBuilder().binary(4, bytes('010203040506')).bytes())).toBe('0a000400' + '010203040506' + '0000');
    expect(hex(new AttributeBuilder().be16(6, 0x1f90).bytes())).toBe('06000600' + '1f900000');
    expect(hex(new AttributeBuilder().be32(6, 0x0a000001, { netByteOrderFlag: true }).bytes())).toBe('08000640' + '0a000001');
    expect(hex(new AttributeBuilder().ipv4(7, '192.168.1.1').bytes())).toBe('08000700' + 'c0a80101');
  });

  it('nested: nla_len covers the inner attributes including their padding; NLA_F_NESTED is set', () => {
    const b = new AttributeBuilder().nested(4, (n) => n.u16(1, 0x1234).flag(2));
    // inner: 06000100 34120000 | 04000200  (12 bytes) -> outer nla_len 16, type 0x8004
    expect(hex(b.bytes())).toBe('10000480' + '0600010034120000' + '04000200');
    const noFlag = new AttributeBuilder().nested(4, (n) => n.u8(1, 1), { nestedFlag: false });
    expect(hex(noFlag.bytes())).toBe('0c000400' + '0500010001000000');
  });

  it('rejects values that do not fit', () => {
    expect(() => new AttributeBuilder().u8(1, 256)).toThrow(RangeError);
    expect(() => new AttributeBuilder().u16(1, -1)).toThrow(RangeError);
    expect(() => new AttributeBuilder().s8(1, 128)).toThrow(RangeError);
    expect(() => new AttributeBuilder().u64(1, -1n)).toThrow(RangeError);
    expect(() => new AttributeBuilder().binary(1, new Uint8Array(65532))).toThrow(RangeError);
    expect(() => new AttributeBuilder().ipv4(1, '1.2.3')).toThrow(RangeError);
    expect(() => new AttributeBuilder().ipv4(1, '1.2.3.256')).toThrow(RangeError);
    expect(new AttributeBuilder().binary(1, new Uint8Array(65531)).bytes().length).toBe(65536);
  });
});

describe('attribute parser', () => {
  const stream = new AttributeBuilder()
    .nulString(2, 'abc')
    .u64(5, 0x1122334455667788n)
    .nested(4, (n) => n.u16(1, 0x1234).flag(2).nested(3, (m) => m.u32(1, 7)))
    .be32(6, 0x0a000001, { netByteOrderFlag: true })
    .string(3, 'abcde')
    .u8(1, 200)
    .u8(1, 201)
    .bytes();

  it('parses every attribute with offsets, masked types and flag bits', () => {
    const attrs = parseAttributes(stream, { baseOffset: 20 });
    expect(attrs.map((a) => [a.type, a.rawType, a.length, a.offset, a.nested, a.netByteOrder])).toEqual([
      [2, 2, 8, 20, false, false],
      [5, 5, 12, 28, false, false],
      [4, 4 | NLA_F_NESTED, 28, 40, true, false],
      [6, 6 | NLA_F_NET_BYTEORDER, 8, 68, false, true],
      [3, 3, 9, 76, false, false],
      [1, 1, 5, 88, false, false],
      [1, 1, 5, 96, false, false],
    ]);
  });

  it('reads typed values and does not assume order', () => {
    const attrs = parseAttributes(stream);
    expect(findAttribute(attrs, 3)?.string()).toBe('abcde');
    expect(findAttribute(attrs, 2)?.nulString()).toBe('abc');
    expect(findAttribute(attrs, 5)?.u64()).toBe(0x1122334455667788n);
    expect(findAttribute(attrs, 6)?.be32()).toBe(0x0a000001);
    expect(findAttribute(attrs, 6)?.ipv4()).toBe('10.0.0.1');
    expect(findAttributes(attrs, 1).map((a) => a.u8())).toEqual([200, 201]);
    const nest = findAttribute(attrs, 4)!.attributes();
    expect(nest.map((a) => [a.type, a.offset])).toEqual([
      [1, 24],
      [2, 32],
      [3, 36],
    ]);
    expect(findAttribute(nest, 1)?.u16()).toBe(0x1234);
    expect(findAttribute(nest, 2)?.flag()).toBe(true);
    expect(findAttribute(findAttribute(nest, 3)!.attributes(), 1)?.u32()).toBe(7);
  });

  it('typed accessors check lengths', () => {
    const [a] = parseAttributes(bytes('06000100' + '34120000'));
    expect(a!.u16()).toBe(0x1234);
    for (const read of [() => a!.u8(), () => a!.u32(), () => a!.u64(), () => a!.s32(), () => a!.flag(), () => a!.ipv4()]) {
      expect(parseError(read).rule).toBe('nla-value-length');
    }
  });

  it('nulString requires a NUL, string tolerates both', () => {
    const [unterminated] = parseAttributes(new AttributeBuilder().string(1, 'xyz').bytes());
    expect(parseError(() => unterminated!.nulString()).rule).toBe('nla-string-unterminated');
    expect(unterminated!.string()).toBe('xyz');
    const [terminated] = parseAttributes(new AttributeBuilder().nulString(1, 'xyz').bytes());
    expect(terminated!.string()).toBe('xyz');
  });

  it('rejects nla_len < 4, overruns and truncated headers at the right offset', () => {
    const good = new AttributeBuilder().u32(1, 1).bytes();
    for (let len = 0; len < 4; len++) {
      const e = parseError(() => parseAttributes(Uint8Array.from([...good, len, 0, 2, 0]), { baseOffset: 100 }));
      expect(e.rule).toBe('nla-len-below-header');
      expect(e.offset).toBe(108);
    }
    expect(parseError(() => parseAttributes(bytes('09000100' + '01020304'))).rule).toBe('nla-len-past-end');
    expect(parseError(() => parseAttributes(bytes('08000100' + '01020304' + '0400'))).rule).toBe('nla-header-truncated');
    // An inner attribute that overruns its container (but not the whole buffer) is caught.
    const overrun = bytes('0c000180' + '0c000100' + '01020304' + '08000200' + '00000000');
    const outer = parseAttributes(overrun);
    expect(outer).toHaveLength(2);
    const e = parseError(() => outer[0]!.attributes());
    expect(e.rule).toBe('nla-len-past-end');
    expect(e.offset).toBe(4);
  });

  it('accepts a last attribute without its padding', () => {
    expect(parseAttributes(bytes('05000100ff')).map((a) => a.u8())).toEqual([255]);
  });

  it('NLA_ALIGN', () => {
    expect([0, 1, 4, 5, 8, 9].map(NLA_ALIGN)).toEqual([0, 4, 4, 8, 8, 12]);
  });
});
