/**
 * Linux errnos and NLMSG_ERROR replies.
 *
 * An NLMSG_ERROR payload is struct nlmsgerr: an int error (negative errno, 0
 * for an ACK) and the request's nlmsghdr; then the request's payload unless
 * NLM_F_CAPPED is set; then, if NLM_F_ACK_TLVS is set, extended-ACK attributes
 * starting at the next 4-byte boundary after the echoed request
 * (af_netlink.c: netlink_ack).
 */
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
} from './constants.ts';
import { type NetlinkAttribute, parseAttributes } from './attributes.ts';
import { HOST_LITTLE_ENDIAN, NLMSG_ALIGN, NetlinkParseError, type NlMsgHeader, decodeHeader } from './message.ts';

/**
 * x86-64 Linux errno numbers with their symbolic names and the text glibc's
 * strerror() prints (generated from <errno.h> and strerror on Debian 12;
 * test/netlink-errors.test.ts recompiles and compares). Aliases
 * (EWOULDBLOCK, EDEADLOCK, ENOTSUP) map to the same numbers as EAGAIN,
 * EDEADLK, EOPNOTSUPP and are listed in ERRNO_ALIASES.
 */
const ERRNO_TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [1, 'EPERM', 'Operation not permitted'],
  [2, 'ENOENT', 'No such file or directory'],
  [3, 'ESRCH', 'No such process'],
  [4, 'EINTR', 'Interrupted system call'],
  [5, 'EIO', 'Input/output error'],
  [6, 'ENXIO', 'No such device or address'],
  [7, 'E2BIG', 'Argument list too long'],
  [8, 'ENOEXEC', 'Exec format error'],
  [9, 'EBADF', 'Bad file descriptor'],
  [10, 'ECHILD', 'No child processes'],
  [11, 'EAGAIN', 'Resource temporarily unavailable'],
  [12, 'ENOMEM', 'Cannot allocate memory'],
  [13, 'EACCES', 'Permission denied'],
  [14, 'EFAULT', 'Bad address'],
  [15, 'ENOTBLK', 'Block device required'],
  [16, 'EBUSY', 'Device or resource busy'],
  [17, 'EEXIST', 'File exists'],
  [18, 'EXDEV', 'Invalid cross-device link'],
  [19, 'ENODEV', 'No such device'],
  [20, 'ENOTDIR', 'Not a directory'],
  [21, 'EISDIR', 'Is a directory'],
  [22, 'EINVAL', 'Invalid argument'],
  [23, 'ENFILE', 'Too many open files in system'],
  [24, 'EMFILE', 'Too many open files'],
  [25, 'ENOTTY', 'Inappropriate ioctl for device'],
  [26, 'ETXTBSY', 'Text file busy'],
  [27, 'EFBIG', 'File too large'],
  [28, 'ENOSPC', 'No space left on device'],
  [29, 'ESPIPE', 'Illegal seek'],
  [30, 'EROFS', 'Read-only file system'],
  [31, 'EMLINK', 'Too many links'],
  [32, 'EPIPE', 'Broken pipe'],
  [33, 'EDOM', 'Numerical argument out of domain'],
  [34, 'ERANGE', 'Numerical result out of range'],
  [35, 'EDEADLK', 'Resource deadlock avoided'],
  [36, 'ENAMETOOLONG', 'File name too long'],
  [37, 'ENOLCK', 'No locks available'],
  [38, 'ENOSYS', 'Function not implemented'],
  [39, 'ENOTEMPTY', 'Directory not empty'],
  [40, 'ELOOP', 'Too many levels of symbolic links'],
  [42, 'ENOMSG', 'No message of desired type'],
  [43, 'EIDRM', 'Identifier removed'],
  [44, 'ECHRNG', 'Channel number out of range'],
  [45, 'EL2NSYNC', 'Level 2 not synchronized'],
  [46, 'EL3HLT', 'Level 3 halted'],
  [47, 'EL3RST', 'Level 3 reset'],
  [48, 'ELNRNG', 'Link number out of range'],
  [49, 'EUNATCH', 'Protocol driver not attached'],
  [50, 'ENOCSI', 'No CSI structure available'],
  [51, 'EL2HLT', 'Level 2 halted'],
  [52, 'EBADE', 'Invalid exchange'],
  [53, 'EBADR', 'Invalid request descriptor'],
  [54, 'EXFULL', 'Exchange full'],
  [55, 'ENOANO', 'No anode'],
  [56, 'EBADRQC', 'Invalid request code'],
  [57, 'EBADSLT', 'Invalid slot'],
  [59, 'EBFONT', 'Bad font file format'],
  [60, 'ENOSTR', 'Device not a stream'],
  [61, 'ENODATA', 'No data available'],
  [62, 'ETIME', 'Timer expired'],
  [63, 'ENOSR', 'Out of streams resources'],
  [64, 'ENONET', 'Machine is not on the network'],
  [65, 'ENOPKG', 'Package not installed'],
  [66, 'EREMOTE', 'Object is remote'],
  [67, 'ENOLINK', 'Link has been severed'],
  [68, 'EADV', 'Advertise error'],
  [69, 'ESRMNT', 'Srmount error'],
  [70, 'ECOMM', 'Communication error on send'],
  [71, 'EPROTO', 'Protocol error'],
  [72, 'EMULTIHOP', 'Multihop attempted'],
  [73, 'EDOTDOT', 'RFS specific error'],
  [74, 'EBADMSG', 'Bad message'],
  [75, 'EOVERFLOW', 'Value too large for defined data type'],
  [76, 'ENOTUNIQ', 'Name not unique on network'],
  [77, 'EBADFD', 'File descriptor in bad state'],
  [78, 'EREMCHG', 'Remote address changed'],
  [79, 'ELIBACC', 'Can not access a needed shared library'],
  [80, 'ELIBBAD', 'Accessing a corrupted shared library'],
  [81, 'ELIBSCN', '.lib section in a.out corrupted'],
  [82, 'ELIBMAX', 'Attempting to link in too many shared libraries'],
  [83, 'ELIBEXEC', 'Cannot exec a shared library directly'],
  [84, 'EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  [85, 'ERESTART', 'Interrupted system call should be restarted'],
  [86, 'ESTRPIPE', 'Streams pipe error'],
  [87, 'EUSERS', 'Too many users'],
  [88, 'ENOTSOCK', 'Socket operation on non-socket'],
  [89, 'EDESTADDRREQ', 'Destination address required'],
  [90, 'EMSGSIZE', 'Message too long'],
  [91, 'EPROTOTYPE', 'Protocol wrong type for socket'],
  [92, 'ENOPROTOOPT', 'Protocol not available'],
  [93, 'EPROTONOSUPPORT', 'Protocol not supported'],
  [94, 'ESOCKTNOSUPPORT', 'Socket type not supported'],
  [95, 'EOPNOTSUPP', 'Operation not supported'],
  [96, 'EPFNOSUPPORT', 'Protocol family not supported'],
  [97, 'EAFNOSUPPORT', 'Address family not supported by protocol'],
  [98, 'EADDRINUSE', 'Address already in use'],
  [99, 'EADDRNOTAVAIL', 'Cannot assign requested address'],
  [100, 'ENETDOWN', 'Network is down'],
  [101, 'ENETUNREACH', 'Network is unreachable'],
  [102, 'ENETRESET', 'Network dropped connection on reset'],
  [103, 'ECONNABORTED', 'Software caused connection abort'],
  [104, 'ECONNRESET', 'Connection reset by peer'],
  [105, 'ENOBUFS', 'No buffer space available'],
  [106, 'EISCONN', 'Transport endpoint is already connected'],
  [107, 'ENOTCONN', 'Transport endpoint is not connected'],
  [108, 'ESHUTDOWN', 'Cannot send after transport endpoint shutdown'],
  [109, 'ETOOMANYREFS', 'Too many references: cannot splice'],
  [110, 'ETIMEDOUT', 'Connection timed out'],
  [111, 'ECONNREFUSED', 'Connection refused'],
  [112, 'EHOSTDOWN', 'Host is down'],
  [113, 'EHOSTUNREACH', 'No route to host'],
  [114, 'EALREADY', 'Operation already in progress'],
  [115, 'EINPROGRESS', 'Operation now in progress'],
  [116, 'ESTALE', 'Stale file handle'],
  [117, 'EUCLEAN', 'Structure needs cleaning'],
  [118, 'ENOTNAM', 'Not a XENIX named type file'],
  [119, 'ENAVAIL', 'No XENIX semaphores available'],
  [120, 'EISNAM', 'Is a named type file'],
  [121, 'EREMOTEIO', 'Remote I/O error'],
  [122, 'EDQUOT', 'Disk quota exceeded'],
  [123, 'ENOMEDIUM', 'No medium found'],
  [124, 'EMEDIUMTYPE', 'Wrong medium type'],
  [125, 'ECANCELED', 'Operation canceled'],
  [126, 'ENOKEY', 'Required key not available'],
  [127, 'EKEYEXPIRED', 'Key has expired'],
  [128, 'EKEYREVOKED', 'Key has been revoked'],
  [129, 'EKEYREJECTED', 'Key was rejected by service'],
  [130, 'EOWNERDEAD', 'Owner died'],
  [131, 'ENOTRECOVERABLE', 'State not recoverable'],
  [132, 'ERFKILL', 'Operation not possible due to RF-kill'],
  [133, 'EHWPOISON', 'Memory page has hardware error'],
];

