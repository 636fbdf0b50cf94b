/**
 * A reference peer of nl_tlv for the module's self-test and lab 3's graded
 * tests, built only on #netlink (never on the student's files), and readers of
 * /proc/nl_tlv/records and /proc/nl_tlv/state: the kernel's truth that a
 * client is checked against.
 */
import { readFileSync } from 'node:fs';
import {
  AttributeBuilder,
  GENL_HDRLEN,
  NLM_F_ACK,
  NetlinkError,
  encodeGenlHeader,
  openGenl,
  parseAttributes,
  type GenlFamily,
  type NetlinkAttribute,
  type NetlinkClient,
} from '#netlink';
import {
  NL_TLV_A_EMP_ID,
  NL_TLV_A_NAME,
  NL_TLV_A_TAGS,
  NL_TLV_A_WEBSITES,
  NL_TLV_CMD_ADD,
  NL_TLV_CMD_DEL,
  NL_TLV_CMD_GET,
  NL_TLV_FAMILY_NAME,
  NL_TLV_FAMILY_VERSION,
  NL_TLV_PROC_RECORDS,
  NL_TLV_PROC_STATE,
  NL_TLV_TAG_A_LEVEL,
  NL_TLV_TAG_A_REMOTE,
  NL_TLV_TAG_A_TEAM,
  NL_TLV_WEBSITE_A_WEBSITE,
} from './nl_tlv.ts';

/** Reads a kernel file (tests pass t.readKernelFile). */
export type KernelFileReader = (path: string) => string;
const readDirect: KernelFileReader = (path) => readFileSync(path, 'utf8');

export interface RefEmployee {
  name: string;
  websites: string[];
  empId: bigint;
  tags?: { level?: number; remote?: boolean; team?: string };
}

/** ADD attributes exactly as the lab asks students to build them. */
export function refEncode(e: RefEmployee): Uint8Array {
  const b = new AttributeBuilder()
    .nulString(NL_TLV_A_NAME, e.name)
    .nested(NL_TLV_A_WEBSITES, (n) => {
      for (const w of e.websites) n.nulString(NL_TLV_WEBSITE_A_WEBSITE, w);
    })
    .u64(NL_TLV_A_EMP_ID, e.empId);
  const t = e.tags;
  if (t && (t.level !== undefined || t.remote || t.team !== undefined)) {
    b.nested(NL_TLV_A_TAGS, (n) => {
      if (t.level !== undefined) n.u8(NL_TLV_TAG_A_LEVEL, t.level);
      if (t.remote) n.flag(NL_TLV_TAG_A_REMOTE);
      if (t.team !== undefined) n.nulString(NL_TLV_TAG_A_TEAM, t.team);
    });
  }
  return b.bytes();
}

export function refDecode(attrs: readonly NetlinkAttribute[]): RefEmployee {
  const get = (type: number): NetlinkAttribute => {
    const a = attrs.find((x) => x.type === type);
    if (!a) throw new Error(`reference decoder: reply lacks attribute ${type}`);
    return a;
  };
  const e: RefEmployee = {
    name: get(NL_TLV_A_NAME).nulString(),
    websites: get(NL_TLV_A_WEBSITES)
      .attributes()
      .filter((a) => a.type === NL_TLV_WEBSITE_A_WEBSITE)
      .map((a) => a.nulString()),
    empId: get(NL_TLV_A_EMP_ID).u64(),
  };
  const tags = attrs.find((a) => a.type === NL_TLV_A_TAGS);
  if (tags) {
    e.tags = {};
    for (const a of tags.attributes()) {
      if (a.type === NL_TLV_TAG_A_LEVEL) e.tags.level = a.u8();
      if (a.type === NL_TLV_TAG_A_REMOTE) e.tags.remote = true;
      if (a.type === NL_TLV_TAG_A_TEAM) e.tags.team = a.nulString();
    }
  }
  return e;
}

export class RefClient {
  private constructor(
    readonly netlink: NetlinkClient,
    readonly family: GenlFamily,
  ) {}

  static async open(): Promise<RefClient> {
    const netlink = openGenl({ extAck: true, timeoutMs: 10000 });
    try {
      return new RefClient(netlink, await netlink.resolveFamily(NL_TLV_FAMILY_NAME));
    } catch (error) {
      netlink.close();
      throw error;
    }
  }

