/**
 * Netlink wire constants, named exactly as in the uapi headers
 * <linux/netlink.h> and <linux/genetlink.h>. Every UPPER_CASE export here is
 * compared with the C header by test/uapi-parity.test.ts, so a typo or a
 * drifted value fails the project's tests instead of a student's lab.
 *
 * Values are plain numbers; the flag groups below (e.g. NLM_F_GET_MODIFIERS)
 * are lower-level helpers for decoders and are not part of the C headers.
 */

/* ---- Protocol units (socket(AF_NETLINK, SOCK_RAW, unit)) ---- */
export const NETLINK_ROUTE = 0;
export const NETLINK_UNUSED = 1;
export const NETLINK_USERSOCK = 2;
export const NETLINK_FIREWALL = 3;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_NFLOG = 5;
export const NETLINK_XFRM = 6;
export const NETLINK_SELINUX = 7;
export const NETLINK_ISCSI = 8;
export const NETLINK_AUDIT = 9;
export const NETLINK_FIB_LOOKUP = 10;
export const NETLINK_CONNECTOR = 11;
export const NETLINK_NETFILTER = 12;
export const NETLINK_IP6_FW = 13;
export const NETLINK_DNRTMSG = 14;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;
export const NETLINK_SCSITRANSPORT = 18;
export const NETLINK_ECRYPTFS = 19;
export const NETLINK_RDMA = 20;
export const NETLINK_CRYPTO = 21;
export const NETLINK_SMC = 22;
export const NETLINK_INET_DIAG = NETLINK_SOCK_DIAG;
/** Number of protocol units; 23..31 are unused upstream (the course's raw-protocol modules use them). */
export const MAX_LINKS = 32;

/* ---- nlmsghdr.nlmsg_flags ---- */
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;

/* Modifiers to GET requests. */
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;

/* Modifiers to NEW requests. */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;

/* Modifiers to DELETE requests. */
export const NLM_F_NONREC = 0x100;
export const NLM_F_BULK = 0x200;

/* Flags for ACK messages (NLMSG_ERROR replies). */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/**
 * The high flag bits mean different things depending on the request kind,
 * so a decoder must know the context to name them. Ordered as the kernel
 * header lists them.
 */
export const NLM_F_COMMON_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_REQUEST, 'REQUEST'],
  [NLM_F_MULTI, 'MULTI'],
  [NLM_F_ACK, 'ACK'],
  [NLM_F_ECHO, 'ECHO'],
  [NLM_F_DUMP_INTR, 'DUMP_INTR'],
  [NLM_F_DUMP_FILTERED, 'DUMP_FILTERED'],
];
export const NLM_F_GET_MODIFIERS: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_ROOT, 'ROOT'],
  [NLM_F_MATCH, 'MATCH'],
  [NLM_F_ATOMIC, 'ATOMIC'],
];
export const NLM_F_NEW_MODIFIERS: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_REPLACE, 'REPLACE'],
  [NLM_F_EXCL, 'EXCL'],
  [NLM_F_CREATE, 'CREATE'],
  [NLM_F_APPEND, 'APPEND'],
];
export const NLM_F_DELETE_MODIFIERS: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_NONREC, 'NONREC'],
  [NLM_F_BULK, 'BULK'],
];
export const NLM_F_ACK_MODIFIERS: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_CAPPED, 'CAPPED'],
  [NLM_F_ACK_TLVS, 'ACK_TLVS'],
];

/* ---- nlmsghdr.nlmsg_type: control messages (below NLMSG_MIN_TYPE) ---- */
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
/** Types below this are control messages, never handed to a protocol's handler. */
export const NLMSG_MIN_TYPE = 0x10;

/* ---- Framing sizes ---- */
export const NLMSG_ALIGNTO = 4;
/** sizeof(struct nlmsghdr): len u32, type u16, flags u16, seq u32, pid u32. */
export const NLMSG_HDRLEN = 16;
export const NLA_ALIGNTO = 4;
/** sizeof(struct nlattr): len u16, type u16. */
export const NLA_HDRLEN = 4;

/* ---- Extended ACK attributes (enum nlmsgerr_attrs) ---- */
export const NLMSGERR_ATTR_UNUSED = 0;
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;
export const NLMSGERR_ATTR_MAX = NLMSGERR_ATTR_MISS_NEST;

/* ---- Socket options at level SOL_NETLINK ---- */
/** From glibc <sys/socket.h> (the uapi headers do not define it); the parity test includes it. */
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_RX_RING = 6;
export const NETLINK_TX_RING = 7;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

