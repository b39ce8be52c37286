// Session slice: every run of this page session (queued runs and plain Start runs), each with its
// config snapshot, status, palette colour and its own decimated series for the overlaid charts;
// whether the queue advances by itself; and the chart view settings (hidden runs, smoothing, log
// scale). Pure updaters here; src/store/session.ts drives them from the bridge and the run slice.
// Not part of the URL (url-sync.ts reads the config and the demo settings only); the queued runs and
// whether the queue runs are kept in IndexedDB across reloads by src/store/queue-persist.ts.
import { PRESET_ALIASES } from '../../config/presets';
import type { RunConfig } from '../../config/run-config';
import type { EvalPoint, TrainPoint } from '../../protocol';
import { emptySeries, type Series } from '../decimate';
import { clampSmoothing } from '../smoothing';
import type { UiPhase } from './run';

/** Where a session run stands. 'queued' waits its turn; the rest mirror the worker's phases. */
export type EntryStatus = 'queued' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

/** How many colours the run palette has (--run-1 … --run-8 in app.css, light and dark). */
export const RUN_COLOURS = 8;

/** A run of this session. */
export interface SessionRun {
  /** Stable key within the session ('r1', 'r2', …): chart data keys, CSS classes, test ids. */
  key: string;
  name: string;
  /** The config it runs (a snapshot taken when it was queued or started). */
  config: RunConfig;
  origin: 'queue' | 'start';
  status: EntryStatus;
  /** The worker's run id once started. */
  runId: string | null;
  /** Why it failed (the worker's message), or null. */
  error: string | null;
  /** Palette index (0-based; the CSS colour is --run-(colour % RUN_COLOURS + 1)). */
  colour: number;
  loss: Series<TrainPoint>;
  evals: Series<EvalPoint>;
  /** Best dev main metric from the worker's 'done', or null. */
  best: number | null;
}

export interface SessionSlice {
  /** In the order they were added; the queue is the 'queued' ones in this order. */
  runs: SessionRun[];
  /** The next key number. */
  nextKey: number;
  /** The queue is running: when a run ends, the next queued run starts. */
  auto: boolean;
  /** Keys of runs hidden in the charts ('saved' is the saved run the Runs panel shows). */
  hidden: string[];
  /** EMA weight for training-loss and term lines, 0 to 0.99. */
  smoothing: number;
  /** Loss and term charts on a log y-axis. */
  logScale: boolean;
  /**
   * A message about the stored queue (src/store/queue-persist.ts): queued runs restored after a
   * reload, a stored queue that could not be read, or a save that failed. Null when none.
   */
  notice: string | null;
  /** Whether the notice reports a problem (something lost or not saved) or is information. */
  noticeTone: 'info' | 'problem';
}

export const initialSessionSlice: SessionSlice = {
  runs: [],
  nextKey: 1,
  auto: false,
  hidden: [],
  smoothing: 0,
  logScale: false,
  notice: null,
  noticeTone: 'info',
};

/** Whether a status is an end: done, stopped or failed. */
export function isEnded(status: EntryStatus): boolean {
  return status === 'done' || status === 'stopped' || status === 'failed';
}

const FRIENDLY_PRESET: Record<string, string> = Object.fromEntries(
  Object.entries(PRESET_ALIASES).map(([alias, preset]) => [
    preset,
    alias.replace(/^bert-(\w)/, (_, c: string) => `BERT-${c.toUpperCase()}`),
  ]),
);

/** The student's short name: 'BERT-Tiny', 'tiny-L1-H32', 'KroneckerBERT', 'TextCNN', 'BiLSTM'. */
function studentName(c: RunConfig): string {
  switch (c.student?.kind) {
    case 'kron-bert':
      return 'KroneckerBERT';
    case 'textcnn':
      return 'TextCNN';
    case 'bilstm':
      return 'BiLSTM';
    default:
      return FRIENDLY_PRESET[c.preset] ?? c.preset;
  }
}

/** An automatic run name: student · method · seed, e.g. 'BERT-Tiny · annealing · seed 1'. */
export function autoRunName(c: RunConfig): string {
  const kind = c.kd?.method.kind ?? 'none';
  return `${studentName(c)} · ${kind === 'none' ? 'no KD' : kind} · seed ${c.train.seed}`;
}

