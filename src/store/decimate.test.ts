// Decimation of chart series: everything up to the cap, then even thinning that keeps the newest
// point, never more than the cap, and the same result however the stream is split into batches.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendDecimated, emptySeries, type Series } from './decimate';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

function feed(batches: number[][], cap: number): Series<number> {
  return batches.reduce((s, b) => appendDecimated(s, b, cap), emptySeries<number>());
}

describe('appendDecimated', () => {
  it('keeps every point up to the cap', () => {
    const s = feed([range(0, 2000)], 2000);
    expect(s.points).toEqual(range(0, 2000));
    expect(s.stride).toBe(1);
    expect(s.seen).toBe(2000);
  });

  it('thins evenly past the cap and keeps the newest point', () => {
    const s = feed([range(0, 2001)], 2000);
    expect(s.stride).toBe(2);
    expect(s.points).toEqual(range(0, 1001).map((i) => 2 * i)); // 0, 2, …, 2000 (newest on grid)
    const t = appendDecimated(s, [2001], 2000);
    expect(t.points.slice(-2)).toEqual([2000, 2001]); // off-grid newest kept as a tail
    expect(t.points).toHaveLength(1002);
    const u = appendDecimated(t, [2002], 2000);
    expect(u.points.slice(-2)).toEqual([2000, 2002]); // the old tail gave way to the new grid point
    expect(u.points).toHaveLength(1002);
  });

  it('returns the same object for an empty batch (stable references for charts)', () => {
    const s = feed([[1, 2, 3]], 10);
    expect(appendDecimated(s, [], 10)).toBe(s);
    const t = appendDecimated(s, [4], 10);
    expect(t).not.toBe(s);
    expect(t.points).not.toBe(s.points);
    expect(s.points).toEqual([1, 2, 3]); // the input is not mutated
  });

  it('rejects a cap below 2', () => {
    expect(() => appendDecimated(emptySeries<number>(), [1], 1)).toThrow(/cap/);
  });

  it('never exceeds the cap, keeps the first and newest points, and is batch-split invariant', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 2, max: 64 }),
        (sizes, cap) => {
          let next = 0;
          const batches = sizes.map((n) => range(next, (next += n)));
          const total = next;
          const split = feed(batches, cap);
          const whole = feed([range(0, total)], cap);
          expect(split.points).toEqual(whole.points);
          expect(split.seen).toBe(total);
          expect(split.points.length).toBeLessThanOrEqual(cap);
          if (total === 0) return;
          expect(split.points[0]).toBe(0);
          expect(split.points[split.points.length - 1]).toBe(total - 1);
          if (total <= cap) expect(split.points).toEqual(range(0, total));
          // Evenly thinned: all but the tail are consecutive multiples of the stride.
          const grid = split.points.filter((p) => p % split.stride === 0);
          expect(grid).toEqual(grid.map((_, j) => j * split.stride));
          expect(split.points.length - grid.length).toBeLessThanOrEqual(1);
          // Not thinned more than needed: one stride less would not fit.
          if (split.stride > 1)
            expect(Math.ceil(total / (split.stride / 2))).toBeGreaterThan(cap - 1);
        },
      ),
    );
  });
});
