// Live charts (recharts), one line per run of this session overlaid (queued and plain Start runs,
// and a saved run the Runs panel shows), each run in its own palette colour with a legend naming
// it: training loss with dev loss, and the dev metrics. Controls above them show or hide each run,
// smooth the training-loss and term lines (TensorBoard's EMA) and put the loss charts on a log
// axis. Each run's series is decimated in the store (stable array references between batches) and
// the charts draw without animation, so a batch every ~100 ms costs one cheap re-render.
import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  type LegendPayload,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { MetricName } from '../../data';
import { useApp } from '../../store';
import { session } from '../../store/app';
import { useLibrary } from '../../store/library-app';
import { overlayRuns, type OverlayRun } from '../../store/slices/session';
import { SMOOTHING_MAX } from '../../store/smoothing';
import { Panel } from '../components/Panel';
import { formatValue } from '../format';
import {
  markerLines,
  StageLegend,
  TermCharts,
  useStageMarkers,
  type StageMarker,
} from './kd-charts';
import {
  lossAxisProps,
  LogNote,
  runLines,
  stepLabel,
  tickFormatter,
  tooltipFormatter,
} from './chart-parts';
import { lineKey, lossOverlay, metricOverlay } from './overlay-series';
import './overlay.css';

const CHART_HEIGHT = 240;
const METRIC_ORDER: readonly MetricName[] = ['accuracy', 'f1', 'mcc', 'pearson', 'spearman'];
const METRIC_LABEL: Record<MetricName, string> = {
  accuracy: 'accuracy',
  f1: 'F1',
  mcc: 'MCC',
  pearson: 'Pearson r',
  spearman: 'Spearman ρ',
};
/** Dash patterns telling a run's metrics apart (the colour tells the runs apart). */
const METRIC_DASH = [undefined, '6 3', '2 3', '8 3 2 3', '1 2'] as const;
// Metrics live in [0, 1] (accuracy, F1) or [-1, 1] (MCC, correlations): always show 0..1, and
// widen only for values outside it, so a flat line at 1.0 is not drawn mid-chart.
const metricDomain: [(min: number) => number, (max: number) => number] = [
  (min) => Math.min(0, Math.floor(min * 10) / 10),
  (max) => Math.max(1, Math.ceil(max * 10) / 10),
];

/**
 * Legend entries in the runs' order (recharts sorts them by name by default, and puts a line shown
 * again after its toggle at the end).
 */
function legendOrder(keys: readonly string[]): (item: LegendPayload) => number {
  return (item) => keys.indexOf(String(item.dataKey));
}

/**
 * Every run the charts can draw, visible or not (memoised on the store's references: a new array
 * only when a run's series, the session's runs or the hidden list change).
 */
export function useOverlayRuns(): OverlayRun[] {
  const runs = useApp((s) => s.session.runs);
  const hidden = useApp((s) => s.session.hidden);
  const loss = useApp((s) => s.metrics.loss);
  const evals = useApp((s) => s.metrics.evals);
  const savedId = useLibrary((s) => s.restoredRunId);
  const savedName = useLibrary((s) => {
    const rec = s.restoredRunId ? s.runs.find((r) => r.id === s.restoredRunId) : undefined;
    return rec ? `saved: ${rec.config.name}` : 'saved run';
  });
  return useMemo(
    () =>
      overlayRuns(
        { runs, hidden },
        { loss, evals },
        savedId ? { id: savedId, name: savedName } : null,
      ),
    [runs, hidden, loss, evals, savedId, savedName],
  );
}

/** The visible ones of `useOverlayRuns`. */
export function useVisibleRuns(): OverlayRun[] {
  const all = useOverlayRuns();
  return useMemo(() => all.filter((r) => r.visible), [all]);
}

function Empty({ text }: { text: string }) {
  return (
    <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
      {text}
    </div>
  );
}

const LossLines = memo(function LossLines({
  runs,
  smoothing,
  logScale,
  markers,
}: {
  runs: readonly OverlayRun[];
  smoothing: number;
  logScale: boolean;
  markers: readonly StageMarker[];
}) {
  const data = useMemo(() => lossOverlay(runs, smoothing, logScale), [runs, smoothing, logScale]);
  return (
    <>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            allowDecimals={false}
          />
          <YAxis {...lossAxisProps(data, logScale, 56)} />
          <Tooltip formatter={tooltipFormatter} labelFormatter={stepLabel} />
          <Legend itemSorter={legendOrder(runs.map((r) => lineKey.main(r.key)))} />
          {markerLines(markers)}
          {runs.flatMap((r) => [
            ...runLines(r, smoothing),
            r.evals.length > 0 && (
              <Line
                key={lineKey.dev(r.key)}
                dataKey={lineKey.dev(r.key)}
                name={`${r.name} (dev)`}
                stroke={r.colour}
                strokeDasharray="5 3"
                className={`run-dev run-${r.key}`}
                dot={{ r: 2 }}
                strokeWidth={1.5}
                connectNulls
                legendType="none"
                isAnimationActive={false}
              />
            ),
          ])}
        </LineChart>
      </ResponsiveContainer>
      <LogNote data={data} logScale={logScale} />
    </>
  );
});

