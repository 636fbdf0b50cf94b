/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nl_events: the wire protocol of lesson 5 ("Multicast events").
 *
 * A generic netlink family with two multicast groups. The kernel numbers each
 * event per group (SEQ 1, 2, 3, ...), multicasts it as an EVENT notification
 * (nlmsg_seq 0, nlmsg_pid 0, no ACK) and keeps the last
 * NL_EVENTS_LOG_CAPACITY events of each group in a log that GET_LOG dumps, so
 * a listener that lost notifications can resynchronise.
 *
 * Multicast group ids are assigned by the kernel when the family registers:
 * resolve them by name with nlctrl (CTRL_ATTR_MCAST_GROUPS). The GROUP
 * attribute of this family is NOT that id: it is the group's index in the
 * family (enum nl_events_group), which never changes.
 *
 * This header is the single source of the protocol's constants; nl_events.ts
 * is its TypeScript twin and a project test proves both say the same.
 */
#ifndef _UAPI_LINUX_NL_EVENTS_H
#define _UAPI_LINUX_NL_EVENTS_H

#include <linux/types.h>

#define NL_EVENTS_FAMILY_NAME		"nl_events"
#define NL_EVENTS_FAMILY_VERSION	1

/* Multicast group names, as nlctrl lists them (CTRL_ATTR_MCAST_GRP_NAME). */
#define NL_EVENTS_GROUP_EVENTS_NAME	"events"
#define NL_EVENTS_GROUP_ALERTS_NAME	"alerts"

/* Group index: the value of NL_EVENTS_ATTR_GROUP (not the multicast group id). */
enum nl_events_group {
	NL_EVENTS_GROUP_EVENTS = 0,
	NL_EVENTS_GROUP_ALERTS = 1,
	__NL_EVENTS_GROUP_COUNT,
};
#define NL_EVENTS_GROUP_COUNT		__NL_EVENTS_GROUP_COUNT

/* Commands (struct genlmsghdr cmd). 0 is never used on the wire. */
enum nl_events_cmd {
	NL_EVENTS_CMD_UNSPEC,
	/*
	 * Notification (kernel -> group): GROUP, SEQ, TIME_NS, TEXT. Also the
	 * shape of every message a GET_LOG dump returns.
	 */
	NL_EVENTS_CMD_EVENT,
	/*
	 * doit: GROUP and COUNT required, TEXT optional. Emits COUNT events to
	 * the group before it returns (consecutive SEQ values) and replies with
	 * a TRIGGER message carrying GROUP, SEQ (the first one emitted) and COUNT.
	 */
	NL_EVENTS_CMD_TRIGGER,
	/*
	 * dump: GROUP required; optional SEQ (start at this seq) and COUNT (at
	 * most the last COUNT events). Returns EVENT messages, oldest first, as
	 * the log stood when the dump began.
	 */
	NL_EVENTS_CMD_GET_LOG,
	__NL_EVENTS_CMD_MAX,
};
#define NL_EVENTS_CMD_MAX		(__NL_EVENTS_CMD_MAX - 1)

/* Attributes (struct nlattr nla_type). 0 is never used on the wire. */
enum nl_events_attr {
	NL_EVENTS_ATTR_UNSPEC,
	NL_EVENTS_ATTR_GROUP,		/* u32: enum nl_events_group */
	NL_EVENTS_ATTR_SEQ,		/* u64: per-group sequence number, from 1 */
	NL_EVENTS_ATTR_TIME_NS,		/* u64: CLOCK_MONOTONIC (ktime_get_ns) */
	NL_EVENTS_ATTR_TEXT,		/* NUL-terminated string */
	NL_EVENTS_ATTR_COUNT,		/* u32 */
	NL_EVENTS_ATTR_PAD,		/* alignment padding for u64 attributes */
	__NL_EVENTS_ATTR_MAX,
};
#define NL_EVENTS_ATTR_MAX		(__NL_EVENTS_ATTR_MAX - 1)

/* TEXT: at most this many bytes, the terminating NUL included. */
#define NL_EVENTS_TEXT_MAX		64

/* TRIGGER COUNT bounds. */
#define NL_EVENTS_TRIGGER_MIN		1
#define NL_EVENTS_TRIGGER_MAX		100000

/* Events kept per group for GET_LOG; older ones are overwritten. */
#define NL_EVENTS_LOG_CAPACITY		4096

/* Module parameter: milliseconds between periodic events (0 = off). */
#define NL_EVENTS_PERIOD_MAX_MS		3600000

/* TEXT of the periodic source's events ("tick" followed by the seq). */
#define NL_EVENTS_TICK_PREFIX		"tick"

/* Read-only state: "key: value" lines; one log file per group. */
#define NL_EVENTS_PROC_DIR		"/proc/nl_events"
#define NL_EVENTS_PROC_STATE		"/proc/nl_events/state"
#define NL_EVENTS_PROC_LOG_PREFIX	"/proc/nl_events/log_"
#define NL_EVENTS_PARAM_PERIOD		"/sys/module/nl_events/parameters/period_ms"

#endif /* _UAPI_LINUX_NL_EVENTS_H */
