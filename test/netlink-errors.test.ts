import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NetlinkError,
  NetlinkParseError,
  errnoByName,
  errnoInfo,
  errnoTable,
  parseDoneMessage,
  parseErrorMessage,
  strerror,
} from '#netlink';

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

describe('errno table', () => {
  it('has the numbers and texts the course relies on', () => {
    const expected: Array<[number, string, string]> = [
      [1, 'EPERM', 'Operation not permitted'],
      [2, 'ENOENT', 'No such file or directory'],
      [3, 'ESRCH', 'No such process'],
      [13, 'EACCES', 'Permission denied'],
      [17, 'EEXIST', 'File exists'],
      [22, 'EINVAL', 'Invalid argument'],
      [34, 'ERANGE', 'Numerical result out of range'],
      [61, 'ENODATA', 'No data available'],
      [71, 'EPROTO', 'Protocol error'],
      [90, 'EMSGSIZE', 'Message too long'],
      [93, 'EPROTONOSUPPORT', 'Protocol not supported'],
      [95, 'EOPNOTSUPP', 'Operation not supported'],
      [100, 'ENETDOWN', 'Network is down'],
      [101, 'ENETUNREACH', 'Network is unreachable'],
      [105, 'ENOBUFS', 'No buffer space available'],
      [133, 'EHWPOISON', 'Memory page has hardware error'],
    ];
    for (const [n, name, text] of expected) {
      expect(errnoInfo(n)).toEqual({ errno: n, name, text });
      expect(errnoInfo(-n).name).toBe(name);
      expect(strerror(n)).toBe(text);
    }
    expect(errnoByName('ENOTSUP')).toBe(95);
    expect(errnoInfo(41)).toEqual({ errno: 41, name: 'E41', text: 'Unknown error 41' });
    // 1..133 except 41 and 58, which Linux leaves unused on x86-64
    expect(errnoTable().map((e) => e.errno)).toEqual(Array.from({ length: 133 }, (_, i) => i + 1).filter((n) => n !== 41 && n !== 58));
  });

  it('matches this machine\'s <errno.h> and glibc strerror()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'errno-'));
    try {
      const lines = errnoTable().map((e) => `  printf("%d\\t%s\\n", ${e.name}, strerror(${e.name}));`);
      writeFileSync(join(dir, 'e.c'), `#include <errno.h>\n#include <stdio.h>\n#include <string.h>\nint main(void)\n{\n${lines.join('\n')}\n  return 0;\n}\n`);
      execFileSync('cc', ['-Wall', '-Werror', '-o', join(dir, 'e'), join(dir, 'e.c')]);
      const out = execFileSync(join(dir, 'e'), { encoding: 'utf8' }).trim().split('\n');
      expect(out).toEqual(errnoTable().map((e) => `${e.errno}\t${e.text}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Request echoed in the error replies below: nlmsg_len 21, type 0x10, flags REQUEST|ACK, seq 7, pid 0x1234, payload "hello"
const REQUEST_HDR = '15000000' + '1000' + '0500' + '07000000' + '34120000';

describe('parseErrorMessage (hand-built NLMSG_ERROR payloads)', () => {
  it('ACK: error 0, CAPPED, only the request header echoed', () => {
    const p = parseErrorMessage(bytes('00000000' + REQUEST_HDR), NLM_F_CAPPED);
    expect(p.error).toBe(0);
    expect(p.capped).toBe(true);
    expect(p.requestPayload).toBeUndefined();
    expect(p.extAck).toBeUndefined();
    expect(p.request).toEqual({ length: 21, type: 0x10, flags: 5, seq: 7, pid: 0x1234 });
  });

  it('not capped, no TLVs: the whole request comes back', () => {
    const p = parseErrorMessage(bytes('eaffffff' + REQUEST_HDR + ascii('hello')), 0);
    expect(p.error).toBe(-22);
    expect(p.capped).toBe(false);
    expect(Buffer.from(p.requestPayload!).toString()).toBe('hello');
    expect(p.extAck).toBeUndefined();
  });

  it('not capped + ACK_TLVS: TLVs start at the 4-byte boundary after the echoed request', () => {
    const payload = bytes(
      'eaffffff' + REQUEST_HDR + ascii('hello') + '000000' + // 4 + 21 = 25 -> TLVs at 28
        '0d000100' + ascii('bad name\0') + '000000' + // NLMSGERR_ATTR_MSG, nla_len 13
        '08000200' + '14000000', // NLMSGERR_ATTR_OFFS = 20
    );
    const p = parseErrorMessage(payload, NLM_F_ACK_TLVS);
    expect(p.error).toBe(-22);
    expect(p.extAck?.message).toBe('bad name');
    expect(p.extAck?.offset).toBe(20);
    expect(p.extAck?.attributes.map((a) => a.offset)).toEqual([28, 44]);
    const err = NetlinkError.fromParsed(p);
    expect(err.errno).toBe(22);
    expect(err.code).toBe('EINVAL');
    expect(err.extAckMessage).toBe('bad name');
    expect(err.extAckOffset).toBe(20);
    expect(err.message).toBe('EINVAL (Invalid argument): bad name (bad attribute at byte 20 of the request)');
  });

  it('CAPPED + ACK_TLVS: TLVs right after the header, whatever nlmsg_len the header claims', () => {
    const payload = bytes(
      'efffffff' + '64000000' + '1000' + '0506' + '08000000' + '00000000' + // request claims 100 bytes
        '0b000100' + ascii('exists\0') + '00' +
        '08000500' + '03000000' + // MISS_TYPE 3
        '08000600' + '18000000' + // MISS_NEST 24
        '08000300' + 'c0ffee00' + // COOKIE
        '18000480' + '08000100' + '05000000' + '0c000400' + '0100000000000000', // POLICY {type 5, minValueU 1}
    );
    const p = parseErrorMessage(payload, NLM_F_CAPPED | NLM_F_ACK_TLVS);
    expect(p.error).toBe(-17);
    expect(p.capped).toBe(true);
    expect(p.request.length).toBe(100);
    expect(p.extAck).toMatchObject({ message: 'exists', missingType: 3, missingNest: 24, policy: { type: 5, minValueU: 1n } });
    expect(Buffer.from(p.extAck!.cookie!).toString('hex')).toBe('c0ffee00');
    expect(NetlinkError.fromParsed(p, 'route add').message).toBe(
      'route add: EEXIST (File exists): exists (missing attribute type 3)',
    );
  });

  it('an ACK carrying a warning TLV keeps error 0 and the text', () => {
    const p = parseErrorMessage(bytes('00000000' + REQUEST_HDR + '09000100' + ascii('warn\0') + '000000'), NLM_F_CAPPED | NLM_F_ACK_TLVS);
    expect(p.error).toBe(0);
    expect(p.extAck?.message).toBe('warn');
  });

  it('rejects payloads shorter than the flags promise', () => {
    const cases: Array<[string, number, string]> = [
      ['eaffffff', 0, 'nlmsgerr-truncated'],
      ['eaffffff' + REQUEST_HDR.slice(0, 24), NLM_F_CAPPED, 'nlmsgerr-truncated'],
      ['eaffffff' + REQUEST_HDR + ascii('hel'), 0, 'nlmsgerr-request-past-end'],
      ['eaffffff' + '08000000' + '1000050007000000' + '00000000', 0, 'nlmsgerr-request-len-below-header'],
      ['eaffffff' + REQUEST_HDR + ascii('hello') + '000000' + '0d000100' + ascii('bad'), NLM_F_ACK_TLVS, 'nla-len-past-end'],
    ];
    for (const [h, flags, rule] of cases) {
      let caught: unknown;
      try {
        parseErrorMessage(bytes(h), flags);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(NetlinkParseError);
      expect((caught as NetlinkParseError).rule).toBe(rule);
    }
  });

  it('NLMSG_DONE: int error and optional TLVs', () => {
    expect(parseDoneMessage(bytes('00000000'), 0)).toEqual({ error: 0 });
    expect(parseDoneMessage(new Uint8Array(0), 0)).toEqual({ error: 0 });
    const d = parseDoneMessage(bytes('f4ffffff' + '0a000100' + ascii('oops\0\0') + '0000'), NLM_F_ACK_TLVS);
    expect(d.error).toBe(-12);
    expect(d.extAck?.message).toBe('oops');
  });
});
