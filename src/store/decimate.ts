// Capped, evenly thinned series for live charts (STYLE R16). Every point is kept up to `cap`; past
// that the series keeps every `stride`-th point of the stream (stride doubles as needed) plus the
// newest point, so a line never holds more than `cap` points and always ends at the latest value.

/** A decimated series: what the chart draws, and the bookkeeping to keep thinning it. */
export interface Series<T> {
  /** Displayed points: stream indices 0, stride, 2·stride, … and, if off that grid, the newest. */
  readonly points: readonly T[];
  /** Keep every `stride`-th point of the stream; a power of two, starting at 1. */
  readonly stride: number;
  /** Points seen so far (the stream length), kept or not. */
  readonly seen: number;
}

/** Default cap on points per line (STYLE: charts decimate to a few thousand points). */
export const SERIES_CAP = 2000;

/** An empty series. */
export function emptySeries<T>(): Series<T> {
  return { points: [], stride: 1, seen: 0 };
}

/**
 * Appends `incoming` (the next points of the stream, in order) and thins to at most `cap` points.
 * Pure: returns `series` itself (same reference) when `incoming` is empty, so subscribers do not
 * re-render; otherwise a new object with a new `points` array.
 * Cost: O(points + incoming) per call, which is fine at one call per ~100 ms batch.
 */
export function appendDecimated<T>(
  series: Series<T>,
  incoming: readonly T[],
  cap: number = SERIES_CAP,
): Series<T> {
  if (cap < 2) throw new Error(`appendDecimated: cap must be at least 2, got ${cap}`);
  if (incoming.length === 0) return series;
  let { stride } = series;
  const { seen } = series;
  // Grid points are stream indices that are multiples of `stride`; the last point of `points` is
  // an extra (off-grid) tail exactly when the newest index so far is not on the grid.
  const hadTail = seen > 0 && (seen - 1) % stride !== 0;
  let grid: T[] = hadTail ? series.points.slice(0, -1) : series.points.slice();
  incoming.forEach((point, k) => {
    if ((seen + k) % stride === 0) grid.push(point);
  });
  const lastIndex = seen + incoming.length - 1;
  const tailNeeded = (s: number): number => (lastIndex % s !== 0 ? 1 : 0);
  while (grid.length + tailNeeded(stride) > cap) {
    // The j-th grid point has stream index j·stride, so keeping even j keeps multiples of 2·stride.
    grid = grid.filter((_, j) => j % 2 === 0);
    stride *= 2;
  }
  const newest = incoming[incoming.length - 1];
  if (tailNeeded(stride) === 1 && newest !== undefined) grid.push(newest);
  return { points: grid, stride, seen: lastIndex + 1 };
}
