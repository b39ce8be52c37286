import { describe, expect, it } from 'vitest';
import { buildSchedule } from './schedule';

describe('schedules', () => {
  it('warmupLinear: 0 at start, peak after warm-up, 0 at the end and beyond', () => {
    const s = buildSchedule({ kind: 'warmupLinear', peak: 1e-3, warmup: 10, total: 110 });
    expect(s(0)).toBe(0);
    expect(s(5)).toBeCloseTo(5e-4, 12);
    expect(s(10)).toBeCloseTo(1e-3, 12);
    expect(s(60)).toBeCloseTo(5e-4, 12);
    expect(s(110)).toBe(0);
    expect(s(1100)).toBe(0);
    for (let t = 10; t < 110; t++) expect(s(t + 1)).toBeLessThanOrEqual(s(t));
  });

  it('warmupLinear without warm-up starts at the peak', () => {
    const s = buildSchedule({ kind: 'warmupLinear', peak: 2, warmup: 0, total: 4 });
    expect([0, 1, 2, 3, 4].map(s)).toEqual([2, 1.5, 1, 0.5, 0]);
  });

  it('linear and constant', () => {
    const s = buildSchedule({ kind: 'linear', from: 1, to: 3, steps: 4, begin: 2 });
    expect([0, 2, 4, 6, 100].map(s)).toEqual([1, 1, 2, 3, 3]);
    expect(buildSchedule({ kind: 'constant', value: 7 })(123)).toBe(7);
    expect(buildSchedule({ kind: 'linear', from: 1, to: 3, steps: 0 })(0)).toBe(3);
  });

  it('warmupCosine reaches the floor', () => {
    const s = buildSchedule({ kind: 'warmupCosine', peak: 1, warmup: 2, total: 12, floor: 0.1 });
    expect(s(2)).toBeCloseTo(1, 12);
    expect(s(7)).toBeCloseTo(0.55, 12);
    expect(s(12)).toBeCloseTo(0.1, 12);
    expect(s(50)).toBeCloseTo(0.1, 12);
  });

  it('join restarts each part at its boundary', () => {
    const s = buildSchedule({
      kind: 'join',
      parts: [
        { kind: 'constant', value: 5 },
        { kind: 'linear', from: 0, to: 1, steps: 10 },
      ],
      boundaries: [3],
    });
    expect([0, 2, 3, 8, 13, 30].map(s)).toEqual([5, 5, 0, 0.5, 1, 1]);
    expect(() => buildSchedule({ kind: 'join', parts: [], boundaries: [1] })).toThrow(
      /one more part/,
    );
  });
});
