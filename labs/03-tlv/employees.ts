/**
 * Part C: a client of the kernel module nl_tlv, built on your Part B code.
 *
 * The generic netlink plumbing (resolving the family through nlctrl, sending
 * requests, matching replies, collecting a dump) comes from #netlink's
 * NetlinkClient: lesson 2 taught it. The attributes are yours: encode them with
 * nlattr.ts, decode the replies with nlattr.ts, and turn the byte offset of an
 * extended ACK into the name of the attribute you sent.
 */
import { GENL_HDRLEN, NLMSG_HDRLEN, NLM_F_ACK, NetlinkClient, NetlinkError, encodeGenlHeader, openGenl, type GenlFamily } from '#netlink';
import {
  NL_TLV_A_EMP_ID,
  NL_TLV_A_NAME,
  NL_TLV_A_PAD,
  NL_TLV_A_TAGS,
  NL_TLV_A_WEBSITES,
  NL_TLV_CMD_ADD,
  NL_TLV_CMD_DEL,
  NL_TLV_CMD_GET,
  NL_TLV_FAMILY_NAME,
  NL_TLV_FAMILY_VERSION,
  NL_TLV_TAG_A_LEVEL,
  NL_TLV_TAG_A_REMOTE,
  NL_TLV_TAG_A_TEAM,
  NL_TLV_WEBSITE_A_WEBSITE,
} from '#kernel/03-tlv/nl_tlv.ts';
import { TodoError } from '#grader';
import { type Attribute, concatBytes, firstOf, nla, parseAttributes } from './nlattr.ts';

export interface EmployeeTags {
  /** NL_TLV_TAG_A_LEVEL: 1..9. */
  level?: number;
  /** NL_TLV_TAG_A_REMOTE: a flag, sent only when true. */
  remote?: boolean;
  /** NL_TLV_TAG_A_TEAM. */
  team?: string;
}

export interface Employee {
  name: string;
  /** In order; the kernel wants at least one. */
  websites: string[];
  empId: bigint;
  /** Present only when at least one tag is set. */
  tags?: EmployeeTags;
}

/** Where a generic netlink message's attributes start: nlmsghdr (16) + genlmsghdr (4). */
export const ATTRS_OFFSET = NLMSG_HDRLEN + GENL_HDRLEN;

// #region encode-employee
/**
 * The attributes of an ADD request, in this order: NAME (NUL string),
 * WEBSITES (nested, one NUL-string WEBSITE per website, in order), EMP_ID
 * (u64), then TAGS (nested: LEVEL u8, REMOTE flag, TEAM NUL string, each only
 * when set) if at least one tag is set. No client-side checks: the kernel is
 * the judge, and its extended ACK says what it did not like.
 */
export function encodeEmployee(employee: Employee): Uint8Array {
  // TODO 13: Build the attribute stream with nla.nulString, nla.nested, nla.u64, nla.u8 and
  //   nla.flag from nlattr.ts, joined with concatBytes.
  throw new TodoError('TODO 13 (encodeEmployee)');
}
// #endregion encode-employee

// #region decode-employee
/**
 * A record from the attributes of a GET reply (or one dump part). Order is not
 * assumed; PAD and unknown types are skipped; TAGS becomes `tags` only when
 * present. A missing NAME, WEBSITES or EMP_ID is an error.
 */
export function decodeEmployee(attrs: readonly Attribute[]): Employee {
  // TODO 14: Find NAME, WEBSITES and EMP_ID with firstOf (throw an Error naming a missing one),
  //   read them with nulString(), nested() + nulString() for each WEBSITE, u64(); read TAGS'
  //   LEVEL (u8), REMOTE (flag -> true) and TEAM (nulString) when present.
  throw new TodoError('TODO 14 (decodeEmployee)');
}
// #endregion decode-employee

const TOP_NAMES: ReadonlyMap<number, string> = new Map([
  [NL_TLV_A_NAME, 'NAME'],
  [NL_TLV_A_WEBSITES, 'WEBSITES'],
  [NL_TLV_A_EMP_ID, 'EMP_ID'],
  [NL_TLV_A_TAGS, 'TAGS'],
  [NL_TLV_A_PAD, 'PAD'],
]);
const TAG_NAMES: ReadonlyMap<number, string> = new Map([
  [NL_TLV_TAG_A_LEVEL, 'LEVEL'],
  [NL_TLV_TAG_A_REMOTE, 'REMOTE'],
  [NL_TLV_TAG_A_TEAM, 'TEAM'],
]);

