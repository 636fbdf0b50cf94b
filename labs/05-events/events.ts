/**
 * Lab 5, part 2: reading events.
 *
 * An EVENT message is a generic netlink message (nlmsghdr, genlmsghdr with
 * cmd NL_EVENTS_CMD_EVENT, attributes GROUP u32, SEQ u64, TIME_NS u64, TEXT
 * NUL string). The kernel sends it two ways:
 *
 *  - as a notification to a multicast group: nlmsg_seq 0 and nlmsg_pid 0,
 *    because nobody asked for it; no ACK follows;
 *  - as a part of a GET_LOG dump: the dump request's seq, NLM_F_MULTI, our
 *    port id, and NLMSG_DONE after the last part.
 *
 * Same bytes after the headers, so one decoder serves both.
 */
import {
  AttributeBuilder,
  findAttribute,
  genlPayload,
  parseGenlMessage,
  requireAttribute,
  type NetlinkClient,
  type ParsedMessage,
} from '#netlink';
import {
  NL_EVENTS_ATTR_COUNT,
  NL_EVENTS_ATTR_GROUP,
  NL_EVENTS_ATTR_SEQ,
  NL_EVENTS_ATTR_TEXT,
  NL_EVENTS_ATTR_TIME_NS,
  NL_EVENTS_CMD_EVENT,
  NL_EVENTS_CMD_GET_LOG,
  NL_EVENTS_FAMILY_VERSION,
  NL_EVENTS_GROUP_ALERTS,
  NL_EVENTS_GROUP_EVENTS,
} from '#kernel/05-events/nl_events.ts';
import { TodoError } from '#grader';
import type { GroupName } from './groups.ts';

/** One event as the kernel numbered it. */
export interface EventRecord {
  /** Group index (NL_EVENTS_GROUP_EVENTS or NL_EVENTS_GROUP_ALERTS), not the multicast id. */
  group: number;
  /** Per-group sequence number: 1, 2, 3, ... with no holes on the kernel's side. */
  seq: bigint;
  /** CLOCK_MONOTONIC nanoseconds when the kernel emitted it. */
  timeNs: bigint;
  text: string;
}

/** A message that should be an EVENT but is not one. */
export class EventFormatError extends Error {
  override name = 'EventFormatError';
}

/** The value of NL_EVENTS_ATTR_GROUP for a group name. */
export function groupIndex(name: GroupName): number {
  return name === 'events' ? NL_EVENTS_GROUP_EVENTS : NL_EVENTS_GROUP_ALERTS;
}

// #region decode
/** Decodes an EVENT message (notification or GET_LOG part). */
export function decodeEvent(message: Pick<ParsedMessage, 'payload'>): EventRecord {
  // TODO 4: parseGenlMessage(message) gives the genl header and attributes.
  // Throw EventFormatError unless cmd is NL_EVENTS_CMD_EVENT, and when GROUP,
  // SEQ or TIME_NS is missing (requireAttribute throws a NetlinkParseError:
  // turn it into an EventFormatError that keeps its message). TEXT is a NUL
  // string; treat a missing TEXT as "". SEQ and TIME_NS are u64: keep them as
  // bigint (a Number loses precision above 2^53, and TIME_NS gets there).
  throw new TodoError('TODO 4 (decodeEvent)');
}
// #endregion decode

// #region fetch
/**
 * GET_LOG: the events the kernel still holds for `group`, oldest first.
 * `since`: only events with seq >= since. `count`: at most the last `count`.
 */
export async function fetchLog(
  client: NetlinkClient,
  familyId: number,
  group: GroupName,
  options: { since?: bigint; count?: number } = {},
): Promise<EventRecord[]> {
  // TODO 5: A dump of NL_EVENTS_CMD_GET_LOG (version NL_EVENTS_FAMILY_VERSION)
  // with NL_EVENTS_ATTR_GROUP = groupIndex(group) (a u32), plus SEQ (u64) when
  // `since` is given and COUNT (u32) when `count` is given.
  // Build the payload with genlPayload({ cmd, version, attributes });
  // client.dump(familyId, payload) sends REQUEST|ACK|DUMP and collects every
  // part (`replies`) up to NLMSG_DONE; decode each with decodeEvent. If the dump comes back
  // flagged `interrupted` (NLM_F_DUMP_INTR: events were overwritten while it
  // ran), that is fine here: the events it returns are still real, in order.
  throw new TodoError('TODO 5 (fetchLog)');
}
// #endregion fetch

// #region merge
/**
 * The events of `incoming` that come after `lastSeq`, in seq order, each seq
 * once. This is how resynchronised events join the live stream: whatever the
 * listener already handed out (seq <= lastSeq) is a duplicate.
 */
export function mergeEvents(lastSeq: bigint, incoming: readonly EventRecord[]): EventRecord[] {
  // TODO 6: Keep events with seq > lastSeq, sort them by seq (compare bigints
  // with < and >, not by subtracting into a Number), and drop repeated seqs.
  // Do not modify `incoming`.
  throw new TodoError('TODO 6 (mergeEvents)');
}
// #endregion merge