/** `name` trimmed, or `auto` when blank; a name taken in the session gets ' (2)', ' (3)', … */
export function uniqueName(s: SessionSlice, name: string, auto: string): string {
  const base = name.trim() || auto;
  const taken = new Set(s.runs.map((r) => r.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} (${i})`)) return `${base} (${i})`;
}

/** Longest run name (RunConfig.name's limit). */
export const NAME_MAX = 200;

function newEntry(
  s: SessionSlice,
  config: RunConfig,
  name: string,
  origin: SessionRun['origin'],
): SessionRun {
  const unique = uniqueName(s, name, autoRunName(config)).slice(0, NAME_MAX);
  return {
    key: `r${s.nextKey}`,
    name: unique,
    // A queued run's name is its config's too, so the Runs panel lists the saved run under it.
    config:
      origin === 'queue' ? { ...structuredClone(config), name: unique } : structuredClone(config),
    origin,
    status: 'queued',
    runId: null,
    error: null,
    colour: s.nextKey - 1,
    loss: emptySeries(),
    evals: emptySeries(),
    best: null,
  };
}

/** Adds a queued run (the config is copied; a blank name becomes the automatic one). */
export function withQueued(s: SessionSlice, config: RunConfig, name = ''): SessionSlice {
  return { ...s, runs: [...s.runs, newEntry(s, config, name, 'queue')], nextKey: s.nextKey + 1 };
}

/** A queued run as the stored queue holds it (src/storage/queue.ts's StoredQueueEntry). */
export interface QueuedRunSnapshot {
  name: string;
  colour: number;
  config: RunConfig;
}

/** The queued (not yet started) runs, in queue order, as the stored queue keeps them. */
export function queuedSnapshot(s: SessionSlice): QueuedRunSnapshot[] {
  return s.runs
    .filter((r) => r.status === 'queued')
    .map((r) => ({ name: r.name, colour: r.colour, config: r.config }));
}

/**
 * Appends restored queued runs after the session's runs, in order, each with its stored colour and
 * a fresh key (a name taken meanwhile gets ' (2)'). The queue stays as it is (held unless it was
 * already started in this page): the caller decides, and a reload never starts runs by itself.
 */
export function withRestoredQueue(
  s: SessionSlice,
  entries: readonly QueuedRunSnapshot[],
): SessionSlice {
  if (entries.length === 0) return s;
  let next = s;
  for (const e of entries) {
    const entry: SessionRun = { ...newEntry(next, e.config, e.name, 'queue'), colour: e.colour };
    next = { ...next, runs: [...next.runs, entry], nextKey: next.nextKey + 1 };
  }
  // New runs take colour nextKey - 1: start past the restored colours so they do not repeat them.
  const maxColour = Math.max(...entries.map((e) => e.colour));
  return { ...next, nextKey: Math.max(next.nextKey, maxColour + 2) };
}

/** Sets (or clears, with null) the session's notice. */
export function withNotice(
  s: SessionSlice,
  notice: string | null,
  tone: SessionSlice['noticeTone'] = 'info',
): SessionSlice {
  return s.notice === notice && s.noticeTone === tone ? s : { ...s, notice, noticeTone: tone };
}

/** Adds a run started with the plain Start button (already running as `runId`). */
export function withStartedRun(s: SessionSlice, runId: string, config: RunConfig): SessionSlice {
  const entry: SessionRun = { ...newEntry(s, config, '', 'start'), status: 'running', runId };
  return { ...s, runs: [...s.runs, entry], nextKey: s.nextKey + 1 };
}

/** Queues a run again with the config of run `key` (any status). */
export function withRequeued(s: SessionSlice, key: string): SessionSlice {
  const from = s.runs.find((r) => r.key === key);
  return from ? withQueued(s, from.config, from.name) : s;
}

function mapRun(
  s: SessionSlice,
  pick: (r: SessionRun) => boolean,
  f: (r: SessionRun) => SessionRun,
): SessionSlice {
  let changed = false;
  const runs = s.runs.map((r) => {
    if (!pick(r)) return r;
    const next = f(r);
    if (next !== r) changed = true;
    return next;
  });
  return changed ? { ...s, runs } : s;
}

/** Removes a queued run (a started one stays: it has curves; "clear finished" removes it). */
export function withoutQueued(s: SessionSlice, key: string): SessionSlice {
  const runs = s.runs.filter((r) => !(r.key === key && r.status === 'queued'));
  return runs.length === s.runs.length ? s : { ...s, runs };
}

/** Moves a queued run one place up (-1) or down (+1) among the queued runs. */
export function withQueuedMoved(s: SessionSlice, key: string, dir: -1 | 1): SessionSlice {
  const queued = s.runs.filter((r) => r.status === 'queued');
  const i = queued.findIndex((r) => r.key === key);
  const j = i + dir;
  if (i < 0 || j < 0 || j >= queued.length) return s;
  const a = s.runs.indexOf(queued[i]!);
  const b = s.runs.indexOf(queued[j]!);
  const runs = s.runs.slice();
  runs[a] = queued[j]!;
  runs[b] = queued[i]!;
  return { ...s, runs };
}

/** Removes every run that has ended (done, stopped, failed), and their hidden flags. */
export function withoutFinished(s: SessionSlice): SessionSlice {
  const runs = s.runs.filter((r) => !isEnded(r.status));
  if (runs.length === s.runs.length) return s;
  const keys = new Set(runs.map((r) => r.key));
  return { ...s, runs, hidden: s.hidden.filter((k) => k === 'saved' || keys.has(k)) };
}

/** The next run the queue would start, or undefined. */
export function nextQueued(s: SessionSlice): SessionRun | undefined {
  return s.runs.find((r) => r.status === 'queued');
}

/** Marks queued run `key` as started under `runId`. */
export function withEntryStarted(s: SessionSlice, key: string, runId: string): SessionSlice {
  return mapRun(
    s,
    (r) => r.key === key && r.status === 'queued',
    (r) => ({ ...r, status: 'running', runId, error: null }),
  );
}

/** Marks queued run `key` as failed before it started (no task, another task loaded). */
export function withEntryRefused(s: SessionSlice, key: string, error: string): SessionSlice {
  return mapRun(
    s,
    (r) => r.key === key && r.status === 'queued',
    (r) => ({ ...r, status: 'failed', error }),
  );
}

/** The entry status for a run phase ('idle' maps to nothing). */
export function statusOfPhase(phase: UiPhase): EntryStatus | null {
  switch (phase) {
    case 'idle':
      return null;
    case 'preparing':
    case 'compiling':
    case 'training':
      return 'running';
    default:
      return phase;
  }
}

/** Applies the run slice's phase to the run started as `runId`. An ended run stays ended. */
export function withRunPhase(s: SessionSlice, runId: string, phase: UiPhase): SessionSlice {
  const status = statusOfPhase(phase);
  if (!status) return s;
  return mapRun(
    s,
    (r) => r.runId === runId && !isEnded(r.status) && r.status !== status,
    (r) => ({ ...r, status }),
  );
}

/** The worker's error for run `runId`: the run failed, and this is why. */
export function withRunError(s: SessionSlice, runId: string, message: string): SessionSlice {
  return mapRun(
    s,
    (r) => r.runId === runId && r.error !== message,
    (r) => ({ ...r, error: message, status: r.status === 'stopped' ? r.status : 'failed' }),
  );
}

/** The decimated series of run `runId` (the metrics slice's, shared, not copied). */
export function withRunSeries(
  s: SessionSlice,
  runId: string,
  loss: Series<TrainPoint>,
  evals: Series<EvalPoint>,
): SessionSlice {
  return mapRun(
    s,
    (r) => r.runId === runId && (r.loss !== loss || r.evals !== evals),
    (r) => ({ ...r, loss, evals }),
  );
}

/** The best dev main metric from the worker's 'done'. */
export function withRunBest(s: SessionSlice, runId: string, best: number | null): SessionSlice {
  return mapRun(
    s,
    (r) => r.runId === runId && r.best !== best,
    (r) => ({ ...r, best }),
  );
}

/** Shows or hides a run (or 'saved') in the charts. */
export function withHidden(s: SessionSlice, key: string, hidden: boolean): SessionSlice {
  const has = s.hidden.includes(key);
  if (has === hidden) return s;
  return { ...s, hidden: hidden ? [...s.hidden, key] : s.hidden.filter((k) => k !== key) };
}

export function withSmoothing(s: SessionSlice, weight: number): SessionSlice {
  const smoothing = clampSmoothing(weight);
  return smoothing === s.smoothing ? s : { ...s, smoothing };
}

export function withLogScale(s: SessionSlice, on: boolean): SessionSlice {
  return on === s.logScale ? s : { ...s, logScale: on };
}

/** A line set of the overlaid charts: one run's series, name and colour. */
export interface OverlayRun {
  key: string;
  name: string;
  /** CSS colour (a custom property, so it follows the theme). */
  colour: string;
  loss: readonly TrainPoint[];
  evals: readonly EvalPoint[];
  /** Drawn (false: hidden by its toggle, still listed so it can be shown again). */
  visible: boolean;
}

/** The CSS colour of palette index `i`. */
export function runColour(i: number): string {
  return `var(--run-${(((i % RUN_COLOURS) + RUN_COLOURS) % RUN_COLOURS) + 1})`;
}

/**
 * The runs the charts can draw: every session run with points, and the saved run the Runs panel
 * put in the metrics slice (`saved`: shown on demand, or restored after a reload), unless a
 * session run is that same run or owns those curves. Hidden ones are listed with
 * `visible: false`.
 */
export function overlayRuns(
  s: Pick<SessionSlice, 'runs' | 'hidden'>,
  metrics: { loss: Series<TrainPoint>; evals: Series<EvalPoint> },
  saved: { id: string; name: string } | null,
): OverlayRun[] {
  const hidden = new Set(s.hidden);
  const out: OverlayRun[] = [];
  for (const r of s.runs) {
    if (r.loss.seen + r.evals.seen === 0) continue;
    out.push({
      key: r.key,
      name: r.name,
      colour: runColour(r.colour),
      loss: r.loss.points,
      evals: r.evals.points,
      visible: !hidden.has(r.key),
    });
  }
  const owned = s.runs.some((r) => r.loss === metrics.loss || r.runId === saved?.id);
  if (saved && !owned && metrics.loss.seen + metrics.evals.seen > 0) {
    out.push({
      key: 'saved',
      name: saved.name,
      colour: 'var(--run-saved)',
      loss: metrics.loss.points,
      evals: metrics.evals.points,
      visible: !hidden.has('saved'),
    });
  }
  return out;
}
