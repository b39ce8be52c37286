// Metrics against values worked by hand in the comments, including Spearman with ties and the
// documented degenerate cases (zero denominators → 0).
import { describe, expect, it } from 'vitest';
import { glueTask } from './glue';
import { accuracy, averageRanks, computeMetrics, f1, mcc, pearson, spearman } from './metrics';

// pred 1 1 0 0 1 0 1 0
// gold 1 0 0 0 1 1 1 0
// tp = 3 (i0, i4, i6), fp = 1 (i1), fn = 1 (i5), tn = 3 (i2, i3, i7)
const PRED = [1, 1, 0, 0, 1, 0, 1, 0];
const GOLD = [1, 0, 0, 0, 1, 1, 1, 0];

describe('classification metrics', () => {
  it('accuracy = 6 / 8', () => expect(accuracy(PRED, GOLD)).toBe(0.75));

  it('F1 = 2·3 / (2·3 + 1 + 1) = 0.75', () => expect(f1(PRED, GOLD)).toBe(0.75));

  it('binary MCC = (3·3 − 1·1) / √(4·4·4·4) = 8 / 16', () => {
    expect(mcc(PRED, GOLD)).toBeCloseTo(0.5, 12);
  });

  it('multi-class MCC (Gorodkin): c = 3, s = 6, p = t = (2, 2, 2) → (18 − 12) / √(24·24)', () => {
    expect(mcc([0, 1, 2, 0, 1, 2], [0, 1, 2, 1, 2, 0])).toBeCloseTo(0.25, 12);
  });

  it('MCC is 1 for perfect, −1 for inverted binary predictions', () => {
    expect(mcc([0, 1, 1, 0], [0, 1, 1, 0])).toBe(1);
    expect(mcc([1, 0, 0, 1], [0, 1, 1, 0])).toBe(-1);
  });

  it('degenerate cases are 0, not NaN', () => {
    expect(mcc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0); // all predictions one class
    expect(mcc([0, 1, 0, 1], [1, 1, 1, 1])).toBe(0); // all labels one class
    expect(f1([0, 0, 0], [0, 0, 0])).toBe(0); // no positive anywhere
    expect(accuracy([], [])).toBe(0);
    expect(mcc([], [])).toBe(0);
  });

  it('length mismatch throws', () => {
    expect(() => accuracy([1], [1, 0])).toThrow('accuracy: 1 predictions for 2 labels');
  });
});

describe('correlations', () => {
  it('Pearson: x̄ = 2.5, ȳ = 5, Σdxdy = 11, Σdx² = 5, Σdy² = 26 → 11 / √130', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 12);
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(0.9647638, 6);
  });

  it('Pearson of a constant, or of fewer than 2 points, is 0', () => {
    expect(pearson([1, 2, 3], [4, 4, 4])).toBe(0);
    expect(pearson([3], [1])).toBe(0);
  });

  it('average ranks share tied positions', () => {
    // 10 < 20 = 20 = 20 < 30: the three 20s span ranks 2, 3, 4 → 3 each
    expect(Array.from(averageRanks([20, 10, 20, 30, 20]))).toEqual([3, 1, 3, 5, 3]);
  });

  it('Spearman with a tie in x: ranks (1, 2.5, 2.5, 4) vs (1, 3, 2, 4) → 4.5 / √(4.5·5) = 3/√10', () => {
    // rank means 2.5; dx = (−1.5, 0, 0, 1.5), dy = (−1.5, .5, −.5, 1.5)
    // Σdxdy = 2.25 + 2.25 = 4.5; Σdx² = 4.5; Σdy² = 2.25 + .25 + .25 + 2.25 = 5
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(3 / Math.sqrt(10), 12);
  });

  it('Spearman with ties on both sides: −8 / √(8·9.5)', () => {
    // x = (10, 20, 20, 20, 30) → ranks (1, 3, 3, 3, 5)
    // y = (3, 1, 1, 2, 0)      → ranks (5, 2.5, 2.5, 4, 1)
    // means 3; dx = (−2, 0, 0, 0, 2), dy = (2, −.5, −.5, 1, −2)
    // Σdxdy = −4 − 4 = −8; Σdx² = 8; Σdy² = 4 + .25 + .25 + 1 + 4 = 9.5
    expect(spearman([10, 20, 20, 20, 30], [3, 1, 1, 2, 0])).toBeCloseTo(-8 / Math.sqrt(76), 12);
  });

  it('Spearman is 1 for any increasing map, Pearson is not', () => {
    const x = [1, 2, 3, 4, 5];
    const y = x.map((v) => Math.exp(v));
    expect(spearman(x, y)).toBeCloseTo(1, 12);
    expect(pearson(x, y)).toBeLessThan(0.95);
  });
});

describe('computeMetrics', () => {
  it("returns exactly the task's metrics", () => {
    const sst2 = glueTask('sst2')!.spec;
    const mrpc = glueTask('mrpc')!.spec;
    const cola = glueTask('cola')!.spec;
    expect(computeMetrics(sst2, PRED, GOLD)).toEqual({ accuracy: 0.75 });
    expect(computeMetrics(mrpc, PRED, GOLD)).toEqual({ f1: 0.75, accuracy: 0.75 });
    const c = computeMetrics(cola, PRED, GOLD);
    expect(Object.keys(c)).toEqual(['mcc', 'accuracy']);
    expect(c.mcc).toBeCloseTo(0.5, 12);
  });

  it('reads regression predictions as scores', () => {
    const stsb = glueTask('stsb')!.spec;
    const m = computeMetrics(stsb, [1, 2, 3, 4], [2, 4, 5, 9]);
    expect(m.pearson).toBeCloseTo(11 / Math.sqrt(130), 12);
    expect(m.spearman).toBe(1);
  });
});
