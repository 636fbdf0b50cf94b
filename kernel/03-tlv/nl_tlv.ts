/**
 * TypeScript twin of nl_tlv.h (the header is the source of truth; a project
 * test compiles a C program against it and compares every name and value).
 */

export const NL_TLV_FAMILY_NAME = 'nl_tlv';
export const NL_TLV_FAMILY_VERSION = 1;

/* Commands (genlmsghdr.cmd). Replies to GET (doit and dump) use NL_TLV_CMD_GET. */
export const NL_TLV_CMD_UNSPEC = 0;
/** doit: NAME, WEBSITES, EMP_ID required; TAGS optional. */
export const NL_TLV_CMD_ADD = 1;
/** doit: EMP_ID -> one record; dump: every record. */
export const NL_TLV_CMD_GET = 2;
/** doit: EMP_ID. */
export const NL_TLV_CMD_DEL = 3;
export const NL_TLV_CMD_MAX = 3;

/* Top-level attributes of every request and reply. */
export const NL_TLV_A_UNSPEC = 0;
/** NUL string, at most NL_TLV_NAME_MAX bytes with the NUL. */
export const NL_TLV_A_NAME = 1;
/** Nested: one or more NL_TLV_WEBSITE_A_WEBSITE. */
export const NL_TLV_A_WEBSITES = 2;
/** u64, host byte order, unique. */
export const NL_TLV_A_EMP_ID = 3;
/** Nested, optional: NL_TLV_TAG_A_*. */
export const NL_TLV_A_TAGS = 4;
/** Alignment padding for the u64 (never on x86); skip it. */
export const NL_TLV_A_PAD = 5;
export const NL_TLV_A_MAX = 5;

/* Inside NL_TLV_A_WEBSITES: the same type repeated, in order. */
export const NL_TLV_WEBSITE_A_UNSPEC = 0;
/** NUL string, at most NL_TLV_WEBSITE_MAX bytes with the NUL. */
export const NL_TLV_WEBSITE_A_WEBSITE = 1;
export const NL_TLV_WEBSITE_A_MAX = 1;

/* Inside NL_TLV_A_TAGS: each one optional. */
export const NL_TLV_TAG_A_UNSPEC = 0;
/** u8, NL_TLV_LEVEL_MIN..NL_TLV_LEVEL_MAX. */
export const NL_TLV_TAG_A_LEVEL = 1;
/** Flag: present means remote. */
export const NL_TLV_TAG_A_REMOTE = 2;
/** NUL string, at most NL_TLV_TEAM_MAX bytes with the NUL. */
export const NL_TLV_TAG_A_TEAM = 3;
export const NL_TLV_TAG_A_MAX = 3;

/* Limits, in bytes including the terminating NUL where they are strings. */
export const NL_TLV_NAME_MAX = 32;
export const NL_TLV_WEBSITE_MAX = 64;
export const NL_TLV_TEAM_MAX = 32;
export const NL_TLV_MAX_WEBSITES = 8;
export const NL_TLV_LEVEL_MIN = 1;
export const NL_TLV_LEVEL_MAX = 9;
export const NL_TLV_MAX_RECORDS = 1024;

/* Read-only state of the module. */
export const NL_TLV_PROC_DIR = '/proc/nl_tlv';
export const NL_TLV_PROC_STATE = '/proc/nl_tlv/state';
export const NL_TLV_PROC_RECORDS = '/proc/nl_tlv/records';
