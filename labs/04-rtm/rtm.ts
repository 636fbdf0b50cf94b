/**
 * Lab 4: the RTM project, client side.
 *
 * A client library for nl_rtm, the routing table manager in the kernel
 * (raw netlink unit 30, protocol in kernel/04-rtm/nl_rtm.h), and, for the
 * stretch part, the same operations on the kernel's real IPv4 routing table
 * over NETLINK_ROUTE. ip.ts (the CLI) is built on top of this file.
 *
 * The course library #netlink does the framing, the attributes, the
 * request/reply matching (NetlinkClient) and the errors (NetlinkError); your
 * work is the protocol: which message, which flags, which attributes, and
 * what the answers mean.
 *
 * Run `npm run lab 4` after each TODO.
 */
import { NetlinkSocket } from '#socket';
import {
  AttributeBuilder,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NetlinkClient,
  NetlinkError,
  findAttribute,
  parseAttributes,
  parseMessages,
  strerror,
  type NetlinkAttribute,
  type ParsedMessage,
} from '#netlink';
import {
  NLRTM_A_DST,
  NLRTM_A_GATEWAY,
  NLRTM_A_METRIC,
  NLRTM_A_NROUTES,
  NLRTM_A_OIF,
  NLRTM_A_PREFIXLEN,
  NLRTM_A_TABLE,
  NLRTM_DEFAULT_TABLE,
  NLRTM_DELROUTE,
  NLRTM_DELTABLE,
  NLRTM_GETROUTE,
  NLRTM_GETTABLE,
  NLRTM_GROUP_CHANGES,
  NLRTM_NEWROUTE,
  NLRTM_NEWTABLE,
  NLRTM_UNIT_DEFAULT,
} from '#kernel/04-rtm/nl_rtm.ts';
import { TodoError } from '#grader';
import * as rtnl from './rtnl.ts';

/** One route. `dst` is the network address in dotted-quad form. */
export interface Route {
  table: string;
  dst: string;
  prefixLength: number;
  gateway?: string;
  dev?: string;
  /** Absent in a request means "not given" (the kernel's default is 0). */
  metric?: number;
}

export interface Table {
  name: string;
  routes: number;
}

/** Operations that change routes, named after the `ip route` commands. */
export type RouteOp = 'add' | 'replace' | 'append' | 'change' | 'del';

/** A change notification as `monitor` receives it. */
export type RtmEvent =
  | { kind: 'route'; deleted: boolean; route: Route }
  | { kind: 'table'; deleted: boolean; table: Table };

/** Command-line mistakes (the CLI prints them and exits 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

// #region flags
/**
 * nlmsg_flags for a request that changes routes. Every request carries
 * NLM_F_REQUEST and NLM_F_ACK (so success is confirmed, not assumed).
 */
export function routeFlags(op: RouteOp): number {
  // TODO 1: Choose the flags the way iproute2 does for `ip route <op>`:
  //   add     -> create a new route, fail if the prefix exists  (CREATE | EXCL)
  //   replace -> create or replace                               (CREATE | REPLACE)
  //   append  -> another route for an existing prefix, or create (CREATE | APPEND)
  //   change  -> replace, but never create                       (REPLACE)
  //   del     -> no modifier
  // plus NLM_F_REQUEST | NLM_F_ACK on all of them.
  throw new TodoError('TODO 1 (routeFlags)');
}

/** nlmsg_flags for `table add` (a new table, error if it exists) and `table del`. */
export function tableFlags(op: 'add' | 'del'): number {
  // TODO 2: `table add` must create the table and fail if it already exists;
  // `table del` needs no modifier. Both: NLM_F_REQUEST | NLM_F_ACK.
  throw new TodoError('TODO 2 (tableFlags)');
}
// #endregion flags

