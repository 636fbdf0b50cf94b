/**
 * Byte decoder for grader reports and the site's netlink inspector.
 *
 * decodeDatagram() turns bytes into a tree of named fields and never throws:
 * a broken framing rule becomes an `error` node that says which rule broke at
 * which offset, and the bytes it could not frame are still shown.
 * formatDecoded() prints the tree as 4-byte rows for a terminal.
 *
 * Browser-safe: no Node imports here or in what this file imports.
 */
import {
  CTRL_ATTR_NAMES,
  CTRL_CMD_NAMES,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLMSGERR_ATTR_NAMES,
  NL_ATTR_TYPE_NAMES,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSG_TYPE_NAMES,
  NLM_F_ACK_MODIFIERS,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_COMMON_NAMES,
  NLM_F_DELETE_MODIFIERS,
  NLM_F_DUMP,
  NLM_F_GET_MODIFIERS,
  NLM_F_NEW_MODIFIERS,
  NLM_F_REQUEST,
} from './constants.ts';
import { errnoInfo } from './errors.ts';
import { HOST_LITTLE_ENDIAN, NLMSG_ALIGN } from './message.ts';

export type DecodeKind = 'nlmsg' | 'nlattr' | 'genl' | 'tlv' | 'hex';

/** How to show an attribute's value. */
export type AttrValueType =
  | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64'
  | 'be16' | 'be32' | 'ipv4' | 'flag' | 'string' | 'nulString' | 'binary'
  /** A u32 holding an NL_ATTR_TYPE_* value. */
  | 'attrType'
  /** Attributes inside (use `children` for their names). */
  | 'nested'
  /** A list of nests, each entry's type being its index (nlctrl's OPS, MCAST_GROUPS); `children` names the entries' fields. */
  | 'nestedArray';

export interface AttrSpec {
  name: string;
  type?: AttrValueType;
  children?: AttrNames;
}
export type AttrNames = Readonly<Record<number, string | AttrSpec>>;

/** What the decoder knows about a generic netlink family, keyed by its id. */
export interface GenlFamilyNames {
  name: string;
  commands?: Readonly<Record<number, string>>;
  attributes?: AttrNames;
}

/** Which request kind a message type is, to name the ambiguous high flag bits. */
export type RequestKind = 'get' | 'new' | 'del';

export interface DecodeOptions {
  kind: DecodeKind;
  /** Known genl families by id (nlctrl at 0x10 is built in). */
  genlFamilies?: Readonly<Record<number, GenlFamilyNames>>;
  /** Names of a raw protocol's message types (>= 0x10), e.g. {0x10: 'HELLO_MSG_GREET'}. */
  messageTypes?: Readonly<Record<number, string>>;
  /** Request kind per message type, to name flags such as CREATE/EXCL (raw protocols). */
  requestKinds?: Readonly<Record<number, RequestKind>>;
  /** How a raw protocol's payload (types >= 0x10, kind 'nlmsg') is laid out: default 'auto' (text if printable, else hex). */
  rawPayload?: 'auto' | 'attributes' | 'string' | 'hex';
  /** Attribute names for kind 'nlattr' and for raw payloads decoded as attributes. */
  attributes?: AttrNames;
  /** Names and unit sizes for kind 'tlv' (default: the course's lesson 3 records). */
  tlvTypes?: Readonly<Record<number, TlvSpec>>;
}

export interface TlvSpec {
  name: string;
  /** Each value holds whole units of this many bytes. */
  unit: number;
  show: 'string' | 'u64' | 'hex';
}

export interface DecodedField {
  name: string;
  /** Offset in the decoded bytes. */
  offset: number;
  length: number;
  /** What a person should read. */
  value: string;
  children?: DecodedField[];
  /** Alignment padding (expected zero). */
  padding?: boolean;
  /** Set when a framing rule broke here: what, and what it means. */
  error?: string;
  /** A remark, e.g. "extended ACK OFFS points here". */
  note?: string;
}

export interface DecodedDatagram {
  kind: DecodeKind;
  bytes: Uint8Array;
  fields: DecodedField[];
  /** Number of error nodes anywhere in the tree. */
  errorCount: number;
}

/** Lesson 3 Part A's plain TLV records (COURSE.md): 1-byte type, 1-byte value length, no alignment. */
export const COURSE_TLV_TYPES: Readonly<Record<number, TlvSpec>> = {
  1: { name: 'NAME', unit: 32, show: 'string' },
  2: { name: 'WEBSITE', unit: 64, show: 'string' },
  3: { name: 'EMP_ID', unit: 8, show: 'u64' },
};

