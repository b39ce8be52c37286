// Live charts (recharts): training loss with dev loss, and the dev metrics. Each chart subscribes to
// its decimated series only (stable array references between batches) and draws without animation,
// so a batch every ~100 ms costs one cheap re-render.
import { memo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { MetricName } from '../../data';
import type { EvalPoint, TrainPoint } from '../../protocol';
import { useApp } from '../../store';
import { Panel } from '../components/Panel';
import { formatTick, formatValue } from '../format';
import {
  markerLines,
  StageLegend,
  TermCharts,
  useStageMarkers,
  type StageMarker,
} from './kd-charts';

const CHART_HEIGHT = 240;
const METRIC_ORDER: readonly MetricName[] = ['accuracy', 'f1', 'mcc', 'pearson', 'spearman'];
const METRIC_LABEL: Record<MetricName, string> = {
  accuracy: 'accuracy',
  f1: 'F1',
  mcc: 'MCC',
  pearson: 'Pearson r',
  spearman: 'Spearman ρ',
};
// Accessors at module level: stable identities, so recharts does not see new props each render.
const trainLoss = (p: TrainPoint): number => p.loss;
const devLoss = (p: EvalPoint): number => p.loss;
const metricAccessors: Record<MetricName, (p: EvalPoint) => number | null> = {
  accuracy: (p) => p.metrics.accuracy ?? null,
  f1: (p) => p.metrics.f1 ?? null,
  mcc: (p) => p.metrics.mcc ?? null,
  pearson: (p) => p.metrics.pearson ?? null,
  spearman: (p) => p.metrics.spearman ?? null,
};
const tickFormatter = (v: number): string => formatTick(v);
// Metrics live in [0, 1] (accuracy, F1) or [-1, 1] (MCC, correlations): always show 0..1, and
// widen only for values outside it, so a flat line at 1.0 is not drawn mid-chart.
const metricDomain: [(min: number) => number, (max: number) => number] = [
  (min) => Math.min(0, Math.floor(min * 10) / 10),
  (max) => Math.max(1, Math.ceil(max * 10) / 10),
];
const tooltipFormatter = (v: unknown): string =>
  typeof v === 'number' ? formatValue(v) : String(v);

function Empty({ text }: { text: string }) {
  return (
    <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
      {text}
    </div>
  );
}

const LossLines = memo(function LossLines({
  train,
  evals,
  markers,
}: {
  train: readonly TrainPoint[];
  evals: readonly EvalPoint[];
  markers: readonly StageMarker[];
}) {
  return (
    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
      <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
        <YAxis tickFormatter={tickFormatter} width={56} domain={['auto', 'auto']} />
        <Tooltip formatter={tooltipFormatter} labelFormatter={(s) => `step ${String(s)}`} />
        <Legend />
        {markerLines(markers)}
        <Line
          data={train}
          dataKey={trainLoss}
          name="train loss"
          stroke="var(--series-1)"
          dot={false}
          strokeWidth={1.5}
          isAnimationActive={false}
        />
        {evals.length > 0 && (
          <Line
            data={evals}
            dataKey={devLoss}
            name="dev loss"
            stroke="var(--series-2)"
            dot={{ r: 2 }}
            strokeWidth={1.5}
            isAnimationActive={false}
          />
        )}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** Training loss per step, with the dev loss at each evaluation. */
export function LossChart() {
  const train = useApp((s) => s.metrics.loss.points);
  const evals = useApp((s) => s.metrics.evals.points);
  const count = useApp((s) => s.metrics.loss.seen);
  const markers = useStageMarkers();
  return (
    <Panel
      id="chart-loss"
      title="Training loss"
      testId="chart.loss"
      className="chart"
      aside={
        <span className="pill" data-testid="chart.loss.count">
          {count} step{count === 1 ? '' : 's'}
          {train.length < count ? `, ${train.length} drawn` : ''}
        </span>
      }
    >
      {train.length === 0 ? (
        <Empty text="The loss appears here once training starts." />
      ) : (
        <LossLines train={train} evals={evals} markers={markers} />
      )}
      <StageLegend />
      <TermCharts />
    </Panel>
  );
}

const MetricLines = memo(function MetricLines({
  evals,
  names,
  markers,
}: {
  evals: readonly EvalPoint[];
  names: readonly MetricName[];
  markers: readonly StageMarker[];
}) {
  return (
    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
      <LineChart data={evals} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
        <YAxis tickFormatter={tickFormatter} width={56} domain={metricDomain} />
        <Tooltip formatter={tooltipFormatter} labelFormatter={(s) => `step ${String(s)}`} />
        <Legend />
        {markerLines(markers)}
        {names.map((name, i) => (
          <Line
            key={name}
            dataKey={metricAccessors[name]}
            name={`dev ${METRIC_LABEL[name]}`}
            stroke={`var(--series-${(i % 4) + 1})`}
            dot={{ r: 2 }}
            strokeWidth={1.5}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** Dev metrics at each evaluation (every metric the worker reported). */
export function MetricChart() {
  const evals = useApp((s) => s.metrics.evals.points);
  const names = useApp(
    useShallow((s) => {
      const last = s.metrics.evals.points[s.metrics.evals.points.length - 1];
      return last ? METRIC_ORDER.filter((m) => last.metrics[m] !== undefined) : [];
    }),
  );
  const latest = evals[evals.length - 1];
  const markers = useStageMarkers();
  return (
    <Panel
      id="chart-metric"
      title="Dev metrics"
      testId="chart.metric"
      className="chart"
      aside={
        latest ? (
          <span className="pill" data-testid="chart.metric.latest">
            main {formatValue(latest.main)} at step {latest.step}
          </span>
        ) : undefined
      }
    >
      {evals.length === 0 ? (
        <Empty text="Dev metrics appear here after the first evaluation." />
      ) : (
        <MetricLines evals={evals} names={names} markers={markers} />
      )}
    </Panel>
  );
}