export interface ErrnoInfo {
  errno: number;
  /** Symbolic name, e.g. EEXIST. */
  name: string;
  /** glibc's strerror text, e.g. "File exists". */
  text: string;
}

const BY_NUMBER = new Map<number, ErrnoInfo>(ERRNO_TABLE.map(([errno, name, text]) => [errno, { errno, name, text }]));
const BY_NAME = new Map<string, ErrnoInfo>(ERRNO_TABLE.map(([errno, name, text]) => [name, { errno, name, text }]));

export const ERRNO_ALIASES: Readonly<Record<string, string>> = { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' };

/** Every known errno, ascending. */
export function errnoTable(): ErrnoInfo[] {
  return [...BY_NUMBER.values()];
}

/** Info for an errno (sign ignored, so -17 and 17 both give EEXIST); unknown numbers get glibc's "Unknown error N". */
export function errnoInfo(errno: number): ErrnoInfo {
  const n = Math.abs(errno);
  return BY_NUMBER.get(n) ?? { errno: n, name: `E${n}`, text: `Unknown error ${n}` };
}

export function errnoName(errno: number): string {
  return errnoInfo(errno).name;
}

/** The text `strerror(errno)` prints (what `ip` shows: "RTNETLINK answers: File exists"). */
export function strerror(errno: number): string {
  return errnoInfo(errno).text;
}

/** The errno number for a name such as 'EEXIST' (aliases accepted). */
export function errnoByName(name: string): number | undefined {
  return BY_NAME.get(ERRNO_ALIASES[name] ?? name)?.errno;
}

export interface ExtAckPolicy {
  /** NL_POLICY_TYPE_ATTR_* values by short name (type, minValueS, maxLength, ...). */
  [key: string]: number | bigint;
}

export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's explanation (NL_SET_ERR_MSG). */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute, counted from the start of the request's nlmsghdr. */
  offset?: number;
  /** NLMSGERR_ATTR_COOKIE: opaque bytes. */
  cookie?: Uint8Array;
  /** NLMSGERR_ATTR_MISS_TYPE: attribute type that was required but missing. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest that lacked it (absent if missing at message level). */
  missingNest?: number;
  /** NLMSGERR_ATTR_POLICY: the policy the bad attribute broke. */
  policy?: ExtAckPolicy;
  /** All TLVs as parsed; offsets relative to the NLMSG_ERROR payload. */
  attributes: NetlinkAttribute[];
}