const NLCTRL_NAMES: GenlFamilyNames = {
  name: 'nlctrl',
  commands: CTRL_CMD_NAMES,
  attributes: {
    1: { name: CTRL_ATTR_NAMES[1]!, type: 'u16' },
    2: { name: CTRL_ATTR_NAMES[2]!, type: 'nulString' },
    3: { name: CTRL_ATTR_NAMES[3]!, type: 'u32' },
    4: { name: CTRL_ATTR_NAMES[4]!, type: 'u32' },
    5: { name: CTRL_ATTR_NAMES[5]!, type: 'u32' },
    6: {
      name: CTRL_ATTR_NAMES[6]!,
      type: 'nestedArray',
      children: { 1: { name: 'CTRL_ATTR_OP_ID', type: 'u32' }, 2: { name: 'CTRL_ATTR_OP_FLAGS', type: 'u32' } },
    },
    7: {
      name: CTRL_ATTR_NAMES[7]!,
      type: 'nestedArray',
      children: { 1: { name: 'CTRL_ATTR_MCAST_GRP_NAME', type: 'nulString' }, 2: { name: 'CTRL_ATTR_MCAST_GRP_ID', type: 'u32' } },
    },
    8: { name: CTRL_ATTR_NAMES[8]!, type: 'nested' },
    9: { name: CTRL_ATTR_NAMES[9]!, type: 'nested' },
    10: { name: CTRL_ATTR_NAMES[10]!, type: 'u32' },
  },
};

const POLICY_NAMES: AttrNames = {
  1: { name: 'NL_POLICY_TYPE_ATTR_TYPE', type: 'attrType' },
  2: { name: 'NL_POLICY_TYPE_ATTR_MIN_VALUE_S', type: 's64' },
  3: { name: 'NL_POLICY_TYPE_ATTR_MAX_VALUE_S', type: 's64' },
  4: { name: 'NL_POLICY_TYPE_ATTR_MIN_VALUE_U', type: 'u64' },
  5: { name: 'NL_POLICY_TYPE_ATTR_MAX_VALUE_U', type: 'u64' },
  6: { name: 'NL_POLICY_TYPE_ATTR_MIN_LENGTH', type: 'u32' },
  7: { name: 'NL_POLICY_TYPE_ATTR_MAX_LENGTH', type: 'u32' },
  8: { name: 'NL_POLICY_TYPE_ATTR_POLICY_IDX', type: 'u32' },
  9: { name: 'NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE', type: 'u32' },
  10: { name: 'NL_POLICY_TYPE_ATTR_BITFIELD32_MASK', type: 'u32' },
  11: { name: 'NL_POLICY_TYPE_ATTR_PAD', type: 'binary' },
  12: { name: 'NL_POLICY_TYPE_ATTR_MASK', type: 'u64' },
};

const EXT_ACK_NAMES: AttrNames = {
  1: { name: NLMSGERR_ATTR_NAMES[1]!, type: 'string' },
  2: { name: NLMSGERR_ATTR_NAMES[2]!, type: 'u32' },
  3: { name: NLMSGERR_ATTR_NAMES[3]!, type: 'binary' },
  4: { name: NLMSGERR_ATTR_NAMES[4]!, type: 'nested', children: POLICY_NAMES },
  5: { name: NLMSGERR_ATTR_NAMES[5]!, type: 'u32' },
  6: { name: NLMSGERR_ATTR_NAMES[6]!, type: 'u32' },
};

const MAX_DEPTH = 24;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function hex(n: number, width = 0): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

function spec(names: AttrNames | undefined, type: number): AttrSpec | undefined {
  const s = names?.[type];
  return typeof s === 'string' ? { name: s } : s;
}

/** Valid UTF-8 without control characters (tab and newline allowed): worth showing as text. */
function isPrintable(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let ascii = true;
  for (const b of bytes) {
    if (b < 0x20 ? b !== 0x09 && b !== 0x0a : b === 0x7f) return false;
    if (b > 0x7f) ascii = false;
  }
  if (ascii) return true; // TextDecoder calls are slow; most netlink text is ASCII
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function quote(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) {
    if (b > 0x7f) return JSON.stringify(utf8.decode(bytes));
    text += String.fromCharCode(b);
  }
  return JSON.stringify(text);
}

/** Text of a NUL-terminated or plain string value, saying which it is. */
function stringValue(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  if (nul === -1) return `${quote(bytes)} (no NUL)`;
  const rest = bytes.subarray(nul + 1);
  const trailing = rest.some((b) => b !== 0) ? `, then ${rest.length} more bytes after the NUL` : '';
  return `${quote(bytes.subarray(0, nul))} + NUL${trailing}`;
}

