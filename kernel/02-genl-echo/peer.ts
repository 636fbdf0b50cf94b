/**
 * A reference peer of the gnl_foobar_xmpl family for the module's self-test and
 * lab 2's graded tests: built on #socket and the course library's own generic
 * netlink code (#netlink), never on the student's files. It keeps every raw
 * datagram so tests can check how the kernel framed its answer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  AttributeBuilder,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_REQUEST,
  SOL_NETLINK,
  parseDoneMessage,
  parseErrorMessage,
  parseMessages,
  type ParsedDone,
  type ParsedError,
  type ParsedMessage,
} from '#netlink';
import { encodeGenlMessage, encodeGetFamily, parseFamilyReply, parseGenlMessage, type GenlFamily } from '#netlink/genl.ts';
import { NetlinkSocket } from '#socket';
import {
  GNL_FOOBAR_XMPL_A_MSG,
  GNL_FOOBAR_XMPL_C_ECHO_MSG,
  GNL_FOOBAR_XMPL_FAMILY_NAME,
  GNL_FOOBAR_XMPL_FAMILY_VERSION,
  GNL_FOOBAR_XMPL_PARAM_DIR,
  GNL_FOOBAR_XMPL_PROC_STATE,
} from './gnl_foobar_xmpl.ts';

/** What the kernel sent back for one request. */
export interface Exchange {
  /** Every datagram, as received. */
  datagrams: Uint8Array[];
  /** Messages of the family (not ERROR/DONE) with the request's seq, in order. */
  messages: ParsedMessage[];
  /** The NLMSG_ERROR that ended it (error 0 = ACK), if any. */
  error?: ParsedError;
  /** The NLMSG_DONE that ended it, if any. */
  done?: ParsedDone;
  /** Messages with another seq that arrived meanwhile. */
  strangers: ParsedMessage[];
}

export class FoobarPeer {
  readonly socket: NetlinkSocket;
  #seq = 0x50000000; // far from the 1, 2, 3... that student clients use

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  static open(options: { capAck?: boolean; extAck?: boolean } = {}): FoobarPeer {
    const socket = NetlinkSocket.open(NETLINK_GENERIC);
    socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, options.extAck === false ? 0 : 1);
    socket.setOption(SOL_NETLINK, NETLINK_CAP_ACK, options.capAck ? 1 : 0);
    return new FoobarPeer(socket);
  }

  close(): void {
    this.socket.close();
  }

  nextSeq(): number {
    return this.#seq++;
  }

  /** Sends `request` (already carrying `seq`) and reads until its ACK/error or DONE. */
  async exchange(request: Uint8Array, seq: number, timeoutMs = 3000): Promise<Exchange> {
    this.socket.send(request);
    return this.collect(seq, timeoutMs);
  }

  /** Reads datagrams until the answer to `seq` is complete. */
  async collect(seq: number, timeoutMs = 3000): Promise<Exchange> {
    const result: Exchange = { datagrams: [], messages: [], strangers: [] };
    for (;;) {
      const { data, truncated } = await this.socket.receive({ timeoutMs });
      if (truncated) throw new Error('reference peer: a datagram was truncated');
      result.datagrams.push(data);
      for (const message of parseMessages(data)) {
        if (message.header.seq !== seq) {
          result.strangers.push(message);
          continue;
        }
        if (message.header.type === NLMSG_ERROR) {
          result.error = parseErrorMessage(message.payload, message.header.flags);
          return result;
        }
        if (message.header.type === NLMSG_DONE) {
          result.done = parseDoneMessage(message.payload, message.header.flags);
          return result;
        }
        result.messages.push(message);
      }
    }
  }

  async resolve(name: string): Promise<GenlFamily> {
    const seq = this.nextSeq();
    const answer = await this.exchange(encodeGetFamily(name, { seq }), seq);
    const reply = answer.messages[0];
    if (!reply) throw new Error(`reference peer: nlctrl does not know "${name}" (error ${answer.error?.error}); is the module loaded?`);
    return parseFamilyReply(parseGenlMessage(reply).attributes);
  }

  async familyId(): Promise<number> {
    return (await this.resolve(GNL_FOOBAR_XMPL_FAMILY_NAME)).id;
  }

  /** A genl request of the family with raw flags (NLM_F_REQUEST is not added for you). */
  request(familyId: number, cmd: number, flags: number, seq: number, attributes?: Uint8Array | AttributeBuilder): Uint8Array {
    const req: Parameters<typeof encodeGenlMessage>[0] = { familyId, cmd, version: GNL_FOOBAR_XMPL_FAMILY_VERSION, flags, seq };
    if (attributes) req.attributes = attributes;
    return encodeGenlMessage(req);
  }

  echoRequest(familyId: number, text: string, seq: number, flags = NLM_F_REQUEST | NLM_F_ACK): Uint8Array {
    return this.request(familyId, GNL_FOOBAR_XMPL_C_ECHO_MSG, flags, seq, new AttributeBuilder().nulString(GNL_FOOBAR_XMPL_A_MSG, text));
  }

  /** The MSG text of a family message. */
  static text(message: ParsedMessage): string | undefined {
    return parseGenlMessage(message).attributes.find((a) => a.type === GNL_FOOBAR_XMPL_A_MSG)?.nulString();
  }
}

/** /proc/gnl_foobar_xmpl/state as a key -> value map. */
export function readState(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, string> {
  const state: Record<string, string> = {};
  for (const line of read(GNL_FOOBAR_XMPL_PROC_STATE).split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) state[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return state;
}

/** A counter of the state file as a number (throws if missing, so a renamed key cannot pass silently). */
export function counter(state: Record<string, string>, key: string): number {
  const value = state[key];
  if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${GNL_FOOBAR_XMPL_PROC_STATE} has no numeric "${key}" line`);
  return Number(value);
}

/** How the module cuts dumps into datagrams (module parameters; root only). */
export interface DumpLayout {
  perDatagram: number;
  doneShared: boolean;
}

export function setDumpLayout(layout: DumpLayout): void {
  writeFileSync(`${GNL_FOOBAR_XMPL_PARAM_DIR}/dump_per_datagram`, String(layout.perDatagram));
  writeFileSync(`${GNL_FOOBAR_XMPL_PARAM_DIR}/dump_done_shared`, layout.doneShared ? '1' : '0');
}

/** Runs `fn` with a dump layout, then puts the module's defaults back. */
export async function withDumpLayout<T>(layout: DumpLayout, fn: () => Promise<T>): Promise<T> {
  setDumpLayout(layout);
  try {
    return await fn();
  } finally {
    setDumpLayout({ perDatagram: 1, doneShared: false });
  }
}
