/**
 * NetlinkSocket: the typed wrapper over the addon (contract in index.ts).
 * Receives wait in FIFO order; the addon's libuv poll handle runs only while
 * at least one receive is waiting, so an idle socket never keeps Node alive.
 */
import { constants as osConstants } from 'node:os';
import { loadNativeBinding, type NativeBinding, type NativeHandle } from './native.ts';
import { NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP, SOL_NETLINK } from '../netlink/constants.ts';

export { loadNativeBinding } from './native.ts';

/**
 * Protocol units and SOL_NETLINK options: one table, the library's (checked against the
 * uapi headers by test/uapi-parity.test.ts), re-exported so socket users need one import.
 */
export {
  NETLINK_ROUTE,
  NETLINK_UNUSED,
  NETLINK_USERSOCK,
  NETLINK_FIREWALL,
  NETLINK_SOCK_DIAG,
  NETLINK_NFLOG,
  NETLINK_XFRM,
  NETLINK_SELINUX,
  NETLINK_ISCSI,
  NETLINK_AUDIT,
  NETLINK_FIB_LOOKUP,
  NETLINK_CONNECTOR,
  NETLINK_NETFILTER,
  NETLINK_IP6_FW,
  NETLINK_DNRTMSG,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_GENERIC,
  NETLINK_SCSITRANSPORT,
  NETLINK_ECRYPTFS,
  NETLINK_RDMA,
  NETLINK_CRYPTO,
  NETLINK_SMC,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_PKTINFO,
  NETLINK_BROADCAST_ERROR,
  NETLINK_NO_ENOBUFS,
  NETLINK_LISTEN_ALL_NSID,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
} from '../netlink/constants.ts';
export const SOL_SOCKET = 1;

/** Options at SOL_SOCKET. */
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;

/** Any failure of a netlink socket; `code` is the errno name or ETIMEDOUT / ECLOSED. */
export class NetlinkSocketError extends Error {
  override readonly name = 'NetlinkSocketError';
  /** 'ENOBUFS', 'EPROTONOSUPPORT', ..., or 'ECLOSED' for a receive ended by close(). */
  readonly code: string;
  /** Positive errno number (ECLOSED uses EBADF's). */
  readonly errno: number;
  /** The system call (or wrapper operation) that failed. */
  readonly syscall: string;

