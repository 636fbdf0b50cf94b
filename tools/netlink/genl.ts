/**
 * Generic netlink: the 4-byte genlmsghdr and the nlctrl controller's replies.
 *
 * A genl message is nlmsghdr (type = family id) + genlmsghdr (cmd, version,
 * reserved 0) + the family's user header (usually none) + attributes.
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
  CTRL_CMD_GETFAMILY,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  NLMSG_HDRLEN,
  NLM_F_ACK,
  NLM_F_REQUEST,
} from './constants.ts';
import { AttributeBuilder, type NetlinkAttribute, findAttribute, parseAttributes, requireAttribute } from './attributes.ts';
import { HOST_LITTLE_ENDIAN, NLMSG_ALIGN, NetlinkParseError, type ParsedMessage, encodeMessage } from './message.ts';

export interface GenlHeader {
  cmd: number;
  version: number;
  /** Always 0 on the wire; kept so a decoder can show a non-zero value. */
  reserved: number;
}

export function encodeGenlHeader(header: { cmd: number; version: number }): Uint8Array {
  for (const [what, v] of [['cmd', header.cmd], ['version', header.version]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`genlmsghdr ${what} must be in 0..255, got ${v}`);
  }
  return Uint8Array.of(header.cmd, header.version, 0, 0);
}

