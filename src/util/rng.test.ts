import { describe, expect, it } from 'vitest';
import { hash32, makeRng, permutation } from './rng';

describe('rng', () => {
  it('repeats for the same seed and differs for another', () => {
    const a = makeRng(42);
    const b = makeRng(42);
    const c = makeRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('is roughly uniform and normal', () => {
    const r = makeRng(7);
    const n = 20000;
    let sum = 0;
    let sq = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      if (r.next() < 0.25) below++;
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(below / n).toBeGreaterThan(0.24);
    expect(below / n).toBeLessThan(0.26);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(sq / n).toBeGreaterThan(0.95);
    expect(sq / n).toBeLessThan(1.05);
  });

  it('permutation is a permutation and is seeded', () => {
    const p = permutation(100, makeRng(1));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...permutation(100, makeRng(1))]).toEqual([...p]);
  });

  it('hash32 spreads consecutive counters', () => {
    const seen = new Set<number>();
    let ones = 0;
    for (let i = 0; i < 4096; i++) {
      const h = hash32(5, 0, i);
      seen.add(h);
      ones += h & 1;
    }
    expect(seen.size).toBe(4096);
    expect(ones / 4096).toBeGreaterThan(0.45);
    expect(ones / 4096).toBeLessThan(0.55);
  });
});
