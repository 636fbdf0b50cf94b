/**
 * Lab 2, part 1: generic netlink on the wire, as pure functions of bytes.
 *
 * Nothing here touches a socket, so the graded tests can feed these functions
 * hand-built datagrams (a dump split over several datagrams, NLMSG_DONE sharing
 * a datagram with data, a stale reply, a capped error) as well as real replies
 * from the kernel. client.ts puts them to work on a socket.
 *
 * You may use #netlink's framing and attribute helpers (encodeMessage,
 * parseMessages, AttributeBuilder, parseAttributes, findAttribute, errnoInfo and
 * the constants). Write the generic netlink parts yourself: the genl header,
 * the GETFAMILY parsing, the reply loop and the error mapping.
 */
import {
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
  GENL_HDRLEN,
  HOST_LITTLE_ENDIAN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_REQUEST,
  NLMSG_ALIGN,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NetlinkParseError,
  encodeMessage,
  errnoInfo,
  findAttribute,
  parseAttributes,
  parseMessages,
  type NetlinkAttribute,
  type NlMsgHeader,
  type ParsedMessage,
} from '#netlink';
import { TodoError } from '#grader';

// #region types
export interface GenlRequest {
  /** nlmsg_type: the family id (GENL_ID_CTRL = 0x10 for the controller). */
  familyId: number;
  /** genlmsghdr.cmd */
  cmd: number;
  /** genlmsghdr.version: the family's version. */
  version: number;
  /** Extra nlmsg_flags (NLM_F_ACK, NLM_F_DUMP); NLM_F_REQUEST is always added. */
  flags: number;
  seq: number;
  /** Encoded attributes that follow the genl header (e.g. AttributeBuilder.bytes()). */
  attributes?: Uint8Array;
}

/** One generic netlink message, taken apart. */
export interface GenlMessage {
  header: NlMsgHeader;
  cmd: number;
  version: number;
  /** Attributes after the genl header; offsets count from the start of the nlmsghdr. */
  attributes: NetlinkAttribute[];
}

export interface GenlOp {
  /** CTRL_ATTR_OP_ID: the command number. */
  id: number;
  /** CTRL_ATTR_OP_FLAGS: GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP | GENL_CMD_CAP_HASPOL | GENL_ADMIN_PERM ... */
  flags: number;
}

export interface McastGroup {
  name: string;
  id: number;
}

/** What CTRL_CMD_GETFAMILY says about a family. */
export interface FamilyInfo {
  id: number;
  name: string;
  version: number;
  hdrSize: number;
  maxAttr: number;
  /** In the order the controller lists them. */
  ops: GenlOp[];
  /** In the order the controller lists them; empty when the family has none. */
  mcastGroups: McastGroup[];
}
// #endregion types

/**
 * A negative errno from the kernel, as a typed error.
 * `errno` is positive (22), `code` is its name ('EINVAL').
 */
export class GenlError extends Error {
  override name = 'GenlError';
  constructor(
    readonly errno: number,
    readonly code: string,
    /** NLMSGERR_ATTR_MSG: the kernel's own words, when it sent some. */
    readonly extAckMessage?: string,
    /** NLMSGERR_ATTR_OFFS: byte offset of the bad attribute in the request. */
    readonly extAckOffset?: number,
    /** NLMSGERR_ATTR_MISS_TYPE: the attribute type that was required but missing. */
    readonly missingType?: number,
  ) {
    super(`${code} (errno ${errno})${extAckMessage ? `: ${extAckMessage}` : ''}`);
  }
}

// #region encode-request
/**
 * One request: nlmsghdr (type = family id, flags = NLM_F_REQUEST | flags),
 * then the 4-byte genlmsghdr (cmd, version, reserved = 0), then the attributes.
 */