export interface ParsedError {
  /** 0 for an ACK, else a negative errno. */
  error: number;
  /** The header of the request this answers (nlmsg_len is the request's original length, even when capped). */
  request: NlMsgHeader;
  /** The echoed request payload; undefined when NLM_F_CAPPED. */
  requestPayload?: Uint8Array;
  capped: boolean;
  /** Present iff NLM_F_ACK_TLVS was set. */
  extAck?: ExtAck;
}

const POLICY_KEYS: Readonly<Record<number, [string, 'u32' | 'u64' | 's64']>> = {
  1: ['type', 'u32'],
  2: ['minValueS', 's64'],
  3: ['maxValueS', 's64'],
  4: ['minValueU', 'u64'],
  5: ['maxValueU', 'u64'],
  6: ['minLength', 'u32'],
  7: ['maxLength', 'u32'],
  8: ['policyIdx', 'u32'],
  9: ['policyMaxtype', 'u32'],
  10: ['bitfield32Mask', 'u32'],
  12: ['mask', 'u64'],
};

function parsePolicy(attr: NetlinkAttribute): ExtAckPolicy {
  const policy: ExtAckPolicy = {};
  for (const a of attr.attributes()) {
    const key = POLICY_KEYS[a.type];
    if (!key) continue;
    policy[key[0]] = key[1] === 'u32' ? a.u32() : key[1] === 'u64' ? a.u64() : a.s64();
  }
  return policy;
}

/** Parses extended-ACK TLVs (also used for NLMSG_DONE). `baseOffset` is where `tlvs` starts in the payload. */
export function parseExtAck(tlvs: Uint8Array, baseOffset = 0): ExtAck {
  const attributes = parseAttributes(tlvs, { baseOffset });
  const ext: ExtAck = { attributes };
  for (const a of attributes) {
    switch (a.type) {
      case NLMSGERR_ATTR_MSG:
        ext.message = a.string();
        break;
      case NLMSGERR_ATTR_OFFS:
        ext.offset = a.u32();
        break;
      case NLMSGERR_ATTR_COOKIE:
        ext.cookie = a.binary();
        break;
      case NLMSGERR_ATTR_POLICY:
        ext.policy = parsePolicy(a);
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        ext.missingType = a.u32();
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        ext.missingNest = a.u32();
        break;
      default:
        break; // unknown TLVs from newer kernels are kept in `attributes`
    }
  }
  return ext;
}

