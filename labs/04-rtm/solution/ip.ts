/**
 * ip: an `ip route` look-alike for nl_rtm (and, with --kernel, for the
 * kernel's own IPv4 routing table over NETLINK_ROUTE).
 *
 *   $ npx tsx labs/04-rtm/ip.ts table add blue
 *   $ npx tsx labs/04-rtm/ip.ts route add 10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5 table blue
 *   $ npx tsx labs/04-rtm/ip.ts route show table blue
 *   10.0.0.0/8 via 192.0.2.1 dev eth0 metric 5
 *   $ npx tsx labs/04-rtm/ip.ts route add 10.0.0.0/8 via 192.0.2.1 table blue
 *   RTNETLINK answers: File exists
 *   Error: a route for this prefix exists (NLM_F_EXCL asks for a new one).
 *   $ npx tsx labs/04-rtm/ip.ts monitor
 *   Deleted 10.0.0.0/8 via 192.0.2.1 dev eth0 table blue metric 5
 *
 * Exit status: 0 on success, 1 for a command-line mistake, 2 when the kernel
 * refused (as iproute2 does).
 */
import { TodoError } from '#grader';
import { NetlinkError } from '#netlink';
import { NLRTM_DEFAULT_TABLE } from '#kernel/04-rtm/nl_rtm.ts';
import {
  KernelRouteClient,
  RtmClient,
  UsageError,
  errorText,
  formatEvent,
  formatRoute,
  monitor,
  monitorKernel,
  parsePrefix,
  type Route,
  type RouteOp,
} from './rtm.ts';

export const USAGE = `usage: ip [--kernel] OBJECT COMMAND
  table add NAME | table del NAME | table show
  route add|del|replace|append|change PREFIX [via ADDRESS] [dev IFNAME] [metric N] [table NAME]
  route show [table NAME]
  route get ADDRESS [table NAME]
  monitor [count N]
PREFIX is A.B.C.D/LEN, A.B.C.D or default; the table defaults to main.
--kernel drives the kernel's own IPv4 routing table (NETLINK_ROUTE) instead of nl_rtm.`;

const ROUTE_OPS: readonly RouteOp[] = ['add', 'del', 'replace', 'append', 'change'];

// #region args
/**
 * The words after `route add|del|replace|append|change`: a prefix first, then
 * keyword/value pairs in any order. Throws UsageError for anything unknown.
 */
export function parseRouteArgs(words: readonly string[]): Route {
  // TODO 15: Read PREFIX with parsePrefix(), then the pairs `via`, `dev`,
  // `metric` (also accept `priority`, as ip does) and `table`; the table
  // defaults to NLRTM_DEFAULT_TABLE. A keyword without a value, a repeated
  // keyword or an unknown word is a UsageError that names it.
  // @solution-begin
  const [prefixText, ...rest] = words;
  if (prefixText === undefined) throw new UsageError('a route needs a PREFIX');
  const route: Route = { table: NLRTM_DEFAULT_TABLE, ...parsePrefix(prefixText) };
  const seen = new Set<string>();
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i] ?? '';
    const value = rest[i + 1];
    const name = key === 'priority' ? 'metric' : key;
    if (!['via', 'dev', 'metric', 'table'].includes(name)) throw new UsageError(`"${key}" is not understood here`);
    if (value === undefined) throw new UsageError(`"${key}" needs a value`);
    if (seen.has(name)) throw new UsageError(`"${key}" is given twice`);
    seen.add(name);
    if (name === 'via') {
      if (value.includes('/') || parsePrefix(value).prefixLength !== 32) throw new UsageError(`"${value}" is not a gateway address (A.B.C.D)`);
      route.gateway = value;
    } else if (name === 'dev') route.dev = value;
    else if (name === 'table') route.table = value;
    else {
      if (!/^(0|[1-9][0-9]*)$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`metric "${value}" is not a number 0..4294967295`);
      route.metric = Number(value);
    }
  }
  return route;
  // @solution-end
  // @starter: throw new TodoError('TODO 15 (parseRouteArgs)');
}
// #endregion args

