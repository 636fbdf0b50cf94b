/**
 * Lab 1: Hello, netlink.
 *
 * You write a netlink client from the bytes up: the 16-byte message header,
 * alignment, a greeting request, splitting a datagram into messages, turning
 * NLMSG_ERROR into an exception, and finally talking to the kernel module
 * nl_hello on protocol unit 31.
 *
 * Run `npm run lab 1` after each TODO; the report says which rule a failing
 * test checks and shows the bytes it compared.
 */
import { NetlinkSocket } from '#socket';
import {
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_REQUEST,
  NLMSGERR_ATTR_MSG,
  NETLINK_EXT_ACK,
  SOL_NETLINK,
  errnoName,
  strerror,
} from '#netlink';
import { HELLO_MSG_GREET, HELLO_MSG_GREET_REPLY, HELLO_UNIT_DEFAULT } from '#kernel/01-hello/nl_hello.ts';
import { TodoError } from '#grader';

/** sizeof(struct nlmsghdr). */
export const NLMSG_HDRLEN = 16;

/** struct nlmsghdr, field by field (all host byte order on the wire). */
export interface MessageHeader {
  /** nlmsg_len: header + payload, in bytes (padding after the payload not counted). */
  len: number;
  /** nlmsg_type: what the message is (HELLO_MSG_GREET, NLMSG_ERROR, ...). */
  type: number;
  /** nlmsg_flags: NLM_F_REQUEST, NLM_F_ACK, ... */
  flags: number;
  /** nlmsg_seq: chosen by the requester, echoed by the kernel in its answers. */
  seq: number;
  /** nlmsg_pid: the sender's port id (0 in requests: the kernel knows who sent them). */
  pid: number;
}

/** One message cut out of a datagram. */
export interface Message {
  header: MessageHeader;
  /** The nlmsg_len - 16 bytes after the header. */
  payload: Uint8Array;
}

/** Bytes that do not frame as netlink messages. `offset` is where the bad header starts. */
export class FramingError extends Error {
  override name = 'FramingError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

// #region header
/** The 16 bytes of a struct nlmsghdr. */
export function encodeHeader(header: MessageHeader): Uint8Array {
  // TODO 1: Return a new 16-byte Uint8Array holding nlmsg_len (u32), nlmsg_type
  // (u16), nlmsg_flags (u16), nlmsg_seq (u32) and nlmsg_pid (u32), in this order,
  // in host byte order (little-endian on x86: use a DataView with littleEndian = true).
  throw new TodoError('TODO 1 (encodeHeader)');
}

/** Reads the header that starts at `offset`; FramingError if fewer than 16 bytes are left. */
export function decodeHeader(bytes: Uint8Array, offset = 0): MessageHeader {
  // TODO 2: The reverse of TODO 1, reading at `offset`. Mind that `bytes` may be
  // a view into a bigger buffer (bytes.byteOffset). Throw a FramingError when
  // fewer than 16 bytes remain after `offset`.
  throw new TodoError('TODO 2 (decodeHeader)');
}

/** NLMSG_ALIGN: rounds up to the next multiple of 4. */
export function align4(length: number): number {
  // TODO 3: 0 -> 0, 1 -> 4, 4 -> 4, 5 -> 8, 17 -> 20.
  throw new TodoError('TODO 3 (align4)');
}
// #endregion header

// #region greeting
/** A complete HELLO_MSG_GREET request, ready to send. */
export function encodeGreeting(name: string, seq: number): Uint8Array {
  // TODO 4: Payload = the name as UTF-8, one NUL byte, then zero bytes up to a
  // multiple of 4. Header: nlmsg_len = 16 + that padded payload length, type
  // HELLO_MSG_GREET, flags NLM_F_REQUEST | NLM_F_ACK, the given seq, pid 0.
  // Do not check the name here: the kernel is the judge of what it accepts.
  throw new TodoError('TODO 4 (encodeGreeting)');
}
// #endregion greeting

// #region split
/** Cuts one datagram into its messages. */
export function splitDatagram(bytes: Uint8Array): Message[] {
  // TODO 5: Messages follow each other; the next one starts at
  // align4(nlmsg_len) after the current one. Stop at the end of the datagram.
  // Throw a FramingError (offset = where the bad header starts) when a header
  // does not fit, when nlmsg_len < 16, or when nlmsg_len runs past the end.
  // The last message may lack its padding.
  throw new TodoError('TODO 5 (splitDatagram)');
}
// #endregion split

// #region errors
/** The kernel said no: errno 22 is code 'EINVAL', described as 'Invalid argument'. */
export class HelloError extends Error {
  override name = 'HelloError';
  /** Positive errno, e.g. 22. */
  readonly errno: number;
  /** Its name, e.g. 'EINVAL'. */
  readonly code: string;
  /** The kernel's extended-ACK message, when the socket asked for one and the kernel gave one. */
  readonly extAckMessage: string | undefined;