/* ---- Policy descriptions (NLMSGERR_ATTR_POLICY, CTRL_CMD_GETPOLICY) ---- */
/* enum netlink_attribute_type */
export const NL_ATTR_TYPE_INVALID = 0;
export const NL_ATTR_TYPE_FLAG = 1;
export const NL_ATTR_TYPE_U8 = 2;
export const NL_ATTR_TYPE_U16 = 3;
export const NL_ATTR_TYPE_U32 = 4;
export const NL_ATTR_TYPE_U64 = 5;
export const NL_ATTR_TYPE_S8 = 6;
export const NL_ATTR_TYPE_S16 = 7;
export const NL_ATTR_TYPE_S32 = 8;
export const NL_ATTR_TYPE_S64 = 9;
export const NL_ATTR_TYPE_BINARY = 10;
export const NL_ATTR_TYPE_STRING = 11;
export const NL_ATTR_TYPE_NUL_STRING = 12;
export const NL_ATTR_TYPE_NESTED = 13;
export const NL_ATTR_TYPE_NESTED_ARRAY = 14;
export const NL_ATTR_TYPE_BITFIELD32 = 15;
/* enum netlink_policy_type_attr */
export const NL_POLICY_TYPE_ATTR_UNSPEC = 0;
export const NL_POLICY_TYPE_ATTR_TYPE = 1;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S = 2;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S = 3;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5;
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6;
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;
export const NL_POLICY_TYPE_ATTR_POLICY_IDX = 8;
export const NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE = 9;
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK = 10;
export const NL_POLICY_TYPE_ATTR_PAD = 11;
export const NL_POLICY_TYPE_ATTR_MASK = 12;
export const NL_POLICY_TYPE_ATTR_MAX = NL_POLICY_TYPE_ATTR_MASK;

export const NL_ATTR_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NL_ATTR_TYPE_INVALID',
  1: 'NL_ATTR_TYPE_FLAG',
  2: 'NL_ATTR_TYPE_U8',
  3: 'NL_ATTR_TYPE_U16',
  4: 'NL_ATTR_TYPE_U32',
  5: 'NL_ATTR_TYPE_U64',
  6: 'NL_ATTR_TYPE_S8',
  7: 'NL_ATTR_TYPE_S16',
  8: 'NL_ATTR_TYPE_S32',
  9: 'NL_ATTR_TYPE_S64',
  10: 'NL_ATTR_TYPE_BINARY',
  11: 'NL_ATTR_TYPE_STRING',
  12: 'NL_ATTR_TYPE_NUL_STRING',
  13: 'NL_ATTR_TYPE_NESTED',
  14: 'NL_ATTR_TYPE_NESTED_ARRAY',
  15: 'NL_ATTR_TYPE_BITFIELD32',
};
export const NL_POLICY_TYPE_ATTR_NAMES: Readonly<Record<number, string>> = {
  1: 'NL_POLICY_TYPE_ATTR_TYPE',
  2: 'NL_POLICY_TYPE_ATTR_MIN_VALUE_S',
  3: 'NL_POLICY_TYPE_ATTR_MAX_VALUE_S',
  4: 'NL_POLICY_TYPE_ATTR_MIN_VALUE_U',
  5: 'NL_POLICY_TYPE_ATTR_MAX_VALUE_U',
  6: 'NL_POLICY_TYPE_ATTR_MIN_LENGTH',
  7: 'NL_POLICY_TYPE_ATTR_MAX_LENGTH',
  8: 'NL_POLICY_TYPE_ATTR_POLICY_IDX',
  9: 'NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE',
  10: 'NL_POLICY_TYPE_ATTR_BITFIELD32_MASK',
  11: 'NL_POLICY_TYPE_ATTR_PAD',
  12: 'NL_POLICY_TYPE_ATTR_MASK',
};

/* ---- Attribute type flags ---- */
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
/** Same value as C's `~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)` (an int); `type & NLA_TYPE_MASK` keeps the low 14 bits. */
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/* ---- Generic netlink (<linux/genetlink.h>) ---- */
export const GENL_NAMSIZ = 16;
export const GENL_MIN_ID = NLMSG_MIN_TYPE;
export const GENL_MAX_ID = 1023;
/** sizeof(struct genlmsghdr): cmd u8, version u8, reserved u16. */
export const GENL_HDRLEN = 4;

export const GENL_ADMIN_PERM = 0x01;
export const GENL_CMD_CAP_DO = 0x02;
export const GENL_CMD_CAP_DUMP = 0x04;
export const GENL_CMD_CAP_HASPOL = 0x08;
export const GENL_UNS_ADMIN_PERM = 0x10;

export const GENL_ID_CTRL = NLMSG_MIN_TYPE;
export const GENL_ID_VFS_DQUOT = NLMSG_MIN_TYPE + 1;
export const GENL_ID_PMCRAID = NLMSG_MIN_TYPE + 2;
export const GENL_START_ALLOC = NLMSG_MIN_TYPE + 3;

