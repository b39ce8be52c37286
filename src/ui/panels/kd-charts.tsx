// KD additions to the live charts: one small chart per named loss term (TrainPoint.terms: ce, kd,
// mse, the schedule values a method reports), overlaying every visible run that reports it, and
// phase markers (a dashed ReferenceLine where the current run's next stage starts, from
// RunPrepared.kd.stages), shared by every chart.
import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useApp } from '../../store';
import type { OverlayRun } from '../../store/slices/session';
import { lossAxisProps, LogNote, runLines, stepLabel, tooltipFormatter } from './chart-parts';
import { stageMarkers, termNames, type StageMarker } from './kd-series';
import { termOverlay } from './overlay-series';

export { stageMarkers, termNames, type StageMarker };

const NO_STAGES: readonly { name: string; steps: number }[] = [];

/**
 * The current run's stage markers. The selector returns the stages array itself (one reference per
 * `prepared` message) and the markers are derived from it: a selector that built new marker objects
 * would hand zustand a new snapshot on every read, an endless re-render.
 */
export function useStageMarkers(): StageMarker[] {
  const stages = useApp((s) => s.run.prepared?.kd?.stages ?? NO_STAGES);
  return useMemo(() => stageMarkers(stages), [stages]);
}

/**
 * Phase markers as chart children. A function, not a component: recharts reads its children's
 * element types, so the ReferenceLines must be direct children of the chart.
 */
export function markerLines(markers: readonly StageMarker[]) {
  return markers.map((m) => (
    <ReferenceLine
      key={`stage-${m.step}`}
      x={m.step}
      stroke="var(--muted)"
      strokeDasharray="4 3"
      className="stage-marker"
      label={{ value: m.name, position: 'insideTopLeft', fontSize: 11, fill: 'var(--text)' }}
    />
  ));
}

const TERM_HEIGHT = 130;

const TermChart = memo(function TermChart({
  name,
  runs,
  smoothing,
  logScale,
  markers,
}: {
  name: string;
  runs: readonly OverlayRun[];
  smoothing: number;
  logScale: boolean;
  markers: readonly StageMarker[];
}) {
  const data = useMemo(
    () => termOverlay(runs, name, smoothing, logScale),
    [runs, name, smoothing, logScale],
  );
  return (
    <figure className="term-chart" data-testid={`chart.term.${name}`}>
      <figcaption>{name}</figcaption>
      <ResponsiveContainer width="100%" height={TERM_HEIGHT}>
        <LineChart data={data.rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            allowDecimals={false}
            tick={{ fontSize: 10 }}
          />
          <YAxis {...lossAxisProps(data, logScale, 44)} tick={{ fontSize: 10 }} />
          <Tooltip formatter={tooltipFormatter} labelFormatter={stepLabel} />
          {markerLines(markers)}
          {data.runs.flatMap((r) => runLines(r, smoothing))}
        </LineChart>
      </ResponsiveContainer>
      <LogNote data={data} logScale={logScale} />
    </figure>
  );
});

/**
 * One small chart per loss term, when a visible run's loss has terms (KD runs): each chart
 * overlays the runs that report that term.
 */
export function TermCharts({
  runs,
  smoothing,
  logScale,
}: {
  runs: readonly OverlayRun[];
  smoothing: number;
  logScale: boolean;
}) {
  const key = runs.map((r) => termNames(r.loss).join(',')).join(';');
  // Term names in first-seen order over the runs; a stable array while the set stays the same.
  const names = useMemo(() => [...new Set(key.split(/[;,]/).filter((n) => n !== ''))], [key]);
  const markers = useStageMarkers();
  if (names.length === 0) return null;
  return (
    <div className="term-charts" data-testid="chart.terms">
      {names.map((n) => (
        <TermChart
          key={n}
          name={n}
          runs={runs}
          smoothing={smoothing}
          logScale={logScale}
          markers={markers}
        />
      ))}
    </div>
  );
}

/** The stages of the run as text under a chart (what the markers mark). */
export function StageLegend() {
  const stages = useApp((s) => s.run.prepared?.kd?.stages ?? NO_STAGES);
  if (stages.length < 2) return null;
  let start = 1;
  const parts = stages.map((s) => {
    const text = `${s.name}: steps ${start}–${start + s.steps - 1}`;
    start += s.steps;
    return text;
  });
  return (
    <p className="muted kd-note" data-testid="chart.stages">
      Stages — {parts.join(' · ')}
    </p>
  );
}