/** Flag names for a message, given what kind of message it is. */
export function describeFlags(flags: number, context: { type: number; requestKind?: RequestKind }): string {
  const parts: string[] = [];
  let left = flags;
  const take = (table: ReadonlyArray<readonly [number, string]>): void => {
    for (const [bit, name] of table) {
      if (left & bit) {
        parts.push(name);
        left &= ~bit;
      }
    }
  };
  take(NLM_F_COMMON_NAMES);
  if (context.type === NLMSG_ERROR || context.type === NLMSG_DONE) take(NLM_F_ACK_MODIFIERS);
  else if (flags & NLM_F_REQUEST) {
    const kind = context.requestKind ?? ((flags & NLM_F_DUMP) === NLM_F_DUMP ? 'get' : undefined);
    if (kind === 'get') {
      if ((left & NLM_F_DUMP) === NLM_F_DUMP) {
        parts.push('DUMP');
        left &= ~NLM_F_DUMP;
      }
      take(NLM_F_GET_MODIFIERS);
    } else if (kind === 'new') take(NLM_F_NEW_MODIFIERS);
    else if (kind === 'del') take(NLM_F_DELETE_MODIFIERS);
  }
  // High bits whose meaning depends on the request kind: name every reading.
  for (const bit of [0x100, 0x200, 0x400, 0x800]) {
    if (!(left & bit)) continue;
    const readings = [...NLM_F_GET_MODIFIERS, ...NLM_F_NEW_MODIFIERS, ...NLM_F_DELETE_MODIFIERS].filter(([b]) => b === bit).map(([, n]) => n);
    parts.push(readings.length ? `${hex(bit)}(${readings.join('/')})` : hex(bit));
    left &= ~bit;
  }
  if (left) parts.push(`unknown ${hex(left)}`);
  return `${hex(flags, 4)} ${parts.length ? parts.join('|') : '(none)'}`;
}

class Decoder {
  errorCount = 0;
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly options: DecodeOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u16(at: number): number {
    return this.view.getUint16(at, HOST_LITTLE_ENDIAN);
  }
  u32(at: number): number {
    return this.view.getUint32(at, HOST_LITTLE_ENDIAN);
  }
  s32(at: number): number {
    return this.view.getInt32(at, HOST_LITTLE_ENDIAN);
  }

  leaf(name: string, offset: number, length: number, value: string): DecodedField {
    return { name, offset, length, value };
  }

  error(offset: number, end: number, message: string): DecodedField {
    this.errorCount++;
    return { name: 'malformed', offset, length: Math.max(0, end - offset), value: `${end - offset} byte(s) not decoded`, error: message };
  }

  padding(offset: number, end: number): DecodedField | undefined {
    if (end <= offset) return undefined;
    const pad = this.bytes.subarray(offset, end);
    const field: DecodedField = { name: 'padding', offset, length: end - offset, value: `${end - offset} byte(s)`, padding: true };
    if (pad.some((b) => b !== 0)) {
      field.error = 'padding bytes must be zero';
      this.errorCount++;
    }
    return field;
  }

  // ---- netlink messages ----

  messages(start: number, end: number, genl: boolean, depth: number): DecodedField[] {
    const out: DecodedField[] = [];
    let at = start;
    let index = 0;
    while (at < end) {
      const left = end - at;
      if (left < NLMSG_HDRLEN) {
        out.push(this.error(at, end, `${left} byte(s) left, too few for a 16-byte nlmsghdr (rule: every message starts with a whole header)`));
        break;
      }
      const len = this.u32(at);
      if (len < NLMSG_HDRLEN) {
        out.push(this.header(at, `message ${index}`, genl));
        out.push(this.error(at + NLMSG_HDRLEN, end, `nlmsg_len ${len} at offset ${at} is below 16: nlmsg_len counts the 16-byte header, so nothing after it can be framed`));
        break;
      }
      if (len > left) {
        out.push(this.header(at, `message ${index}`, genl));
        out.push(this.error(at + NLMSG_HDRLEN, end, `nlmsg_len ${len} at offset ${at} runs past the end: only ${left} byte(s) remain`));
        break;
      }
      out.push(this.message(at, len, end, index, genl, depth));
      at += NLMSG_ALIGN(len);
      index++;
    }
    return out;
  }

  typeName(type: number, genl: boolean): string {
    if (NLMSG_TYPE_NAMES[type]) return NLMSG_TYPE_NAMES[type]!;
    if (type < NLMSG_MIN_TYPE) return `reserved control type ${hex(type)}`;
    if (genl) {
      const fam = this.family(type);
      return fam ? fam.name : `genl family ${hex(type)}`;
    }
    return this.options.messageTypes?.[type] ?? `type ${hex(type)}`;
  }

  family(id: number): GenlFamilyNames | undefined {
    return this.options.genlFamilies?.[id] ?? (id === GENL_ID_CTRL ? NLCTRL_NAMES : undefined);
  }

  /** The 16-byte header as a container with its five fields. */
  header(at: number, title: string, genl: boolean): DecodedField {
    const len = this.u32(at);
    const type = this.u16(at + 4);
    const flags = this.u16(at + 6);
    const requestKind = genl ? 'get' : this.options.requestKinds?.[type];
    return {
      name: title,
      offset: at,
      length: NLMSG_HDRLEN,
      value: `${this.typeName(type, genl)}, nlmsg_len ${len}`,
      children: [
        this.leaf('nlmsg_len', at, 4, String(len)),
        this.leaf('nlmsg_type', at + 4, 2, `${this.typeName(type, genl)} (${hex(type)})`),
        this.leaf('nlmsg_flags', at + 6, 2, describeFlags(flags, requestKind ? { type, requestKind } : { type })),
        this.leaf('nlmsg_seq', at + 8, 4, String(this.u32(at + 8))),
        this.leaf('nlmsg_pid', at + 12, 4, String(this.u32(at + 12))),
      ],
    };
  }

