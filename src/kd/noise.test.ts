// Label-noise injection: the flip rate lies in the binomial confidence interval, flipped labels
// always differ from the original, flips are uniform over the other classes (or pair flips for
// class-conditional noise), dev is untouched and everything repeats per seed.
import { describe, expect, it } from 'vitest';
import type { TaskData } from '../data/types';
import { makeRng } from '../util/rng';
import { applyLabelNoise } from './noise';

function task(n: number, C: number): TaskData {
  const rng = makeRng(9);
  const make = (k: number) =>
    Array.from({ length: k }, (_, i) => ({ a: `s${i}`, label: rng.int(C) }));
  return {
    spec: {
      id: 't',
      name: 'T',
      kind: 'classification',
      numLabels: C,
      labelNames: Array.from({ length: C }, (_, c) => `c${c}`),
      pair: false,
      metrics: ['accuracy'],
      mainMetric: 'accuracy',
    },
    train: make(n),
    dev: make(50),
    source: 'test',
  };
}

/** |k − n·p| ≤ 4σ with σ = √(n·p·(1 − p)): fails by chance about once in 16,000 runs. */
function inBinomialCi(k: number, n: number, p: number): boolean {
  return Math.abs(k - n * p) <= 4 * Math.sqrt(n * p * (1 - p));
}

describe('applyLabelNoise', () => {
  const data = task(6000, 3);

  it.each([
    ['uniform', 0.1],
    ['uniform', 0.4],
    ['class-conditional', 0.25],
  ] as const)(
    '%s at rate %f: flip count within the binomial CI, never the same label',
    (kind, rate) => {
      const { data: noisy, flipped } = applyLabelNoise(data, { kind, rate, seed: 4 });
      let k = 0;
      noisy.train.forEach((ex, i) => {
        const changed = ex.label !== data.train[i]!.label;
        expect(changed).toBe(flipped[i] === 1);
        if (changed) k++;
        expect(ex.a).toBe(data.train[i]!.a);
      });
      expect(inBinomialCi(k, 6000, rate)).toBe(true);
      expect(noisy.dev).toBe(data.dev);
    },
  );

  it('uniform flips spread evenly over the other classes', () => {
    const { data: noisy } = applyLabelNoise(data, { kind: 'uniform', rate: 0.5, seed: 1 });
    // Of the flips away from class 0, each of classes 1 and 2 should get half: Binomial(m, 1/2).
    const targets = noisy.train.filter((ex, i) => data.train[i]!.label === 0 && ex.label !== 0);
    const to1 = targets.filter((ex) => ex.label === 1).length;
    expect(targets.length).toBeGreaterThan(500);
    expect(inBinomialCi(to1, targets.length, 0.5)).toBe(true);
  });

  it('class-conditional noise flips c to (c + 1) mod C only', () => {
    const { data: noisy } = applyLabelNoise(data, {
      kind: 'class-conditional',
      rate: 0.3,
      seed: 2,
    });
    noisy.train.forEach((ex, i) => {
      const y = data.train[i]!.label;
      if (ex.label !== y) expect(ex.label).toBe((y + 1) % 3);
    });
  });

  it('rate 0 changes nothing; the same seed repeats, another differs', () => {
    expect(applyLabelNoise(data, { kind: 'uniform', rate: 0, seed: 3 }).data).toBe(data);
    const a = applyLabelNoise(data, { kind: 'uniform', rate: 0.2, seed: 3 }).flipped;
    expect(applyLabelNoise(data, { kind: 'uniform', rate: 0.2, seed: 3 }).flipped).toEqual(a);
    expect(applyLabelNoise(data, { kind: 'uniform', rate: 0.2, seed: 4 }).flipped).not.toEqual(a);
  });

  it('refuses regression tasks', () => {
    const reg: TaskData = { ...data, spec: { ...data.spec, kind: 'regression', numLabels: 1 } };
    expect(() => applyLabelNoise(reg, { kind: 'uniform', rate: 0.1, seed: 1 })).toThrow(
      /regression/,
    );
  });
});
