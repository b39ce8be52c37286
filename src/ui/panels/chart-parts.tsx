// Pieces the overlaid charts share (charts.tsx, kd-charts.tsx): a run's lines, the loss axis
// (linear, or log over whole decades) and the note for values a log axis cannot draw.
import { Line } from 'recharts';
import type { OverlayRun } from '../../store/slices/session';
import { logTicks } from '../../store/smoothing';
import { formatTick, formatValue } from '../format';
import { lineKey, type OverlayData } from './overlay-series';

export const tickFormatter = (v: number): string => formatTick(v);
export const tooltipFormatter = (v: unknown): string =>
  typeof v === 'number' ? formatValue(v) : String(v);
export const stepLabel = (s: unknown): string => `step ${String(s)}`;

/** The y-axis of a loss chart: linear and automatic, or log over whole decades. */
export function lossAxisProps(data: OverlayData, logScale: boolean, width: number) {
  if (logScale && data.domain) {
    return {
      scale: 'log' as const,
      domain: data.domain,
      ticks: logTicks(data.domain),
      allowDataOverflow: true,
      tickFormatter,
      width,
    };
  }
  return { domain: ['auto', 'auto'] as [string, string], tickFormatter, width };
}

/** The note under a log chart when it leaves values out. */
export function LogNote({ data, logScale }: { data: OverlayData; logScale: boolean }) {
  if (!logScale || (data.hidden === 0 && data.domain)) return null;
  const text = !data.domain
    ? 'Nothing positive to draw on a log scale: switch it off to see these values.'
    : `${data.hidden} value${data.hidden === 1 ? '' : 's'} ≤ 0 not drawn on the log scale.`;
  return (
    <p className="muted kd-note" data-testid="chart.log.note">
      {text}
    </p>
  );
}

/**
 * The lines of one run on a step chart: the main (smoothed) line named after the run, the raw line
 * faintly behind it while smoothing, both classed `run-line run-<key>` / `run-raw` so tests and
 * styles find them. A function, not a component: recharts reads its chart's direct children.
 */
export function runLines(run: OverlayRun, smoothing: number, width = 1.5) {
  return [
    smoothing > 0 && (
      <Line
        key={lineKey.raw(run.key)}
        dataKey={lineKey.raw(run.key)}
        name={`${run.name} (raw)`}
        stroke={run.colour}
        strokeOpacity={0.25}
        className={`run-raw run-${run.key}`}
        dot={false}
        strokeWidth={1}
        connectNulls
        legendType="none"
        tooltipType="none"
        isAnimationActive={false}
      />
    ),
    <Line
      key={lineKey.main(run.key)}
      dataKey={lineKey.main(run.key)}
      name={run.name}
      stroke={run.colour}
      className={`run-line run-${run.key}`}
      dot={false}
      strokeWidth={width}
      connectNulls
      isAnimationActive={false}
    />,
  ];
}