  message(at: number, len: number, end: number, index: number, genl: boolean, depth: number): DecodedField {
    const type = this.u16(at + 4);
    const flags = this.u16(at + 6);
    const hdr = this.header(at, 'nlmsghdr', genl);
    const children: DecodedField[] = [...hdr.children!];
    const payloadStart = at + NLMSG_HDRLEN;
    const payloadEnd = at + len;
    if (type === NLMSG_ERROR) children.push(...this.errorPayload(payloadStart, payloadEnd, flags, genl, depth));
    else if (type === NLMSG_DONE) children.push(...this.donePayload(payloadStart, payloadEnd, flags, depth));
    else if (type < NLMSG_MIN_TYPE) {
      if (payloadEnd > payloadStart) children.push(this.leaf('payload', payloadStart, payloadEnd - payloadStart, `${payloadEnd - payloadStart} byte(s)`));
    } else if (genl) children.push(...this.genlPayload(payloadStart, payloadEnd, type, depth));
    else children.push(...this.rawPayload(payloadStart, payloadEnd, depth));
    const pad = this.padding(payloadEnd, Math.min(end, at + NLMSG_ALIGN(len)));
    if (pad) children.push(pad);
    let summary = `${this.typeName(type, genl)}, ${len} bytes`;
    if (type === NLMSG_ERROR && len >= NLMSG_HDRLEN + 4) {
      const err = this.s32(payloadStart);
      summary += err === 0 ? ', ACK' : `, ${this.errnoText(err)}`;
    }
    return { name: `message ${index}`, offset: at, length: Math.min(end, at + NLMSG_ALIGN(len)) - at, value: summary, children };
  }

  errnoText(err: number): string {
    if (err === 0) return '0 (success)';
    const info = errnoInfo(err);
    return `error ${err} = ${err < 0 ? '-' : ''}${info.name} (${info.text})`;
  }

  errorPayload(start: number, end: number, flags: number, genl: boolean, depth: number): DecodedField[] {
    const out: DecodedField[] = [];
    if (end - start < 4) {
      out.push(this.error(start, end, 'an NLMSG_ERROR payload starts with a 4-byte int error; this one is shorter'));
      return out;
    }
    const err = this.s32(start);
    out.push(this.leaf('error', start, 4, err === 0 ? '0 (ACK: success)' : `${err} = -${errnoInfo(err).name} (${errnoInfo(err).text})${err > 0 ? ' (positive: the sender flipped the sign; errors are negative)' : ''}`));
    const reqAt = start + 4;
    if (end - reqAt < NLMSG_HDRLEN) {
      out.push(this.error(reqAt, end, `an NLMSG_ERROR echoes the request's 16-byte header; only ${end - reqAt} byte(s) follow the error code`));
      return out;
    }
    const reqLen = this.u32(reqAt);
    const capped = (flags & NLM_F_CAPPED) !== 0;
    const request = this.header(reqAt, 'request', genl);
    request.value = `echoed request header: ${request.value}${capped ? ' (CAPPED: payload not echoed)' : ''}`;
    out.push(request);
    let tlvAt = reqAt + NLMSG_HDRLEN;
    if (!capped) {
      if (reqLen < NLMSG_HDRLEN || reqAt + reqLen > end) {
        out.push(this.error(reqAt + NLMSG_HDRLEN, end, `not CAPPED, so the whole request (nlmsg_len ${reqLen}) should be echoed, but ${end - reqAt} byte(s) are there`));
        return out;
      }
      const reqType = this.u16(reqAt + 4);
      const body: DecodedField = {
        name: 'request payload',
        offset: reqAt + NLMSG_HDRLEN,
        length: reqLen - NLMSG_HDRLEN,
        value: `${reqLen - NLMSG_HDRLEN} byte(s) echoed`,
        children:
          reqType >= NLMSG_MIN_TYPE
            ? genl
              ? this.genlPayload(reqAt + NLMSG_HDRLEN, reqAt + reqLen, reqType, depth + 1)
              : this.rawPayload(reqAt + NLMSG_HDRLEN, reqAt + reqLen, depth + 1)
            : [],
      };
      if (body.length > 0) {
        if (body.children!.length === 0) delete body.children;
        out.push(body);
      }
      tlvAt = reqAt + NLMSG_ALIGN(reqLen);
      const pad = this.padding(reqAt + reqLen, Math.min(end, tlvAt));
      if (pad) out.push(pad);
    }
    if (flags & NLM_F_ACK_TLVS) {
      const ext: DecodedField = {
        name: 'extended ACK',
        offset: tlvAt,
        length: Math.max(0, end - tlvAt),
        value: '',
        children: this.attributes(tlvAt, end, EXT_ACK_NAMES, depth + 1),
      };
      const msg = ext.children!.find((c) => c.name.startsWith('NLMSGERR_ATTR_MSG'));
      ext.value = msg ? msg.value : `${ext.children!.length} attribute(s)`;
      out.push(ext);
      this.markExtAckOffset(ext, reqAt, out);
    } else if (tlvAt < end) {
      out.push(this.leaf('trailing bytes', tlvAt, end - tlvAt, `${end - tlvAt} byte(s) after the echoed request without NLM_F_ACK_TLVS`));
    }
    return out;
  }

