// What the page exports from the current run, as pure functions of the store: the metrics as CSV
// (through storage's metricsToCsv, the format stored runs export too) and safe file names.
import { metricsToCsv } from '../storage/export';
import type { AppState } from './index';

/** The current run's metrics as a CSV file, and how complete it is. */
export interface MetricsCsv {
  fileName: string;
  csv: string;
  /** Training-loss rows in the file. */
  rows: number;
  /** Training steps the run reported; more than `rows` once the chart series were thinned. */
  seen: number;
  /** The series keeps every `stride`-th step (1: every step). */
  stride: number;
}

/** A file-name-safe slug: lower-case letters, digits and single dashes, at most 48 characters. */
export function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return s === '' ? 'untitled' : s;
}

/**
 * The current run's metrics as CSV (one row per step: train loss, lr, grad norm, stage, loss terms,
 * then dev loss and metrics at evaluation steps). Its rows are the store's series, which keep
 * every step up to 2,000 and every k-th step after that (`stride`). Null before any metrics.
 */
export function currentMetricsCsv(state: AppState): MetricsCsv | null {
  const { loss, evals } = state.metrics;
  if (loss.points.length === 0 && evals.points.length === 0) return null;
  const name = slug(state.config.config.name || 'run');
  const id = state.run.runId ? `-${slug(state.run.runId)}` : '';
  return {
    fileName: `distillery-${name}${id}-metrics.csv`,
    csv: metricsToCsv(loss.points, evals.points),
    rows: loss.points.length,
    seen: loss.seen,
    stride: loss.stride,
  };
}
