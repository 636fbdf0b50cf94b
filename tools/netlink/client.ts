/**
 * NetlinkClient: requests, dumps and generic-netlink helpers over one socket.
 *
 * Replies are matched on nlmsg_seq AND nlmsg_pid (our port id) and must come
 * from the kernel (sender port 0). Everything else (notifications, stale
 * replies, replies with a wrong seq) is kept in `unmatched`, never taken as
 * an answer; a timeout error points at such near misses because a wrong seq
 * or pid is the most common protocol bug.
 */
import { NetlinkSocket } from '#socket';
import { AttributeBuilder } from './attributes.ts';
import {
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  GENL_ID_CTRL,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NETLINK_GET_STRICT_CHK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_TYPE_NAMES,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  SOL_NETLINK,
} from './constants.ts';
import { NetlinkError, type ParsedDone, type ParsedError, parseDoneMessage, parseErrorMessage } from './errors.ts';
import { type GenlFamily, type ParsedGenlMessage, genlPayload, parseFamilyReply, parseGenlMessage } from './genl.ts';
import { type ParsedMessage, encodeMessage, parseMessages } from './message.ts';

/** What the client needs from a socket (NetlinkSocket satisfies it; tests can pass a fake). */
export interface NetlinkSocketLike {
  readonly portId: number;
  send(bytes: Uint8Array): number;
  receive(options?: { signal?: AbortSignal; bufferSize?: number }): Promise<{
    data: Uint8Array;
    truncated: boolean;
    size?: number;
    from: { portId: number; groups: number };
  }>;
  setOption(level: number, name: number, value: number | boolean): void;
  close(): void;
}

export interface ClientOptions {
  /** NETLINK_EXT_ACK: ask for extended-ACK messages (default true). */
  extAck?: boolean;
  /** NETLINK_CAP_ACK: errors echo only the request header (default: leave the kernel default, off). */
  capAck?: boolean;
  /** NETLINK_GET_STRICT_CHK (default: leave off). */
  strictCheck?: boolean;
  /** Default per-request timeout in ms (default 5000). */
  timeoutMs?: number;
  /** Receive buffer per datagram (default 65536; a truncated datagram is an error, never parsed). */
  bufferSize?: number;
  /** Also accept replies whose nlmsg_pid is not our port id (default false: strict). */
  ignorePid?: boolean;
  /** First sequence number (default: a time-based value, as iproute2 does, so stale replies of an earlier run never match). */
  firstSeq?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Prefixed to error messages, e.g. 'GREET "Ada"'. */
  what?: string;
}

export interface ExchangeResult {
  seq: number;
  /** Replies in arrival order, without the final ACK/DONE. */
  replies: ParsedMessage[];
  /** The ACK (NLMSG_ERROR with error 0), when one ended the exchange; may carry a warning in extAck. */
  ack?: ParsedError;
  /** The NLMSG_DONE that ended a dump. */
  done?: ParsedDone;
  /** Some reply carried NLM_F_DUMP_INTR: the data changed during the dump; run it again. */
  interrupted: boolean;
  /** Replies in a multipart exchange that lacked NLM_F_MULTI (a protocol bug in the sender). */
  partsWithoutMulti: number;
  /** Every datagram that carried a matched message, raw, for reports. */
  datagrams: Uint8Array[];
}

/** No (complete) answer in time. */
export class NetlinkTimeoutError extends Error {
  override name = 'NetlinkTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(
    message: string,
    readonly seq: number,
    readonly partial: ExchangeResult,
  ) {
    super(message);
  }
}

