// The current run's metrics as CSV: the store's series through storage's metricsToCsv, with the
// thinning the chart series applied reported, and file names that are safe on every system.
import { describe, expect, it } from 'vitest';
import type { EvalPoint, TrainPoint } from '../protocol';
import { currentMetricsCsv, slug } from './exports';
import { createAppStore, type AppState } from './index';
import { withBatch } from './slices/metrics';

function train(step: number, extra: Partial<TrainPoint> = {}): TrainPoint {
  return { step, loss: 1 / step, lr: 0.001, gradNorm: 0.5, ...extra };
}

function stateWith(t: TrainPoint[], e: EvalPoint[], cap?: number): AppState {
  const s = createAppStore().getState();
  return {
    ...s,
    run: { ...s.run, runId: 'run-abc-1' },
    config: { ...s.config, config: { ...s.config.config, name: 'Annealing-KD: L2/H64 ×2' } },
    metrics: withBatch(s.metrics, t, e, cap),
  };
}

describe('currentMetricsCsv', () => {
  it('null before any metrics', () => {
    expect(currentMetricsCsv(createAppStore().getState())).toBeNull();
  });

  it('one row per step with loss terms, stage and the dev metrics at evaluation steps', () => {
    const t = [
      train(1, { terms: { kd: 0.7, ce: 0.3 }, stage: 'anneal' }),
      train(2, { terms: { kd: 0.6, ce: 0.2 }, stage: 'anneal' }),
    ];
    const e: EvalPoint[] = [
      { step: 2, loss: 0.4, main: 0.75, metrics: { accuracy: 0.75, f1: 0.7 }, stage: 'anneal' },
    ];
    const out = currentMetricsCsv(stateWith(t, e))!;
    expect(out.fileName).toBe('distillery-annealing-kd-l2-h64-2-run-abc-1-metrics.csv');
    expect(out).toMatchObject({ rows: 2, seen: 2, stride: 1 });
    expect(out.csv.split('\n')).toEqual([
      'step,loss,lr,grad_norm,stage,loss_ce,loss_kd,dev_loss,dev_main,dev_accuracy,dev_f1',
      '1,1,0.001,0.5,anneal,0.3,0.7,,,,',
      '2,0.5,0.001,0.5,anneal,0.2,0.6,0.4,0.75,0.75,0.7',
      '',
    ]);
  });

  it('reports the thinning once the series keeps every k-th step', () => {
    const t = Array.from({ length: 10 }, (_, i) => train(i + 1));
    const out = currentMetricsCsv(stateWith(t, [], 4))!;
    expect(out.seen).toBe(10);
    expect(out.stride).toBeGreaterThan(1);
    expect(out.rows).toBeLessThanOrEqual(4);
    // Rows are the kept steps, in order, ending at the newest.
    const steps = out.csv
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => Number(r.split(',')[0]));
    expect(steps).toHaveLength(out.rows);
    expect(steps.at(-1)).toBe(10);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });
});

describe('slug', () => {
  it('letters, digits and single dashes; accents folded; never empty', () => {
    expect(slug('Training loss')).toBe('training-loss');
    expect(slug('  Dev metrics: F1 / MCC  ')).toBe('dev-metrics-f1-mcc');
    expect(slug('Précision à 8×')).toBe('precision-a-8');
    expect(slug('***')).toBe('untitled');
    expect(slug('a'.repeat(60))).toHaveLength(48);
  });
});