  /** genlmsghdr (cmd, version 1) + attribute bytes: an nlmsg payload for this family. */
  payload(cmd: number, attrs: Uint8Array): Uint8Array {
    const out = new Uint8Array(GENL_HDRLEN + attrs.length);
    out.set(encodeGenlHeader({ cmd, version: NL_TLV_FAMILY_VERSION }));
    out.set(attrs, GENL_HDRLEN);
    return out;
  }

  /** Any command with raw attributes and extra nlmsg flags: the replies, or the kernel's error. */
  async ask(cmd: number, attrs: Uint8Array, flags = 0): Promise<{ error: NetlinkError | null; replies: number }> {
    try {
      const replies = await this.netlink.request(this.family.id, NLM_F_ACK | flags, this.payload(cmd, attrs));
      return { error: null, replies: replies.length };
    } catch (error) {
      if (error instanceof NetlinkError) return { error, replies: 0 };
      throw error;
    }
  }

  /** Adds records `batch` at a time (concurrent requests, so the ACKs never overflow the socket). */
  async addMany(list: readonly RefEmployee[], batch = 32): Promise<void> {
    for (let i = 0; i < list.length; i += batch) await Promise.all(list.slice(i, i + batch).map((e) => this.add(e)));
  }

  /** Sends raw ADD attributes; resolves with null on ACK or the kernel's error. */
  async addRaw(attrs: Uint8Array): Promise<NetlinkError | null> {
    try {
      await this.netlink.request(this.family.id, NLM_F_ACK, this.payload(NL_TLV_CMD_ADD, attrs));
      return null;
    } catch (error) {
      if (error instanceof NetlinkError) return error;
      throw error;
    }
  }

  async add(e: RefEmployee): Promise<void> {
    const error = await this.addRaw(refEncode(e));
    if (error) throw new Error(`reference client: nl_tlv refused ADD ${e.empId}: ${error.message}`);
  }

  async del(empId: bigint): Promise<NetlinkError | null> {
    try {
      await this.netlink.request(this.family.id, NLM_F_ACK, this.payload(NL_TLV_CMD_DEL, new AttributeBuilder().u64(NL_TLV_A_EMP_ID, empId).bytes()));
      return null;
    } catch (error) {
      if (error instanceof NetlinkError) return error;
      throw error;
    }
  }

  /** GET reply attributes (raw reply payload too, for decoder tests). */
  async getRaw(empId: bigint): Promise<Uint8Array> {
    const replies = await this.netlink.request(this.family.id, NLM_F_ACK, this.payload(NL_TLV_CMD_GET, new AttributeBuilder().u64(NL_TLV_A_EMP_ID, empId).bytes()));
    const reply = replies[0];
    if (!reply) throw new Error(`reference client: GET ${empId} got no reply`);
    return reply.payload.subarray(GENL_HDRLEN);
  }

  async list(): Promise<RefEmployee[]> {
    const result = await this.netlink.dump(this.family.id, this.payload(NL_TLV_CMD_GET, new Uint8Array(0)), { retries: 3 });
    return result.replies.map((m) => refDecode(parseAttributes(m.payload.subarray(GENL_HDRLEN), { baseOffset: 20 })));
  }

  /** Deletes every record so a test starts from an empty table. */
  async clear(): Promise<void> {
    const all = await this.list();
    for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((e) => this.del(e.empId)));
  }

  close(): void {
    this.netlink.close();
  }
}

/** Every line of /proc/nl_tlv/records, parsed back into records (in the kernel's order). */
export function readProcRecords(read: KernelFileReader = readDirect): RefEmployee[] {
  const text = read(NL_TLV_PROC_RECORDS);
  const out: RefEmployee[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const fields = new Map<string, string>();
    for (const part of line.split('\t')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
    }
    const e: RefEmployee = {
      name: fields.get('name') ?? '',
      websites: (fields.get('websites') ?? '').split(' ').filter(Boolean),
      empId: BigInt(fields.get('emp_id') ?? '-1'),
    };
    if (fields.has('level') || fields.has('remote') || fields.has('team')) {
      e.tags = {};
      if (fields.has('level')) e.tags.level = Number(fields.get('level'));
      if (fields.has('remote')) e.tags.remote = true;
      if (fields.has('team')) e.tags.team = fields.get('team') ?? '';
    }
    out.push(e);
  }
  return out;
}

export function readProcState(read: KernelFileReader = readDirect): Record<string, number> {
  const state: Record<string, number> = {};
  for (const line of read(NL_TLV_PROC_STATE).split('\n')) {
    const m = /^(\w+): (\d+)$/.exec(line);
    if (m) state[m[1]!] = Number(m[2]);
  }
  return state;
}
