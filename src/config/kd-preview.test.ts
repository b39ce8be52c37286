// The schedule preview worked by hand: Annealing-KD's defaults over 130 steps (Φ = 0.1 at step 1,
// phases of 100 and 30 steps, a fresh warm-up in phase 2), vanilla KD's constant mix, SWA's flat
// learning rate, the sampling bound, and a clear message for settings a schedule cannot use.
import { describe, expect, it } from 'vitest';
import { kdDefaults } from './kd-methods';
import { sampleSteps, schedulePreview } from './kd-preview';

const TRAIN = { steps: 130, lr: 2e-3, warmup: 0.1 };

describe('schedulePreview', () => {
  it('Annealing-KD defaults: Φ from 1/τ_max, two phases, the learning rate restarts', () => {
    const p = schedulePreview({ method: kdDefaults('annealing') }, TRAIN, 1000);
    expect(p.stages).toEqual([
      { name: 'anneal', start: 1, steps: 100 },
      { name: 'labels', start: 101, steps: 30 },
    ]);
    const at = (step: number) => p.points.find((pt) => pt.step === step)!;
    expect(at(1)['phi']).toBeCloseTo(0.1, 12); // step 1 of τ_max = 10 targets 0.1 × z_T
    expect(at(100)['phi']).toBe(1);
    expect(at(101)['phi']).toBeUndefined();
    expect(at(101)['w_ce']).toBe(1);
    // Warm-up of 10 steps in phase 1 (10% of 100) and 3 in phase 2 (10% of 30), the loop's
    // schedule read at (step − stage start): 0 at each stage's first step.
    expect(at(10)['lr']).toBeCloseTo(0.9, 12);
    expect(at(11)['lr']).toBeCloseTo(1, 12);
    expect(at(101)['lr']).toBe(0);
    expect(at(102)['lr']).toBeCloseTo(1 / 3, 12);
    expect(p.series.map((s) => s.key)).toEqual(['lr', 'phi', 'w_ce', 'w_mse']);
  });

  it('vanilla KD: T and α constant; SWA holds the learning rate from t_swa', () => {
    const p = schedulePreview(
      { method: kdDefaults('vanilla'), swa: { start: 0.5, every: 5, lrScale: 0.25 } },
      TRAIN,
    );
    expect(p.stages).toEqual([{ name: 'train', start: 1, steps: 130 }]);
    expect(p.swaStart).toBe(66);
    for (const pt of p.points) {
      expect(pt['T']).toBe(2);
      expect(pt['w_ce']).toBe(0.5);
      if (pt.step >= 66) expect(pt['lr']).toBe(0.25);
    }
  });

  it('plain training: the label loss alone', () => {
    const p = schedulePreview(undefined, TRAIN);
    expect(p.series.map((s) => s.key)).toEqual(['lr', 'w_ce']);
    expect(p.stages).toHaveLength(1);
  });

  it('says why there is no preview for settings the schedule refuses', () => {
    const bad = { ...kdDefaults('annealing'), phase1Units: 5, tauMax: 10 };
    const p = schedulePreview({ method: bad }, TRAIN);
    expect(p.error).toMatch(/phase-1 units \(5\) ≥ τ_max \(10\)/);
    expect(p.points).toEqual([]);
    expect(schedulePreview(undefined, { ...TRAIN, steps: 0 }).error).toMatch(/at least one step/);
  });

  it('samples at most maxPoints steps plus the stage edges', () => {
    const stages = [
      { name: 'a', start: 1, steps: 7001 },
      { name: 'b', start: 7002, steps: 2999 },
    ];
    const s = sampleSteps(10_000, stages, 9000, 50);
    expect(s.length).toBeLessThanOrEqual(50 + 6);
    expect(s).toEqual(expect.arrayContaining([1, 7001, 7002, 8999, 9000, 10_000]));
    expect([...s].sort((a, b) => a - b)).toEqual(s);
  });
});
