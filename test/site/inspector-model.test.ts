import { decodeDatagram } from '#netlink/decode.ts';
import { describe, expect, it } from 'vitest';
import { byteOwners, flatten, inspect, interpretBytes, parseHex, renderDecoded } from '../../site/src/widgets/inspector-model.ts';

const GREET = '14000000 1000 0500 07000000 92100000 41646100';

describe('parseHex', () => {
  it('accepts spacing, 0x and \\x prefixes, separators and # comments', () => {
    expect(Array.from(parseHex('0x14 \\x00:00,00 # len\n10-00').bytes)).toEqual([0x14, 0, 0, 0, 0x10, 0]);
  });
  it('explains odd digits, non-hex and empty input', () => {
    expect(parseHex('123').problem).toMatch(/odd number/);
    expect(parseHex('zz').problem).toMatch(/“z” is not a hex digit/);
    expect(parseHex('  ').problem).toMatch(/Paste the bytes/);
  });
});

describe('inspect with the course decoder', () => {
  it('decodes the greeting into named header fields with byte ranges', () => {
    const d = inspect(GREET, decodeDatagram, { kind: 'nlmsg', messageTypes: { 16: 'HELLO_MSG_GREET' } });
    expect(d.problems).toEqual([]);
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    expect(byName.get('nlmsg_len')).toMatchObject({ offset: 0, length: 4, value: '20' });
    expect(byName.get('nlmsg_type')?.value).toMatch(/HELLO_MSG_GREET/);
    expect(byName.get('nlmsg_flags')?.value).toMatch(/REQUEST\|ACK/);
    expect(byName.get('nlmsg_pid')).toMatchObject({ offset: 12, value: '4242' });
    const html = renderDecoded(d);
    expect(html.match(/class="nlw-i-row"/g)).toHaveLength(5);
    expect(html).toContain('data-f="1"');
  });

  it('marks padding bytes and bytes no field covers', () => {
    // An attribute of length 5 (1 value byte) followed by 3 padding bytes.
    const d = inspect('05000100 2a000000', decodeDatagram, { kind: 'nlattr' });
    const owners = byteOwners(d);
    expect(owners.slice(5).every((o) => o.padding)).toBe(true);
    expect(renderDecoded(d)).toContain('nlw-i-padb');
  });

  it('never throws on malformed or hostile input', () => {
    for (const hex of ['40000000 1000 0500 07000000 92100000 41646100', '0300', 'ff'.repeat(64), '00'.repeat(16), '0400 0180 0400 0180']) {
      for (const kind of ['nlmsg', 'genl', 'nlattr', 'tlv', 'hex'] as const) {
        const d = inspect(hex, decodeDatagram, { kind });
        expect(() => renderDecoded(d)).not.toThrow();
      }
    }
    const truncated = inspect('40000000 1000 0500 07000000 92100000 41646100', decodeDatagram, { kind: 'nlmsg' });
    expect(truncated.fields.some((f) => f.error)).toBe(true);
  });

  it('survives a decoder that throws or returns garbage', () => {
    const thrower = (): never => {
      throw new Error('boom');
    };
    expect(inspect(GREET, thrower, { kind: 'nlmsg' }).problems[0]).toMatch(/decoder stopped: boom/);
    const garbage = flatten({ fields: [null, { offset: 'x' }, { name: 'ok', offset: 0, length: 99, children: 'no' }] }, new Uint8Array(4));
    expect(garbage.fields).toHaveLength(1);
    expect(garbage.fields[0]?.error).toMatch(/only 4/);
    expect(garbage.problems.length).toBe(2);
  });

  it('escapes everything it renders', () => {
    const html = renderDecoded(flatten({ fields: [{ name: '<img src=x>', offset: 0, length: 1, value: '"><script>' }] }, new Uint8Array([0x3c])));
    expect(html).not.toMatch(/<img|<script/);
  });
});

describe('interpretBytes', () => {
  it('reads a 4-byte field as little and big endian', () => {
    expect(interpretBytes(new Uint8Array([0x14, 0, 0, 0]))).toBe('4 bytes: 14 00 00 00 · u32 le 20 · be 335544320 · s32 le 20');
  });
});