  /** Points the reader from NLMSGERR_ATTR_OFFS to the echoed attribute it names. */
  markExtAckOffset(ext: DecodedField, reqAt: number, siblings: DecodedField[]): void {
    const offs = ext.children?.find((c) => c.name.startsWith('NLMSGERR_ATTR_OFFS'));
    if (!offs) return;
    const value = offs.children?.find((c) => c.name === 'value');
    const n = Number.parseInt((value ?? offs).value, 10);
    if (!Number.isFinite(n)) return;
    const target = reqAt + n;
    const find = (fields: DecodedField[]): DecodedField | undefined => {
      for (const f of fields) {
        if (f.offset === target && f.children?.some((c) => c.name === 'nla_len · nla_type')) return f;
        const inner = f.children ? find(f.children) : undefined;
        if (inner) return inner;
      }
      return undefined;
    };
    const hit = find(siblings);
    const note = hit ? `points at ${hit.name} (datagram offset ${target})` : `request offset ${n} (datagram offset ${target}${siblings.some((s) => s.name === 'request payload') ? '' : ', not echoed'})`;
    offs.value = `${n}: ${note}`;
    if (hit) hit.note = 'the extended ACK (NLMSGERR_ATTR_OFFS) points here';
  }

  donePayload(start: number, end: number, flags: number, depth: number): DecodedField[] {
    if (end === start) return [];
    if (end - start < 4) return [this.error(start, end, 'an NLMSG_DONE payload is a 4-byte int error; this one is shorter')];
    const err = this.s32(start);
    const out = [this.leaf('error', start, 4, err === 0 ? '0 (dump complete)' : `${err} = -${errnoInfo(err).name} (${errnoInfo(err).text}): the dump failed`)];
    if (flags & NLM_F_ACK_TLVS) {
      out.push({ name: 'extended ACK', offset: start + 4, length: end - start - 4, value: '', children: this.attributes(start + 4, end, EXT_ACK_NAMES, depth + 1) });
    } else if (end > start + 4) out.push(this.leaf('trailing bytes', start + 4, end - start - 4, `${end - start - 4} byte(s)`));
    return out;
  }

  genlPayload(start: number, end: number, familyId: number, depth: number): DecodedField[] {
    if (end - start < GENL_HDRLEN) {
      return [this.error(start, end, `a generic netlink payload starts with a 4-byte genlmsghdr (cmd, version, reserved); only ${end - start} byte(s) here`)];
    }
    const fam = this.family(familyId);
    const cmd = this.bytes[start]!;
    const version = this.bytes[start + 1]!;
    const reserved = this.u16(start + 2);
    const cmdName = fam?.commands?.[cmd];
    const hdr: DecodedField = {
      name: 'genlmsghdr',
      offset: start,
      length: GENL_HDRLEN,
      value: `${cmdName ?? `cmd ${cmd}`}, version ${version}`,
      children: [
        this.leaf('cmd', start, 1, cmdName ? `${cmdName} (${cmd})` : String(cmd)),
        this.leaf('version', start + 1, 1, String(version)),
        this.leaf('reserved', start + 2, 2, String(reserved)),
      ],
    };
    if (reserved !== 0) {
      hdr.children![2]!.error = 'genlmsghdr.reserved must be 0';
      this.errorCount++;
    }
    return [hdr, ...this.attributes(start + GENL_HDRLEN, end, fam?.attributes, depth + 1)];
  }

  rawPayload(start: number, end: number, depth: number): DecodedField[] {
    if (end <= start) return [];
    const mode = this.options.rawPayload ?? 'auto';
    const bytes = this.bytes.subarray(start, end);
    if (mode === 'attributes') return this.attributes(start, end, this.options.attributes, depth + 1);
    if (mode === 'string' || (mode === 'auto' && (isPrintable(bytes) || (bytes.indexOf(0) > 0 && isPrintable(bytes.subarray(0, bytes.indexOf(0))) && bytes.subarray(bytes.indexOf(0)).every((b) => b === 0))))) {
      return [this.leaf('payload', start, end - start, stringValue(bytes))];
    }
    return [this.leaf('payload', start, end - start, `${end - start} byte(s)`)];
  }