// #region prefix
/**
 * Reads a prefix as `ip route` does: "10.0.0.0/8", "10.1.2.3" (a /32 host
 * route) or "default" (0.0.0.0/0). Throws UsageError for anything else. Host
 * bits beyond the prefix length are NOT checked here: the kernel does that.
 */
export function parsePrefix(text: string): { dst: string; prefixLength: number } {
  // TODO 3: Split at "/", check four decimal parts 0..255 without leading
  // zeros and a length 0..32; "default" is 0.0.0.0/0, no "/" means /32.
  throw new TodoError('TODO 3 (parsePrefix)');
}
// #endregion prefix

// #region encode
/**
 * The attributes of a route request (no fixed header: nl_rtm's attributes
 * follow the nlmsghdr directly). TABLE, DST and PREFIXLEN always; GATEWAY,
 * OIF and METRIC only when the route has them.
 */
export function encodeRoute(route: Route): Uint8Array {
  // TODO 4: Use #netlink's AttributeBuilder: TABLE as a NUL-terminated
  // string, DST and GATEWAY as 4 bytes in network order (ipv4()), PREFIXLEN
  // as a u8, OIF (from route.dev) as a NUL-terminated string, METRIC as a u32.
  throw new TodoError('TODO 4 (encodeRoute)');
}
// #endregion encode

// #region decode
/** A NEWROUTE or DELROUTE message from nl_rtm (reply, dump part or notification). */
export function decodeRoute(message: Pick<ParsedMessage, 'payload'>): Route {
  // TODO 5: Parse the payload's attributes (parseAttributes) and read them by
  // type, never by position: the kernel may order them differently. METRIC is
  // always present in the kernel's messages; GATEWAY and OIF only when set.
  throw new TodoError('TODO 5 (decodeRoute)');
}

/** A NEWTABLE or DELTABLE message: TABLE and NROUTES. */
export function decodeTable(message: Pick<ParsedMessage, 'payload'>): Table {
  const attrs = parseAttributes(message.payload);
  return {
    name: findAttribute(attrs, NLRTM_A_TABLE)?.nulString() ?? '',
    routes: findAttribute(attrs, NLRTM_A_NROUTES)?.u32() ?? 0,
  };
}
// #endregion decode

/** How many times a dump is run again when the kernel flags it NLM_F_DUMP_INTR. */
export const DUMP_RETRIES = 3;

// #region client
/** Requests to nl_rtm. Pass a NetlinkClient to use your own socket (tests do). */
export class RtmClient {
  readonly netlink: NetlinkClient;

  constructor(netlink?: NetlinkClient) {
    this.netlink = netlink ?? NetlinkClient.open(NLRTM_UNIT_DEFAULT);
  }

  async addTable(name: string): Promise<void> {
    await this.netlink.request(NLRTM_NEWTABLE, tableFlags('add'), new AttributeBuilder().nulString(NLRTM_A_TABLE, name).bytes());
  }

  async deleteTable(name: string): Promise<void> {
    await this.netlink.request(NLRTM_DELTABLE, tableFlags('del'), new AttributeBuilder().nulString(NLRTM_A_TABLE, name).bytes());
  }

  async listTables(): Promise<Table[]> {
    const result = await this.netlink.dump(NLRTM_GETTABLE, undefined, { retries: DUMP_RETRIES });
    return result.replies.map(decodeTable);
  }

  /** add, replace, append, change or del one route; rejects with NetlinkError. */
  async modifyRoute(op: RouteOp, route: Route): Promise<void> {
    // TODO 6: Send NEWROUTE (or DELROUTE for 'del') with routeFlags(op) and
    // encodeRoute(route) through this.netlink.request(); it resolves at the
    // ACK and rejects with a NetlinkError carrying the errno.
    throw new TodoError('TODO 6 (modifyRoute)');
  }

