// Chart helpers for overlaid runs (pure, table-tested): TensorBoard's debiased exponential moving
// average for the smoothing slider, what a log-scale axis can draw (positive values only, and a
// domain of whole decades), and the merge of several runs' points into one row per step, which is
// the shape recharts' shared tooltip needs to show every run's value at the hovered step.

/** The smoothing slider's range: 0 (raw) to 0.99, as TensorBoard's. */
export const SMOOTHING_MAX = 0.99;

/** A smoothing weight clamped to [0, SMOOTHING_MAX]; NaN becomes 0. */
export function clampSmoothing(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) return 0;
  return Math.min(weight, SMOOTHING_MAX);
}

/**
 * Exponential moving average with TensorBoard's debiasing: with weight w,
 * `last = w·last + (1 − w)·y` starting from `last = 0`, and the n-th value divided by `1 − wⁿ`
 * (n counts the finite values seen so far), so the first smoothed value is the first raw value
 * instead of being pulled towards zero. Null and non-finite values pass through unchanged and do
 * not advance the average (a term a run reports only in some stages leaves a gap, not a dip).
 * Weight 0 returns the values as they are.
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = clampSmoothing(weight);
  if (w === 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    last = last * w + (1 - w) * y;
    n += 1;
    return last / (1 - w ** n);
  });
}

/** A value a log axis can draw: positive finite values as they are, anything else null. */
export function logSafe(v: number | null): number | null {
  return v !== null && Number.isFinite(v) && v > 0 ? v : null;
}

/** The y-domain of a log axis over `values`, and how many values it cannot draw. */
export interface LogDomain {
  /** Whole decades around the positive values, or null when there is none to draw. */
  domain: [number, number] | null;
  /** Finite values ≤ 0: hidden on the log scale (the chart says how many). */
  hidden: number;
}

/**
 * The decades that hold every positive value (e.g. 0.03..2.1 → [0.01, 10]); a domain never
 * collapses to one point (a single decade boundary value v gives [v, 10v]).
 */
export function logDomain(values: Iterable<number | null>): LogDomain {
  let lo = Infinity;
  let hi = -Infinity;
  let hidden = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v <= 0) {
      hidden += 1;
      continue;
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return { domain: null, hidden };
  const a = 10 ** Math.floor(Math.log10(lo));
  let b = 10 ** Math.ceil(Math.log10(hi));
  if (b <= a) b = a * 10;
  return { domain: [a, b], hidden };
}

/** One line of an overlay: its key and its (step, value) points in step order. */
export interface OverlayLine {
  key: string;
  points: readonly { step: number; value: number | null }[];
}

/** One row of the merged chart data: the step and each line's value at it (absent if none). */
export type OverlayRow = { step: number } & Record<string, number | null>;

/**
 * Merges lines into rows sorted by step, one row per step any line has; a line without a point at
 * a step has no key in that row (recharts' connectNulls joins across it). A later point of the
 * same line at the same step wins.
 */
export function mergeByStep(lines: readonly OverlayLine[]): OverlayRow[] {
  const rows = new Map<number, OverlayRow>();
  for (const line of lines) {
    for (const p of line.points) {
      let row = rows.get(p.step);
      if (!row) {
        row = { step: p.step } as OverlayRow;
        rows.set(p.step, row);
      }
      row[line.key] = p.value;
    }
  }
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

/**
 * Tick values for a log axis over `domain` (whole decades): every decade, and 2× and 5× within
 * each when the domain spans at most two decades (so a short range still has a few labels).
 */
export function logTicks(domain: readonly [number, number]): number[] {
  const [lo, hi] = domain;
  if (!(lo > 0) || !(hi > lo)) return [];
  const first = Math.round(Math.log10(lo));
  const last = Math.round(Math.log10(hi));
  const fine = last - first <= 2;
  const out: number[] = [];
  for (let e = first; e <= last; e++) {
    const d = 10 ** e;
    out.push(d);
    if (fine && e < last) out.push(2 * d, 5 * d);
  }
  // 10 ** e is exact only for e ≥ 0; round the negative decades' floating-point noise away.
  return out.map((v) => Number(v.toPrecision(12)));
}
