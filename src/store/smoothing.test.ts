// Smoothing and log-scale helpers, against values worked by hand.
import { describe, expect, it } from 'vitest';
import { clampSmoothing, emaSmooth, logDomain, logSafe, logTicks, mergeByStep } from './smoothing';

describe('emaSmooth', () => {
  it('is the identity at weight 0', () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('debiases from the first value (w = 0.5 on 1, 2, 3)', () => {
    // last: 0.5, 1.25, 2.125; divided by 1 − 0.5ⁿ: 0.5, 0.75, 0.875.
    const s = emaSmooth([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(1.25 / 0.75, 12); // 1.666…
    expect(s[2]).toBeCloseTo(2.125 / 0.875, 12); // 2.428571…
  });

  it('keeps a constant series constant at any weight (no pull towards zero)', () => {
    for (const w of [0.1, 0.6, 0.9, 0.99]) {
      for (const v of emaSmooth([2, 2, 2, 2, 2], w)) expect(v).toBeCloseTo(2, 10);
    }
  });

  it('w = 0.9 on 10, 0: the second value is 10·0.09/0.19', () => {
    // last: 1, then 0.9; debias 0.1 then 0.19.
    const [a, b] = emaSmooth([10, 0], 0.9);
    expect(a).toBeCloseTo(10, 12);
    expect(b).toBeCloseTo(0.9 / 0.19, 12); // 4.7368…
  });

  it('passes nulls and non-finite values through without advancing the average', () => {
    const s = emaSmooth([1, null, NaN, 2], 0.5);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeNaN();
    expect(s[3]).toBeCloseTo(1.25 / 0.75, 12); // as if [1, 2]
  });

  it('clamps the weight to [0, 0.99]', () => {
    expect(clampSmoothing(-1)).toBe(0);
    expect(clampSmoothing(Number.NaN)).toBe(0);
    expect(clampSmoothing(1)).toBe(0.99);
    expect(clampSmoothing(0.6)).toBe(0.6);
    // weight 1 would freeze the line at 0/0: it is 0.99 instead
    expect(emaSmooth([1, 3], 1)[1]).toBeCloseTo((0.99 * 0.01 + 0.01 * 3) / (1 - 0.99 ** 2), 12);
  });
});

describe('log scale helpers', () => {
  it('logSafe keeps positive finite values only', () => {
    expect(logSafe(0.5)).toBe(0.5);
    expect(logSafe(0)).toBeNull();
    expect(logSafe(-1)).toBeNull();
    expect(logSafe(null)).toBeNull();
    expect(logSafe(Infinity)).toBeNull();
  });

  it('logDomain spans whole decades and counts what it hides', () => {
    expect(logDomain([0.03, 2.1, 0, -4, null])).toEqual({ domain: [0.01, 10], hidden: 2 });
    expect(logDomain([0.5, 0.7])).toEqual({ domain: [0.1, 1], hidden: 0 });
  });

  it('logDomain never collapses, and is null with nothing positive', () => {
    expect(logDomain([1, 1])).toEqual({ domain: [1, 10], hidden: 0 });
    expect(logDomain([100])).toEqual({ domain: [100, 1000], hidden: 0 });
    expect(logDomain([0, -1])).toEqual({ domain: null, hidden: 2 });
    expect(logDomain([])).toEqual({ domain: null, hidden: 0 });
  });
});

describe('logTicks', () => {
  it('lists decades, with 2× and 5× over a short range', () => {
    expect(logTicks([0.01, 10])).toEqual([0.01, 0.1, 1, 10]);
    expect(logTicks([0.1, 10])).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
    expect(logTicks([1, 10])).toEqual([1, 2, 5, 10]);
    expect(logTicks([1, 1])).toEqual([]);
  });
});

describe('mergeByStep', () => {
  it('puts every line’s value at its step, rows sorted by step', () => {
    const rows = mergeByStep([
      {
        key: 'a',
        points: [
          { step: 1, value: 3 },
          { step: 3, value: 2 },
        ],
      },
      {
        key: 'b',
        points: [
          { step: 2, value: 5 },
          { step: 3, value: null },
        ],
      },
    ]);
    expect(rows).toEqual([
      { step: 1, a: 3 },
      { step: 2, b: 5 },
      { step: 3, a: 2, b: null },
    ]);
  });

  it('is empty for no lines', () => {
    expect(mergeByStep([])).toEqual([]);
  });
});
