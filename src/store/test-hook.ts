// The read-only state the e2e tests see through window.__kdTest (STYLE R14, after tldraw's
// EndToEndApi): a plain snapshot of the store, so Playwright can poll it with page.evaluate.
import type { BackendName, RunConfig } from '../config/run-config';
import type { Theme, UrlProblem } from '../config/url';
import type { Progress } from '../protocol';
import type { AppState, EntryStatus, UiPhase } from './index';

/** One session run as the test hook shows it (no series, only their sizes). */
export interface KdTestSessionRun {
  key: string;
  name: string;
  status: EntryStatus;
  origin: 'queue' | 'start';
  runId: string | null;
  error: string | null;
  /** Training-loss points received (before decimation) and dev evaluations. */
  lossCount: number;
  evalCount: number;
  best: number | null;
  hidden: boolean;
}

export interface KdTestSnapshot {
  phase: UiPhase;
  /** Latest step the worker reported (0 before the first batch). */
  step: number;
  totalSteps: number;
  /** Training-loss points received in the current run (before decimation). */
  lossCount: number;
  /** Loss points the chart holds (after decimation). */
  lossPointsShown: number;
  /** The run's first and latest losses (up to 20 each). */
  firstLosses: number[];
  lastLosses: number[];
  evalCount: number;
  /** Latest dev main metric, or null before the first eval. */
  lastMain: number | null;
  backend: BackendName | null;
  backendStatus: 'starting' | 'ready' | 'failed';
  /** Latest progress, including tf.memory() readings (numTensors, numBytes). */
  progress: Progress | null;
  taskRows: { train: number; dev: number } | null;
  runError: string | null;
  dataError: string | null;
  /** The run config the page holds (what Start would run). */
  config: RunConfig;
  /** The demo settings: presenter layout, explicit theme, loaded demo preset run, URL problems. */
  demo: {
    presenter: boolean;
    theme: Theme | null;
    preset: string | null;
    run: number;
    problems: UrlProblem[];
  };
  /** The session's runs (queue entries and plain Start runs) and the chart view settings. */
  session: {
    runs: KdTestSessionRun[];
    /** The queue starts the next queued run when one ends. */
    auto: boolean;
    smoothing: number;
    logScale: boolean;
    /** The queue's notice (queued runs restored after a reload, …), or null. */
    notice: string | null;
  };
}

/** The window.__kdTest interface: a snapshot and a few shortcuts, all read-only. */
export interface KdTestHook {
  /** 2: the snapshot carries `config`, and the page takes its run from the URL (url-sync.ts). */
  readonly version: 2;
  snapshot(): KdTestSnapshot;
  readonly phase: UiPhase;
  readonly step: number;
  readonly lossCount: number;
  readonly lastLosses: readonly number[];
  readonly backend: BackendName | null;
  readonly numTensors: number | null;
}

/** A snapshot of `state` for the test hook (pure). */
export function testSnapshot(state: AppState): KdTestSnapshot {
  const { run, metrics, backend, task, demo, session } = state;
  const lastEval = metrics.evals.points[metrics.evals.points.length - 1];
  return {
    phase: run.phase,
    step: run.progress?.step ?? 0,
    totalSteps: run.progress?.totalSteps ?? run.prepared?.totalSteps ?? 0,
    lossCount: metrics.loss.seen,
    lossPointsShown: metrics.loss.points.length,
    firstLosses: [...metrics.firstLosses],
    lastLosses: [...metrics.lastLosses],
    evalCount: metrics.evals.seen,
    lastMain: lastEval?.main ?? null,
    backend: backend.info?.name ?? null,
    backendStatus: backend.status,
    progress: run.progress,
    taskRows: task.summary ? { train: task.summary.trainRows, dev: task.summary.devRows } : null,
    runError: run.error?.message ?? null,
    dataError: task.error?.message ?? null,
    config: structuredClone(state.config.config),
    demo: {
      presenter: demo.presenter,
      theme: demo.theme,
      preset: demo.preset,
      run: demo.run,
      problems: demo.problems.map((p) => ({ ...p })),
    },
    session: {
      runs: session.runs.map((r) => ({
        key: r.key,
        name: r.name,
        status: r.status,
        origin: r.origin,
        runId: r.runId,
        error: r.error,
        lossCount: r.loss.seen,
        evalCount: r.evals.seen,
        best: r.best,
        hidden: session.hidden.includes(r.key),
      })),
      auto: session.auto,
      smoothing: session.smoothing,
      logScale: session.logScale,
      notice: session.notice,
    },
  };
}

/** A test hook reading `getState` on each access. */
export function createTestHook(getState: () => AppState): KdTestHook {
  return {
    version: 2,
    snapshot: () => testSnapshot(getState()),
    get phase() {
      return getState().run.phase;
    },
    get step() {
      return getState().run.progress?.step ?? 0;
    },
    get lossCount() {
      return getState().metrics.loss.seen;
    },
    get lastLosses() {
      return [...getState().metrics.lastLosses];
    },
    get backend() {
      return getState().backend.info?.name ?? null;
    },
    get numTensors() {
      return getState().run.progress?.numTensors ?? null;
    },
  };
}