  /**
   * Every route of `table`, in the kernel's order, read with a dump. A dump
   * flagged NLM_F_DUMP_INTR mixed old and new state: run it again (up to
   * DUMP_RETRIES times), then report it with an Error.
   */
  async listRoutes(table: string): Promise<Route[]> {
    // TODO 7: GETROUTE with NLM_F_DUMP and a TABLE attribute. this.netlink.dump()
    // collects every part up to NLMSG_DONE, across datagrams; look at its
    // `interrupted` and retry yourself (or pass { retries }), then decode each reply.
    throw new TodoError('TODO 7 (listRoutes)');
  }

  /** Longest-prefix match of `address` in `table`: the route the kernel would use. */
  async lookup(table: string, address: string): Promise<Route> {
    // TODO 8: GETROUTE without NLM_F_DUMP, with TABLE and DST (the address);
    // the answer is one NEWROUTE reply before the ACK. No match is -ENETUNREACH.
    throw new TodoError('TODO 8 (lookup)');
  }

  close(): void {
    this.netlink.close();
  }
}
// #endregion client

// #region monitor
/**
 * Turns one datagram received on the notification group into events.
 * Messages of other types are ignored.
 */
export function eventsFromDatagram(datagram: Uint8Array): RtmEvent[] {
  // TODO 9: Split the datagram (parseMessages) and map NEWROUTE / DELROUTE to
  // route events and NEWTABLE / DELTABLE to table events (`deleted` for DEL*).
  throw new TodoError('TODO 9 (eventsFromDatagram)');
}

/**
 * Every change nl_rtm announces, as it happens, until `signal` aborts. Uses a
 * socket of its own that joins NLRTM_GROUP_CHANGES; `onReady` runs once it has.
 */
export async function* monitor(options: { signal?: AbortSignal; onReady?: () => void } = {}): AsyncGenerator<RtmEvent> {
  // TODO 10: Open a NetlinkSocket on NLRTM_UNIT_DEFAULT, join the group with
  // addMembership(NLRTM_GROUP_CHANGES) (a group number, not a bitmask), call
  // onReady, then receive datagrams forever and yield their events. Close the
  // socket when the loop ends (try/finally).
  throw new TodoError('TODO 10 (monitor)');
}
// #endregion monitor

// #region format
/**
 * One route as `ip route show` prints it: "10.0.0.0/8 via 192.0.2.1 dev eth0
 * metric 5". A /32 prints without "/32", 0.0.0.0/0 as "default"; "via", "dev"
 * only when set, "metric" only when not 0, "table NAME" only when asked
 * (monitor does, for tables other than main).
 */
export function formatRoute(route: Route, options: { showTable?: boolean } = {}): string {
  // TODO 11: Build the line from its parts, in this order:
  // prefix, via GW, dev IF, table NAME, metric N.
  throw new TodoError('TODO 11 (formatRoute)');
}

/**
 * One notification as `monitor` prints it: a route as formatRoute() with
 * showTable, a table as "table NAME"; "Deleted " in front of deletions, as
 * `ip monitor` does.
 */
export function formatEvent(event: RtmEvent): string {
  const text = event.kind === 'route' ? formatRoute(event.route, { showTable: true }) : `table ${event.table.name}`;
  return event.deleted ? `Deleted ${text}` : text;
}

/**
 * What `ip` prints for a failed request: "RTNETLINK answers: File exists".
 * When the kernel sent an extended-ACK message, a second line shows it:
 * "Error: <message>.".
 */
export function errorText(error: NetlinkError): string {
  // TODO 12: strerror() of the errno after "RTNETLINK answers: ", then the
  // ext-ack line if error.extAckMessage is set.
  throw new TodoError('TODO 12 (errorText)');
}
// #endregion format

/* ------------------------------------------------------------------------ */
/* Stretch part: the same operations on the kernel's own IPv4 routing table */
/* ------------------------------------------------------------------------ */

