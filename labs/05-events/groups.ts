/**
 * Lab 5, part 1: multicast group ids.
 *
 * A generic netlink family's multicast groups get their ids from the kernel
 * when the family registers, so a program looks them up by name through the
 * nlctrl controller, every time it starts. Then there are two ways to join:
 *
 *  - setsockopt(NETLINK_ADD_MEMBERSHIP, id): takes the id as a number and
 *    works for any id. Use this one.
 *  - the legacy bind() bitmask (sockaddr_nl.nl_groups): one bit per group,
 *    group g is bit g-1, so only groups 1..32 fit.
 */
import { NetlinkSocket } from '#socket';
import { NETLINK_GENERIC, type NetlinkClient } from '#netlink';
import {
  NL_EVENTS_FAMILY_NAME,
  NL_EVENTS_GROUP_ALERTS_NAME,
  NL_EVENTS_GROUP_EVENTS_NAME,
} from '#kernel/05-events/nl_events.ts';
import { TodoError } from '#grader';

/** The family's two groups, by name. */
export type GroupName = typeof NL_EVENTS_GROUP_EVENTS_NAME | typeof NL_EVENTS_GROUP_ALERTS_NAME;

export const GROUP_NAMES: readonly GroupName[] = [NL_EVENTS_GROUP_EVENTS_NAME, NL_EVENTS_GROUP_ALERTS_NAME];

export function isGroupName(name: string): name is GroupName {
  return (GROUP_NAMES as readonly string[]).includes(name);
}

export interface EventGroups {
  /** The family id (nlmsg_type of every nl_events message). */
  familyId: number;
  /** Multicast group id of each group, as the kernel assigned it this time. */
  ids: Record<GroupName, number>;
}

// #region mask
/**
 * The legacy bind() bitmask that joins multicast group `groupId`.
 * Only groups 1..32 have a bit; anything else is a RangeError.
 */
export function groupMask(groupId: number): number {
  // TODO 1: Group g is bit g-1 of the 32-bit nl_groups mask, so group 1 is
  // 0x1 and group 5 is 0x10 (the seed's "nl_groups = 16" joins group 5, not
  // 16). Throw a RangeError for ids that are not integers in 1..32, saying to
  // use addMembership() instead. Return an unsigned 32-bit number: group 32
  // is 0x80000000, not a negative number (mind JavaScript's `1 << 31`).
  throw new TodoError('TODO 1 (groupMask)');
}
// #endregion mask

// #region resolve
/** Looks the nl_events family up through nlctrl and returns its group ids. */
export async function resolveGroups(client: NetlinkClient): Promise<EventGroups> {
  // TODO 2: Ask nlctrl for the family NL_EVENTS_FAMILY_NAME (lab 2 taught the
  // request; here you may use client.resolveFamily(name, { fresh: true }):
  // ids change whenever the module is reloaded, so never cache them across
  // runs). Find "events" and "alerts" in its multicast groups and return
  // their ids; if one is missing, throw an Error that names it.
  throw new TodoError('TODO 2 (resolveGroups)');
}
// #endregion resolve

// #region legacy
/**
 * A NETLINK_GENERIC socket that joins `groupId` the old way, through the bind()
 * bitmask instead of NETLINK_ADD_MEMBERSHIP.
 */
export function openLegacyListener(groupId: number): NetlinkSocket {
  // TODO 3: NetlinkSocket.open(NETLINK_GENERIC, { groups: <mask> }) with the
  // mask from groupMask(). Let its RangeError through for ids above 32.
  throw new TodoError('TODO 3 (openLegacyListener)');
}
// #endregion legacy