/**
 * Parses an NLMSG_ERROR payload. `flags` are the NLMSG_ERROR message's own
 * nlmsg_flags (they carry CAPPED and ACK_TLVS). Throws NetlinkParseError
 * (offsets relative to the payload) when the payload is too short for what
 * the flags promise.
 */
export function parseErrorMessage(payload: Uint8Array, flags: number): ParsedError {
  if (payload.length < 4 + NLMSG_HDRLEN) {
    throw new NetlinkParseError(
      'nlmsgerr-truncated',
      0,
      `an NLMSG_ERROR payload holds an int error and the request's 16-byte header (20 bytes), this one has ${payload.length}`,
    );
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const error = dv.getInt32(0, HOST_LITTLE_ENDIAN);
  const request = decodeHeader(payload, 4);
  const capped = (flags & NLM_F_CAPPED) !== 0;
  let requestPayload: Uint8Array | undefined;
  let tlvStart = 4 + NLMSG_HDRLEN;
  if (!capped) {
    if (request.length < NLMSG_HDRLEN) {
      throw new NetlinkParseError(
        'nlmsgerr-request-len-below-header',
        4,
        `the echoed request header says nlmsg_len ${request.length}, less than the 16-byte header`,
      );
    }
    if (4 + request.length > payload.length) {
      throw new NetlinkParseError(
        'nlmsgerr-request-past-end',
        4,
        `NLM_F_CAPPED is not set, so the whole request (nlmsg_len ${request.length}) should be echoed, but only ${payload.length - 4} bytes follow the error code`,
      );
    }
    requestPayload = payload.subarray(4 + NLMSG_HDRLEN, 4 + request.length);
    tlvStart = 4 + NLMSG_ALIGN(request.length);
  }
  const parsed: ParsedError = { error, request, capped };
  if (requestPayload !== undefined) parsed.requestPayload = requestPayload;
  if (flags & NLM_F_ACK_TLVS) {
    parsed.extAck = parseExtAck(payload.subarray(Math.min(tlvStart, payload.length)), tlvStart);
  }
  return parsed;
}

export interface ParsedDone {
  /** DONE's int: 0, or a negative errno when the dump failed. */
  error: number;
  extAck?: ExtAck;
}

/** Parses an NLMSG_DONE payload: an int error, then ext-ack TLVs if NLM_F_ACK_TLVS. An empty payload counts as 0. */
export function parseDoneMessage(payload: Uint8Array, flags: number): ParsedDone {
  if (payload.length < 4) return { error: 0 };
  const error = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getInt32(0, HOST_LITTLE_ENDIAN);
  const done: ParsedDone = { error };
  if (flags & NLM_F_ACK_TLVS) done.extAck = parseExtAck(payload.subarray(4), 4);
  return done;
}

export interface NetlinkErrorDetails {
  extAck?: ExtAck;
  /** The request this error answers, when known. */
  request?: NlMsgHeader;
  /** What was being done, e.g. 'CTRL_CMD_GETFAMILY "nl_tlv"'; prefixed to the message. */
  context?: string;
}

/**
 * A negative errno from the kernel. Message: `EEXIST (File exists): <ext-ack text>`.
 */
export class NetlinkError extends Error {
  override name = 'NetlinkError';
  /** Positive errno (17 for EEXIST). */
  readonly errno: number;
  /** Symbolic name (EEXIST). */
  readonly code: string;
  /** glibc strerror text. */
  readonly text: string;
  readonly extAckMessage: string | undefined;
  /** Offset of the bad attribute, counted from the start of the request's nlmsghdr. */
  readonly extAckOffset: number | undefined;
  readonly extAck: ExtAck | undefined;
  readonly request: NlMsgHeader | undefined;

  constructor(errno: number, details: NetlinkErrorDetails = {}) {
    const info = errnoInfo(errno);
    const ext = details.extAck?.message;
    const where = details.extAck?.offset !== undefined ? ` (bad attribute at byte ${details.extAck.offset} of the request)` : '';
    const missing = details.extAck?.missingType !== undefined ? ` (missing attribute type ${details.extAck.missingType})` : '';
    const prefix = details.context ? `${details.context}: ` : '';
    super(`${prefix}${info.name} (${info.text})${ext ? `: ${ext}` : ''}${where}${missing}`);
    this.errno = info.errno;
    this.code = info.name;
    this.text = info.text;
    this.extAckMessage = ext;
    this.extAckOffset = details.extAck?.offset;
    this.extAck = details.extAck;
    this.request = details.request;
  }

  static fromParsed(parsed: ParsedError | ParsedDone, context?: string): NetlinkError {
    const details: NetlinkErrorDetails = {};
    if (parsed.extAck) details.extAck = parsed.extAck;
    if ('request' in parsed) details.request = parsed.request;
    if (context) details.context = context;
    return new NetlinkError(parsed.error, details);
  }
}