  // ---- attributes ----

  attributes(start: number, end: number, names: AttrNames | undefined, depth: number, arrayOf?: AttrNames): DecodedField[] {
    const out: DecodedField[] = [];
    if (depth > MAX_DEPTH) {
      return [this.error(start, end, `attributes nested more than ${MAX_DEPTH} levels deep; not decoded further`)];
    }
    let at = start;
    while (at < end) {
      const left = end - at;
      if (left < NLA_HDRLEN) {
        out.push(this.error(at, end, `${left} byte(s) left in the container, too few for a 4-byte attribute header`));
        break;
      }
      const nlaLen = this.u16(at);
      const rawType = this.u16(at + 2);
      const type = rawType & NLA_TYPE_MASK;
      const s: AttrSpec | undefined = arrayOf ? { name: `entry ${type}`, type: 'nested', children: arrayOf } : spec(names, type);
      const title = s ? `${s.name} (${type})` : `attr ${type}`;
      const flagText = [rawType & NLA_F_NESTED ? 'NESTED' : '', rawType & NLA_F_NET_BYTEORDER ? 'NET_BYTEORDER' : ''].filter(Boolean).join('|');
      const headerLeaf = this.leaf('nla_len · nla_type', at, 4, `${nlaLen} · ${type}${flagText ? ` | ${flagText} (${hex(rawType, 4)})` : ''}${s ? ` ${s.name}` : ''}`);
      if (nlaLen < NLA_HDRLEN) {
        out.push({ name: title, offset: at, length: 4, value: 'bad nla_len', children: [headerLeaf] });
        out.push(this.error(at + 4, end, `nla_len ${nlaLen} at offset ${at} is below 4: nla_len counts the 4-byte header, so the rest of this container cannot be framed`));
        break;
      }
      if (nlaLen > left) {
        out.push({ name: title, offset: at, length: 4, value: 'bad nla_len', children: [headerLeaf] });
        out.push(this.error(at + 4, end, `nla_len ${nlaLen} at offset ${at} runs past its container: only ${left} byte(s) remain`));
        break;
      }
      const valueStart = at + NLA_HDRLEN;
      const valueEnd = at + nlaLen;
      const children: DecodedField[] = [headerLeaf];
      let summary: string;
      const nestedKind = s?.type === 'nested' || s?.type === 'nestedArray' || (!s?.type && (rawType & NLA_F_NESTED) !== 0);
      if (nestedKind) {
        const inner = s?.type === 'nestedArray'
          ? this.attributes(valueStart, valueEnd, undefined, depth + 1, s.children)
          : this.attributes(valueStart, valueEnd, s?.children, depth + 1);
        children.push(...inner);
        summary = `nested, ${inner.filter((f) => !f.error && !f.padding).length} attribute(s)`;
      } else {
        summary = this.attrValue(valueStart, valueEnd, s?.type);
        if (valueEnd > valueStart) children.push(this.leaf('value', valueStart, valueEnd - valueStart, summary));
        const expect = ({ u8: 1, s8: 1, u16: 2, s16: 2, be16: 2, u32: 4, s32: 4, be32: 4, ipv4: 4, u64: 8, s64: 8, flag: 0, attrType: 4 } as Record<string, number>)[s?.type ?? ''];
        if (expect !== undefined && expect !== valueEnd - valueStart) {
          const bad = children[children.length - 1]!;
          bad.error = `${s!.name} is ${s!.type}: its value should be ${expect} byte(s), it is ${valueEnd - valueStart}`;
          this.errorCount++;
        }
        if (s?.type === 'nulString' && this.bytes.subarray(valueStart, valueEnd).indexOf(0) === -1) {
          const bad = children[children.length - 1] ?? headerLeaf;
          bad.error = `${s.name} should be NUL-terminated (NLA_NUL_STRING), no NUL found`;
          this.errorCount++;
        }
      }
      const alignedEnd = Math.min(end, at + NLMSG_ALIGN(nlaLen));
      const pad = this.padding(valueEnd, alignedEnd);
      if (pad) children.push(pad);
      out.push({ name: title, offset: at, length: alignedEnd - at, value: summary, children });
      at += NLMSG_ALIGN(nlaLen);
    }
    return out;
  }

