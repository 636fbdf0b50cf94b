/**
 * Part B: netlink attributes (struct nlattr), your own encoder and parser.
 *
 *    0               2               4
 *   +---------------+---------------+-----------------------+---------+
 *   | nla_len (u16) | nla_type (u16)| value (nla_len - 4)   | padding |
 *   +---------------+---------------+-----------------------+---------+
 *   |<------------------ nla_len ------------------------->|
 *   |<---------------------- NLA_ALIGN(nla_len) ----------------------->|
 *
 * nla_len counts the header and the value, never the padding; padding bytes
 * are zero; the next attribute starts at NLA_ALIGN(nla_len). The top two bits
 * of nla_type are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER), not part of the
 * type. Header fields are in host byte order (little-endian on x86).
 *
 * Write this without #netlink's attribute code (AttributeBuilder,
 * parseAttributes): the graded tests use that library as the independent
 * oracle your bytes are compared with.
 */
import { TodoError } from '#grader';

export const NLA_HDRLEN = 4;
export const NLA_ALIGNTO = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
/** The bits of nla_type that are the type itself. */
export const NLA_TYPE_MASK = 0x3fff;
/** nla_len is a u16 that includes the 4-byte header. */
export const NLA_MAX_VALUE_LENGTH = 0xffff - NLA_HDRLEN;

/** Which rule malformed bytes (or an impossible value) broke. */
export type NlattrRule =
  /** 1..3 bytes left where a 4-byte header should start. */
  | 'header-truncated'
  /** nla_len < 4: it always counts the header. */
  | 'len-below-header'
  /** nla_len runs past the end of the container. */
  | 'len-past-end'
  /** An accessor found a value of the wrong size (a u32 read of a 2-byte value, a flag with bytes). */
  | 'value-length'
  /** nulString() on a value without a NUL. */
  | 'string-unterminated'
  /** Encoder: a type or value outside what the field can hold. */
  | 'value-range';

/** The only error this file throws. */
export class NlattrError extends Error {
  override name = 'NlattrError';
  constructor(
    readonly rule: NlattrRule,
    /** Offset of the attribute header concerned (counted from the parser's baseOffset), or 0 for encoder errors. */
    readonly offset: number,
    detail: string,
  ) {
    super(`${detail} (offset ${offset}, rule ${rule})`);
  }
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Concatenates byte arrays (given). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/* ------------------------------- encoding ------------------------------- */

// #region align
/** Rounds up to a multiple of 4 (the kernel's NLA_ALIGN). */
export function nlaAlign(length: number): number {
  // TODO 4: Round length up to the next multiple of NLA_ALIGNTO (0 -> 0, 5 -> 8, 8 -> 8).
  throw new TodoError('TODO 4 (nlaAlign)');
}
// #endregion align

// #region encode
/**
 * One attribute: header, value, zero padding up to the next 4-byte boundary.
 * `type` is written as given (flag bits included).
 */
export function encodeAttribute(type: number, value: Uint8Array): Uint8Array {
  // TODO 5: Check type is an integer in 0..0xffff and value fits (NLA_MAX_VALUE_LENGTH), else
  //   NlattrError('value-range', 0, ...). nla_len = 4 + value.length (no padding in it!);
  //   the result is nlaAlign(nla_len) bytes long with the padding bytes zero.
  throw new TodoError('TODO 5 (encodeAttribute)');
}
// #endregion encode

/**
 * The bytes of an integer: `size` bytes, signed or unsigned, host byte order
 * unless `bigEndian`. Numbers for sizes 1..4; numbers or bigints for 8.
 */
export function integerBytes(value: number | bigint, size: 1 | 2 | 4 | 8, signed: boolean, bigEndian = false): Uint8Array {
  // TODO 6: Check the value fits (unsigned 0..2^(8*size)-1, signed -2^(8*size-1)..2^(8*size-1)-1,
  //   integers only) else NlattrError('value-range', 0, ...), then write it with a DataView
  //   (setUint8/16/32, setInt8/16/32, setBigUint64/setBigInt64); littleEndian = HOST_LE && !bigEndian.
  throw new TodoError('TODO 6 (integerBytes)');
}

// #region nulstring
/** NLA_NUL_STRING: the UTF-8 text and one NUL, the NUL counted in nla_len. */
export function nlaNulString(type: number, text: string): Uint8Array {
  // TODO 7: Encode the text as UTF-8, append one 0 byte, and make that the value.
  throw new TodoError('TODO 7 (nlaNulString)');
}
// #endregion nulstring

// #region nested
/**
 * A nested attribute: its value is the concatenation of already-encoded
 * attributes (each padded), and its type carries NLA_F_NESTED.
 */
export function nlaNested(type: number, children: readonly Uint8Array[]): Uint8Array {
  // TODO 8: The value is concatBytes(children); set NLA_F_NESTED on the type (strict kernel
  //   validation rejects a nest without it).
  throw new TodoError('TODO 8 (nlaNested)');
}
// #endregion nested

/** Typed encoders (given): each returns one encoded attribute. */
export const nla = {
  u8: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 1, false)),
  u16: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 2, false)),
  u32: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 4, false)),
  u64: (type: number, v: number | bigint): Uint8Array => encodeAttribute(type, integerBytes(v, 8, false)),
  s8: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 1, true)),
  s16: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 2, true)),
  s32: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 4, true)),
  s64: (type: number, v: number | bigint): Uint8Array => encodeAttribute(type, integerBytes(v, 8, true)),
  /** Network byte order. The NLA_F_NET_BYTEORDER bit is not set: most kernel code never looks at it. */
  be16: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 2, false, true)),
  be32: (type: number, v: number): Uint8Array => encodeAttribute(type, integerBytes(v, 4, false, true)),
  /** NLA_FLAG: presence is the value; nla_len 4. */
  flag: (type: number): Uint8Array => encodeAttribute(type, new Uint8Array(0)),
  /** NLA_STRING: UTF-8 without a NUL. */
  string: (type: number, text: string): Uint8Array => encodeAttribute(type, utf8.encode(text)),
  nulString: (type: number, text: string): Uint8Array => nlaNulString(type, text),
  binary: (type: number, bytes: Uint8Array): Uint8Array => encodeAttribute(type, bytes),
  nested: (type: number, children: readonly Uint8Array[]): Uint8Array => nlaNested(type, children),
};

