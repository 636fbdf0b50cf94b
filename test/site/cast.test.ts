import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { castSnapshot, parseCast } from '../../site/src/widgets/cast.ts';

const fixture = readFileSync(new URL('./fixtures/lessons/casts/90-fixture.cast', import.meta.url), 'utf8');

describe('casts', () => {
  it('parses an asciicast v2 recording', () => {
    const cast = parseCast(fixture, 'fixture');
    expect(cast.header).toMatchObject({ version: 2, width: 72, height: 12 });
    expect(cast.output.length).toBe(7);
    expect(cast.duration).toBeCloseTo(2.05);
  });

  it('rejects what is not asciicast v2, saying where', () => {
    expect(() => parseCast('', 'a.cast')).toThrow(/a\.cast is empty/);
    expect(() => parseCast('{"version":1}', 'a.cast')).toThrow(/asciicast v2/);
    expect(() => parseCast('{"version":2,"width":80,"height":24}\n[1,"o"]', 'a.cast')).toThrow(/a\.cast:2: event must be/);
  });

  it('renders the final screen as escaped HTML with colour classes', async () => {
    const { html, text } = await castSnapshot(parseCast(fixture));
    expect(text).toContain('Score: 5/7 fixture-replay-finished');
    expect(text.split('\n')).toHaveLength(7);
    expect(html).toContain('<span class="f2">✔</span>');
    expect(html).toContain('&lt;got nothing&gt;');
    expect(html).toContain('<span class="b">Score: 5/7</span>');
  });

  it('keeps only the screen a program leaves (cursor movement, clears)', async () => {
    const cast = parseCast('{"version":2,"width":20,"height":3}\n[0,"o","first\\r\\n"]\n[0.1,"o","\\u001b[2J\\u001b[Hsecond"]\n');
    expect((await castSnapshot(cast)).text).toContain('second');
  });
});

describe('a real grader recording (tools/grader --record)', () => {
  it('snapshots the whole run, colours as classes', async () => {
    const text = readFileSync(new URL('./fixtures/lessons/casts/01-hello-solution.cast', import.meta.url), 'utf8');
    const cast = parseCast(text, '01-hello-solution.cast');
    expect(cast.header).toMatchObject({ version: 2, width: 100, height: 40 });
    const snap = await castSnapshot(cast);
    expect(snap.text).toMatch(/Score: 51\/51/);
    expect(snap.text.split('\n')[0]).toMatch(/^Lab 1: Hello, netlink/);
    expect(snap.html).toContain('<span class="b f2">Score: 51/51</span>');
  });
});
