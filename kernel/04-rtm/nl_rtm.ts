/**
 * TypeScript twin of nl_rtm.h (the header is the source of truth, including
 * the flag rules and errnos documented there; a project test compiles a C
 * program against it and compares every name and value).
 */

/** Protocol unit: units 23..31 are unused upstream (MAX_LINKS is 32). */
export const NLRTM_UNIT_DEFAULT = 30;

/* Message types. 24..26 equal rtnetlink's RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE. */
export const NLRTM_NEWTABLE = 21;
export const NLRTM_DELTABLE = 22;
export const NLRTM_GETTABLE = 23;
export const NLRTM_NEWROUTE = 24;
export const NLRTM_DELROUTE = 25;
export const NLRTM_GETROUTE = 26;

/* Attribute types. */
export const NLRTM_A_UNSPEC = 0;
/** NUL-terminated string, 2..32 bytes with the NUL. */
export const NLRTM_A_TABLE = 1;
/** 4 bytes, IPv4 network order. */
export const NLRTM_A_DST = 2;
/** u8, 0..32. */
export const NLRTM_A_PREFIXLEN = 3;
/** 4 bytes, IPv4 network order. */
export const NLRTM_A_GATEWAY = 4;
/** NUL-terminated string, 2..16 bytes with the NUL. */
export const NLRTM_A_OIF = 5;
/** u32, optional, default 0. */
export const NLRTM_A_METRIC = 6;
/** u32, replies only: routes in a table. */
export const NLRTM_A_NROUTES = 7;
export const NLRTM_A_MAX = NLRTM_A_NROUTES;

/** Multicast group of change notifications. */
export const NLRTM_GROUP_CHANGES = 1;

/** Sizes, NUL included. */
export const NLRTM_TABLE_NAME_MAX = 32;
export const NLRTM_OIF_NAME_MAX = 16;

/** Bounds: beyond them NEWTABLE / NEWROUTE fail with -ENOSPC. */
export const NLRTM_MAX_TABLES = 64;
export const NLRTM_MAX_ROUTES = 100000;

/** The table that exists after loading. */
export const NLRTM_DEFAULT_TABLE = 'main';

/** Read-only state of the module (formats in nl_rtm.h). */
export const NLRTM_PROC_DIR = '/proc/nl_rtm';
export const NLRTM_PROC_STATE = '/proc/nl_rtm/state';
export const NLRTM_PROC_ROUTES = '/proc/nl_rtm/routes';