/* ------------------------------- parsing -------------------------------- */

/** One parsed attribute; `value` is a view into the parsed bytes. */
export class Attribute {
  constructor(
    /** nla_type with the flag bits masked off. */
    readonly type: number,
    /** nla_type as it was on the wire. */
    readonly rawType: number,
    /** nla_len: header + value. */
    readonly length: number,
    /** Offset of the header, counted from the baseOffset given to parseAttributes. */
    readonly offset: number,
    readonly value: Uint8Array,
  ) {}

  get hasNestedFlag(): boolean {
    return (this.rawType & NLA_F_NESTED) !== 0;
  }

  get hasNetByteOrderFlag(): boolean {
    return (this.rawType & NLA_F_NET_BYTEORDER) !== 0;
  }

  /** Reads the value as an integer of exactly `size` bytes (a bigint when size is 8). */
  integer(size: 1 | 2 | 4 | 8, signed: boolean, bigEndian = false): number | bigint {
    // TODO 10: If value.length !== size throw NlattrError('value-length', this.offset, ...).
    //   Read with a DataView over (value.buffer, value.byteOffset, value.byteLength).
    throw new TodoError('TODO 10 (Attribute.integer)');
  }

  u8(): number {
    return this.integer(1, false) as number;
  }
  u16(): number {
    return this.integer(2, false) as number;
  }
  u32(): number {
    return this.integer(4, false) as number;
  }
  u64(): bigint {
    return this.integer(8, false) as bigint;
  }
  s8(): number {
    return this.integer(1, true) as number;
  }
  s16(): number {
    return this.integer(2, true) as number;
  }
  s32(): number {
    return this.integer(4, true) as number;
  }
  s64(): bigint {
    return this.integer(8, true) as bigint;
  }
  be16(): number {
    return this.integer(2, false, true) as number;
  }
  be32(): number {
    return this.integer(4, false, true) as number;
  }

  /** NLA_FLAG: true; a flag with a value is malformed. */
  flag(): true {
    if (this.value.length !== 0) {
      throw new NlattrError('value-length', this.offset, `flag attribute type ${this.type} carries ${this.value.length} value bytes; a flag has none`);
    }
    return true;
  }

  binary(): Uint8Array {
    return this.value;
  }

  // #region strings
  /** NLA_STRING: the text up to the first NUL, or the whole value when it has none. */
  string(): string {
    // TODO 11: Decode value (up to its first 0 byte, if any) as UTF-8 with a TextDecoder.
    throw new TodoError('TODO 11 (Attribute.string)');
  }

  /** NLA_NUL_STRING: the text before the NUL; no NUL is NlattrError('string-unterminated'). */
  nulString(): string {
    // TODO 11: Like string(), but a value without any 0 byte is an error.
    throw new TodoError('TODO 11 (Attribute.nulString)');
  }
  // #endregion strings

  /** The attributes inside this one; their offsets continue this attribute's numbering. */
  nested(): Attribute[] {
    // TODO 12: Parse the value as attributes; the first one starts 4 bytes after this header.
    throw new TodoError('TODO 12 (Attribute.nested)');
  }
}

// #region parse
/**
 * Parses a stream of attributes (strict, as the kernel's NL_VALIDATE_TRAILING):
 * throws NlattrError for a truncated header, nla_len < 4 or nla_len past the
 * end. Padding after the last attribute may be missing. `baseOffset` is added
 * to every offset (20 for the attributes of a generic netlink message, so
 * offsets match what the kernel's extended ACK reports).
 */
export function parseAttributes(bytes: Uint8Array, baseOffset = 0): Attribute[] {
  // TODO 9: Loop while bytes remain: need 4 for a header ('header-truncated'); read nla_len and
  //   nla_type (host order, DataView at bytes.byteOffset); nla_len < 4 is 'len-below-header',
  //   past the end 'len-past-end' (offsets: baseOffset + where the header starts). Mask the
  //   flags off the type, keep rawType, value = subarray of nla_len - 4 bytes; then advance by
  //   nlaAlign(nla_len).
  throw new TodoError('TODO 9 (parseAttributes)');
}
// #endregion parse

/** The first attribute of a type (flags ignored), or undefined (given). */
export function firstOf(attrs: readonly Attribute[], type: number): Attribute | undefined {
  return attrs.find((a) => a.type === type);
}

/** Every attribute of a type, in order (given). */
export function allOf(attrs: readonly Attribute[], type: number): Attribute[] {
  return attrs.filter((a) => a.type === type);
}
