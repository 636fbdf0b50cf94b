import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { type DecodedField, decodeDatagram, describeFlags, formatDecoded, parseFamilyReply, parseGenlMessage, parseMessages } from '#netlink';

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

function errors(fields: DecodedField[]): string[] {
  return fields.flatMap((f) => [...(f.error ? [`${f.offset}: ${f.error}`] : []), ...errors(f.children ?? [])]);
}

// Hand-built vectors (little-endian host).
const ACK = bytes(
  '24000000 0200 0001 05000000 39300000' + // NLMSG_ERROR, CAPPED, seq 5, pid 12345
    '00000000' + // error 0
    '14000000 1000 0500 05000000 00000000', // echoed request header: len 20, type 0x10, REQUEST|ACK
);

const GENL_REQUEST_BODY = '03010000' + '0800 0100' + '05000000'; // GETFAMILY v1, FAMILY_ID as u32 (wrong size)
const ERROR_WITH_EXT_ACK = bytes(
  '4c000000 0200 0002 07000000 39300000' + // NLMSG_ERROR, ACK_TLVS, len 76
    'eaffffff' + // -22
    '1c000000 1000 0500 07000000 00000000' + GENL_REQUEST_BODY + // echoed request, len 28
    '12000100' + ascii('bad family id\0') + '0000' + // NLMSGERR_ATTR_MSG: nla_len 18 = 4 + 14, 2 bytes padding
    '08000200 14000000', // NLMSGERR_ATTR_OFFS = 20 -> the FAMILY_ID attribute
);

const FAMILY_REPLY = bytes(
  '5c000000 1000 0000 03000000 39300000' + // nlctrl reply, len 92
    '01020000' + // CTRL_CMD_NEWFAMILY v2
    '0b000200' + ascii('nlctrl\0') + '00' + // FAMILY_NAME
    '06000100 1000 0000' + // FAMILY_ID 0x10 + 2 pad
    '18000600 14000100 08000100 03000000 08000200 0e000000' + // OPS: entry 1 {OP_ID 3, OP_FLAGS 0xe}
    '1c000700 18000100 0b000100' + ascii('notify\0') + '00 08000200 10000000', // MCAST_GROUPS: entry 1 {"notify", 0x10}
);

