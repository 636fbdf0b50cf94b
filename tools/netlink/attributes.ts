/**
 * Netlink attributes (struct nlattr): a builder and a strict parser.
 *
 * Rules: nla_len counts the 4-byte header and the value, not the padding;
 * padding bytes are zero; the next attribute starts at NLA_ALIGN(nla_len); the
 * top two type bits are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER) and are
 * masked off the type; order is never assumed.
 */
import { NLA_ALIGNTO, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.ts';
import { HOST_LITTLE_ENDIAN, NetlinkParseError } from './message.ts';

export function NLA_ALIGN(length: number): number {
  const padded = length + NLA_ALIGNTO - 1;
  return padded - (padded % NLA_ALIGNTO);
}

/** Largest value an attribute can carry: nla_len is a u16 that includes the header. */
export const NLA_MAX_VALUE_LENGTH = 0xffff - NLA_HDRLEN;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkInt(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${value}`);
  }
}

function checkBig(what: string, value: bigint, min: bigint, max: bigint): void {
  if (value < min || value > max) throw new RangeError(`${what} must be in ${min}..${max}, got ${value}`);
}

/** Parses "a.b.c.d" into 4 bytes (network order, as rtnetlink carries IPv4 addresses). */
export function ipv4Bytes(address: string | Uint8Array): Uint8Array {
  if (address instanceof Uint8Array) {
    if (address.length !== 4) throw new RangeError(`an IPv4 address is 4 bytes, got ${address.length}`);
    return Uint8Array.from(address);
  }
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new RangeError(`"${address}" is not a dotted-quad IPv4 address`);
  }
  return Uint8Array.from(parts.map(Number));
}

export interface NestedOptions {
  /** Set NLA_F_NESTED on the container (default true, as the kernel's nla_nest_start does; strict genl validation wants it). */
  nestedFlag?: boolean;
}

/**
 * Builds a stream of attributes. Every method appends one attribute and
 * returns the builder; `bytes()` returns the encoded stream (padding zeroed).
 *
 *   new AttributeBuilder().nulString(1, 'hi').u32(2, 7).nested(3, (n) => n.u8(1, 1)).bytes()
 */
export class AttributeBuilder {
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** Appends one attribute with raw `type` (flags included) and value bytes. */
  attr(type: number, value: Uint8Array): this {
    checkInt('nla_type', type, 0, 0xffff);
    if (value.length > NLA_MAX_VALUE_LENGTH) {
      throw new RangeError(`attribute ${type & NLA_TYPE_MASK}: value of ${value.length} bytes does not fit in nla_len (max ${NLA_MAX_VALUE_LENGTH})`);
    }
    const nlaLen = NLA_HDRLEN + value.length;
    const out = new Uint8Array(NLA_ALIGN(nlaLen)); // zero-filled, so padding is zero
    const dv = dataView(out);
    dv.setUint16(0, nlaLen, HOST_LITTLE_ENDIAN);
    dv.setUint16(2, type, HOST_LITTLE_ENDIAN);
    out.set(value, NLA_HDRLEN);
    this.#chunks.push(out);
    this.#length += out.length;
    return this;
  }

  binary(type: number, value: Uint8Array): this {
    return this.attr(type, value);
  }

  #int(type: number, size: 1 | 2 | 4, signed: boolean, value: number, bigEndian = false): this {
    const bits = size * 8;
    const min = signed ? -(2 ** (bits - 1)) : 0;
    const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    checkInt(`attribute ${type & NLA_TYPE_MASK} value`, value, min, max);
    const bytes = new Uint8Array(size);
    const dv = dataView(bytes);
    const le = bigEndian ? false : HOST_LITTLE_ENDIAN;
    if (size === 1) signed ? dv.setInt8(0, value) : dv.setUint8(0, value);
    else if (size === 2) signed ? dv.setInt16(0, value, le) : dv.setUint16(0, value, le);
    else signed ? dv.setInt32(0, value, le) : dv.setUint32(0, value, le);
    return this.attr(type, bytes);
  }

  u8(type: number, value: number): this {
    return this.#int(type, 1, false, value);
  }
  u16(type: number, value: number): this {
    return this.#int(type, 2, false, value);
  }
  u32(type: number, value: number): this {
    return this.#int(type, 4, false, value);
  }
  s8(type: number, value: number): this {
    return this.#int(type, 1, true, value);
  }
  s16(type: number, value: number): this {
    return this.#int(type, 2, true, value);
  }
  s32(type: number, value: number): this {
    return this.#int(type, 4, true, value);
  }
  u64(type: number, value: bigint | number): this {
    const v = BigInt(value);
    checkBig(`attribute ${type & NLA_TYPE_MASK} value`, v, 0n, 2n ** 64n - 1n);
    const bytes = new Uint8Array(8);
    dataView(bytes).setBigUint64(0, v, HOST_LITTLE_ENDIAN);
    return this.attr(type, bytes);
  }
  s64(type: number, value: bigint | number): this {
    const v = BigInt(value);
    checkBig(`attribute ${type & NLA_TYPE_MASK} value`, v, -(2n ** 63n), 2n ** 63n - 1n);
    const bytes = new Uint8Array(8);
    dataView(bytes).setBigInt64(0, v, HOST_LITTLE_ENDIAN);
    return this.attr(type, bytes);
  }
  /** Big-endian u16 (ports and similar). The NLA_F_NET_BYTEORDER bit is only set when asked: most kernel code does not. */
  be16(type: number, value: number, options: { netByteOrderFlag?: boolean } = {}): this {
    return this.#int(options.netByteOrderFlag ? type | NLA_F_NET_BYTEORDER : type, 2, false, value, true);
  }
  be32(type: number, value: number, options: { netByteOrderFlag?: boolean } = {}): this {
    return this.#int(options.netByteOrderFlag ? type | NLA_F_NET_BYTEORDER : type, 4, false, value, true);
  }
  /** NLA_FLAG: presence is the value (nla_len 4, no payload). */
  flag(type: number): this {
    return this.attr(type, new Uint8Array(0));
  }
  /** NLA_STRING: UTF-8 bytes without a terminating NUL. */
  string(type: number, value: string): this {
    return this.attr(type, encoder.encode(value));
  }
  /** NLA_NUL_STRING: UTF-8 bytes plus one NUL (counted in nla_len). */
  nulString(type: number, value: string): this {
    const text = encoder.encode(value);
    const bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    return this.attr(type, bytes);
  }
  /** 4 raw bytes in network order. */
  ipv4(type: number, address: string | Uint8Array): this {
    return this.attr(type, ipv4Bytes(address));
  }
  /** A nested attribute; its nla_len includes the inner attributes and their padding. */
  nested(type: number, build: ((inner: AttributeBuilder) => unknown) | AttributeBuilder | Uint8Array, options: NestedOptions = {}): this {
    let inner: Uint8Array;
    if (build instanceof Uint8Array) inner = build;
    else if (build instanceof AttributeBuilder) inner = build.bytes();
    else {
      const b = new AttributeBuilder();
      build(b);
      inner = b.bytes();
    }
    return this.attr(options.nestedFlag === false ? type : type | NLA_F_NESTED, inner);
  }

  get length(): number {
    return this.#length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/** One parsed attribute. Accessors check the value length and throw NetlinkParseError. */
export class NetlinkAttribute {
  constructor(
    /** nla_type with the two flag bits masked off. */
    readonly type: number,
    /** nla_type as sent, flags included. */
    readonly rawType: number,
    /** nla_len: header plus value, padding excluded. */
    readonly length: number,
    /** Offset of the attribute header, counted from the caller's base (for ext-ack OFFS mapping). */
    readonly offset: number,
    /** The value bytes (a view, not a copy). */
    readonly value: Uint8Array,
  ) {}

  /** NLA_F_NESTED was set. */
  get nested(): boolean {
    return (this.rawType & NLA_F_NESTED) !== 0;
  }
  /** NLA_F_NET_BYTEORDER was set. */
  get netByteOrder(): boolean {
    return (this.rawType & NLA_F_NET_BYTEORDER) !== 0;
  }

  #need(size: number, what: string): DataView {
    if (this.value.length !== size) {
      throw new NetlinkParseError(
        'nla-value-length',
        this.offset,
        `attribute type ${this.type} read as ${what} needs a ${size}-byte value, it has ${this.value.length} (nla_len ${this.length})`,
      );
    }
    return dataView(this.value);
  }

  u8(): number {
    return this.#need(1, 'u8').getUint8(0);
  }
  u16(): number {
    return this.#need(2, 'u16').getUint16(0, HOST_LITTLE_ENDIAN);
  }
  u32(): number {
    return this.#need(4, 'u32').getUint32(0, HOST_LITTLE_ENDIAN);
  }
  u64(): bigint {
    return this.#need(8, 'u64').getBigUint64(0, HOST_LITTLE_ENDIAN);
  }
  s8(): number {
    return this.#need(1, 's8').getInt8(0);
  }
  s16(): number {
    return this.#need(2, 's16').getInt16(0, HOST_LITTLE_ENDIAN);
  }
  s32(): number {
    return this.#need(4, 's32').getInt32(0, HOST_LITTLE_ENDIAN);
  }
  s64(): bigint {
    return this.#need(8, 's64').getBigInt64(0, HOST_LITTLE_ENDIAN);
  }
  be16(): number {
    return this.#need(2, 'be16').getUint16(0, false);
  }
  be32(): number {
    return this.#need(4, 'be32').getUint32(0, false);
  }
  /** NLA_FLAG: present means true; a flag carries no value. */
  flag(): true {
    this.#need(0, 'flag');
    return true;
  }
  /** Dotted-quad text of a 4-byte network-order address. */
  ipv4(): string {
    this.#need(4, 'IPv4 address');
    return Array.from(this.value).join('.');
  }
  /** NLA_STRING: the text up to the first NUL, or the whole value if none (the kernel's nla_strscpy does the same). */
  string(): string {
    const nul = this.value.indexOf(0);
    return decoder.decode(nul === -1 ? this.value : this.value.subarray(0, nul));
  }
  /** NLA_NUL_STRING: requires a NUL inside the value; returns the text before it. */
  nulString(): string {
    const nul = this.value.indexOf(0);
    if (nul === -1) {
      throw new NetlinkParseError(
        'nla-string-unterminated',
        this.offset,
        `attribute type ${this.type} should be a NUL-terminated string, but its ${this.value.length} bytes hold no NUL`,
      );
    }
    return decoder.decode(this.value.subarray(0, nul));
  }
  binary(): Uint8Array {
    return this.value;
  }
  /** Parses the value as nested attributes (offsets stay relative to the same base). */
  attributes(): NetlinkAttribute[] {
    return parseAttributes(this.value, { baseOffset: this.offset + NLA_HDRLEN });
  }
}

export interface ParseAttributesOptions {
  /** Added to every reported offset: e.g. 20 for attributes after an nlmsghdr + genlmsghdr. */
  baseOffset?: number;
}

/**
 * Parses a stream of attributes. Throws NetlinkParseError for nla_len < 4, an
 * attribute past the end of `bytes`, or trailing bytes too short for a header.
 * Padding after the last attribute may be absent.
 */
export function parseAttributes(bytes: Uint8Array, options: ParseAttributesOptions = {}): NetlinkAttribute[] {
  const base = options.baseOffset ?? 0;
  const out: NetlinkAttribute[] = [];
  const dv = dataView(bytes);
  let at = 0;
  while (at < bytes.length) {
    const left = bytes.length - at;
    if (left < NLA_HDRLEN) {
      throw new NetlinkParseError('nla-header-truncated', base + at, `only ${left} bytes left, an attribute header needs ${NLA_HDRLEN}`);
    }
    const nlaLen = dv.getUint16(at, HOST_LITTLE_ENDIAN);
    const rawType = dv.getUint16(at + 2, HOST_LITTLE_ENDIAN);
    if (nlaLen < NLA_HDRLEN) {
      throw new NetlinkParseError('nla-len-below-header', base + at, `nla_len is ${nlaLen}, but it counts the 4-byte header so it is at least 4`);
    }
    if (nlaLen > left) {
      throw new NetlinkParseError(
        'nla-len-past-end',
        base + at,
        `attribute type ${rawType & NLA_TYPE_MASK} has nla_len ${nlaLen}, but only ${left} bytes are left in its container`,
      );
    }
    out.push(new NetlinkAttribute(rawType & NLA_TYPE_MASK, rawType, nlaLen, base + at, bytes.subarray(at + NLA_HDRLEN, at + nlaLen)));
    at += NLA_ALIGN(nlaLen);
  }
  return out;
}

/** The first attribute of `type` (flags ignored), or undefined. */
export function findAttribute(attrs: readonly NetlinkAttribute[], type: number): NetlinkAttribute | undefined {
  return attrs.find((a) => a.type === type);
}

/** Every attribute of `type`, in order. */
export function findAttributes(attrs: readonly NetlinkAttribute[], type: number): NetlinkAttribute[] {
  return attrs.filter((a) => a.type === type);
}

/** The attribute of `type`, or a NetlinkParseError naming what is missing. */
export function requireAttribute(attrs: readonly NetlinkAttribute[], type: number, what: string, containerOffset = 0): NetlinkAttribute {
  const found = findAttribute(attrs, type);
  if (!found) {
    throw new NetlinkParseError('nla-missing', containerOffset, `required attribute ${what} (type ${type}) is missing`);
  }
  return found;
}