/** Reads `[table NAME]` (the only option of show and get). */
function tableOption(words: readonly string[]): string {
  if (words.length === 0) return NLRTM_DEFAULT_TABLE;
  if (words.length === 2 && words[0] === 'table' && words[1]) return words[1];
  throw new UsageError(`expected "table NAME", got "${words.join(' ')}"`);
}

type Backend = RtmClient | KernelRouteClient;

// #region cli
async function run(args: string[], out: (line: string) => void): Promise<void> {
  const kernel = args[0] === '--kernel';
  const [object, command, ...rest] = kernel ? args.slice(1) : args;

  if (object === 'monitor') {
    let left = Infinity;
    if (command !== undefined) {
      if (command !== 'count' || rest.length !== 1 || !/^[1-9][0-9]*$/.test(rest[0] ?? '')) throw new UsageError('monitor takes only "count N"');
      left = Number(rest[0]);
    }
    for await (const event of kernel ? monitorKernel() : monitor()) {
      out(formatEvent(event));
      if (--left <= 0) return;
    }
    return;
  }

  const backend: Backend = kernel ? new KernelRouteClient() : new RtmClient();
  try {
    if (object === 'table') {
      // TODO 16: `table add NAME`, `table del NAME` and `table show` (one line
      // per table: "NAME routes N"). Only nl_rtm has named tables: with
      // --kernel, say so with a UsageError.
      // @solution-begin
      if (!(backend instanceof RtmClient)) throw new UsageError('the kernel creates its tables by itself: "table" works with nl_rtm only');
      if (command === 'show' && rest.length === 0) {
        for (const t of await backend.listTables()) out(`${t.name} routes ${t.routes}`);
      } else if ((command === 'add' || command === 'del') && rest.length === 1 && rest[0]) {
        await (command === 'add' ? backend.addTable(rest[0]) : backend.deleteTable(rest[0]));
      } else {
        throw new UsageError('use "table add NAME", "table del NAME" or "table show"');
      }
      // @solution-end
      // @starter: throw new TodoError('TODO 16 (table commands)');
    } else if (object === 'route') {
      // TODO 17: `route show [table NAME]` prints formatRoute() of each route,
      // `route get ADDRESS [table NAME]` prints the route lookup() found, the
      // others call modifyRoute() with parseRouteArgs(rest) and print nothing.
      // @solution-begin
      if (command === 'show') {
        // One write for the whole table: thousands of small writes are slow.
        const routes = await backend.listRoutes(tableOption(rest));
        if (routes.length) out(routes.map((route) => formatRoute(route)).join('\n'));
      } else if (command === 'get') {
        const [address, ...options] = rest;
        if (address === undefined || parsePrefix(address).prefixLength !== 32 || address.includes('/')) {
          throw new UsageError('route get needs an address A.B.C.D');
        }
        out(formatRoute(await backend.lookup(tableOption(options), address)));
      } else if (ROUTE_OPS.includes(command as RouteOp)) {
        await backend.modifyRoute(command as RouteOp, parseRouteArgs(rest));
      } else {
        throw new UsageError(`"route ${command ?? ''}" is not a command`);
      }
      // @solution-end
      // @starter: throw new TodoError('TODO 17 (route commands)');
    } else {
      throw new UsageError(object === undefined ? 'no command given' : `"${object}" is not an object: use table, route or monitor`);
    }
  } finally {
    backend.close();
  }
}

export async function main(args: string[]): Promise<number> {
  // TODO 18: Run the command. UsageError: print `Error: <message>` and USAGE
  // to stderr, return 1. NetlinkError: print errorText(error) to stderr,
  // return 2. Anything else: print its message to stderr, return 1.
  // @solution-begin
  try {
    await run(args, (line) => console.log(line));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`Error: ${error.message}\n${USAGE}`);
      return 1;
    }
    if (error instanceof NetlinkError) {
      console.error(errorText(error));
      return 2;
    }
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  // @solution-end
  // @starter: throw new TodoError('TODO 18 (main)');
}
// #endregion cli

process.exitCode = await main(process.argv.slice(2));