describe('decoder output', () => {
  it('an ACK', () => {
    const tree = decodeDatagram(ACK, { kind: 'genl' });
    expect(tree.errorCount).toBe(0);
    expect(formatDecoded(tree)).toMatchInlineSnapshot(`
      "genl decode of 36 byte(s)
      off   bytes        field                                 value
      0000               message 0                             NLMSG_ERROR, 36 bytes, ACK
      0000  24 00 00 00    nlmsg_len                           36
      0004  02 00 00 01    nlmsg_type · nlmsg_flags            NLMSG_ERROR (0x2) · 0x0100 CAPPED
      0008  05 00 00 00    nlmsg_seq                           5
      000c  39 30 00 00    nlmsg_pid                           12345
      0010  00 00 00 00    error                               0 (ACK: success)
      0014                 request                             echoed request header: nlctrl, nlmsg_len 20 (CAPPED: payload not echoed)
      0014  14 00 00 00      nlmsg_len                         20
      0018  10 00 05 00      nlmsg_type · nlmsg_flags          nlctrl (0x10) · 0x0005 REQUEST|ACK
      001c  05 00 00 00      nlmsg_seq                         5
      0020  00 00 00 00      nlmsg_pid                         0"
    `);
  });

  it('an error with extended ACK: errno name, text, OFFS mapped to the echoed attribute', () => {
    const tree = decodeDatagram(ERROR_WITH_EXT_ACK, { kind: 'genl' });
    const text = formatDecoded(tree);
    expect(text).toContain('-22 = -EINVAL (Invalid argument)');
    expect(text).toContain('"bad family id"');
    expect(text).toMatch(/CTRL_ATTR_FAMILY_ID \(1\).*extended ACK \(NLMSGERR_ATTR_OFFS\) points here/);
    expect(text).toMatchInlineSnapshot(`
      "genl decode of 76 byte(s), 1 problem(s) found
      off   bytes        field                                 value
      0000               message 0                             NLMSG_ERROR, 76 bytes, error -22 = -EINVAL (Invalid argument)
      0000  4c 00 00 00    nlmsg_len                           76
      0004  02 00 00 02    nlmsg_type · nlmsg_flags            NLMSG_ERROR (0x2) · 0x0200 ACK_TLVS
      0008  07 00 00 00    nlmsg_seq                           7
      000c  39 30 00 00    nlmsg_pid                           12345
      0010  ea ff ff ff    error                               -22 = -EINVAL (Invalid argument)
      0014                 request                             echoed request header: nlctrl, nlmsg_len 28
      0014  1c 00 00 00      nlmsg_len                         28
      0018  10 00 05 00      nlmsg_type · nlmsg_flags          nlctrl (0x10) · 0x0005 REQUEST|ACK
      001c  07 00 00 00      nlmsg_seq                         7
      0020  00 00 00 00      nlmsg_pid                         0
      0024                 request payload                     12 byte(s) echoed
      0024                   genlmsghdr                        CTRL_CMD_GETFAMILY, version 1
      0024  03 01 00 00        cmd · version · reserved        CTRL_CMD_GETFAMILY (3) · 1 · 0
      0028                   CTRL_ATTR_FAMILY_ID (1)           5 (0x5)  <-- the extended ACK (NLMSGERR_ATTR_OFFS) points here
      0028  08 00 01 00        nla_len · nla_type              8 · 1 CTRL_ATTR_FAMILY_ID
      002c  05 00 00 00        value                           5 (0x5)  <-- ERROR: CTRL_ATTR_FAMILY_ID is u16: its value should be 2 byte(s), it is 4
      0030                 extended ACK                        "bad family id" + NUL
      0030                   NLMSGERR_ATTR_MSG (1)             "bad family id" + NUL
      0030  12 00 01 00        nla_len · nla_type              18 · 1 NLMSGERR_ATTR_MSG
      0034  62 61 64 20        value                           "bad family id" + NUL
      0038  66 61 6d 69
      003c  6c 79 20 69
      0040  64 00
      0042  00 00              (padding)                       2 byte(s)
      0044                   NLMSGERR_ATTR_OFFS (2)            20: points at CTRL_ATTR_FAMILY_ID (1) (datagram offset 40)
      0044  08 00 02 00        nla_len · nla_type              8 · 2 NLMSGERR_ATTR_OFFS
      0048  14 00 00 00        value                           20 (0x14)"
    `);
  });

  it('a GETFAMILY reply with nested ops and groups', () => {
    const tree = decodeDatagram(FAMILY_REPLY, { kind: 'genl' });
    expect(tree.errorCount).toBe(0);
    const [message] = parseMessages(FAMILY_REPLY);
    expect(parseFamilyReply(parseGenlMessage(message!).attributes)).toEqual({
      id: 0x10,
      name: 'nlctrl',
      version: 0,
      hdrSize: 0,
      maxAttr: 0,
      ops: [{ id: 3, flags: 0xe }],
      multicastGroups: [{ name: 'notify', id: 0x10 }],
    });
    expect(formatDecoded(tree)).toMatchInlineSnapshot(`
      "genl decode of 92 byte(s)
      off   bytes        field                                 value
      0000               message 0                             nlctrl, 92 bytes
      0000  5c 00 00 00    nlmsg_len                           92
      0004  10 00 00 00    nlmsg_type · nlmsg_flags            nlctrl (0x10) · 0x0000 (none)
      0008  03 00 00 00    nlmsg_seq                           3
      000c  39 30 00 00    nlmsg_pid                           12345
      0010                 genlmsghdr                          CTRL_CMD_NEWFAMILY, version 2
      0010  01 02 00 00      cmd · version · reserved          CTRL_CMD_NEWFAMILY (1) · 2 · 0
      0014                 CTRL_ATTR_FAMILY_NAME (2)           "nlctrl" + NUL
      0014  0b 00 02 00      nla_len · nla_type                11 · 2 CTRL_ATTR_FAMILY_NAME
      0018  6e 6c 63 74      value                             "nlctrl" + NUL
      001c  72 6c 00
      001f  00               (padding)                         1 byte(s)
      0020                 CTRL_ATTR_FAMILY_ID (1)             16 (0x10)
      0020  06 00 01 00      nla_len · nla_type                6 · 1 CTRL_ATTR_FAMILY_ID
      0024  10 00 00 00      value · (padding)                 16 (0x10) · 2 byte(s)
      0028                 CTRL_ATTR_OPS (6)                   nested, 1 attribute(s)
      0028  18 00 06 00      nla_len · nla_type                24 · 6 CTRL_ATTR_OPS
      002c                   entry 1 (1)                       nested, 2 attribute(s)
      002c  14 00 01 00        nla_len · nla_type              20 · 1 entry 1
      0030                     CTRL_ATTR_OP_ID (1)             3 (0x3)
      0030  08 00 01 00          nla_len · nla_type            8 · 1 CTRL_ATTR_OP_ID
      0034  03 00 00 00          value                         3 (0x3)
      0038                     CTRL_ATTR_OP_FLAGS (2)          14 (0xe)
      0038  08 00 02 00          nla_len · nla_type            8 · 2 CTRL_ATTR_OP_FLAGS
      003c  0e 00 00 00          value                         14 (0xe)
      0040                 CTRL_ATTR_MCAST_GROUPS (7)          nested, 1 attribute(s)
      0040  1c 00 07 00      nla_len · nla_type                28 · 7 CTRL_ATTR_MCAST_GROUPS
      0044                   entry 1 (1)                       nested, 2 attribute(s)
      0044  18 00 01 00        nla_len · nla_type              24 · 1 entry 1
      0048                     CTRL_ATTR_MCAST_GRP_NAME (1)    "notify" + NUL
      0048  0b 00 01 00          nla_len · nla_type            11 · 1 CTRL_ATTR_MCAST_GRP_NAME
      004c  6e 6f 74 69          value                         "notify" + NUL
      0050  66 79 00
      0053  00                   (padding)                     1 byte(s)
      0054                     CTRL_ATTR_MCAST_GRP_ID (2)      16 (0x10)
      0054  08 00 02 00          nla_len · nla_type            8 · 2 CTRL_ATTR_MCAST_GRP_ID
      0058  10 00 00 00          value                         16 (0x10)"
    `);
  });

  it('malformed input: names the broken rule and its offset, still shows every byte', () => {
    const good = '10000000 0100 0500 01000000 00000000';
    const bad = '0a000000 1000 0500 02000000 00000000 deadbeef'; // nlmsg_len 10
    const tree = decodeDatagram(bytes(good + bad), { kind: 'nlmsg' });
    expect(errors(tree.fields)).toEqual([
      '32: nlmsg_len 10 at offset 16 is below 16: nlmsg_len counts the 16-byte header, so nothing after it can be framed',
    ]);
    const text = formatDecoded(tree);
    expect(text).toContain('de ad be ef');
    expect(text).toMatchInlineSnapshot(`
      "nlmsg decode of 36 byte(s), 1 problem(s) found
      off   bytes        field                                 value
      0000               message 0                             NLMSG_NOOP, 16 bytes
      0000  10 00 00 00    nlmsg_len                           16
      0004  01 00 05 00    nlmsg_type · nlmsg_flags            NLMSG_NOOP (0x1) · 0x0005 REQUEST|ACK
      0008  01 00 00 00    nlmsg_seq                           1
      000c  00 00 00 00    nlmsg_pid                           0
      0010               message 1                             type 0x10, nlmsg_len 10
      0010  0a 00 00 00    nlmsg_len                           10
      0014  10 00 05 00    nlmsg_type · nlmsg_flags            type 0x10 (0x10) · 0x0005 REQUEST|ACK
      0018  02 00 00 00    nlmsg_seq                           2
      001c  00 00 00 00    nlmsg_pid                           0
      0020  de ad be ef  malformed                             4 byte(s) not decoded  <-- ERROR: nlmsg_len 10 at offset 16 is below 16: nlmsg_len counts the 16-byte header, so nothing after it can be framed"
    `);

    const attrOverrun = decodeDatagram(bytes('08000100 01000000' + '20000200 4142'), { kind: 'nlattr' });
    expect(errors(attrOverrun.fields)).toEqual(['12: nla_len 32 at offset 8 runs past its container: only 6 byte(s) remain']);
    const tinyAttr = decodeDatagram(bytes('02000100 00000000'), { kind: 'nlattr' });
    expect(errors(tinyAttr.fields)[0]).toMatch(/nla_len 2 at offset 0 is below 4/);
    const shortGenl = decodeDatagram(bytes('13000000 1000 0500 01000000 00000000 030100'), { kind: 'genl' });
    expect(errors(shortGenl.fields)[0]).toMatch(/starts with a 4-byte genlmsghdr/);
    expect(formatDecoded(decodeDatagram(new Uint8Array(0), { kind: 'nlmsg' }))).toContain('(no bytes)');
  });

  it('non-zero padding and non-zero genl reserved are flagged', () => {
    const tree = decodeDatagram(bytes('1c000000 1000 0500 01000000 00000000 0301ffff 05001f00 07ff0000'), { kind: 'genl' });
    expect(errors(tree.fields)).toEqual(['18: genlmsghdr.reserved must be 0', '25: padding bytes must be zero']);
  });

  it('plain TLVs (lesson 3 part A): units, unknown types skipped, overrun reported', () => {
    const name = Buffer.alloc(32);
    name.write('Shivani');
    const id = Buffer.alloc(8);
    id.writeBigUInt64LE(52437n);
    const input = Uint8Array.from([1, 32, ...name, 9, 2, 0xaa, 0xbb, 3, 8, ...id, 3, 9, 1]);
    const tree = decodeDatagram(input, { kind: 'tlv' });
    expect(tree.fields.map((f) => [f.name, f.value])).toEqual([
      ['NAME (1)', '"Shivani"'],
      ['TLV type 9', '2 byte(s)'],
      ['EMP_ID (3)', '52437'],
      ['TLV 3', 'bad length'],
      ['malformed', '1 byte(s) not decoded'],
    ]);
  });

  it('names flags by context', () => {
    expect(describeFlags(0x0305, { type: 0x10 })).toBe('0x0305 REQUEST|ACK|DUMP');
    expect(describeFlags(0x0605, { type: 0x18, requestKind: 'new' })).toBe('0x0605 REQUEST|ACK|EXCL|CREATE');
    expect(describeFlags(0x0300, { type: 2 })).toBe('0x0300 CAPPED|ACK_TLVS');
    expect(describeFlags(0x0401, { type: 0x18 })).toBe('0x0401 REQUEST|0x400(ATOMIC/CREATE)');
    expect(describeFlags(0x0012, { type: 0x10 })).toBe('0x0012 MULTI|DUMP_INTR');
  });

  it('names a known genl family\'s commands and attributes', () => {
    const msg = bytes('20000000 1700 0500 01000000 00000000 01010000 0a000100' + ascii('hello\0') + '0000');
    const text = formatDecoded(
      decodeDatagram(msg, { kind: 'genl', genlFamilies: { 0x17: { name: 'gnl_foobar_xmpl', commands: { 1: 'ECHO_MSG' }, attributes: { 1: { name: 'MSG', type: 'nulString' } } } } }),
    );
    expect(text).toContain('gnl_foobar_xmpl (0x17)');
    expect(text).toContain('ECHO_MSG (1) · 1 · 0');
    expect(text).toMatch(/MSG \(1\)\s+"hello" \+ NUL/);
  });

  it('stays browser-safe: the decoder imports nothing from Node or the socket addon', () => {
    for (const file of ['decode.ts', 'constants.ts', 'errors.ts', 'attributes.ts', 'message.ts']) {
      const source = readFileSync(new URL(`../tools/netlink/${file}`, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/from '(node:|#socket)/);
    }
  });
});
