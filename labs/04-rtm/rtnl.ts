/**
 * The few rtnetlink constants the stretch part needs, named as in the uapi
 * headers <linux/rtnetlink.h>, <linux/if_link.h> and <linux/socket.h>. This
 * file is given: there is nothing to do in it.
 *
 * struct rtmsg (12 bytes, right after the nlmsghdr of every RTM_*ROUTE message):
 *
 *   offset  size  field
 *   0       1     rtm_family    AF_INET
 *   1       1     rtm_dst_len   prefix length
 *   2       1     rtm_src_len   0
 *   3       1     rtm_tos       0
 *   4       1     rtm_table     table id if < 256, else RT_TABLE_UNSPEC and RTA_TABLE
 *   5       1     rtm_protocol  RTPROT_BOOT for routes an admin adds (what `ip route add` sends)
 *   6       1     rtm_scope     RT_SCOPE_UNIVERSE via a gateway, RT_SCOPE_LINK on a device only,
 *                               RT_SCOPE_NOWHERE in a delete ("any scope")
 *   7       1     rtm_type      RTN_UNICAST (0 = RTN_UNSPEC in a delete)
 *   8       4     rtm_flags     0
 *
 * struct ifinfomsg (16 bytes, after the nlmsghdr of RTM_*LINK messages):
 *   ifi_family u8, pad u8, ifi_type u16, ifi_index s32, ifi_flags u32, ifi_change u32.
 */

export const AF_INET = 2;

/* Message types. */
export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

/* Route attributes (enum rtattr_type_t). */
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_TABLE = 15;

/* Link attributes. */
export const IFLA_IFNAME = 3;

/* Tables, protocols, scopes, types. */
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_NOWHERE = 255;
export const RTN_UNICAST = 1;

/* Multicast group of IPv4 route changes. */
export const RTNLGRP_IPV4_ROUTE = 7;

export const RTMSG_SIZE = 12;
export const IFINFOMSG_SIZE = 16;
