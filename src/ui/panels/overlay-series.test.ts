// The overlaid charts' data: one key per run and line kind, smoothing on training lines only, the
// raw line only while smoothing, and a log axis that leaves out values ≤ 0 and says how many.
import { describe, expect, it } from 'vitest';
import type { EvalPoint, TrainPoint } from '../../protocol';
import type { OverlayRun } from '../../store/slices/session';
import { lossOverlay, metricOverlay, termOverlay } from './overlay-series';

const tp = (step: number, loss: number, terms?: Record<string, number>): TrainPoint => ({
  step,
  loss,
  lr: 1e-3,
  gradNorm: 1,
  ...(terms ? { terms } : {}),
});
const ev = (step: number, loss: number, accuracy: number): EvalPoint => ({
  step,
  loss,
  metrics: { accuracy },
  main: accuracy,
});
const run = (key: string, loss: TrainPoint[], evals: EvalPoint[] = []): OverlayRun => ({
  key,
  name: key,
  colour: 'red',
  loss,
  evals,
  visible: true,
});

describe('lossOverlay', () => {
  const a = run('r1', [tp(1, 1), tp(2, 2), tp(3, 3)], [ev(2, 0.5, 0.6)]);
  const b = run('r2', [tp(2, 4)]);

  it('puts each run under its own keys, merged by step', () => {
    expect(lossOverlay([a, b], 0, false).rows).toEqual([
      { step: 1, r1: 1 },
      { step: 2, r1: 2, r1__dev: 0.5, r2: 4 },
      { step: 3, r1: 3 },
    ]);
  });

  it('smooths the training line (debiased EMA), adds the raw one, leaves dev alone', () => {
    const rows = lossOverlay([a], 0.5, false).rows;
    expect(rows.map((r) => r['r1'])).toEqual([1, 1.25 / 0.75, 2.125 / 0.875]);
    expect(rows.map((r) => r['r1__raw'])).toEqual([1, 2, 3]);
    expect(rows[1]!['r1__dev']).toBe(0.5);
  });

  it('on a log axis, hides values ≤ 0 and counts them', () => {
    const c = run('r3', [tp(1, 0), tp(2, 0.05), tp(3, 2)], [ev(3, -1, 0.5)]);
    const d = lossOverlay([c], 0, true);
    expect(d.domain).toEqual([0.01, 10]);
    expect(d.hidden).toBe(2);
    expect(d.rows.map((r) => r['r3'])).toEqual([null, 0.05, 2]);
    expect(d.rows[2]!['r3__dev']).toBeNull();
    // linear: nothing hidden, no domain
    expect(lossOverlay([c], 0, false)).toMatchObject({ domain: null, hidden: 0 });
  });
});

describe('termOverlay', () => {
  it('draws only the runs that report the term', () => {
    const a = run('r1', [tp(1, 1, { kd: 0.5 }), tp(2, 1, { kd: 0.25 })]);
    const b = run('r2', [tp(1, 1)]);
    const d = termOverlay([a, b], 'kd', 0, false);
    expect(d.runs.map((r) => r.key)).toEqual(['r1']);
    expect(d.rows).toEqual([
      { step: 1, r1: 0.5 },
      { step: 2, r1: 0.25 },
    ]);
  });
});

describe('metricOverlay', () => {
  it('one key per run and metric', () => {
    const a = run('r1', [], [ev(10, 0.5, 0.6), ev(20, 0.4, 0.7)]);
    const b = run('r2', [], [ev(10, 0.5, 0.5)]);
    expect(metricOverlay([a, b], ['accuracy'])).toEqual([
      { step: 10, r1__accuracy: 0.6, r2__accuracy: 0.5 },
      { step: 20, r1__accuracy: 0.7 },
    ]);
  });
});
