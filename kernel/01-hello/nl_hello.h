/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nl_hello: the wire protocol of lesson 1 ("Hello, netlink").
 *
 * Raw netlink on a protocol unit of its own (socket(AF_NETLINK, SOCK_RAW, unit)).
 * This header is the single source of the protocol's constants; nl_hello.ts is
 * its TypeScript twin and a project test proves both say the same.
 */
#ifndef _UAPI_LINUX_NL_HELLO_H
#define _UAPI_LINUX_NL_HELLO_H

#include <linux/types.h>

/* Protocol unit: units 23..31 are unused upstream (MAX_LINKS is 32). */
#define HELLO_UNIT_DEFAULT	31

/*
 * Message types. Types below NLMSG_MIN_TYPE (0x10) are netlink's own control
 * messages (NOOP, ERROR, DONE, OVERRUN), so ours start at 0x10.
 */
#define HELLO_MSG_GREET		0x10	/* request: payload is a NUL-terminated name */
#define HELLO_MSG_GREET_REPLY	0x11	/* reply: payload is a NUL-terminated greeting */

/*
 * Largest GREET payload in bytes, the terminating NUL (and any zero padding)
 * included. The name itself is 1..HELLO_NAME_MAX - 1 bytes of UTF-8.
 */
#define HELLO_NAME_MAX		64

/* Read-only state of the module, "key: value" lines. */
#define HELLO_PROC_DIR		"/proc/nl_hello"
#define HELLO_PROC_STATE	"/proc/nl_hello/state"

#endif /* _UAPI_LINUX_NL_HELLO_H */
