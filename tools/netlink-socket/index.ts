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
 */
export * from './socket.ts';
