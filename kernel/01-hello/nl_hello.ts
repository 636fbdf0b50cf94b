/**
 * TypeScript twin of nl_hello.h (the header is the source of truth; a project
 * test compiles a C program against it and compares every name and value).
 */

/** Protocol unit: units 23..31 are unused upstream (MAX_LINKS is 32). */
export const HELLO_UNIT_DEFAULT = 31;

/** Request: payload is a NUL-terminated UTF-8 name. */
export const HELLO_MSG_GREET = 0x10;
/** Reply: payload is a NUL-terminated greeting; same nlmsg_seq as the request. */
export const HELLO_MSG_GREET_REPLY = 0x11;

/** Largest GREET payload in bytes, NUL (and zero padding) included. */
export const HELLO_NAME_MAX = 64;

/** Read-only state of the module, "key: value" lines. */
export const HELLO_PROC_DIR = '/proc/nl_hello';
export const HELLO_PROC_STATE = '/proc/nl_hello/state';
