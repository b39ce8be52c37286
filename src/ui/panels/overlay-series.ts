// What the overlaid charts draw (pure): for each visible run, its training-loss (or loss-term) line
// smoothed with the session's EMA weight, the raw line faintly behind it when smoothing is on, and
// its dev line; all merged into one row per step (recharts' shared tooltip reads one row), with
// the log axis's domain and how many values a log axis cannot draw.
import type { MetricName } from '../../data';
import type { EvalPoint, TrainPoint } from '../../protocol';
import type { OverlayRun } from '../../store/slices/session';
import {
  emaSmooth,
  logDomain,
  logSafe,
  mergeByStep,
  type OverlayLine,
  type OverlayRow,
} from '../../store/smoothing';

/** The data keys of one run's lines. */
export const lineKey = {
  main: (run: string) => run,
  raw: (run: string) => `${run}__raw`,
  dev: (run: string) => `${run}__dev`,
  metric: (run: string, metric: string) => `${run}__${metric}`,
};

export interface OverlayData {
  rows: OverlayRow[];
  /** Log scale only: the y-domain (null: nothing positive to draw). */
  domain: [number, number] | null;
  /** Log scale only: values ≤ 0 left out. */
  hidden: number;
}

function finish(lines: OverlayLine[], logScale: boolean): OverlayData {
  if (!logScale) return { rows: mergeByStep(lines), domain: null, hidden: 0 };
  const { domain, hidden } = logDomain(lines.flatMap((l) => l.points.map((p) => p.value)));
  const safe = lines.map((l) => ({
    key: l.key,
    points: l.points.map((p) => ({ step: p.step, value: logSafe(p.value) })),
  }));
  return { rows: mergeByStep(safe), domain, hidden };
}

/** A series of values from points, smoothed (smoothing > 0) or as it is. */
function smoothed<T extends { step: number }>(
  points: readonly T[],
  value: (p: T) => number | null,
  smoothing: number,
): { step: number; value: number | null }[] {
  const ys = emaSmooth(
    points.map((p) => value(p)),
    smoothing,
  );
  return points.map((p, i) => ({ step: p.step, value: ys[i] ?? null }));
}

/** Training loss (smoothed, plus raw when smoothing) and dev loss of every run. */
export function lossOverlay(
  runs: readonly OverlayRun[],
  smoothing: number,
  logScale: boolean,
): OverlayData {
  const lines: OverlayLine[] = [];
  for (const r of runs) {
    const loss = (p: TrainPoint) => p.loss;
    lines.push({ key: lineKey.main(r.key), points: smoothed(r.loss, loss, smoothing) });
    if (smoothing > 0) lines.push({ key: lineKey.raw(r.key), points: smoothed(r.loss, loss, 0) });
    if (r.evals.length > 0)
      lines.push({
        key: lineKey.dev(r.key),
        points: r.evals.map((e: EvalPoint) => ({ step: e.step, value: e.loss })),
      });
  }
  return finish(lines, logScale);
}

/** One loss term (`ce`, `kd`, `phi`, …) of every run that reports it. */
export function termOverlay(
  runs: readonly OverlayRun[],
  term: string,
  smoothing: number,
  logScale: boolean,
): OverlayData & { runs: OverlayRun[] } {
  const lines: OverlayLine[] = [];
  const having: OverlayRun[] = [];
  const value = (p: TrainPoint) => p.terms?.[term] ?? null;
  for (const r of runs) {
    if (!r.loss.some((p) => p.terms?.[term] !== undefined)) continue;
    having.push(r);
    lines.push({ key: lineKey.main(r.key), points: smoothed(r.loss, value, smoothing) });
    if (smoothing > 0) lines.push({ key: lineKey.raw(r.key), points: smoothed(r.loss, value, 0) });
  }
  return { ...finish(lines, logScale), runs: having };
}

/** Dev metrics of every run, one line per run and metric (never smoothed, always linear). */
export function metricOverlay(
  runs: readonly OverlayRun[],
  names: readonly MetricName[],
): OverlayRow[] {
  const lines: OverlayLine[] = [];
  for (const r of runs) {
    for (const m of names) {
      lines.push({
        key: lineKey.metric(r.key, m),
        points: r.evals.map((e) => ({ step: e.step, value: e.metrics[m] ?? null })),
      });
    }
  }
  return mergeByStep(lines);
}
