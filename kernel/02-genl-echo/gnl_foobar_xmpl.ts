/**
 * TypeScript twin of gnl_foobar_xmpl.h (the header is the source of truth; a
 * project test compiles a C program against it and compares every name and value).
 */

/** Resolve the family id with CTRL_CMD_GETFAMILY on this name (15 chars + NUL). */
export const GNL_FOOBAR_XMPL_FAMILY_NAME = 'gnl_foobar_xmpl';
export const GNL_FOOBAR_XMPL_FAMILY_VERSION = 1;
/** The original example's name for the family name. */
export const FAMILY_NAME = GNL_FOOBAR_XMPL_FAMILY_NAME;

/* Attributes (nla_type). */
export const GNL_FOOBAR_XMPL_A_UNSPEC = 0;
/** NUL-terminated string. */
export const GNL_FOOBAR_XMPL_A_MSG = 1;
export const GNL_FOOBAR_XMPL_A_MAX = 1;
export const GNL_FOOBAR_XMPL_ATTRIBUTE_ENUM_LEN = 2;
export const GNL_FOOBAR_XMPL_ATTRIBUTE_COUNT = 1;

/* Commands (genlmsghdr cmd). */
export const GNL_FOOBAR_XMPL_C_UNSPEC = 0;
/** doit: replies with the same MSG; with NLM_F_DUMP: 3 greetings, then NLMSG_DONE. */
export const GNL_FOOBAR_XMPL_C_ECHO_MSG = 1;
/** Always fails with -EINVAL and an extended-ACK message. */
export const GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR = 2;
export const GNL_FOOBAR_XMPL_C_MAX = 2;
export const GNL_FOOBAR_XMPL_COMMAND_ENUM_LEN = 3;
export const GNL_FOOBAR_XMPL_COMMAND_COUNT = 2;

/** Largest MSG attribute payload in bytes, the terminating NUL included. */
export const GNL_FOOBAR_XMPL_MSG_MAX = 1024;

/** A dump returns this many messages, each carrying the greeting, then NLMSG_DONE. */
export const GNL_FOOBAR_XMPL_DUMP_PARTS = 3;
export const GNL_FOOBAR_XMPL_DUMP_GREETING = 'Hello from gnl_foobar_xmpl: this greeting comes from a dumpit';

/** Extended-ACK message of REPLY_WITH_NLMSG_ERR. */
export const GNL_FOOBAR_XMPL_ERR_TEXT = 'REPLY_WITH_NLMSG_ERR always fails: you asked for this error';

/** Read-only state of the module, "key: value" lines. */
export const GNL_FOOBAR_XMPL_PROC_DIR = '/proc/gnl_foobar_xmpl';
export const GNL_FOOBAR_XMPL_PROC_STATE = '/proc/gnl_foobar_xmpl/state';

/** Module parameters dump_per_datagram (1..3) and dump_done_shared (0/1), writable by root. */
export const GNL_FOOBAR_XMPL_PARAM_DIR = '/sys/module/gnl_foobar_xmpl/parameters';
