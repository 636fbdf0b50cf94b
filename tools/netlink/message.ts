/**
 * nlmsghdr framing: encode one message, split a datagram into messages.
 *
 * Rules (netlink.h, af_netlink.c): nlmsg_len counts the 16-byte header and the
 * payload; the next message starts at NLMSG_ALIGN(nlmsg_len); a parser rejects
 * nlmsg_len < 16 and lengths past the bytes received. Header fields are in host
 * byte order.
 */
import { NLMSG_ALIGNTO, NLMSG_HDRLEN } from './constants.ts';

/**
 * True on little-endian hosts (x86). Probed with a typed array instead of
 * os.endianness() so the decoder also runs in the browser (the site's
 * inspector); test/netlink-message.test.ts checks both agree.
 */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Which framing rule a malformed buffer broke. Stable strings: tests and reports match on them. */
export type ParseRule =
  | 'nlmsg-header-truncated'
  | 'nlmsg-len-below-header'
  | 'nlmsg-len-past-end'
  | 'nla-header-truncated'
  | 'nla-len-below-header'
  | 'nla-len-past-end'
  | 'nla-value-length'
  | 'nla-string-unterminated'
  | 'nla-missing'
  | 'nla-nesting-too-deep'
  | 'genl-header-truncated'
  | 'nlmsgerr-truncated'
  | 'nlmsgerr-request-past-end'
  | 'nlmsgerr-request-len-below-header';

/** Malformed bytes. `offset` is where the broken structure starts (relative to what was parsed). */
export class NetlinkParseError extends Error {
  override name = 'NetlinkParseError';
  constructor(
    readonly rule: ParseRule,
    readonly offset: number,
    detail: string,
  ) {
    super(`${detail} (at byte offset ${offset}; rule ${rule})`);
  }
}

/** Rounds up to a multiple of 4 (arithmetic, not `&`, so values above 2^31 stay correct). */
export function NLMSG_ALIGN(length: number): number {
  const padded = length + NLMSG_ALIGNTO - 1;
  return padded - (padded % NLMSG_ALIGNTO);
}

export interface NlMsgHeader {
  /** nlmsg_len: header plus payload, padding excluded. */
  length: number;
  type: number;
  flags: number;
  seq: number;
  /** nlmsg_pid: the sender's port id (0 = the kernel, or "fill it in" in a request). */
  pid: number;
}

export interface MessageInput {
  type: number;
  flags: number;
  seq?: number;
  pid?: number;
  payload?: Uint8Array;
}

export interface ParsedMessage {
  header: NlMsgHeader;
  /** nlmsg_len - 16 bytes after the header (a view into the datagram, not a copy). */
  payload: Uint8Array;
  /** Where the header starts in the datagram. */
  offset: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkUint(name: string, value: number, bits: 16 | 32): void {
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Writes a 16-byte nlmsghdr at `offset` of `target`. */
export function writeHeader(target: Uint8Array, offset: number, header: NlMsgHeader): void {
  checkUint('nlmsg_len', header.length, 32);
  checkUint('nlmsg_type', header.type, 16);
  checkUint('nlmsg_flags', header.flags, 16);
  checkUint('nlmsg_seq', header.seq, 32);
  checkUint('nlmsg_pid', header.pid, 32);
  const dv = view(target);
  const le = HOST_LITTLE_ENDIAN;
  dv.setUint32(offset, header.length, le);
  dv.setUint16(offset + 4, header.type, le);
  dv.setUint16(offset + 6, header.flags, le);
  dv.setUint32(offset + 8, header.seq, le);
  dv.setUint32(offset + 12, header.pid, le);
}

export function encodeHeader(header: NlMsgHeader): Uint8Array {
  const bytes = new Uint8Array(NLMSG_HDRLEN);
  writeHeader(bytes, 0, header);
  return bytes;
}

/** Reads a 16-byte nlmsghdr at `offset`; throws NetlinkParseError if fewer than 16 bytes remain. */
export function decodeHeader(bytes: Uint8Array, offset = 0): NlMsgHeader {
  if (offset < 0 || bytes.length - offset < NLMSG_HDRLEN) {
    throw new NetlinkParseError(
      'nlmsg-header-truncated',
      offset,
      `only ${Math.max(0, bytes.length - offset)} bytes left, an nlmsghdr needs ${NLMSG_HDRLEN}`,
    );
  }
  const dv = view(bytes);
  const le = HOST_LITTLE_ENDIAN;
  return {
    length: dv.getUint32(offset, le),
    type: dv.getUint16(offset + 4, le),
    flags: dv.getUint16(offset + 6, le),
    seq: dv.getUint32(offset + 8, le),
    pid: dv.getUint32(offset + 12, le),
  };
}

/**
 * One message: nlmsg_len = 16 + payload length; the returned bytes are padded
 * with zeros to NLMSG_ALIGN(nlmsg_len) so messages can be concatenated into
 * one datagram (the kernel's nlmsg_total_size does the same).
 */
export function encodeMessage(message: MessageInput): Uint8Array {
  const payload = message.payload ?? new Uint8Array(0);
  const length = NLMSG_HDRLEN + payload.length;
  const bytes = new Uint8Array(NLMSG_ALIGN(length));
  writeHeader(bytes, 0, {
    length,
    type: message.type,
    flags: message.flags,
    seq: message.seq ?? 0,
    pid: message.pid ?? 0,
  });
  bytes.set(payload, NLMSG_HDRLEN);
  return bytes;
}

/** Concatenates already-encoded (padded) messages into one datagram. */
export function concatMessages(messages: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of messages) total += NLMSG_ALIGN(m.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += NLMSG_ALIGN(m.length);
  }
  return out;
}

/**
 * Splits a datagram into its messages. Strict: trailing bytes that cannot hold
 * a header, nlmsg_len < 16, or nlmsg_len past the datagram throw
 * NetlinkParseError (offset = the start of the bad header). Padding after the
 * last message may be missing (the kernel trims it); it is never read.
 */
export function parseMessages(datagram: Uint8Array): ParsedMessage[] {
  const messages: ParsedMessage[] = [];
  let offset = 0;
  while (offset < datagram.length) {
    const header = decodeHeader(datagram, offset);
    if (header.length < NLMSG_HDRLEN) {
      throw new NetlinkParseError(
        'nlmsg-len-below-header',
        offset,
        `nlmsg_len is ${header.length}, but it counts the 16-byte header so it is at least 16`,
      );
    }
    if (header.length > datagram.length - offset) {
      throw new NetlinkParseError(
        'nlmsg-len-past-end',
        offset,
        `nlmsg_len is ${header.length}, but only ${datagram.length - offset} bytes are left in the datagram`,
      );
    }
    messages.push({
      header,
      payload: datagram.subarray(offset + NLMSG_HDRLEN, offset + header.length),
      offset,
    });
    offset += NLMSG_ALIGN(header.length);
  }
  return messages;
}