/** Table names as iproute2 knows them without /etc/iproute2/rt_tables, or a number. */
export function kernelTableId(name: string): number {
  if (name === 'main') return rtnl.RT_TABLE_MAIN;
  if (name === 'local') return rtnl.RT_TABLE_LOCAL;
  if (name === 'default') return rtnl.RT_TABLE_DEFAULT;
  if (/^[1-9][0-9]*$/.test(name) && Number(name) < 2 ** 32) return Number(name);
  throw new UsageError(`table "${name}" is unknown to the kernel: use main, local, default or a number`);
}

function kernelTableName(id: number): string {
  return id === rtnl.RT_TABLE_MAIN ? 'main' : id === rtnl.RT_TABLE_LOCAL ? 'local' : id === rtnl.RT_TABLE_DEFAULT ? 'default' : String(id);
}

// #region rtmsg
/**
 * The 12-byte struct rtmsg of an RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE
 * request (layout in rtnl.ts). `kind` decides protocol, scope and type the way
 * iproute2 does: a new route is RTPROT_BOOT, RTN_UNICAST, scope universe via a
 * gateway and scope link without one; a delete leaves protocol and type 0 and
 * uses RT_SCOPE_NOWHERE ("any scope"); a lookup or dump leaves them all 0.
 */
export function encodeRtmsg(kind: 'new' | 'del' | 'get', prefixLength: number, tableId: number, hasGateway: boolean): Uint8Array {
  // TODO 13 (stretch): Fill the 12 bytes: family AF_INET, dst_len, src_len 0,
  // tos 0, table (the id if below 256, else RT_TABLE_UNSPEC: the id then goes
  // in RTA_TABLE), protocol, scope, type, flags 0.
  throw new TodoError('TODO 13 (encodeRtmsg)');
}
// #endregion rtmsg

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The kernel's routing table over NETLINK_ROUTE, with RtmClient's methods. */
export class KernelRouteClient {
  readonly netlink: NetlinkClient;
  #names = new Map<number, string>();

  constructor(netlink?: NetlinkClient) {
    this.netlink = netlink ?? NetlinkClient.open(NETLINK_ROUTE);
  }

  /** Interface name -> index with RTM_GETLINK and IFLA_IFNAME; ENODEV if there is none. */
  async ifindex(name: string): Promise<number> {
    const payload = concat(new Uint8Array(rtnl.IFINFOMSG_SIZE), new AttributeBuilder().nulString(rtnl.IFLA_IFNAME, name).bytes());
    const replies = await this.netlink.request(rtnl.RTM_GETLINK, NLM_F_ACK, payload);
    const link = replies.find((m) => m.header.type === rtnl.RTM_NEWLINK);
    if (!link || link.payload.length < rtnl.IFINFOMSG_SIZE) throw new Error(`no RTM_NEWLINK reply for device ${name}`);
    const index = new DataView(link.payload.buffer, link.payload.byteOffset).getInt32(4, true);
    this.#names.set(index, name);
    return index;
  }

  /** Interface index -> name (cached). */
  async ifname(index: number): Promise<string> {
    const known = this.#names.get(index);
    if (known) return known;
    const header = new Uint8Array(rtnl.IFINFOMSG_SIZE);
    new DataView(header.buffer).setInt32(4, index, true);
    const replies = await this.netlink.request(rtnl.RTM_GETLINK, NLM_F_ACK, header);
    const link = replies.find((m) => m.header.type === rtnl.RTM_NEWLINK);
    const name = link ? findAttribute(parseAttributes(link.payload.subarray(rtnl.IFINFOMSG_SIZE)), rtnl.IFLA_IFNAME)?.string() : undefined;
    const result = name ?? `if${index}`;
    this.#names.set(index, result);
    return result;
  }

