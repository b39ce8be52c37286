// Phase markers sit at the first step of every stage after the first; terms are listed once each,
// in the order they first appear (a stage's terms after the previous stage's).
import { describe, expect, it } from 'vitest';
import { stageMarkers, termNames } from './kd-series';

describe('KD chart helpers', () => {
  it('marks the first step of each later stage', () => {
    expect(stageMarkers([])).toEqual([]);
    expect(stageMarkers([{ name: 'train', steps: 50 }])).toEqual([]);
    expect(
      stageMarkers([
        { name: 'anneal', steps: 13 },
        { name: 'labels', steps: 7 },
        { name: 'extra', steps: 5 },
      ]),
    ).toEqual([
      { step: 14, name: 'labels' },
      { step: 21, name: 'extra' },
    ]);
  });

  it('lists the terms of a run in first-seen order', () => {
    const p = (step: number, terms?: Record<string, number>) => ({
      step,
      loss: 1,
      lr: 0,
      gradNorm: 0,
      ...(terms ? { terms } : {}),
    });
    expect(termNames([p(1), p(2)])).toEqual([]);
    expect(
      termNames([p(1, { mse: 1, phi: 0.5 }), p(2, { mse: 1, phi: 1 }), p(3, { ce: 2 })]),
    ).toEqual(['mse', 'phi', 'ce']);
  });
});
