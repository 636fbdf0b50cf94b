/**
 * Lab 2, part 2: a client of the gnl_foobar_xmpl family on a real socket.
 *
 * The socket sits behind a small Transport (send one datagram, receive one),
 * so the graded tests can hand your client a socket with a stale reply already
 * queued, or a fake one that replays hand-built datagrams.
 */
import { AttributeBuilder, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GENERIC, NLM_F_ACK, NLM_F_DUMP, SOL_NETLINK, findAttribute } from '#netlink';
import { NetlinkSocket } from '#socket';
import { TodoError } from '#grader';
import {
  GNL_FOOBAR_XMPL_A_MSG,
  GNL_FOOBAR_XMPL_C_ECHO_MSG,
  GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR,
  GNL_FOOBAR_XMPL_FAMILY_NAME,
  GNL_FOOBAR_XMPL_FAMILY_VERSION,
} from '#kernel/02-genl-echo/gnl_foobar_xmpl.ts';
import { GenlError, encodeGenlRequest, parseFamily, readReplies, type FamilyInfo, type GenlMessage } from './genl.ts';

/** The controller's own version number (CTRL_CMD_GETFAMILY requests carry it). */
const CTRL_VERSION = 2;

/** One datagram out, one datagram in. */
export interface Transport {
  send(datagram: Uint8Array): void;
  /** Resolves with the next datagram; rejects when none comes in time. */
  receive(): Promise<Uint8Array>;
  close(): void;
}

export interface ClientOptions {
  /** Turn NETLINK_CAP_ACK on: error replies then echo only the request's header. */
  capAck?: boolean;
  /** How long to wait for each datagram (default 3000 ms). */
  timeoutMs?: number;
  /** Use this instead of opening a NETLINK_GENERIC socket (tests do). */
  transport?: Transport;
}

/** A Transport on a real NETLINK_GENERIC socket. */
export function openSocketTransport(options: ClientOptions = {}): Transport {
  const socket = NetlinkSocket.open(NETLINK_GENERIC);
  // Extended ACK: the kernel explains its errors. CAP_ACK: shorter error replies.
  socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  socket.setOption(SOL_NETLINK, NETLINK_CAP_ACK, options.capAck ? 1 : 0);
  const timeoutMs = options.timeoutMs ?? 3000;
  return {
    send: (datagram) => socket.send(datagram),
    receive: async () => {
      const { data, truncated } = await socket.receive({ timeoutMs });
      if (truncated) throw new Error(`a reply of more than ${data.length} bytes was truncated: receive with a bigger buffer`);
      return data;
    },
    close: () => socket.close(),
  };
}

export class FoobarClient {
  #transport: Transport;
  #nextSeq = 1;
  #family: FamilyInfo | undefined;

  private constructor(transport: Transport) {
    this.#transport = transport;
  }

  static open(options: ClientOptions = {}): FoobarClient {
    return new FoobarClient(options.transport ?? openSocketTransport(options));
  }

  close(): void {
    this.#transport.close();
  }

  // #region exchange
  /**
   * Sends one request with a fresh seq and collects what the kernel answers to
   * it, until the exchange is over (ACK or NLMSG_DONE). Throws GenlError.
   */
  async exchange(familyId: number, cmd: number, version: number, flags: number, attributes?: Uint8Array): Promise<GenlMessage[]> {
    const seq = this.#nextSeq++;
    // TODO 6: Send the request (encodeGenlRequest), then receive datagrams and
    // feed each to readReplies until it says the exchange is over. One
    // datagram is not enough: a dump may take several, and a doit's reply and
    // its ACK arrive separately.
    throw new TodoError('TODO 6 (exchange)');
  }
  // #endregion exchange

  // #region resolve
  /** Asks the controller (nlctrl) about a family by name. Unknown name: GenlError ENOENT. */
  async resolveFamily(name: string): Promise<FamilyInfo> {
    // TODO 7: CTRL_CMD_GETFAMILY to GENL_ID_CTRL with NLM_F_ACK and a
    // CTRL_ATTR_FAMILY_NAME (NUL-terminated string) attribute; parse the one
    // reply with parseFamily.
    throw new TodoError('TODO 7 (resolveFamily)');
  }
  // #endregion resolve

  /** The gnl_foobar_xmpl family, resolved once. */
  async family(): Promise<FamilyInfo> {
    this.#family ??= await this.resolveFamily(GNL_FOOBAR_XMPL_FAMILY_NAME);
    return this.#family;
  }

  // #region echo
  /** ECHO_MSG doit: sends `text`, returns the text of the kernel's reply. */
  async echo(text: string): Promise<string> {
    // TODO 8: ECHO_MSG with NLM_F_ACK and a GNL_FOOBAR_XMPL_A_MSG
    // NUL-terminated string; the reply carries the text in the same attribute.
    throw new TodoError('TODO 8 (echo)');
  }
  // #endregion echo

  // #region dump
  /** ECHO_MSG with NLM_F_DUMP: the text of every part, in order. */
  async dumpGreetings(): Promise<string[]> {
    // TODO 9: Same command with NLM_F_DUMP (and NLM_F_ACK) and no attribute.
    throw new TodoError('TODO 9 (dumpGreetings)');
  }
  // #endregion dump

  /** REPLY_WITH_NLMSG_ERR: resolves with the GenlError the kernel answers. */
  async provokeError(): Promise<GenlError> {
    // TODO 10: Send REPLY_WITH_NLMSG_ERR with NLM_F_ACK; return (do not
    // throw) the GenlError it fails with. An ACK instead is a surprise: throw.
    throw new TodoError('TODO 10 (provokeError)');
  }
}
