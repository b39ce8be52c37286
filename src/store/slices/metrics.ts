// Metrics slice: the current run's training-loss and dev-eval series, decimated for the charts
// (≤ SERIES_CAP points per line, new array references only when a batch arrives), plus the first
// and latest few losses for the test hook and the summary line.
import type { EvalPoint, TrainPoint } from '../../protocol';
import { appendDecimated, emptySeries, type Series } from '../decimate';

/** Losses kept at the start and at the end of a run, undecimated. */
export const LOSS_WINDOW = 20;

export interface MetricsSlice {
  loss: Series<TrainPoint>;
  evals: Series<EvalPoint>;
  /** The run's first LOSS_WINDOW losses. */
  firstLosses: number[];
  /** The run's latest LOSS_WINDOW losses, oldest first. */
  lastLosses: number[];
}

export const initialMetricsSlice: MetricsSlice = {
  loss: emptySeries(),
  evals: emptySeries(),
  firstLosses: [],
  lastLosses: [],
};

/**
 * Appends one batch from the worker. Unchanged parts keep their references (an eval-less batch
 * leaves `evals` as it was), so a chart subscribed to one series re-renders only when it grows.
 */
export function withBatch(
  m: MetricsSlice,
  train: readonly TrainPoint[],
  evals: readonly EvalPoint[],
  cap?: number,
): MetricsSlice {
  if (train.length === 0 && evals.length === 0) return m;
  const losses = train.map((p) => p.loss);
  return {
    loss: appendDecimated(m.loss, train, cap),
    evals: appendDecimated(m.evals, evals, cap),
    firstLosses:
      m.firstLosses.length >= LOSS_WINDOW
        ? m.firstLosses
        : [...m.firstLosses, ...losses].slice(0, LOSS_WINDOW),
    lastLosses:
      losses.length === 0 ? m.lastLosses : [...m.lastLosses, ...losses].slice(-LOSS_WINDOW),
  };
}