export const CTRL_CMD_UNSPEC = 0;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_DELFAMILY = 2;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_CMD_NEWOPS = 4;
export const CTRL_CMD_DELOPS = 5;
export const CTRL_CMD_GETOPS = 6;
export const CTRL_CMD_NEWMCAST_GRP = 7;
export const CTRL_CMD_DELMCAST_GRP = 8;
export const CTRL_CMD_GETMCAST_GRP = 9;
export const CTRL_CMD_GETPOLICY = 10;
export const CTRL_CMD_MAX = CTRL_CMD_GETPOLICY;

export const CTRL_ATTR_UNSPEC = 0;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_POLICY = 8;
export const CTRL_ATTR_OP_POLICY = 9;
export const CTRL_ATTR_OP = 10;
export const CTRL_ATTR_MAX = CTRL_ATTR_OP;

export const CTRL_ATTR_OP_UNSPEC = 0;
export const CTRL_ATTR_OP_ID = 1;
export const CTRL_ATTR_OP_FLAGS = 2;
export const CTRL_ATTR_OP_MAX = CTRL_ATTR_OP_FLAGS;

export const CTRL_ATTR_MCAST_GRP_UNSPEC = 0;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;
export const CTRL_ATTR_MCAST_GRP_MAX = CTRL_ATTR_MCAST_GRP_ID;

export const CTRL_ATTR_POLICY_UNSPEC = 0;
export const CTRL_ATTR_POLICY_DO = 1;
export const CTRL_ATTR_POLICY_DUMP = 2;
export const CTRL_ATTR_POLICY_DUMP_MAX = CTRL_ATTR_POLICY_DUMP;

/* ---- Names for decoders ---- */

/** Control message types by number (decoders and error messages). */
export const NLMSG_TYPE_NAMES: Readonly<Record<number, string>> = {
  [NLMSG_NOOP]: 'NLMSG_NOOP',
  [NLMSG_ERROR]: 'NLMSG_ERROR',
  [NLMSG_DONE]: 'NLMSG_DONE',
  [NLMSG_OVERRUN]: 'NLMSG_OVERRUN',
};

export const NLMSGERR_ATTR_NAMES: Readonly<Record<number, string>> = {
  [NLMSGERR_ATTR_MSG]: 'NLMSGERR_ATTR_MSG',
  [NLMSGERR_ATTR_OFFS]: 'NLMSGERR_ATTR_OFFS',
  [NLMSGERR_ATTR_COOKIE]: 'NLMSGERR_ATTR_COOKIE',
  [NLMSGERR_ATTR_POLICY]: 'NLMSGERR_ATTR_POLICY',
  [NLMSGERR_ATTR_MISS_TYPE]: 'NLMSGERR_ATTR_MISS_TYPE',
  [NLMSGERR_ATTR_MISS_NEST]: 'NLMSGERR_ATTR_MISS_NEST',
};

export const CTRL_CMD_NAMES: Readonly<Record<number, string>> = {
  [CTRL_CMD_NEWFAMILY]: 'CTRL_CMD_NEWFAMILY',
  [CTRL_CMD_DELFAMILY]: 'CTRL_CMD_DELFAMILY',
  [CTRL_CMD_GETFAMILY]: 'CTRL_CMD_GETFAMILY',
  [CTRL_CMD_NEWOPS]: 'CTRL_CMD_NEWOPS',
  [CTRL_CMD_DELOPS]: 'CTRL_CMD_DELOPS',
  [CTRL_CMD_GETOPS]: 'CTRL_CMD_GETOPS',
  [CTRL_CMD_NEWMCAST_GRP]: 'CTRL_CMD_NEWMCAST_GRP',
  [CTRL_CMD_DELMCAST_GRP]: 'CTRL_CMD_DELMCAST_GRP',
  [CTRL_CMD_GETMCAST_GRP]: 'CTRL_CMD_GETMCAST_GRP',
  [CTRL_CMD_GETPOLICY]: 'CTRL_CMD_GETPOLICY',
};

export const CTRL_ATTR_NAMES: Readonly<Record<number, string>> = {
  [CTRL_ATTR_FAMILY_ID]: 'CTRL_ATTR_FAMILY_ID',
  [CTRL_ATTR_FAMILY_NAME]: 'CTRL_ATTR_FAMILY_NAME',
  [CTRL_ATTR_VERSION]: 'CTRL_ATTR_VERSION',
  [CTRL_ATTR_HDRSIZE]: 'CTRL_ATTR_HDRSIZE',
  [CTRL_ATTR_MAXATTR]: 'CTRL_ATTR_MAXATTR',
  [CTRL_ATTR_OPS]: 'CTRL_ATTR_OPS',
  [CTRL_ATTR_MCAST_GROUPS]: 'CTRL_ATTR_MCAST_GROUPS',
  [CTRL_ATTR_POLICY]: 'CTRL_ATTR_POLICY',
  [CTRL_ATTR_OP_POLICY]: 'CTRL_ATTR_OP_POLICY',
  [CTRL_ATTR_OP]: 'CTRL_ATTR_OP',
};
