/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nl_rtm: the wire protocol of lesson 4 ("The RTM project"), a routing table
 * manager that lives in the kernel and is driven over netlink.
 *
 * Transport: raw netlink on a protocol unit of its own,
 * socket(AF_NETLINK, SOCK_RAW, NLRTM_UNIT_DEFAULT). It is deliberately NOT a
 * generic netlink family: since Linux 6.1, generic netlink rejects any
 * nlmsg_flags bit other than REQUEST, ACK, ECHO and the DUMP bits for
 * commands of new families ("ambiguous or reserved bits set in nlmsg_flags",
 * -EINVAL, see resv_start_op in net/netlink/genetlink.c). NLM_F_CREATE,
 * NLM_F_EXCL, NLM_F_REPLACE and NLM_F_APPEND are exactly what this lesson
 * teaches, with the meaning rtnetlink gives them, so the protocol owns its
 * unit the way NETLINK_ROUTE does.
 *
 * Framing: struct nlmsghdr, then netlink attributes directly (there is no
 * fixed family header such as rtnetlink's struct rtmsg: every field is an
 * attribute). Integers in host byte order, IPv4 addresses as 4 raw bytes in
 * network order, as rtnetlink does.
 *
 * Requests and what they need (T = TABLE, D = DST, P = PREFIXLEN):
 *
 *   NEWTABLE  T            flags: CREATE to make it; EXCL fails on an existing
 *                          table (-EEXIST); REPLACE on an existing table
 *                          succeeds and changes nothing; no flag on an existing
 *                          table is -EEXIST; a missing table without CREATE is
 *                          -ENOENT.
 *   DELTABLE  T            removes the table and every route in it (one
 *                          DELTABLE notification, no per-route ones); missing
 *                          table: -ENOENT.
 *   GETTABLE  [T]          with NLM_F_DUMP: every table; without: the table T.
 *                          Replies are NEWTABLE messages with TABLE, NROUTES.
 *   NEWROUTE  T D P, GATEWAY and/or OIF, [METRIC (default 0)]
 *                          A prefix (T, D/P) is the "entry" of the flag rules,
 *                          which follow the IPv4 FIB:
 *                            prefix missing:  CREATE adds it, else -ENOENT
 *                            prefix present:  EXCL            -> -EEXIST
 *                                             REPLACE         -> all routes of
 *                                                 the prefix become this one
 *                                             APPEND          -> another route
 *                                                 for the prefix; its METRIC
 *                                                 must differ (else -EEXIST)
 *                                             none of these   -> -EEXIST
 *                          Precedence when several are set: EXCL, REPLACE,
 *                          APPEND. D must have no bits outside P (-EINVAL).
 *   DELROUTE  T D P, [METRIC] [GATEWAY] [OIF]
 *                          Deletes the lowest-metric route of the prefix that
 *                          matches every optional attribute given. Nothing
 *                          matches: -ESRCH (as rtnetlink answers for routes;
 *                          this module never uses -ENOENT for a missing route,
 *                          only for a missing table).
 *   GETROUTE  T D          without NLM_F_DUMP: longest-prefix match of address
 *                          D in table T, the lowest metric wins; reply is one
 *                          NEWROUTE message; no match: -ENETUNREACH.
 *             [T]          with NLM_F_DUMP: every route of T (of every table
 *                          when T is absent) as NEWROUTE messages, NLM_F_MULTI,
 *                          ended by NLMSG_DONE; NLM_F_DUMP_INTR on a part when
 *                          the tables changed since the dump began.
 *
 * Replies echo the request's nlmsg_seq and go to the sender's port. Every
 * successful change is multicast to group NLRTM_GROUP_CHANGES as a message of
 * the request's type (NEWTABLE, DELTABLE, NEWROUTE, DELROUTE) carrying the
 * table or the whole route, with the requester's nlmsg_seq and nlmsg_pid and,
 * for NEW*, the request's NEW modifier flags. With NLM_F_ECHO the requester
 * gets the notification unicast instead of through the group.
 *
 * Errors other than the above: -EINVAL (malformed or missing attribute),
 * -EOPNOTSUPP (unknown message type), -EPERM (changes need CAP_NET_ADMIN),
 * -ENOSPC (NLRTM_MAX_TABLES or NLRTM_MAX_ROUTES reached). Every rejection
 * carries an extended-ACK message.
 *
 * This header is the single source of the protocol's constants; nl_rtm.ts is
 * its TypeScript twin and a project test proves both say the same.
 */
#ifndef _UAPI_LINUX_NL_RTM_H
#define _UAPI_LINUX_NL_RTM_H

#include <linux/types.h>

/* Protocol unit: units 23..31 are unused upstream (MAX_LINKS is 32). */
#define NLRTM_UNIT_DEFAULT	30

/*
 * Message types (>= NLMSG_MIN_TYPE). 21 is the seed course's table-create
 * number; 24..26 deliberately equal rtnetlink's RTM_NEWROUTE, RTM_DELROUTE
 * and RTM_GETROUTE.
 */
#define NLRTM_NEWTABLE		21
#define NLRTM_DELTABLE		22
#define NLRTM_GETTABLE		23
#define NLRTM_NEWROUTE		24
#define NLRTM_DELROUTE		25
#define NLRTM_GETROUTE		26

/* Attribute types (struct nlattr.nla_type). */
#define NLRTM_A_UNSPEC		0
#define NLRTM_A_TABLE		1	/* NUL-terminated string, 2..32 bytes with the NUL */
#define NLRTM_A_DST		2	/* 4 bytes, IPv4 network order */
#define NLRTM_A_PREFIXLEN	3	/* u8, 0..32 */
#define NLRTM_A_GATEWAY		4	/* 4 bytes, IPv4 network order */
#define NLRTM_A_OIF		5	/* NUL-terminated string, 2..16 bytes with the NUL */
#define NLRTM_A_METRIC		6	/* u32, optional, default 0 */
#define NLRTM_A_NROUTES		7	/* u32, replies only: routes in a table */
#define NLRTM_A_MAX		NLRTM_A_NROUTES

/* Multicast group of change notifications (netlink groups start at 1). */
#define NLRTM_GROUP_CHANGES	1

/* Sizes, NUL included. */
#define NLRTM_TABLE_NAME_MAX	32
#define NLRTM_OIF_NAME_MAX	16	/* IFNAMSIZ */

/* Bounds: beyond them NEWTABLE / NEWROUTE fail with -ENOSPC. */
#define NLRTM_MAX_TABLES	64
#define NLRTM_MAX_ROUTES	100000	/* all tables together */

/* The table that exists after loading, as in iproute2's "main". */
#define NLRTM_DEFAULT_TABLE	"main"

/*
 * Read-only state of the module.
 * state:  "key: value" lines (counters).
 * routes: one line per table, then one per route of that table, sorted by
 *         destination, prefix length and metric:
 *           table NAME ROUTES
 *           route NAME A.B.C.D/LEN [via A.B.C.D] [dev IFNAME] metric N
 */
#define NLRTM_PROC_DIR		"/proc/nl_rtm"
#define NLRTM_PROC_STATE	"/proc/nl_rtm/state"
#define NLRTM_PROC_ROUTES	"/proc/nl_rtm/routes"

#endif /* _UAPI_LINUX_NL_RTM_H */