  async #request(kind: 'new' | 'del' | 'get', route: Route): Promise<Uint8Array> {
    const tableId = kernelTableId(route.table);
    const attrs = new AttributeBuilder().u32(rtnl.RTA_TABLE, tableId);
    if (kind !== 'get' || route.prefixLength > 0) attrs.ipv4(rtnl.RTA_DST, route.dst);
    if (route.gateway !== undefined) attrs.ipv4(rtnl.RTA_GATEWAY, route.gateway);
    if (route.dev !== undefined) attrs.u32(rtnl.RTA_OIF, await this.ifindex(route.dev));
    if (route.metric !== undefined) attrs.u32(rtnl.RTA_PRIORITY, route.metric);
    return concat(encodeRtmsg(kind, route.prefixLength, tableId, route.gateway !== undefined), attrs.bytes());
  }

  async modifyRoute(op: RouteOp, route: Route): Promise<void> {
    const kind = op === 'del' ? 'del' : 'new';
    await this.netlink.request(kind === 'del' ? rtnl.RTM_DELROUTE : rtnl.RTM_NEWROUTE, routeFlags(op), await this.#request(kind, route));
  }

  /** Unicast routes of one table, as the kernel dumps them. */
  async listRoutes(table: string): Promise<Route[]> {
    const wanted = kernelTableId(table);
    const family = new Uint8Array(rtnl.RTMSG_SIZE);
    family[0] = rtnl.AF_INET;
    const result = await this.netlink.dump(rtnl.RTM_GETROUTE, family, { retries: DUMP_RETRIES });
    const routes: Route[] = [];
    for (const m of result.replies) {
      const route = await this.decodeRtmRoute(m);
      if (route && route.table === kernelTableName(wanted)) routes.push(route);
    }
    return routes;
  }

  async lookup(table: string, address: string): Promise<Route> {
    const replies = await this.netlink.request(rtnl.RTM_GETROUTE, NLM_F_ACK, await this.#request('get', { table, dst: address, prefixLength: 32 }));
    const reply = replies.find((m) => m.header.type === rtnl.RTM_NEWROUTE);
    const route = reply ? await this.decodeRtmRoute(reply, true) : undefined;
    if (!route) throw new Error('RTM_GETROUTE was acknowledged without a route');
    return route;
  }

  // #region decodertm
  /**
   * An RTM_NEWROUTE / RTM_DELROUTE message as a Route, or undefined for what
   * `ip route show` would not list (not AF_INET, not RTN_UNICAST).
   */
  async decodeRtmRoute(message: Pick<ParsedMessage, 'payload'>, anyType = false): Promise<Route | undefined> {
    // TODO 14 (stretch): Read family, dst_len, table and type from the rtmsg,
    // then the attributes after its 12 bytes: RTA_TABLE (u32, wins over
    // rtm_table), RTA_DST (absent for default), RTA_GATEWAY, RTA_OIF (an
    // index: turn it into a name with ifname()), RTA_PRIORITY (the metric).
    throw new TodoError('TODO 14 (decodeRtmRoute)');
  }
  // #endregion decodertm

  close(): void {
    this.netlink.close();
  }
}

/** Route changes of the kernel's IPv4 table (group RTNLGRP_IPV4_ROUTE), like monitor(). */
export async function* monitorKernel(options: { signal?: AbortSignal; onReady?: () => void } = {}): AsyncGenerator<RtmEvent> {
  const socket = NetlinkSocket.open(NETLINK_ROUTE);
  const names = new KernelRouteClient();
  try {
    socket.addMembership(rtnl.RTNLGRP_IPV4_ROUTE);
    options.onReady?.();
    for (;;) {
      const { data } = await socket.receive(options.signal ? { signal: options.signal } : {});
      for (const m of parseMessages(data)) {
        if (m.header.type !== rtnl.RTM_NEWROUTE && m.header.type !== rtnl.RTM_DELROUTE) continue;
        const route = await names.decodeRtmRoute(m);
        if (route) yield { kind: 'route', deleted: m.header.type === rtnl.RTM_DELROUTE, route };
      }
    }
  } finally {
    socket.close();
    names.close();
  }
}
