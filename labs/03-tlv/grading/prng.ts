/**
 * A small seeded PRNG (mulberry32) so property tests are deterministic: a
 * failure names its seed and case number and reproduces exactly.
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  nextU32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + (this.nextU32() % (max - min + 1));
  }

  chance(p: number): boolean {
    return this.nextU32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(0, 255));
  }

  /** Printable ASCII without spaces, `min..max` characters. */
  word(min: number, max: number): string {
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789.-_';
    return Array.from({ length: this.int(min, max) }, () => this.pick([...chars])).join('');
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