export function encodeGenlRequest(request: GenlRequest): Uint8Array {
  // TODO 1: Build the payload (genl header + attributes) and frame it with
  // encodeMessage from #netlink. Always set NLM_F_REQUEST: without it the
  // kernel does not hand the message to the family at all.
  // @solution-begin
  const attributes = request.attributes ?? new Uint8Array(0);
  const payload = new Uint8Array(GENL_HDRLEN + attributes.length);
  payload[0] = request.cmd;
  payload[1] = request.version;
  // payload[2..3] is the reserved u16: it stays 0
  payload.set(attributes, GENL_HDRLEN);
  return encodeMessage({
    type: request.familyId,
    flags: NLM_F_REQUEST | request.flags,
    seq: request.seq,
    payload,
  });
  // @solution-end
  // @starter: throw new TodoError('TODO 1 (encodeGenlRequest)');
}
// #endregion encode-request

/** Takes one message of a family (not NLMSG_ERROR/DONE) apart: genl header, then attributes. */
export function parseGenlMessage(message: ParsedMessage): GenlMessage {
  // TODO 2: Read cmd and version from the first 4 payload bytes (throw a
  // NetlinkParseError 'genl-header-truncated' when there are fewer), then parse
  // the attributes after them with offsets counted from the nlmsghdr
  // (baseOffset NLMSG_HDRLEN + GENL_HDRLEN).
  // @solution-begin
  const { payload } = message;
  if (payload.length < GENL_HDRLEN) {
    throw new NetlinkParseError(
      'genl-header-truncated',
      message.offset + NLMSG_HDRLEN,
      `a generic netlink message carries a ${GENL_HDRLEN}-byte genlmsghdr, this one has ${payload.length} payload bytes`,
    );
  }
  return {
    header: message.header,
    cmd: payload[0] ?? 0,
    version: payload[1] ?? 0,
    attributes: parseAttributes(payload.subarray(GENL_HDRLEN), { baseOffset: NLMSG_HDRLEN + GENL_HDRLEN }),
  };
  // @solution-end
  // @starter: throw new TodoError('TODO 2 (parseGenlMessage)');
}

// #region parse-family
/** Reads a CTRL_CMD_GETFAMILY reply's attributes (from parseGenlMessage). */
export function parseFamily(attributes: readonly NetlinkAttribute[]): FamilyInfo {
  // TODO 3: FAMILY_ID is a u16, FAMILY_NAME a NUL-terminated string, VERSION,
  // HDRSIZE and MAXATTR are u32. OPS and MCAST_GROUPS are nests of nests: each
  // inner nest (type 1, 2, ... just numbers them) holds OP_ID + OP_FLAGS, or
  // MCAST_GRP_NAME + MCAST_GRP_ID. Both lists may be absent: then they are
  // empty. A reply without FAMILY_ID or FAMILY_NAME is malformed: throw.
  // @solution-begin
  const id = findAttribute(attributes, CTRL_ATTR_FAMILY_ID);
  const name = findAttribute(attributes, CTRL_ATTR_FAMILY_NAME);
  if (!id || !name) {
    throw new NetlinkParseError('nla-missing', 0, 'a GETFAMILY reply must carry CTRL_ATTR_FAMILY_ID and CTRL_ATTR_FAMILY_NAME');
  }
  const u32 = (type: number): number => findAttribute(attributes, type)?.u32() ?? 0;
  const ops: GenlOp[] = [];
  for (const op of findAttribute(attributes, CTRL_ATTR_OPS)?.attributes() ?? []) {
    const inner = op.attributes();
    ops.push({
      id: findAttribute(inner, CTRL_ATTR_OP_ID)?.u32() ?? 0,
      flags: findAttribute(inner, CTRL_ATTR_OP_FLAGS)?.u32() ?? 0,
    });
  }
  const mcastGroups: McastGroup[] = [];
  for (const group of findAttribute(attributes, CTRL_ATTR_MCAST_GROUPS)?.attributes() ?? []) {
    const inner = group.attributes();
    mcastGroups.push({
      name: findAttribute(inner, CTRL_ATTR_MCAST_GRP_NAME)?.string() ?? '',
      id: findAttribute(inner, CTRL_ATTR_MCAST_GRP_ID)?.u32() ?? 0,
    });
  }
  return {
    id: id.u16(),
    name: name.nulString(),
    version: u32(CTRL_ATTR_VERSION),
    hdrSize: u32(CTRL_ATTR_HDRSIZE),
    maxAttr: u32(CTRL_ATTR_MAXATTR),
    ops,
    mcastGroups,
  };
  // @solution-end
  // @starter: throw new TodoError('TODO 3 (parseFamily)');
}
// #endregion parse-family