/** Show or hide each run; the smoothing slider and the log-scale switch. */
function ChartControls({ runs }: { runs: readonly OverlayRun[] }) {
  const smoothing = useApp((s) => s.session.smoothing);
  const logScale = useApp((s) => s.session.logScale);
  return (
    <div data-testid="chart.controls">
      <div className="chart-controls">
        <label>
          Smoothing
          <input
            type="range"
            min={0}
            max={SMOOTHING_MAX}
            step={0.01}
            value={smoothing}
            data-testid="chart.smoothing"
            aria-valuetext={smoothing === 0 ? 'off' : smoothing.toFixed(2)}
            onChange={(e) => session.setSmoothing(Number(e.target.value))}
          />
          <output data-testid="chart.smoothing.value">
            {smoothing === 0 ? 'off' : smoothing.toFixed(2)}
          </output>
        </label>
        <label>
          <input
            type="checkbox"
            checked={logScale}
            data-testid="chart.log"
            onChange={(e) => session.setLogScale(e.target.checked)}
          />
          Log scale (loss charts)
        </label>
      </div>
      {runs.length > 0 && (
        <fieldset className="run-toggles" data-testid="chart.runs">
          <legend>Runs</legend>
          {runs.map((r) => (
            <label key={r.key} data-testid={`chart.run.${r.key}`}>
              <input
                type="checkbox"
                checked={r.visible}
                onChange={(e) => session.setHidden(r.key, !e.target.checked)}
              />
              <span className="run-swatch" style={{ background: r.colour }} aria-hidden="true" />
              {r.name}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}

/** Training loss per step of every visible run, with their dev loss at each evaluation. */
export function LossChart() {
  const all = useOverlayRuns();
  const runs = useVisibleRuns();
  const smoothing = useApp((s) => s.session.smoothing);
  const logScale = useApp((s) => s.session.logScale);
  const count = useApp((s) => s.metrics.loss.seen);
  const drawn = useApp((s) => s.metrics.loss.points.length);
  const markers = useStageMarkers();
  const hasLoss = runs.some((r) => r.loss.length > 0);
  return (
    <Panel
      id="chart-loss"
      title="Training loss"
      testId="chart.loss"
      className="chart"
      aside={
        <span className="pill" data-testid="chart.loss.count">
          {count} step{count === 1 ? '' : 's'}
          {drawn < count ? `, ${drawn} drawn` : ''}
        </span>
      }
    >
      <ChartControls runs={all} />
      {!hasLoss ? (
        <Empty
          text={
            all.length > 0
              ? 'Every run is hidden: tick one above.'
              : 'The loss appears here once training starts.'
          }
        />
      ) : (
        <LossLines runs={runs} smoothing={smoothing} logScale={logScale} markers={markers} />
      )}
      {hasLoss && smoothing > 0 && (
        <p className="muted kd-note">
          Training loss smoothed (EMA {smoothing.toFixed(2)}, debiased); the faint line is raw.
          Dashed: dev loss.
        </p>
      )}
      {hasLoss && smoothing === 0 && <p className="muted kd-note">Dashed: dev loss.</p>}
      <StageLegend />
      <TermCharts runs={runs} smoothing={smoothing} logScale={logScale} />
    </Panel>
  );
}

const MetricLines = memo(function MetricLines({
  runs,
  names,
  markers,
}: {
  runs: readonly OverlayRun[];
  names: readonly MetricName[];
  markers: readonly StageMarker[];
}) {
  const rows = useMemo(() => metricOverlay(runs, names), [runs, names]);
  return (
    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
        <YAxis tickFormatter={tickFormatter} width={56} domain={metricDomain} />
        <Tooltip formatter={tooltipFormatter} labelFormatter={stepLabel} />
        <Legend
          itemSorter={legendOrder(runs.flatMap((r) => names.map((n) => lineKey.metric(r.key, n))))}
        />
        {markerLines(markers)}
        {runs.flatMap((r) =>
          names.map((name, i) => (
            <Line
              key={lineKey.metric(r.key, name)}
              dataKey={lineKey.metric(r.key, name)}
              name={`${r.name} · dev ${METRIC_LABEL[name]}`}
              stroke={r.colour}
              strokeDasharray={METRIC_DASH[i % METRIC_DASH.length]}
              className={`run-metric run-${r.key}`}
              dot={{ r: 2 }}
              strokeWidth={1.5}
              connectNulls
              isAnimationActive={false}
            />
          )),
        )}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** Dev metrics of every visible run at each evaluation (every metric the worker reported). */
export function MetricChart() {
  const runs = useVisibleRuns();
  const withEvals = useMemo(() => runs.filter((r) => r.evals.length > 0), [runs]);
  const key = withEvals
    .map((r) => {
      const last = r.evals[r.evals.length - 1];
      return last ? METRIC_ORDER.filter((m) => last.metrics[m] !== undefined).join(',') : '';
    })
    .join(';');
  // A stable names array while the set of metrics stays the same.
  const names = useMemo(
    () => METRIC_ORDER.filter((m) => key.split(/[;,]/).includes(m)) satisfies readonly MetricName[],
    [key],
  );
  const latest = useApp((s) => s.metrics.evals.points[s.metrics.evals.points.length - 1]);
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
      {withEvals.length === 0 ? (
        <Empty text="Dev metrics appear here after the first evaluation." />
      ) : (
        <MetricLines runs={withEvals} names={names} markers={markers} />
      )}
    </Panel>
  );
}