  constructor(message: string, code: string, errno: number, syscall: string) {
    super(message);
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

function errnoValue(name: string): number {
  return (osConstants.errno as Record<string, number>)[name] ?? 0;
}

/** Turns an addon error ({errno, syscall}) into a NetlinkSocketError with advice. */
function fromNative(error: unknown, protocol: number): unknown {
  if (!(error instanceof Error) || !('errno' in error) || typeof error.errno !== 'number') return error;
  const errno = error.errno;
  const syscall = 'syscall' in error && typeof error.syscall === 'string' ? error.syscall : 'netlink';
  const code = errnoNames.get(errno) ?? `E${errno}`;
  let message = `${error.message} (${code})`;
  if (code === 'EPROTONOSUPPORT') {
    message =
      `Netlink protocol unit ${protocol} is not available in this kernel (socket: EPROTONOSUPPORT). ` +
      'The kernel module that provides it is probably not loaded: load it (insmod/modprobe) and try again.';
  } else if (code === 'EPERM' || code === 'EACCES') {
    message += ': this operation needs privileges (CAP_NET_ADMIN); run it as root or inside the course VM.';
  } else if (code === 'ENOBUFS' && syscall === 'recvmsg') {
    message +=
      ': the receive buffer overflowed and messages were lost; resynchronise (for example with a dump) or raise SO_RCVBUF.';
  }
  return new NetlinkSocketError(message, code, errno, syscall);
}

export interface OpenOptions {
  /** Legacy bind bitmask: group g (1..32) is bit g-1. Prefer addMembership(). */
  groups?: number;
  /** Port id to bind; 0 (default) lets the kernel pick a unique one. */
  portId?: number;
}

export interface Destination {
  /** Port id of the receiving socket; 0 (default) is the kernel. */
  portId?: number;
  /** Multicast groups bitmask (legacy numbering: group g is bit g-1). */
  groups?: number;
}

export interface ReceiveOptions {
  /** Bytes to receive at most; longer datagrams come back truncated. Default 32768. */
  bufferSize?: number;
  /** Rejects the receive with the signal's reason when aborted. */
  signal?: AbortSignal;
  /** Rejects the receive with code 'ETIMEDOUT' after this many milliseconds. */
  timeoutMs?: number;
  /** Look at the next datagram without consuming it (MSG_PEEK). */
  peek?: boolean;
}

export interface Datagram {
  /** The bytes received: at most bufferSize of them. */
  data: Uint8Array;
  /** The datagram's real length (more than data.length when truncated). */
  size: number;
  /** True when the datagram did not fit in bufferSize (MSG_TRUNC). */
  truncated: boolean;
  /** Sender: port id 0 is the kernel; groups is the multicast bitmask it was sent to. */
  from: { portId: number; groups: number };
}

interface PendingReceive {
  bufferSize: number;
  peek: boolean;
  resolve(datagram: Datagram): void;
  reject(error: unknown): void;
  /** Removes timers and abort listeners. */
  cleanup(): void;
}

export class NetlinkSocket {
  readonly protocol: number;
  /** The port id the kernel assigned at bind (or the one asked for). */
  readonly portId: number;
  #native: NativeBinding;
  #handle: NativeHandle;
  #closed = false;
  #queue: PendingReceive[] = [];
  #scratch = new Uint8Array(0);
  #polling = false;
  readonly #onReadable = (status: number): void => this.#drain(status);

  private constructor(protocol: number, native: NativeBinding, handle: NativeHandle) {
    this.protocol = protocol;
    this.#native = native;
    this.#handle = handle;
    this.portId = native.sockname(handle)[0];
  }

  /** socket(AF_NETLINK, SOCK_RAW, protocol) + bind. Throws NetlinkSocketError. */
  static open(protocol: number, options: OpenOptions = {}): NetlinkSocket {
    const native = loadNativeBinding();
    let handle: NativeHandle;
    try {
      handle = native.open(protocol, options.groups ?? 0, options.portId ?? 0);
    } catch (error) {
      throw fromNative(error, protocol);
    }
    return new NetlinkSocket(protocol, native, handle);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one datagram (to the kernel unless dest says otherwise); returns bytes
   * sent. With `groups`, the kernel multicasts and then also unicasts to
   * `portId` (0: the kernel), so a unit without a kernel socket (USERSOCK)
   * throws ECONNREFUSED after the multicast went out. A full receiver gives
   * EAGAIN: sends never block.
   */
  send(bytes: Uint8Array, dest: Destination = {}): number {
    this.#assertOpen('send');
    return this.#call(() => this.#native.send(this.#handle, bytes, dest.portId ?? 0, dest.groups ?? 0));
  }

  /** Receives one datagram; concurrent receives are served in call order. */
  receive(options: ReceiveOptions = {}): Promise<Datagram> {
    const { bufferSize = 32768, signal, timeoutMs, peek = false } = options;
    if (!Number.isInteger(bufferSize) || bufferSize < 0) {
      return Promise.reject(new RangeError(`bufferSize must be a non-negative integer, got ${bufferSize}`));
    }
    if (this.#closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0) {
      // Something may already be queued in the kernel: skip the poll round trip.
      try {
        const datagram = this.#tryReceive(bufferSize, peek);
        if (datagram) return Promise.resolve(datagram);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<Datagram>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => this.#cancel(entry, signal?.reason);
      const entry: PendingReceive = {
        bufferSize,
        peek,
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            this.#cancel(
              entry,
              new NetlinkSocketError(
                `No netlink message arrived within ${timeoutMs} ms`,
                'ETIMEDOUT',
                errnoValue('ETIMEDOUT'),
                'receive',
              ),
            ),
          timeoutMs,
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
      this.#updatePolling();
    });
  }

  /** setsockopt with an integer value (booleans become 1/0). */
  setOption(level: number, name: number, value: number | boolean): void {
    this.#assertOpen('setsockopt');
    const v = typeof value === 'boolean' ? Number(value) : value;
    this.#call(() => this.#native.setopt(this.#handle, level, name, v));
  }

  /** getsockopt of an integer option. */
  getOption(level: number, name: number): number {
    this.#assertOpen('getsockopt');
    return this.#call(() => this.#native.getopt(this.#handle, level, name));
  }

  /** Joins multicast group `group` (any number, not limited to 1..32). */
  addMembership(group: number): void {
    this.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
  }

  dropMembership(group: number): void {
    this.setOption(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group);
  }

  /** Closes the socket; waiting receives reject with code 'ECLOSED'. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#polling = false;
    this.#native.close(this.#handle);
    const waiting = this.#queue.splice(0);
    for (const entry of waiting) {
      entry.cleanup();
      entry.reject(closedError());
    }
  }

  #assertOpen(syscall: string): void {
    if (this.#closed) {
      throw new NetlinkSocketError(
        `${syscall} on a closed netlink socket`,
        'ECLOSED',
        errnoValue('EBADF'),
        syscall,
      );
    }
  }

  #call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw fromNative(error, this.protocol);
    }
  }

  /** One non-blocking recvmsg; null when nothing is queued. */
  #tryReceive(bufferSize: number, peek: boolean): Datagram | null {
    if (this.#scratch.length < bufferSize) this.#scratch = new Uint8Array(bufferSize);
    const scratch = this.#scratch.subarray(0, bufferSize);
    const got = this.#call(() => this.#native.recv(this.#handle, scratch, peek));
    if (!got) return null;
    const [size, truncated, portId, groups] = got;
    return { data: scratch.slice(0, Math.min(size, bufferSize)), size, truncated, from: { portId, groups } };
  }

  /** Called by libuv when readable (status < 0: an error is pending, e.g. ENOBUFS). */
  #drain(status: number): void {
    while (!this.#closed && this.#queue.length > 0) {
      const head = this.#queue[0]!;
      let datagram: Datagram | null;
      try {
        datagram = this.#tryReceive(head.bufferSize, head.peek);
      } catch (error) {
        this.#queue.shift();
        head.cleanup();
        head.reject(error);
        continue;
      }
      if (!datagram) break;
      this.#queue.shift();
      head.cleanup();
      head.resolve(datagram);
    }
    // libuv stops the handle itself on POLLERR (status < 0): re-arm if still needed.
    if (status < 0) this.#polling = false;
    this.#updatePolling();
  }

  #cancel(entry: PendingReceive, reason: unknown): void {
    const index = this.#queue.indexOf(entry);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    entry.cleanup();
    entry.reject(reason);
    this.#updatePolling();
  }

  /** Poll exactly while someone waits, so idle sockets never hold the event loop. */
  #updatePolling(): void {
    if (this.#closed) return;
    const want = this.#queue.length > 0;
    if (want === this.#polling) return;
    try {
      this.#native.poll(this.#handle, want ? this.#onReadable : null);
      this.#polling = want;
    } catch (error) {
      // Cannot watch the socket: nobody waiting may hang, so fail them all.
      const failure = fromNative(error, this.protocol);
      for (const entry of this.#queue.splice(0)) {
        entry.cleanup();
        entry.reject(failure);
      }
    }
  }
}

function closedError(): NetlinkSocketError {
  return new NetlinkSocketError(
    'The netlink socket was closed while this receive was waiting',
    'ECLOSED',
    errnoValue('EBADF'),
    'receive',
  );
}
