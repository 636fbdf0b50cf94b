/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nl_tlv: the wire protocol of lesson 3 ("The TLV assignment").
 *
 * A generic netlink family that stores employee records. Requests and replies
 * carry netlink attributes (struct nlattr); WEBSITES and TAGS are nested. This
 * header is the single source of the protocol's constants; nl_tlv.ts is its
 * TypeScript twin and a project test proves both say the same.
 */
#ifndef _UAPI_LINUX_NL_TLV_H
#define _UAPI_LINUX_NL_TLV_H

#include <linux/types.h>

#define NL_TLV_FAMILY_NAME	"nl_tlv"
#define NL_TLV_FAMILY_VERSION	1

/* Commands (genlmsghdr.cmd). Replies to GET (doit and dump) use NL_TLV_CMD_GET. */
enum nl_tlv_cmd {
	NL_TLV_CMD_UNSPEC = 0,
	NL_TLV_CMD_ADD = 1,	/* doit: NAME, WEBSITES, EMP_ID required; TAGS optional */
	NL_TLV_CMD_GET = 2,	/* doit: EMP_ID -> one record; dump: every record */
	NL_TLV_CMD_DEL = 3,	/* doit: EMP_ID */
	__NL_TLV_CMD_MAX,
};
#define NL_TLV_CMD_MAX		(__NL_TLV_CMD_MAX - 1)

/* Top-level attributes of every request and reply. */
enum nl_tlv_attr {
	NL_TLV_A_UNSPEC = 0,
	NL_TLV_A_NAME = 1,	/* NUL string, at most NL_TLV_NAME_MAX bytes with the NUL */
	NL_TLV_A_WEBSITES = 2,	/* nested: one or more NL_TLV_WEBSITE_A_WEBSITE */
	NL_TLV_A_EMP_ID = 3,	/* u64, host byte order, unique */
	NL_TLV_A_TAGS = 4,	/* nested, optional: NL_TLV_TAG_A_* */
	NL_TLV_A_PAD = 5,	/* alignment padding for the u64 (never on x86) */
	__NL_TLV_A_MAX,
};
#define NL_TLV_A_MAX		(__NL_TLV_A_MAX - 1)

/* Inside NL_TLV_A_WEBSITES: the same type repeated, in order. */
enum nl_tlv_website_attr {
	NL_TLV_WEBSITE_A_UNSPEC = 0,
	NL_TLV_WEBSITE_A_WEBSITE = 1,	/* NUL string, at most NL_TLV_WEBSITE_MAX bytes with the NUL */
	__NL_TLV_WEBSITE_A_MAX,
};
#define NL_TLV_WEBSITE_A_MAX	(__NL_TLV_WEBSITE_A_MAX - 1)

/* Inside NL_TLV_A_TAGS: each one optional. */
enum nl_tlv_tag_attr {
	NL_TLV_TAG_A_UNSPEC = 0,
	NL_TLV_TAG_A_LEVEL = 1,		/* u8, NL_TLV_LEVEL_MIN..NL_TLV_LEVEL_MAX */
	NL_TLV_TAG_A_REMOTE = 2,	/* flag: present means remote */
	NL_TLV_TAG_A_TEAM = 3,		/* NUL string, at most NL_TLV_TEAM_MAX bytes with the NUL */
	__NL_TLV_TAG_A_MAX,
};
#define NL_TLV_TAG_A_MAX	(__NL_TLV_TAG_A_MAX - 1)

/* Limits, in bytes including the terminating NUL where they are strings. */
#define NL_TLV_NAME_MAX		32
#define NL_TLV_WEBSITE_MAX	64
#define NL_TLV_TEAM_MAX		32
#define NL_TLV_MAX_WEBSITES	8
#define NL_TLV_LEVEL_MIN	1
#define NL_TLV_LEVEL_MAX	9
#define NL_TLV_MAX_RECORDS	1024

/* Read-only state of the module. */
#define NL_TLV_PROC_DIR		"/proc/nl_tlv"
#define NL_TLV_PROC_STATE	"/proc/nl_tlv/state"
#define NL_TLV_PROC_RECORDS	"/proc/nl_tlv/records"

#endif /* _UAPI_LINUX_NL_TLV_H */
