/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gnl_foobar_xmpl: the wire protocol of lesson 2 ("Generic netlink echo").
 *
 * A generic netlink family, wire-compatible with the family of the same name
 * from Philipp Schuster's generic netlink example: same family name, version,
 * command and attribute numbers. The enum and macro names a program written for
 * that example uses are kept, so such a program builds against this header
 * unchanged. gnl_foobar_xmpl.ts is this header's TypeScript twin; a project
 * test proves both say the same.
 */
#ifndef _UAPI_LINUX_GNL_FOOBAR_XMPL_H
#define _UAPI_LINUX_GNL_FOOBAR_XMPL_H

#include <linux/types.h>

/* Resolve the family id with CTRL_CMD_GETFAMILY on this name (15 chars + NUL). */
#define GNL_FOOBAR_XMPL_FAMILY_NAME	"gnl_foobar_xmpl"
#define GNL_FOOBAR_XMPL_FAMILY_VERSION	1

/* The example's own name for the family name, for programs written against it. */
#ifndef FAMILY_NAME
#define FAMILY_NAME			GNL_FOOBAR_XMPL_FAMILY_NAME
#endif

/* Attributes (struct nlattr nla_type). 0 is never used on the wire. */
enum GNL_FOOBAR_XMPL_ATTRIBUTE {
	GNL_FOOBAR_XMPL_A_UNSPEC,
	GNL_FOOBAR_XMPL_A_MSG,		/* NUL-terminated string */
	__GNL_FOOBAR_XMPL_A_MAX,
};
#define GNL_FOOBAR_XMPL_A_MAX			(__GNL_FOOBAR_XMPL_A_MAX - 1)
#define GNL_FOOBAR_XMPL_ATTRIBUTE_ENUM_LEN	(__GNL_FOOBAR_XMPL_A_MAX)
#define GNL_FOOBAR_XMPL_ATTRIBUTE_COUNT		(GNL_FOOBAR_XMPL_ATTRIBUTE_ENUM_LEN - 1)

/* Commands (struct genlmsghdr cmd). 0 is never used on the wire. */
enum GNL_FOOBAR_XMPL_COMMAND {
	GNL_FOOBAR_XMPL_C_UNSPEC,
	/*
	 * Without NLM_F_DUMP: replies with the same MSG (doit).
	 * With NLM_F_DUMP: GNL_FOOBAR_XMPL_DUMP_PARTS messages carrying
	 * GNL_FOOBAR_XMPL_DUMP_GREETING, then NLMSG_DONE (dumpit).
	 */
	GNL_FOOBAR_XMPL_C_ECHO_MSG,
	/* Always fails with -EINVAL and an extended-ACK message. */
	GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR,
	__GNL_FOOBAR_XMPL_C_MAX,
};
#define GNL_FOOBAR_XMPL_C_MAX			(__GNL_FOOBAR_XMPL_C_MAX - 1)
#define GNL_FOOBAR_XMPL_COMMAND_ENUM_LEN	(__GNL_FOOBAR_XMPL_C_MAX)
#define GNL_FOOBAR_XMPL_COMMAND_COUNT		(GNL_FOOBAR_XMPL_COMMAND_ENUM_LEN - 1)

/* Largest MSG attribute payload in bytes, the terminating NUL included. */
#define GNL_FOOBAR_XMPL_MSG_MAX		1024

/* What a dump returns: this many messages, each with this MSG, then NLMSG_DONE. */
#define GNL_FOOBAR_XMPL_DUMP_PARTS	3
#define GNL_FOOBAR_XMPL_DUMP_GREETING	"Hello from gnl_foobar_xmpl: this greeting comes from a dumpit"

/* Extended-ACK message of REPLY_WITH_NLMSG_ERR. */
#define GNL_FOOBAR_XMPL_ERR_TEXT	"REPLY_WITH_NLMSG_ERR always fails: you asked for this error"

/* Read-only state of the module, "key: value" lines. */
#define GNL_FOOBAR_XMPL_PROC_DIR	"/proc/gnl_foobar_xmpl"
#define GNL_FOOBAR_XMPL_PROC_STATE	"/proc/gnl_foobar_xmpl/state"

/*
 * Module parameters (writable by root) that choose how a dump is cut into
 * datagrams, so clients can be tested against every legal layout:
 * dump_per_datagram = messages per datagram (1..GNL_FOOBAR_XMPL_DUMP_PARTS),
 * dump_done_shared = 1 puts NLMSG_DONE in the datagram of the last part.
 */
#define GNL_FOOBAR_XMPL_PARAM_DIR	"/sys/module/gnl_foobar_xmpl/parameters"

#endif /* _UAPI_LINUX_GNL_FOOBAR_XMPL_H */