/** The kernel sent something the client cannot accept (truncated datagram, malformed framing). */
export class NetlinkProtocolError extends Error {
  override name = 'NetlinkProtocolError';
  constructor(
    message: string,
    readonly bytes?: Uint8Array,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

interface Waiter {
  seq: number;
  dump: boolean;
  ack: boolean;
  result: ExchangeResult;
  sawMulti: boolean;
  finish(error?: unknown): void;
}

const MAX_UNMATCHED = 1000;

function typeName(type: number): string {
  return NLMSG_TYPE_NAMES[type] ?? `type 0x${type.toString(16)}`;
}

export class NetlinkClient {
  readonly socket: NetlinkSocketLike;
  /** Messages that answered no request of ours (kept, never treated as replies). Capped at 1000, oldest dropped. */
  readonly unmatched: Array<ParsedMessage & { from: { portId: number; groups: number } }> = [];
  readonly #options: Required<Pick<ClientOptions, 'timeoutMs' | 'bufferSize' | 'ignorePid'>>;
  #seq: number;
  #waiters = new Map<number, Waiter>();
  #pump: AbortController | undefined;
  #families = new Map<string, GenlFamily>();
  #closed = false;

  /** Opens a socket of `protocol` and sets EXT_ACK (and CAP_ACK / STRICT_CHK when asked). */
  static open(protocol: number, options: ClientOptions = {}): NetlinkClient {
    const socket = NetlinkSocket.open(protocol);
    try {
      return new NetlinkClient(socket, options);
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  constructor(socket: NetlinkSocketLike, options: ClientOptions = {}) {
    this.socket = socket;
    this.#options = {
      timeoutMs: options.timeoutMs ?? 5000,
      bufferSize: options.bufferSize ?? 65536,
      ignorePid: options.ignorePid ?? false,
    };
    if (options.extAck ?? true) socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    if (options.capAck !== undefined) socket.setOption(SOL_NETLINK, NETLINK_CAP_ACK, options.capAck ? 1 : 0);
    if (options.strictCheck !== undefined) socket.setOption(SOL_NETLINK, NETLINK_GET_STRICT_CHK, options.strictCheck ? 1 : 0);
    this.#seq = (options.firstSeq ?? Math.floor(Date.now() / 1000)) >>> 0;
  }

  get portId(): number {
    return this.socket.portId;
  }

  /** The next sequence number (monotonically increasing, wraps at 2^32 and skips 0, which notifications use). */
  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1;
    return this.#seq;
  }

  /**
   * Sends one request and resolves with its replies (without the ACK).
   * NLM_F_REQUEST is always set. With NLM_F_ACK the exchange ends at the ACK;
   * without it, at the first reply (or at NLMSG_DONE for multipart replies).
   * An NLMSG_ERROR with a negative errno rejects with NetlinkError.
   */
  async request(type: number, flags: number, payload?: Uint8Array, options: RequestOptions = {}): Promise<ParsedMessage[]> {
    return (await this.exchange(type, flags, payload, options)).replies;
  }

  /** Like request(), but resolves with everything known about the exchange (ACK, raw datagrams). */
  exchange(type: number, flags: number, payload?: Uint8Array, options: RequestOptions = {}): Promise<ExchangeResult> {
    const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
    return this.#run(type, flags | NLM_F_REQUEST, payload, dump, options);
  }

  /**
   * A dump: sends with REQUEST|ACK|DUMP (plus `flags`) and collects every part up to
   * NLMSG_DONE, across datagrams and when DONE shares a datagram with data.
   * A negative error in DONE rejects with NetlinkError; NLM_F_DUMP_INTR is
   * reported in `interrupted` (or retried `retries` times first).
   */
  async dump(type: number, payload?: Uint8Array, options: RequestOptions & { flags?: number; retries?: number } = {}): Promise<ExchangeResult> {
    let retries = options.retries ?? 0;
    for (;;) {
      const result = await this.#run(type, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP | (options.flags ?? 0), payload, true, options);
      if (!result.interrupted || retries-- <= 0) return result;
    }
  }

  /** A generic netlink do-request; replies come back with genl header and attributes parsed. */
  async genlRequest(
    familyId: number,
    cmd: number,
    version: number,
    attributes?: AttributeBuilder | Uint8Array,
    options: RequestOptions & { flags?: number } = {},
  ): Promise<ParsedGenlMessage[]> {
    const payload = genlPayload({ cmd, version, ...(attributes ? { attributes } : {}) });
    const replies = await this.request(familyId, options.flags ?? NLM_F_ACK, payload, options);
    return replies.map((m) => parseGenlMessage(m));
  }

  /** A generic netlink dump. */
  async genlDump(
    familyId: number,
    cmd: number,
    version: number,
    attributes?: AttributeBuilder | Uint8Array,
    options: RequestOptions & { flags?: number; retries?: number } = {},
  ): Promise<ParsedGenlMessage[] & { interrupted: boolean }> {
    const payload = genlPayload({ cmd, version, ...(attributes ? { attributes } : {}) });
    const result = await this.dump(familyId, payload, options);
    return Object.assign(
      result.replies.map((m) => parseGenlMessage(m)),
      { interrupted: result.interrupted },
    );
  }

  /**
   * Looks a generic netlink family up by name with CTRL_CMD_GETFAMILY (cached
   * per client). Only valid on a NETLINK_GENERIC socket.
   */
  async resolveFamily(name: string, options: RequestOptions & { fresh?: boolean } = {}): Promise<GenlFamily> {
    const cached = this.#families.get(name);
    if (cached && !options.fresh) return cached;
    let replies: ParsedGenlMessage[];
    try {
      replies = await this.genlRequest(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, new AttributeBuilder().nulString(CTRL_ATTR_FAMILY_NAME, name), {
        ...options,
        what: options.what ?? `CTRL_CMD_GETFAMILY "${name}"`,
      });
    } catch (error) {
      if (error instanceof NetlinkError && error.code === 'ENOENT') {
        throw new NetlinkError(error.errno, {
          ...(error.extAck ? { extAck: error.extAck } : {}),
          context: `generic netlink family "${name}" is not registered (is its kernel module loaded?)`,
        });
      }
      throw error;
    }
    const reply = replies[0];
    if (!reply) throw new NetlinkProtocolError(`CTRL_CMD_GETFAMILY "${name}" was ACKed without a NEWFAMILY reply`);
    const family = parseFamilyReply(reply.attributes);
    this.#families.set(name, family);
    return family;
  }

  /** Sends raw bytes (one datagram) without waiting; for malformed-input tests. */
  sendRaw(bytes: Uint8Array): number {
    return this.socket.send(bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [...this.#waiters.values()]) w.finish(new NetlinkProtocolError('the client was closed while waiting for a reply'));
    this.#pump?.abort();
    this.socket.close();
  }

  #run(type: number, flags: number, payload: Uint8Array | undefined, dump: boolean, options: RequestOptions): Promise<ExchangeResult> {
    if (this.#closed) return Promise.reject(new NetlinkProtocolError('request on a closed NetlinkClient'));
    const seq = this.nextSeq();
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    const what = options.what ?? `${typeName(type)} (seq ${seq})`;
    const result: ExchangeResult = { seq, replies: [], interrupted: false, partsWithoutMulti: 0, datagrams: [] };
    return new Promise<ExchangeResult>((resolve, reject) => {
      const onAbort = (): void => waiter.finish(options.signal?.reason ?? new Error('aborted'));
      const timer = setTimeout(() => waiter.finish(this.#timeoutError(what, seq, timeoutMs, waiter)), timeoutMs);
      const waiter: Waiter = {
        seq,
        dump,
        ack: (flags & NLM_F_ACK) !== 0,
        result,
        sawMulti: false,
        finish: (error?: unknown) => {
          if (this.#waiters.get(seq) !== waiter) return;
          this.#waiters.delete(seq);
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          if (this.#waiters.size === 0) this.#pump?.abort();
          if (error === undefined) resolve(result);
          else reject(error);
        },
      };
      if (options.signal?.aborted) {
        clearTimeout(timer);
        reject(options.signal.reason);
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.set(seq, waiter);
      try {
        this.socket.send(encodeMessage({ type, flags, seq, pid: 0, payload: payload ?? new Uint8Array(0) }));
      } catch (error) {
        waiter.finish(error);
        return;
      }
      this.#startPump();
    });
  }

  #timeoutError(what: string, seq: number, timeoutMs: number, waiter: Waiter): NetlinkTimeoutError {
    const hints: string[] = [];
    const near = this.unmatched.filter((m) => m.header.seq === seq || m.header.seq === seq + 1);
    for (const m of near.slice(-3)) {
      if (m.header.seq === seq) hints.push(`a ${typeName(m.header.type)} with this seq arrived with nlmsg_pid ${m.header.pid} from port ${m.from.portId}, but replies must carry our port id ${this.portId} and come from the kernel (port 0)`);
      else hints.push(`a ${typeName(m.header.type)} arrived with seq ${seq + 1}: replies must echo the request's seq (${seq}), not seq + 1`);
    }
    const got = waiter.result.replies.length;
    let state: string;
    if (waiter.dump) state = `got ${got} dump part(s) but no NLMSG_DONE`;
    else if (waiter.ack) state = got ? `got ${got} reply message(s) but no ACK` : 'got no reply and no ACK';
    else state = got ? `got ${got} multipart message(s) but no NLMSG_DONE` : 'got no reply';
    const message = `${what}: ${state} within ${timeoutMs} ms.${hints.length ? ` Note: ${hints.join('; ')}.` : ' Is the kernel module loaded, and does it answer this message type?'}`;
    return new NetlinkTimeoutError(message, seq, waiter.result);
  }

  #startPump(): void {
    if (this.#pump) return;
    const controller = new AbortController();
    this.#pump = controller;
    void (async () => {
      try {
        while (this.#waiters.size > 0 && !controller.signal.aborted) {
          const datagram = await this.socket.receive({ signal: controller.signal, bufferSize: this.#options.bufferSize });
          this.#dispatch(datagram);
        }
      } catch (error) {
        if (!controller.signal.aborted) {
          for (const w of [...this.#waiters.values()]) w.finish(error);
        }
      } finally {
        if (this.#pump === controller) this.#pump = undefined;
        // A request may have arrived between the last receive and now.
        if (this.#waiters.size > 0 && !this.#closed) this.#startPump();
      }
    })();
  }

  #dispatch(datagram: { data: Uint8Array; truncated: boolean; size?: number; from: { portId: number; groups: number } }): void {
    if (datagram.truncated) {
      const error = new NetlinkProtocolError(
        `a datagram of ${datagram.size ?? '?'} bytes did not fit the ${this.#options.bufferSize}-byte receive buffer; it was dropped instead of parsed (raise bufferSize)`,
        datagram.data,
      );
      for (const w of [...this.#waiters.values()]) w.finish(error);
      return;
    }
    let messages: ParsedMessage[];
    try {
      messages = parseMessages(datagram.data);
    } catch (error) {
      const failure = new NetlinkProtocolError(`a datagram from port ${datagram.from.portId} is malformed: ${(error as Error).message}`, datagram.data, error);
      if (datagram.from.portId === 0) for (const w of [...this.#waiters.values()]) w.finish(failure);
      return;
    }
    const touched = new Set<Waiter>();
    for (const message of messages) {
      const waiter = datagram.from.portId === 0 && (this.#options.ignorePid || message.header.pid === this.portId) ? this.#waiters.get(message.header.seq) : undefined;
      if (!waiter) {
        this.unmatched.push({ ...message, from: datagram.from });
        if (this.unmatched.length > MAX_UNMATCHED) this.unmatched.shift();
        continue;
      }
      if (!touched.has(waiter)) {
        touched.add(waiter);
        waiter.result.datagrams.push(datagram.data);
      }
      this.#deliver(waiter, message);
    }
  }

  #deliver(waiter: Waiter, message: ParsedMessage): void {
    const { header, payload } = message;
    const result = waiter.result;
    if (header.flags & NLM_F_DUMP_INTR) result.interrupted = true;
    try {
      if (header.type === NLMSG_ERROR) {
        const parsed = parseErrorMessage(payload, header.flags);
        if (parsed.error < 0) {
          waiter.finish(NetlinkError.fromParsed(parsed));
          return;
        }
        result.ack = parsed;
        // An ACK ends a do-request; during a dump an ACK only arrives after DONE (newer kernels), so keep waiting there.
        if (!waiter.dump) waiter.finish();
        return;
      }
      if (header.type === NLMSG_DONE) {
        const done = parseDoneMessage(payload, header.flags);
        result.done = done;
        if (done.error < 0) {
          waiter.finish(NetlinkError.fromParsed(done, 'the dump failed (NLMSG_DONE carried an error)'));
          return;
        }
        // A do-request with ACK that got a multipart answer still ends at its ACK.
        if (waiter.dump || !waiter.ack) waiter.finish();
        return;
      }
      result.replies.push(message);
      if (header.flags & NLM_F_MULTI) waiter.sawMulti = true;
      else if (waiter.dump || waiter.sawMulti) result.partsWithoutMulti++;
      // Without ACK, a single (non-multipart) reply is the whole answer.
      if (!waiter.dump && !waiter.ack && !waiter.sawMulti) waiter.finish();
    } catch (error) {
      waiter.finish(new NetlinkProtocolError(`a reply to seq ${waiter.seq} is malformed: ${(error as Error).message}`, payload, error));
    }
  }
}

/** Opens a NETLINK_GENERIC client (EXT_ACK on). */
export function openGenl(options: ClientOptions = {}): NetlinkClient {
  return NetlinkClient.open(NETLINK_GENERIC, options);
}