// #region error-reply
/**
 * Maps an NLMSG_ERROR payload to undefined (error 0: an ACK) or a GenlError.
 * `flags` are the NLMSG_ERROR message's own nlmsg_flags.
 */
export function errorFromReply(payload: Uint8Array, flags: number): GenlError | undefined {
  // TODO 4: The payload is an int error (negative errno, or 0 for an ACK) and
  // the request's 16-byte nlmsghdr, then the request's payload unless the
  // kernel set NLM_F_CAPPED (NETLINK_CAP_ACK, and always for ACKs), then, if
  // NLM_F_ACK_TLVS is set, extended-ACK attributes starting at the next 4-byte
  // boundary: MSG (string), OFFS (u32), MISS_TYPE (u32). The GenlError's errno
  // is positive; errnoInfo from #netlink knows the names.
  // @solution-begin
  if (payload.length < 4 + NLMSG_HDRLEN) {
    throw new NetlinkParseError('nlmsgerr-truncated', 0, `an NLMSG_ERROR payload has at least ${4 + NLMSG_HDRLEN} bytes, this one ${payload.length}`);
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const error = dv.getInt32(0, HOST_LITTLE_ENDIAN);
  if (error === 0) return undefined;
  let message: string | undefined;
  let offset: number | undefined;
  let missingType: number | undefined;
  if (flags & NLM_F_ACK_TLVS) {
    // Capped: only the request's header was echoed. Otherwise the whole request,
    // whose length is the echoed nlmsg_len.
    const requestLength = dv.getUint32(4, HOST_LITTLE_ENDIAN);
    const tlvStart = 4 + (flags & NLM_F_CAPPED ? NLMSG_HDRLEN : NLMSG_ALIGN(requestLength));
    const tlvs = parseAttributes(payload.subarray(Math.min(tlvStart, payload.length)));
    message = findAttribute(tlvs, NLMSGERR_ATTR_MSG)?.string();
    offset = findAttribute(tlvs, NLMSGERR_ATTR_OFFS)?.u32();
    missingType = findAttribute(tlvs, NLMSGERR_ATTR_MISS_TYPE)?.u32();
  }
  const info = errnoInfo(-error);
  return new GenlError(info.errno, info.name, message, offset, missingType);
  // @solution-end
  // @starter: throw new TodoError('TODO 4 (errorFromReply)');
}
// #endregion error-reply

// #region read-replies
/**
 * Feeds one received datagram to the exchange of request `seq`: every message
 * of the family with that seq is parsed and pushed onto `into`. Returns true
 * when the exchange is over: the ACK of a request (NLMSG_ERROR with error 0),
 * or NLMSG_DONE of a dump. Throws the GenlError of an error reply, or of a
 * DONE whose int error is negative. Messages with another seq are stale
 * answers to earlier requests: they are skipped.
 */
export function readReplies(datagram: Uint8Array, seq: number, into: GenlMessage[]): boolean {
  // TODO 5: Walk every message of the datagram (parseMessages): a datagram
  // can hold several, and NLMSG_DONE may come right after the last data in
  // the same datagram. DONE's payload is an int (0, or a negative errno).
  // @solution-begin
  for (const message of parseMessages(datagram)) {
    const { header, payload } = message;
    if (header.seq !== seq) continue;
    if (header.type === NLMSG_ERROR) {
      const error = errorFromReply(payload, header.flags);
      if (error) throw error;
      return true;
    }
    if (header.type === NLMSG_DONE) {
      const status = payload.length >= 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0, HOST_LITTLE_ENDIAN) : 0;
      if (status < 0) {
        const info = errnoInfo(-status);
        throw new GenlError(info.errno, info.name);
      }
      return true;
    }
    if (header.type < NLMSG_MIN_TYPE) continue; // NOOP, OVERRUN: nothing to take
    into.push(parseGenlMessage(message));
  }
  return false;
  // @solution-end
  // @starter: throw new TodoError('TODO 5 (readReplies)');
}
// #endregion read-replies
