/**
 * Reference client of nl_rtm for graders and the module's self-test, built on
 * #netlink's NetlinkClient. It is independent of the student's lab code: the
 * graded tests use it to set up state quickly and to cross-check what the
 * student's client and CLI did, together with /proc/nl_rtm/routes.
 */
import {
  AttributeBuilder,
  NLM_F_REQUEST,
  NetlinkClient,
  concatMessages,
  encodeMessage,
  findAttribute,
  parseAttributes,
  type ClientOptions,
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
  NLRTM_NEWROUTE,
  NLRTM_UNIT_DEFAULT,
} from './nl_rtm.ts';

export interface RefRoute {
  table: string;
  /** Network address, dotted quad. */
  dst: string;
  plen: number;
  gateway?: string;
  oif?: string;
  metric: number;
}

export function openReference(options: ClientOptions = {}): NetlinkClient {
  return NetlinkClient.open(NLRTM_UNIT_DEFAULT, { timeoutMs: 10_000, ...options });
}

/** Attributes of a route request (or a partial one: only what is given). */
export function routeAttributes(r: Partial<RefRoute> & { table: string }): Uint8Array {
  const b = new AttributeBuilder().nulString(NLRTM_A_TABLE, r.table);
  if (r.dst !== undefined) b.ipv4(NLRTM_A_DST, r.dst);
  if (r.plen !== undefined) b.u8(NLRTM_A_PREFIXLEN, r.plen);
  if (r.gateway !== undefined) b.ipv4(NLRTM_A_GATEWAY, r.gateway);
  if (r.oif !== undefined) b.nulString(NLRTM_A_OIF, r.oif);
  if (r.metric !== undefined) b.u32(NLRTM_A_METRIC, r.metric);
  return b.bytes();
}

export function tableAttributes(name: string): Uint8Array {
  return new AttributeBuilder().nulString(NLRTM_A_TABLE, name).bytes();
}

/** A NEWROUTE/DELROUTE/GETROUTE reply or notification as a route. */
export function decodeRefRoute(message: Pick<ParsedMessage, 'payload'>): RefRoute {
  const attrs = parseAttributes(message.payload);
  const route: RefRoute = {
    table: findAttribute(attrs, NLRTM_A_TABLE)?.nulString() ?? '',
    dst: findAttribute(attrs, NLRTM_A_DST)?.ipv4() ?? '',
    plen: findAttribute(attrs, NLRTM_A_PREFIXLEN)?.u8() ?? -1,
    metric: findAttribute(attrs, NLRTM_A_METRIC)?.u32() ?? 0,
  };
  const gw = findAttribute(attrs, NLRTM_A_GATEWAY);
  if (gw) route.gateway = gw.ipv4();
  const oif = findAttribute(attrs, NLRTM_A_OIF);
  if (oif) route.oif = oif.nulString();
  return route;
}

export function decodeRefTable(message: Pick<ParsedMessage, 'payload'>): { name: string; routes: number } {
  const attrs = parseAttributes(message.payload);
  return { name: findAttribute(attrs, NLRTM_A_TABLE)?.nulString() ?? '', routes: findAttribute(attrs, NLRTM_A_NROUTES)?.u32() ?? -1 };
}

/** Route key used by the module's rbtree order: address, prefix length, metric. */
function ipNumber(dotted: string): number {
  return dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function compareRoutes(a: RefRoute, b: RefRoute): number {
  return a.table.localeCompare(b.table) || ipNumber(a.dst) - ipNumber(b.dst) || a.plen - b.plen || a.metric - b.metric;
}

/** Same text as a `route` line of /proc/nl_rtm/routes (without the leading "route TABLE "). */
export function routeText(r: RefRoute): string {
  return `${r.dst}/${r.plen}${r.gateway ? ` via ${r.gateway}` : ''}${r.oif ? ` dev ${r.oif}` : ''} metric ${r.metric}`;
}

export interface ProcRoutes {
  /** Table name -> route count as the kernel reports it. */
  tables: Map<string, number>;
  routes: RefRoute[];
}

/** Parses /proc/nl_rtm/routes (format in nl_rtm.h). */
export function parseProcRoutes(text: string): ProcRoutes {
  const tables = new Map<string, number>();
  const routes: RefRoute[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'table' && f.length === 3) tables.set(f[1] ?? '', Number(f[2]));
    if (f[0] !== 'route' || f.length < 5) continue;
    const [dst, plen] = (f[2] ?? '').split('/');
    const route: RefRoute = { table: f[1] ?? '', dst: dst ?? '', plen: Number(plen), metric: 0 };
    for (let i = 3; i + 1 < f.length; i += 2) {
      const key = f[i];
      const value = f[i + 1] ?? '';
      if (key === 'via') route.gateway = value;
      else if (key === 'dev') route.oif = value;
      else if (key === 'metric') route.metric = Number(value);
    }
    routes.push(route);
  }
  return { tables, routes };
}

/**
 * Adds many routes fast: NEWROUTE messages without NLM_F_ACK, `perDatagram` in
 * one datagram. A send to a kernel netlink socket runs the module's input
 * callback in the sender's context, so when send() returns the routes exist;
 * a failure would come back as an NLMSG_ERROR that the caller can find in
 * `client.unmatched` after its next request. Returns the number of datagrams sent.
 */
export function addRoutesFast(client: NetlinkClient, routes: readonly RefRoute[], flags: number, perDatagram = 64): number {
  let datagrams = 0;
  for (let i = 0; i < routes.length; i += perDatagram) {
    const batch = routes.slice(i, i + perDatagram).map((r) =>
      encodeMessage({ type: NLRTM_NEWROUTE, flags: NLM_F_REQUEST | flags, seq: client.nextSeq(), payload: routeAttributes(r) }),
    );
    client.sendRaw(concatMessages(batch));
    datagrams++;
  }
  return datagrams;
}