/** Reads the genlmsghdr at the start of an nlmsg payload. */
export function parseGenlHeader(payload: Uint8Array, offset = NLMSG_HDRLEN): GenlHeader {
  if (payload.length < GENL_HDRLEN) {
    throw new NetlinkParseError('genl-header-truncated', offset, `a generic netlink payload starts with a 4-byte genlmsghdr, this one has ${payload.length} bytes`);
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return { cmd: payload[0]!, version: payload[1]!, reserved: dv.getUint16(2, HOST_LITTLE_ENDIAN) };
}

export interface GenlRequest {
  familyId: number;
  cmd: number;
  version: number;
  /** Default NLM_F_REQUEST | NLM_F_ACK. */
  flags?: number;
  seq?: number;
  pid?: number;
  /** Attributes after the genl header (a builder or encoded bytes). */
  attributes?: AttributeBuilder | Uint8Array;
  /** A family-specific fixed header placed before the attributes (rare). */
  userHeader?: Uint8Array;
}

/** One complete genl message (nlmsghdr + genlmsghdr + attributes), padded. */
export function encodeGenlMessage(request: GenlRequest): Uint8Array {
  return encodeMessage({
    type: request.familyId,
    flags: request.flags ?? NLM_F_REQUEST | NLM_F_ACK,
    seq: request.seq ?? 0,
    pid: request.pid ?? 0,
    payload: genlPayload(request),
  });
}

/** genlmsghdr + user header + attributes: the nlmsg payload of a genl request. */
export function genlPayload(request: Pick<GenlRequest, 'cmd' | 'version' | 'attributes' | 'userHeader'>): Uint8Array {
  const attrs = request.attributes instanceof AttributeBuilder ? request.attributes.bytes() : request.attributes ?? new Uint8Array(0);
  const user = request.userHeader ?? new Uint8Array(0);
  const userSpace = NLMSG_ALIGN(user.length);
  const out = new Uint8Array(GENL_HDRLEN + userSpace + attrs.length);
  out.set(encodeGenlHeader(request), 0);
  out.set(user, GENL_HDRLEN);
  out.set(attrs, GENL_HDRLEN + userSpace);
  return out;
}

export interface ParsedGenlMessage {
  genl: GenlHeader;
  /** Attribute offsets count from the start of the nlmsghdr, as ext-ack OFFS does. */
  attributes: NetlinkAttribute[];
  userHeader: Uint8Array;
}

/** Splits a parsed netlink message into genl header and attributes. */
export function parseGenlMessage(message: Pick<ParsedMessage, 'payload'>, options: { userHeaderSize?: number } = {}): ParsedGenlMessage {
  const genl = parseGenlHeader(message.payload);
  const userSize = NLMSG_ALIGN(options.userHeaderSize ?? 0);
  const start = GENL_HDRLEN + userSize;
  if (message.payload.length < start) {
    throw new NetlinkParseError('genl-header-truncated', NLMSG_HDRLEN, `the family's ${userSize}-byte user header does not fit in a ${message.payload.length}-byte payload`);
  }
  return {
    genl,
    userHeader: message.payload.subarray(GENL_HDRLEN, GENL_HDRLEN + (options.userHeaderSize ?? 0)),
    attributes: parseAttributes(message.payload.subarray(start), { baseOffset: NLMSG_HDRLEN + start }),
  };
}

/** nlctrl's GETFAMILY request for one family by name. */
export function encodeGetFamily(name: string, options: { seq?: number; flags?: number } = {}): Uint8Array {
  const request: GenlRequest = {
    familyId: GENL_ID_CTRL,
    cmd: CTRL_CMD_GETFAMILY,
    version: 1,
    attributes: new AttributeBuilder().nulString(CTRL_ATTR_FAMILY_NAME, name),
  };
  if (options.seq !== undefined) request.seq = options.seq;
  if (options.flags !== undefined) request.flags = options.flags;
  return encodeGenlMessage(request);
}

export interface GenlOp {
  /** The command number. */
  id: number;
  /** GENL_ADMIN_PERM | GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP | ... */
  flags: number;
}

export interface GenlMulticastGroup {
  name: string;
  /** The id to pass to NETLINK_ADD_MEMBERSHIP. */
  id: number;
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrSize: number;
  maxAttr: number;
  ops: GenlOp[];
  multicastGroups: GenlMulticastGroup[];
}

/**
 * Reads a CTRL_CMD_NEWFAMILY reply's attributes. FAMILY_ID and FAMILY_NAME are
 * required; the OPS and MCAST_GROUPS nests are lists of nests (one per entry,
 * each with its own index as type).
 */
export function parseFamilyReply(attrs: readonly NetlinkAttribute[]): GenlFamily {
  const family: GenlFamily = {
    id: requireAttribute(attrs, CTRL_ATTR_FAMILY_ID, 'CTRL_ATTR_FAMILY_ID').u16(),
    name: requireAttribute(attrs, CTRL_ATTR_FAMILY_NAME, 'CTRL_ATTR_FAMILY_NAME').nulString(),
    version: findAttribute(attrs, CTRL_ATTR_VERSION)?.u32() ?? 0,
    hdrSize: findAttribute(attrs, CTRL_ATTR_HDRSIZE)?.u32() ?? 0,
    maxAttr: findAttribute(attrs, CTRL_ATTR_MAXATTR)?.u32() ?? 0,
    ops: [],
    multicastGroups: [],
  };
  const ops = findAttribute(attrs, CTRL_ATTR_OPS);
  if (ops) {
    for (const entry of ops.attributes()) {
      const fields = entry.attributes();
      family.ops.push({
        id: requireAttribute(fields, CTRL_ATTR_OP_ID, 'CTRL_ATTR_OP_ID', entry.offset).u32(),
        flags: findAttribute(fields, CTRL_ATTR_OP_FLAGS)?.u32() ?? 0,
      });
    }
  }
  const groups = findAttribute(attrs, CTRL_ATTR_MCAST_GROUPS);
  if (groups) {
    for (const entry of groups.attributes()) {
      const fields = entry.attributes();
      family.multicastGroups.push({
        name: requireAttribute(fields, CTRL_ATTR_MCAST_GRP_NAME, 'CTRL_ATTR_MCAST_GRP_NAME', entry.offset).nulString(),
        id: requireAttribute(fields, CTRL_ATTR_MCAST_GRP_ID, 'CTRL_ATTR_MCAST_GRP_ID', entry.offset).u32(),
      });
    }
  }
  return family;
}