  attrValue(start: number, end: number, type: AttrValueType | undefined): string {
    const len = end - start;
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset + start, len);
    const le = HOST_LITTLE_ENDIAN;
    const bytes = this.bytes.subarray(start, end);
    try {
      switch (type) {
        case 'u8': return String(dv.getUint8(0));
        case 's8': return String(dv.getInt8(0));
        case 'u16': return `${dv.getUint16(0, le)} (${hex(dv.getUint16(0, le))})`;
        case 's16': return String(dv.getInt16(0, le));
        case 'u32': return `${dv.getUint32(0, le)} (${hex(dv.getUint32(0, le))})`;
        case 'attrType': return `${dv.getUint32(0, le)} ${NL_ATTR_TYPE_NAMES[dv.getUint32(0, le)] ?? ''}`.trimEnd();
        case 's32': return String(dv.getInt32(0, le));
        case 'u64': return String(dv.getBigUint64(0, le));
        case 's64': return String(dv.getBigInt64(0, le));
        case 'be16': return `${dv.getUint16(0, false)} (big-endian)`;
        case 'be32': return `${dv.getUint32(0, false)} (big-endian)`;
        case 'ipv4': return len === 4 ? Array.from(bytes).join('.') : `${len} byte(s), not an IPv4 address`;
        case 'flag': return len === 0 ? 'flag (present)' : `${len} byte(s)`;
        case 'string':
        case 'nulString': return stringValue(bytes);
        case 'binary': return `${len} byte(s)`;
        default: break;
      }
    } catch {
      return `${len} byte(s) (too short for ${type})`;
    }
    // Unknown layout: offer the likely readings.
    if (len === 0) return 'empty (a flag?)';
    const nul = bytes.indexOf(0);
    const text = nul > 0 ? bytes.subarray(0, nul) : bytes;
    if (isPrintable(text) && (nul === -1 || bytes.subarray(nul).every((b) => b === 0)) && len > 1) return stringValue(bytes);
    if (len === 1) return `${bytes[0]} (u8?)`;
    if (len === 2) return `${dv.getUint16(0, le)} (u16?)`;
    if (len === 4) return `${dv.getUint32(0, le)} (u32?)`;
    if (len === 8) return `${dv.getBigUint64(0, le)} (u64?)`;
    return `${len} byte(s)`;
  }

  // ---- plain TLVs (lesson 3 part A) ----

  tlvs(): DecodedField[] {
    const types = this.options.tlvTypes ?? COURSE_TLV_TYPES;
    const out: DecodedField[] = [];
    const end = this.bytes.length;
    let at = 0;
    let index = 0;
    while (at < end) {
      if (end - at < 2) {
        out.push(this.error(at, end, `1 byte left, a TLV header needs 2 (type, length)`));
        break;
      }
      const type = this.bytes[at]!;
      const len = this.bytes[at + 1]!;
      const s = types[type];
      const head = this.leaf('type · length', at, 2, `${s ? `${s.name} (${type})` : `unknown type ${type}`} · ${len}`);
      if (len > end - at - 2) {
        out.push({ name: `TLV ${index}`, offset: at, length: 2, value: 'bad length', children: [head] });
        out.push(this.error(at + 2, end, `length ${len} at offset ${at} runs past the buffer: only ${end - at - 2} byte(s) follow`));
        break;
      }
      const children = [head];
      let summary = `${len} byte(s)`;
      if (s && len % s.unit !== 0) {
        head.error = `${s.name} values are whole ${s.unit}-byte units; ${len} is not a multiple of ${s.unit}`;
        this.errorCount++;
        if (len > 0) children.push(this.leaf('value', at + 2, len, `${len} byte(s)`));
      } else if (s) {
        const units: string[] = [];
        for (let u = at + 2; u < at + 2 + len; u += s.unit) {
          const v = this.bytes.subarray(u, u + s.unit);
          const shown = s.show === 'u64' ? String(new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, HOST_LITTLE_ENDIAN)) : s.show === 'string' ? quote(v.subarray(0, v.indexOf(0) === -1 ? v.length : v.indexOf(0))) : `${v.length} byte(s)`;
          units.push(shown);
          children.push(this.leaf(`${s.name}[${units.length - 1}]`, u, s.unit, shown));
        }
        summary = units.join(', ');
      } else if (len > 0) children.push(this.leaf('value', at + 2, len, `${len} byte(s), skipped (unknown type)`));
      out.push({ name: s ? `${s.name} (${type})` : `TLV type ${type}`, offset: at, length: 2 + len, value: summary, children });
      at += 2 + len;
      index++;
    }
    return out;
  }
}

/** Decodes bytes as `options.kind`. Never throws: malformed input yields error nodes. */
export function decodeDatagram(input: Uint8Array | ArrayBuffer | readonly number[], options: DecodeOptions = { kind: 'nlmsg' }): DecodedDatagram {
  const bytes = input instanceof Uint8Array ? input : input instanceof ArrayBuffer ? new Uint8Array(input) : Uint8Array.from(input);
  const d = new Decoder(bytes, options);
  let fields: DecodedField[];
  try {
    switch (options.kind) {
      case 'nlmsg':
        fields = d.messages(0, bytes.length, false, 0);
        break;
      case 'genl':
        fields = d.messages(0, bytes.length, true, 0);
        break;
      case 'nlattr':
        fields = d.attributes(0, bytes.length, options.attributes, 0);
        break;
      case 'tlv':
        fields = d.tlvs();
        break;
      default:
        fields = bytes.length ? [d.leaf('bytes', 0, bytes.length, `${bytes.length} byte(s)`)] : [];
        break;
    }
  } catch (error) {
    // A decoder bug must not hide the bytes from the person reading the report.
    fields = [d.error(0, bytes.length, `decoder failure (please report): ${(error as Error).message}`)];
  }
  return { kind: options.kind, bytes, fields, errorCount: d.errorCount };
}

