// Run controls (start, pause, resume, stop), the run queue (QueueView.tsx), the phase, progress (step / total, samples/s, time
// left, elapsed, epoch, live tensors), what the worker prepared, the outcome, and worker errors.
import { useShallow } from 'zustand/react/shallow';
import type { EvalPoint } from '../../protocol';
import { actions } from '../../store/app';
import { useApp } from '../../store';
import { phaseLabel, runControls } from '../../store/slices/run';
import { ErrorNote } from '../components/ErrorNote';
import { Panel } from '../components/Panel';
import {
  formatBytes,
  formatCompact,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatValue,
} from '../format';
import { QueueView } from './QueueView';

function Controls() {
  const c = useApp(
    useShallow((s) => {
      const blocked = s.config.errors.length > 0 || s.task.summary === null;
      const rc = runControls(s.run.phase, s.backend.status === 'ready');
      return { ...rc, canStart: rc.canStart && !blocked };
    }),
  );
  return (
    <div className="controls" role="group" aria-label="Run controls">
      <button
        type="button"
        className="primary"
        data-testid="run.start"
        disabled={!c.canStart}
        onClick={() => actions.start()}
      >
        Start
      </button>
      <button
        type="button"
        data-testid="run.pause"
        disabled={!c.canPause}
        onClick={() => actions.pause()}
      >
        Pause
      </button>
      <button
        type="button"
        data-testid="run.resume"
        disabled={!c.canResume}
        onClick={() => actions.resume()}
      >
        Resume
      </button>
      <button
        type="button"
        className="danger"
        data-testid="run.stop"
        disabled={!c.canStop}
        onClick={() => actions.stop()}
      >
        Stop
      </button>
    </div>
  );
}

function BlockedHint() {
  const why = useApp((s) => {
    if (s.task.summary === null) return 'Load a task to start.';
    if (s.config.errors.length > 0) return 'Fix the highlighted settings to start.';
    if (s.backend.status === 'starting') return 'Waiting for the compute backend…';
    if (s.backend.status === 'failed') return 'The compute backend failed; pick another above.';
    return null;
  });
  return why ? (
    <p className="hint" data-testid="run.blocked">
      {why}
    </p>
  ) : null;
}

function Stat(props: { label: string; value: string; testId: string; wide?: boolean }) {
  const { label, value, testId, wide } = props;
  return (
    <div className={wide ? 'stat wide' : 'stat'}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function ProgressView() {
  const phase = useApp((s) => s.run.phase);
  const detail = useApp((s) => s.run.detail);
  const p = useApp((s) => s.run.progress);
  // Before a run reports its total, show the configured number of steps.
  const total = useApp(
    (s) => s.run.progress?.totalSteps ?? s.run.prepared?.totalSteps ?? s.config.config.train.steps,
  );
  const step = p?.step ?? 0;
  const stepsPerEpoch = useApp((s) => s.run.prepared?.stepsPerEpoch ?? 0);
  const busy = phase === 'preparing' || phase === 'compiling';
  // The worker counts epochs from 1; show it against the run's total when that is known.
  const epochs = stepsPerEpoch > 0 ? Math.ceil(total / stepsPerEpoch) : 0;
  const epochText = !p ? '–' : epochs > 0 ? `${p.epoch} / ${epochs}` : String(p.epoch);
  return (
    <div className="progress" aria-live="polite">
      <p className={`phase phase-${phase}`} data-testid="progress.phase" data-phase={phase}>
        {busy && <span className="spinner" aria-hidden="true" />}
        {phaseLabel(phase)}
        {detail && <span className="detail"> — {detail}</span>}
      </p>
      <progress
        max={Math.max(total, 1)}
        value={step}
        aria-label="Training progress"
        data-testid="progress.bar"
      />
      <dl className="stats">
        <Stat
          label="Step"
          testId="progress.step"
          value={`${formatCount(step)} / ${formatCount(total)}`}
        />
        <Stat label="Epoch" testId="progress.epoch" value={epochText} />
        <Stat
          label="Samples/s"
          testId="progress.rate"
          value={p ? formatRate(p.samplesPerSec) : '–'}
        />
        <Stat label="Time left" testId="progress.eta" value={formatDuration(p?.etaSec)} />
        <Stat label="Elapsed" testId="progress.elapsed" value={formatDuration(p?.elapsedSec)} />
        <Stat
          label="Tensors"
          testId="progress.tensors"
          value={p ? `${formatCount(p.numTensors)} (${formatBytes(p.numBytes)})` : '–'}
        />
      </dl>
    </div>
  );
}

function PreparedView() {
  const info = useApp((s) => s.run.prepared);
  if (!info) return null;
  return (
    <dl className="stats prepared" data-testid="run.prepared">
      <Stat label="Parameters" testId="run.params" value={formatCompact(info.params)} />
      <Stat label="FLOPs/token" testId="run.flops" value={formatCompact(info.flopsPerToken)} />
      {info.compression !== undefined && (
        <Stat
          label="Compression"
          testId="run.compression"
          value={`${info.compression.toFixed(1)}×`}
        />
      )}
      <Stat label="Vocabulary" testId="run.vocab" value={formatCount(info.vocabSize)} />
      <Stat label="Sequence" testId="run.seqLen" value={`${info.seqLen} tokens`} />
      <Stat
        label="Steps/epoch"
        testId="run.stepsPerEpoch"
        value={formatCount(info.stepsPerEpoch)}
      />
      <Stat label="Truncated" testId="run.truncated" value={formatPercent(info.truncated)} />
    </dl>
  );
}

function evalText(e: EvalPoint | null): string {
  if (!e) return '–';
  const metrics = Object.entries(e.metrics)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(', ');
  return `step ${e.step}: ${metrics || `main ${formatValue(e.main)}`}`;
}

function OutcomeView() {
  const outcome = useApp((s) => s.run.outcome);
  if (!outcome) return null;
  return (
    <dl className="stats outcome" data-testid="run.outcome">
      <Stat label="Best dev" testId="run.best" value={evalText(outcome.best)} wide />
      <Stat label="Final dev" testId="run.final" value={evalText(outcome.final)} wide />
      <Stat label="Wall time" testId="run.wall" value={formatDuration(outcome.wallSec)} />
    </dl>
  );
}

function RunErrorView() {
  const error = useApp((s) => s.run.error);
  if (!error) return null;
  return (
    <ErrorNote testId="error.run" title={`Run failed (${error.where})`}>
      <pre>{error.message}</pre>
    </ErrorNote>
  );
}

/** The run panel. */
export function RunPanel() {
  return (
    <Panel id="run" title="Run" testId="run.panel">
      <Controls />
      <BlockedHint />
      <QueueView />
      <ProgressView />
      <PreparedView />
      <OutcomeView />
      <RunErrorView />
    </Panel>
  );
}