  constructor(errno: number, extAckMessage?: string) {
    const code = errnoName(errno);
    const text = `${code} (${strerror(errno)})`;
    super(extAckMessage ? `${text}: ${extAckMessage}` : text);
    this.errno = errno;
    this.code = code;
    this.extAckMessage = extAckMessage;
  }
}

/**
 * Turns an NLMSG_ERROR message into a HelloError, or null when it is an ACK
 * (error 0).
 */
export function errorFromMessage(message: Message): HelloError | null {
  // TODO 6: The payload starts with a signed 32-bit error: 0 is an ACK (return
  // null), otherwise it is a NEGATIVE errno (-22 means EINVAL, errno 22).
  // Then comes a copy of the request's header (and, unless the message's flags
  // have NLM_F_CAPPED, the rest of the request: nlmsg_len bytes in all).
  // If the flags have NLM_F_ACK_TLVS, attributes follow at the next multiple
  // of 4: each is len (u16, includes its 4-byte header), type (u16), value,
  // padded to 4. NLMSGERR_ATTR_MSG (1) holds the message text, NUL-terminated.
  // Throw a FramingError if the payload is too short to hold error + header.
  throw new TodoError('TODO 6 (errorFromMessage)');
}
// #endregion errors

// #region client
/** The text of a NUL-terminated UTF-8 payload. */
function textOf(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  return new TextDecoder().decode(nul === -1 ? payload : payload.subarray(0, nul));
}

/** A connection to nl_hello: one socket, one request at a time. */
export class HelloClient {
  readonly #socket: NetlinkSocket;
  #seq: number;
  readonly timeoutMs: number;

  private constructor(socket: NetlinkSocket, timeoutMs: number) {
    this.#socket = socket;
    // Start somewhere unpredictable so replies to an earlier client are never mistaken for ours.
    this.#seq = Math.floor(Math.random() * 0x7fffffff) + 1;
    this.timeoutMs = timeoutMs;
  }

  /** Opens a socket on `unit` with extended ACKs switched on. */
  static open(unit: number = HELLO_UNIT_DEFAULT, timeoutMs = 2000): HelloClient {
    // TODO 7: Open a NetlinkSocket on `unit`, switch on extended ACKs
    // (setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1)) so errors carry the kernel's
    // explanation, and return new HelloClient(socket, timeoutMs).
    throw new TodoError('TODO 7 (HelloClient.open)');
  }

  /** The port id the kernel gave this client's socket. */
  get portId(): number {
    return this.#socket.portId;
  }

  /** Next sequence number (wraps at 2^32). */
  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  /** Waits for messages until `onMessage` returns a value other than undefined. */
  async #receiveUntil<T>(onMessage: (message: Message) => T | undefined): Promise<T> {
    for (;;) {
      const { data, truncated } = await this.#socket.receive({ timeoutMs: this.timeoutMs });
      if (truncated) throw new FramingError('a datagram did not fit into the receive buffer', 0);
      for (const message of splitDatagram(data)) {
        const result = onMessage(message);
        if (result !== undefined) return result;
      }
    }
  }

  /** Sends HELLO_MSG_GREET and returns the kernel's greeting text. */
  async greet(name: string): Promise<string> {
    // TODO 8: Send encodeGreeting(name, seq) with a fresh seq (this.nextSeq()).
    // Then receive datagrams, split them, and look only at messages with YOUR
    // seq (anything else is someone else's business: skip it). A
    // HELLO_MSG_GREET_REPLY holds the greeting (NUL-terminated UTF-8). An
    // NLMSG_ERROR is either the ACK that comes after the reply (return the
    // greeting) or an error (throw what errorFromMessage gives you).
    throw new TodoError('TODO 8 (HelloClient.greet)');
  }

  /** NLMSG_NOOP with NLM_F_ACK: resolves when the kernel's ACK arrives. */
  async ping(): Promise<void> {
    // TODO 9: Send a bare 16-byte header: type NLMSG_NOOP, flags NLM_F_REQUEST |
    // NLM_F_ACK, a fresh seq. Wait for the NLMSG_ERROR with that seq: error 0
    // means the kernel answered; anything else is thrown as a HelloError.
    throw new TodoError('TODO 9 (HelloClient.ping)');
  }

  close(): void {
    this.#socket.close();
  }
}

/** One greeting on a socket of its own. */
export async function greet(name: string): Promise<string> {
  const client = HelloClient.open();
  try {
    return await client.greet(name);
  } finally {
    client.close();
  }
}

/** One ping on a socket of its own. */
export async function ping(): Promise<void> {
  const client = HelloClient.open();
  try {
    await client.ping();
  } finally {
    client.close();
  }
}
// #endregion client