// ---- text ----

export interface FormatOptions {
  /** Show at most this many rows of one long value (default 16 = 64 bytes). */
  maxRowsPerField?: number;
  /** Title line (default: kind and length). */
  title?: string;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i ? ' ' : '') + HEX[bytes[i]!];
  return out;
}

/** Prints a decoded tree as 4-byte rows: offset, bytes, field (indented by depth), value. */
export function formatDecoded(tree: DecodedDatagram, options: FormatOptions = {}): string {
  const maxRows = options.maxRowsPerField ?? 16;
  const offWidth = Math.max(4, tree.bytes.length.toString(16).length);
  const lines: string[] = [];
  const blankOff = ' '.repeat(offWidth);
  const bytesWidth = 11;
  const nameWidth = 38;
  const row = (offset: number | undefined, bytes: Uint8Array | undefined, name: string, value: string): void => {
    const off = offset === undefined ? blankOff : offset.toString(16).padStart(offWidth, '0');
    const b = (bytes ? hexBytes(bytes) : '').padEnd(bytesWidth);
    const n = name.length >= nameWidth ? `${name} ` : name.padEnd(nameWidth);
    lines.push(`${off}  ${b}  ${n}${value}`.trimEnd());
  };
  lines.push(options.title ?? `${tree.kind} decode of ${tree.bytes.length} byte(s)${tree.errorCount ? `, ${tree.errorCount} problem(s) found` : ''}`);
  lines.push(`${'off'.padEnd(offWidth)}  ${'bytes'.padEnd(bytesWidth)}  ${'field'.padEnd(nameWidth)}value`);

  const leafRows = (f: DecodedField, indent: string): void => {
    const bytes = tree.bytes.subarray(f.offset, f.offset + f.length);
    const label = f.padding ? `${indent}(padding)` : `${indent}${f.name}`;
    const marks = `${f.error ? `  <-- ERROR: ${f.error}` : ''}${f.note ? `  <-- ${f.note}` : ''}`;
    if (bytes.length === 0) {
      row(f.offset, undefined, label, f.value + marks);
      return;
    }
    const rows = Math.ceil(bytes.length / 4);
    for (let r = 0; r < Math.min(rows, maxRows); r++) {
      const chunk = bytes.subarray(r * 4, r * 4 + 4);
      row(f.offset + r * 4, chunk, r === 0 ? label : '', r === 0 ? f.value + marks : '');
    }
    if (rows > maxRows) row(undefined, undefined, '', `... ${bytes.length - maxRows * 4} more byte(s)`);
  };

  const walk = (fields: DecodedField[], depth: number): void => {
    const indent = '  '.repeat(depth);
    let i = 0;
    while (i < fields.length) {
      const f = fields[i]!;
      if (f.children && f.children.length > 0) {
        const marks = `${f.error ? `  <-- ERROR: ${f.error}` : ''}${f.note ? `  <-- ${f.note}` : ''}`;
        row(f.offset, undefined, `${indent}${f.name}`, `${f.value}${marks}`);
        walk(f.children, depth + 1);
        i++;
        continue;
      }
      // Merge small neighbouring leaves into one 4-byte row (nlmsg_type + nlmsg_flags, cmd + version + reserved).
      const group = [f];
      let total = f.length;
      while (f.offset % 4 === 0 && f.length < 4 && !f.error && !f.padding && i + group.length < fields.length) {
        const next = fields[i + group.length]!;
        if (next.children?.length || next.offset !== f.offset + total || total + next.length > 4) break;
        group.push(next);
        total += next.length;
        if (total === 4) break;
      }
      if (group.length > 1 && total <= 4) {
        const marks = group.filter((g) => g.error).map((g) => `  <-- ERROR: ${g.error}`).join('');
        row(
          f.offset,
          tree.bytes.subarray(f.offset, f.offset + total),
          `${indent}${group.map((g) => (g.padding ? '(padding)' : g.name)).join(' · ')}`,
          group.map((g) => g.value).join(' · ') + marks,
        );
        i += group.length;
        continue;
      }
      leafRows(f, indent);
      i++;
    }
  };
  walk(tree.fields, 0);
  if (tree.bytes.length === 0) lines.push('(no bytes)');
  return lines.join('\n');
}

/** Convenience: decode and format in one call (what reports print). */
export function decodeToText(bytes: Uint8Array, options: DecodeOptions, format: FormatOptions = {}): string {
  return formatDecoded(decodeDatagram(bytes, options), format);
}
