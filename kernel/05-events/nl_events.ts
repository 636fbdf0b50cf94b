/**
 * TypeScript twin of nl_events.h (the header is the source of truth; a project
 * test compiles a C program against it and compares every name and value).
 */

export const NL_EVENTS_FAMILY_NAME = 'nl_events';
export const NL_EVENTS_FAMILY_VERSION = 1;

/** Multicast group names, as nlctrl lists them (CTRL_ATTR_MCAST_GRP_NAME). */
export const NL_EVENTS_GROUP_EVENTS_NAME = 'events';
export const NL_EVENTS_GROUP_ALERTS_NAME = 'alerts';

/* Group index: the value of NL_EVENTS_ATTR_GROUP (not the multicast group id). */
export const NL_EVENTS_GROUP_EVENTS = 0;
export const NL_EVENTS_GROUP_ALERTS = 1;
export const NL_EVENTS_GROUP_COUNT = 2;

/* Commands (genlmsghdr cmd). */
export const NL_EVENTS_CMD_UNSPEC = 0;
/** Notification (kernel -> group): GROUP, SEQ, TIME_NS, TEXT; also each message of a GET_LOG dump. */
export const NL_EVENTS_CMD_EVENT = 1;
/** doit: GROUP + COUNT (+ TEXT) emits COUNT events; replies GROUP, SEQ (first emitted), COUNT. */
export const NL_EVENTS_CMD_TRIGGER = 2;
/** dump: GROUP (+ SEQ start, + COUNT last n) returns EVENT messages, oldest first. */
export const NL_EVENTS_CMD_GET_LOG = 3;
export const NL_EVENTS_CMD_MAX = 3;

/* Attributes (nla_type). */
export const NL_EVENTS_ATTR_UNSPEC = 0;
/** u32: group index (NL_EVENTS_GROUP_*). */
export const NL_EVENTS_ATTR_GROUP = 1;
/** u64: per-group sequence number, from 1. */
export const NL_EVENTS_ATTR_SEQ = 2;
/** u64: CLOCK_MONOTONIC nanoseconds (ktime_get_ns). */
export const NL_EVENTS_ATTR_TIME_NS = 3;
/** NUL-terminated string. */
export const NL_EVENTS_ATTR_TEXT = 4;
/** u32. */
export const NL_EVENTS_ATTR_COUNT = 5;
/** Alignment padding for u64 attributes (never carries data). */
export const NL_EVENTS_ATTR_PAD = 6;
export const NL_EVENTS_ATTR_MAX = 6;

/** TEXT: at most this many bytes, the terminating NUL included. */
export const NL_EVENTS_TEXT_MAX = 64;

/** TRIGGER COUNT bounds. */
export const NL_EVENTS_TRIGGER_MIN = 1;
export const NL_EVENTS_TRIGGER_MAX = 100000;

/** Events kept per group for GET_LOG; older ones are overwritten. */
export const NL_EVENTS_LOG_CAPACITY = 4096;

/** Module parameter period_ms: 0 = off, at most this many milliseconds. */
export const NL_EVENTS_PERIOD_MAX_MS = 3600000;

/** TEXT of the periodic source's events ("tick" followed by the seq). */
export const NL_EVENTS_TICK_PREFIX = 'tick';

/** Read-only state: "key: value" lines; one log file per group. */
export const NL_EVENTS_PROC_DIR = '/proc/nl_events';
export const NL_EVENTS_PROC_STATE = '/proc/nl_events/state';
export const NL_EVENTS_PROC_LOG_PREFIX = '/proc/nl_events/log_';
export const NL_EVENTS_PARAM_PERIOD = '/sys/module/nl_events/parameters/period_ms';
