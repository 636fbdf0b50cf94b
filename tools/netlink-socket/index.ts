/**
 * AF_NETLINK sockets for Node, through the project's own Node-API addon
 * (`netlink_socket.c` beside this file). The addon only moves bytes and sets
 * options; every message is built and parsed in TypeScript.
 *
 * CONTRACT (implemented by the binding; other code relies on exactly this):
 *
 *   const sock = NetlinkSocket.open(NETLINK_GENERIC);   // throws NetlinkSocketError
 *   sock.portId                          // kernel-assigned port id after bind
 *   sock.send(bytes)                     // to the kernel (port 0), synchronous
 *   sock.send(bytes, { portId, groups }) // to another socket or groups
 *   await sock.receive({ signal, timeoutMs }) // one datagram: { data, truncated, from }
 *   sock.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1); sock.getOption(...)
 *   sock.addMembership(group); sock.dropMembership(group)
 *   sock.close()                         // idempotent; pending receives reject with code 'ECLOSED'
 *
 * Errors are NetlinkSocketError with `code` ('ENOBUFS', 'EPROTONOSUPPORT', ...),
 * `errno` (positive number) and `syscall`; EPROTONOSUPPORT's message explains that
 * the protocol's kernel module is probably not loaded.
 *
 * Details of this implementation (socket.ts, native.ts, build.ts):
 *   - NetlinkSocket.open(protocol, { groups, portId }): legacy bind bitmask and
 *     an explicit port id are optional.
 *   - receive({ bufferSize = 32768, signal, timeoutMs, peek }) resolves with
 *     { data, size, truncated, from: { portId, groups } }; `size` is the real
 *     datagram length (MSG_TRUNC), `data` at most bufferSize bytes. Receives are
 *     served in call order; a timeout rejects with code 'ETIMEDOUT', an abort
 *     with the signal's reason. ENOBUFS (an overrun lost messages) rejects one
 *     receive and the socket stays usable.
 *   - A socket keeps Node alive only while a receive waits; idle sockets never do.
 *   - The addon is compiled by ensureNativeBinding() (build.ts) into
 *     .cache/native/; open() loads it synchronously and throws with the build
 *     command when it is missing. NETLINK_SOCKET_ADDON=<file.node> overrides
 *     where it is loaded from.
 */
export * from './socket.ts';