// #region path
/**
 * Names the attribute an extended ACK points at. `attributes` are the
 * attribute bytes of the request (what follows the genl header); `offset` is
 * NLMSGERR_ATTR_OFFS, counted from the start of the request's nlmsghdr, so
 * the first attribute is at ATTRS_OFFSET. Returns a path such as "NAME",
 * "EMP_ID", "TAGS > LEVEL" or "WEBSITES > WEBSITE[1]" (WEBSITE is indexed
 * from 0 among its siblings), "unknown(9)" for a type this protocol does not
 * have, or undefined if no attribute header starts at `offset`.
 */
export function attributePath(attributes: Uint8Array, offset: number): string | undefined {
  // TODO 15: Parse with parseAttributes(attributes, ATTRS_OFFSET) so attribute offsets and the
  //   kernel's offset count from the same place. An attribute whose offset equals `offset` is
  //   the answer; if `offset` falls inside a WEBSITES or TAGS value, descend into nested().
  //   Malformed bytes: return undefined rather than throwing.
  throw new TodoError('TODO 15 (attributePath)');
}
// #endregion path

/** A request nl_tlv refused: the errno, the kernel's text and which attribute it meant. */
export class EmployeeError extends Error {
  override name = 'EmployeeError';
  constructor(
    /** Positive errno (22 for EINVAL). */
    readonly errno: number,
    /** Symbolic errno name (EINVAL, EEXIST, ENOENT, ENOSPC). */
    readonly code: string,
    /** The extended ACK's message, if any. */
    readonly kernelMessage: string | undefined,
    /** The extended ACK's offset, if any. */
    readonly offset: number | undefined,
    /** attributePath() of that offset in the request, if it names one. */
    readonly attribute: string | undefined,
  ) {
    super(`${code}${kernelMessage ? `: ${kernelMessage}` : ''}${attribute ? ` (attribute ${attribute})` : offset !== undefined ? ` (offset ${offset})` : ''}`);
  }
}

/** Talks to nl_tlv. */
export class EmployeeClient {
  private constructor(
    readonly netlink: NetlinkClient,
    readonly family: GenlFamily,
  ) {}

  /** Opens a generic netlink socket (extended ACKs on) and resolves the family by name. */
  static async open(): Promise<EmployeeClient> {
    const netlink = openGenl({ extAck: true });
    try {
      return new EmployeeClient(netlink, await netlink.resolveFamily(NL_TLV_FAMILY_NAME));
    } catch (error) {
      netlink.close();
      throw error;
    }
  }

  /**
   * Sends one request (given): genl header + your attribute bytes, flags
   * NLM_F_REQUEST | NLM_F_ACK (| NLM_F_DUMP when `dump`). Resolves with the
   * attributes of each reply message, parsed by your parser with offsets counted
   * from the nlmsghdr. A kernel error becomes an EmployeeError whose
   * `attribute` comes from your attributePath().
   */
  async request(cmd: number, attributes: Uint8Array, options: { dump?: boolean } = {}): Promise<Attribute[][]> {
    const payload = concatBytes([encodeGenlHeader({ cmd, version: NL_TLV_FAMILY_VERSION }), attributes]);
    try {
      const replies = options.dump
        ? (await this.netlink.dump(this.family.id, payload, { retries: 2 })).replies
        : await this.netlink.request(this.family.id, NLM_F_ACK, payload);
      return replies.map((m) => parseAttributes(m.payload.subarray(GENL_HDRLEN), ATTRS_OFFSET));
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
      const offset = error.extAckOffset;
      const attribute = offset === undefined ? undefined : attributePath(attributes, offset);
      throw new EmployeeError(error.errno, error.code, error.extAckMessage, offset, attribute);
    }
  }

  // #region client
  /** ADD: resolves once the kernel ACKs the record. */
  async add(employee: Employee): Promise<void> {
    // TODO 16: One request with NL_TLV_CMD_ADD and encodeEmployee(employee).
    throw new TodoError('TODO 16 (EmployeeClient.add)');
  }

  /** GET by id: the kernel's copy of the record. */
  async get(empId: bigint): Promise<Employee> {
    // TODO 17: NL_TLV_CMD_GET with only EMP_ID (u64); decode the one reply.
    throw new TodoError('TODO 17 (EmployeeClient.get)');
  }

  /** Dump: every record, in the kernel's order. */
  async list(): Promise<Employee[]> {
    // TODO 17: NL_TLV_CMD_GET as a dump (no attributes); decode every part.
    throw new TodoError('TODO 17 (EmployeeClient.list)');
  }

  /** DEL by id. */
  async remove(empId: bigint): Promise<void> {
    // TODO 16: NL_TLV_CMD_DEL with only EMP_ID.
    throw new TodoError('TODO 16 (EmployeeClient.remove)');
  }
  // #endregion client

  close(): void {
    this.netlink.close();
  }
}
