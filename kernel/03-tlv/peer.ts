/**
 * The graders' reference client for nl_tlv, built only on #netlink (never on
 * the student's files), and a reader of /proc/nl_tlv/records: the kernel's
 * truth that the student's client is checked against.
 */
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
} from '#kernel/03-tlv/nl_tlv.ts';
import type { TestContext } from '#grader';

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

  #payload(cmd: number, attrs: Uint8Array): Uint8Array {
    const out = new Uint8Array(GENL_HDRLEN + attrs.length);
    out.set(encodeGenlHeader({ cmd, version: NL_TLV_FAMILY_VERSION }));
    out.set(attrs, GENL_HDRLEN);
    return out;
  }

  /** Sends raw ADD attributes; resolves with null on ACK or the kernel's error. */
  async addRaw(attrs: Uint8Array): Promise<NetlinkError | null> {
    try {
      await this.netlink.request(this.family.id, NLM_F_ACK, this.#payload(NL_TLV_CMD_ADD, attrs));
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
      await this.netlink.request(this.family.id, NLM_F_ACK, this.#payload(NL_TLV_CMD_DEL, new AttributeBuilder().u64(NL_TLV_A_EMP_ID, empId).bytes()));
      return null;
    } catch (error) {
      if (error instanceof NetlinkError) return error;
      throw error;
    }
  }

  /** GET reply attributes (raw reply payload too, for decoder tests). */
  async getRaw(empId: bigint): Promise<Uint8Array> {
    const replies = await this.netlink.request(this.family.id, NLM_F_ACK, this.#payload(NL_TLV_CMD_GET, new AttributeBuilder().u64(NL_TLV_A_EMP_ID, empId).bytes()));
    const reply = replies[0];
    if (!reply) throw new Error(`reference client: GET ${empId} got no reply`);
    return reply.payload.subarray(GENL_HDRLEN);
  }

  async list(): Promise<RefEmployee[]> {
    const result = await this.netlink.dump(this.family.id, this.#payload(NL_TLV_CMD_GET, new Uint8Array(0)), { retries: 3 });
    return result.replies.map((m) => refDecode(parseAttributes(m.payload.subarray(GENL_HDRLEN), { baseOffset: 20 })));
  }

  /** Deletes every record so a test starts from an empty table. */
  async clear(): Promise<void> {
    for (const e of await this.list()) await this.del(e.empId);
  }

  close(): void {
    this.netlink.close();
  }
}

/** One line of /proc/nl_tlv/records, parsed back into a record. */
export function readProcRecords(t: TestContext): RefEmployee[] {
  const text = t.readKernelFile(NL_TLV_PROC_RECORDS);
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

export function readProcState(t: TestContext): Record<string, number> {
  const state: Record<string, number> = {};
  for (const line of t.readKernelFile(NL_TLV_PROC_STATE).split('\n')) {
    const m = /^(\w+): (\d+)$/.exec(line);
    if (m) state[m[1]!] = Number(m[2]);
  }
  return state;
}
