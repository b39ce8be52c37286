// KD additions to the live charts: one small chart per named loss term of the run (TrainPoint.terms:
// ce, kd, mse, the schedule values a method reports), and phase markers (a dashed ReferenceLine
// where the method's next stage starts, from RunPrepared.kd.stages), shared by every chart.
import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { TrainPoint } from '../../protocol';
import { useApp } from '../../store';
import { formatTick, formatValue } from '../format';
import { stageMarkers, termNames, type StageMarker } from './kd-series';

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

// Stable accessors per term name, so recharts sees the same props between batches.
const accessors = new Map<string, (p: TrainPoint) => number | null>();
function termAccessor(name: string): (p: TrainPoint) => number | null {
  let f = accessors.get(name);
  if (!f) {
    f = (p) => p.terms?.[name] ?? null;
    accessors.set(name, f);
  }
  return f;
}

const TERM_HEIGHT = 130;
const tickFormatter = (v: number): string => formatTick(v);
const tooltipFormatter = (v: unknown): string =>
  typeof v === 'number' ? formatValue(v) : String(v);

const TermChart = memo(function TermChart({
  name,
  index,
  points,
  markers,
}: {
  name: string;
  index: number;
  points: readonly TrainPoint[];
  markers: readonly StageMarker[];
}) {
  return (
    <figure className="term-chart" data-testid={`chart.term.${name}`}>
      <figcaption>{name}</figcaption>
      <ResponsiveContainer width="100%" height={TERM_HEIGHT}>
        <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            allowDecimals={false}
            tick={{ fontSize: 10 }}
          />
          <YAxis tickFormatter={tickFormatter} width={44} tick={{ fontSize: 10 }} />
          <Tooltip formatter={tooltipFormatter} labelFormatter={(s) => `step ${String(s)}`} />
          {markerLines(markers)}
          <Line
            dataKey={termAccessor(name)}
            name={name}
            stroke={`var(--series-${(index % 4) + 1})`}
            dot={false}
            strokeWidth={1.5}
            connectNulls={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

/** One small chart per loss term, when the run's loss has terms (KD runs). */
export function TermCharts() {
  const points = useApp((s) => s.metrics.loss.points);
  const names = useApp(useShallow((s) => termNames(s.metrics.loss.points)));
  const markers = useStageMarkers();
  if (names.length === 0) return null;
  return (
    <div className="term-charts" data-testid="chart.terms">
      {names.map((n, i) => (
        <TermChart key={n} name={n} index={i} points={points} markers={markers} />
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
