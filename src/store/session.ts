// The run queue and the session's runs, over the app store and the worker bridge. The worker runs
// one run at a time, so the queue lives here: "Start queue" starts the first queued run, and each
// time the current run ends (done, stopped or failed) the next queued one starts, until none is
// left or the queue is held. Every run the page starts (queued or plain Start) gets a session
// entry holding its own decimated series, for the overlaid charts.
//
// It listens twice: to the store (a new run id is a plain Start's run; the run slice's phase is the
// entry's status) and to the bridge's messages (series, errors and the best metric of runs that are
// no longer the current one: a failed run's 'error' arrives after its 'failed' phase, by which time
// the next queued run may be current and the run slice drops it).
import type { KdKind } from '../config/kd-methods';
import type { RunConfig } from '../config/run-config';
import type { TaskData } from '../data';
import type { FromWorker, TeacherFileBytes } from '../protocol';
import { newRunId } from './bridge';
import { heldTeacherFiles } from './teacher-files';
import type { AppState, AppStore } from './index';
import { methodVariants, type MethodVariants } from './slices/pipeline';
import { isActive } from './slices/run';
import {
  isEnded,
  nextQueued,
  withEntryRefused,
  withEntryStarted,
  withHidden,
  withLogScale,
  withNotice,
  withoutFinished,
  withoutQueued,
  withQueued,
  withQueuedMoved,
  withRequeued,
  withRunBest,
  withRunError,
  withRunPhase,
  withRunSeries,
  withSmoothing,
  withStartedRun,
  type SessionSlice,
} from './slices/session';
import type { TaskRegistry } from './task-registry';

/** What the session needs of the worker bridge (WorkerBridge fits; tests pass a fake). */
export interface SessionBridge {
  start(
    config: RunConfig,
    data: TaskData,
    runId?: string,
    teacherFiles?: TeacherFileBytes[],
  ): string;
  subscribe(fn: (msg: FromWorker) => void): () => void;
}

export interface SessionActions {
  /** Queues the form's config under `name` (blank: automatic); false if the form has errors. */
  enqueue(name?: string): boolean;
  /** Queues `config` (a valid one: a demo preset's run) under `name` (blank: automatic). */
  enqueueConfig(config: RunConfig, name?: string): void;
  /**
   * Queues the form's setup once per method in `kinds` (pipeline's methodVariants), each under
   * its automatic name; returns what was queued and the methods refused, with the reason.
   */
  enqueueMethods(kinds: readonly KdKind[]): MethodVariants;
  /** Starts the queue: the next queued run now if none is active, the rest as each one ends. */
  startQueue(): void;
  /** Holds the queue: the current run goes on, nothing new starts after it. */
  holdQueue(): void;
  remove(key: string): void;
  move(key: string, dir: -1 | 1): void;
  requeue(key: string): void;
  clearFinished(): void;
  setHidden(key: string, hidden: boolean): void;
  setSmoothing(weight: number): void;
  setLogScale(on: boolean): void;
  /** Clears the session's notice (a restored queue's, say). */
  dismissNotice(): void;
  /** Stops listening (tests). */
  dispose(): void;
}

function sameTask(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function taskLabel(ref: RunConfig['task']): string {
  switch (ref.source) {
    case 'embedded':
      return `the embedded task (seed ${ref.seed})`;
    case 'file':
      return `files ${ref.files.join(', ')}`;
    case 'url':
      return `${ref.task} from ${ref.trainUrl}`;
    case 'hub':
      return `${ref.dataset}/${ref.config}`;
  }
}

/** The session actions over one store, bridge and task registry; starts listening at once. */
export function createSession(
  store: AppStore,
  bridge: SessionBridge,
  registry: TaskRegistry,
): SessionActions {
  const setSession = (f: (s: SessionSlice) => SessionSlice): void => {
    const s = store.getState();
    const next = f(s.session);
    if (next !== s.session) store.setState({ session: next });
  };

  /**
   * Starts queued runs until one is under way or none is left: a queued run that cannot start
   * (no task loaded, another task loaded than the one it was queued with) fails with the reason
   * and the next one is tried. Does nothing while a run is active (never two starts).
   */
  function startNext(): void {
    for (;;) {
      const s = store.getState();
      if (!s.session.auto || isActive(s.run.phase)) return;
      const entry = nextQueued(s.session);
      if (!entry) {
        setSession((x) => ({ ...x, auto: false }));
        return;
      }
      const data = registry.get();
      const loaded = s.task.summary?.ref;
      let refusal: string | null = null;
      if (!data || !loaded) refusal = 'no task is loaded: load one and queue the run again';
      else if (!sameTask(entry.config.task, loaded))
        refusal =
          `queued for ${taskLabel(entry.config.task)}, but ${taskLabel(loaded)} is loaded: ` +
          'load that task and queue the run again';
      if (refusal || !data) {
        setSession((x) => withEntryRefused(x, entry.key, refusal ?? 'no task is loaded'));
        continue;
      }
      const runId = newRunId();
      // The entry owns the run id before the bridge's store update, so the store listener below
      // does not take the run for a plain Start.
      setSession((x) => withEntryStarted(x, entry.key, runId));
      // A Hugging Face teacher from picked files: their bytes ride along (the worker refuses the
      // run, saying so, when they are no longer held).
      const t = entry.config.kd?.teacher;
      const files =
        t?.source === 'hf' && t.from.kind === 'files'
          ? (heldTeacherFiles(t.from.names) ?? undefined)
          : undefined;
      bridge.start(entry.config, data, runId, files);
      return;
    }
  }

  /** The run slice changed: register a plain Start's run, mirror the phase, advance the queue. */
  function onStore(changed: AppState, prev: AppState): void {
    if (changed.run === prev.run) return;
    // The latest state, not `changed`: a nested update (a start from startNext) may be newer.
    const state = store.getState();
    const { runId, phase } = state.run;
    if (!runId) return;
    let session = state.session;
    const known = session.runs.find((r) => r.runId === runId);
    if (!known) session = withStartedRun(session, runId, state.config.config);
    const before = session.runs.find((r) => r.runId === runId)!;
    session = withRunPhase(session, runId, phase);
    if (session !== state.session) store.setState({ session });
    const after = session.runs.find((r) => r.runId === runId)!;
    if (!isEnded(before.status) && isEnded(after.status)) startNext();
  }

  function onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'metrics': {
        const { run, metrics } = store.getState();
        if (msg.runId !== run.runId) return;
        setSession((s) => withRunSeries(s, msg.runId, metrics.loss, metrics.evals));
        return;
      }
      case 'error':
        if (msg.runId !== undefined) {
          const { runId, message } = msg;
          setSession((s) => withRunError(s, runId, message));
        }
        return;
      case 'done':
        setSession((s) => withRunBest(s, msg.runId, msg.best?.main ?? null));
        return;
      default:
        return;
    }
  }

  const unsubscribeStore = store.subscribe(onStore);
  const unsubscribeBridge = bridge.subscribe(onMessage);

  return {
    enqueue(name = '') {
      const s = store.getState();
      if (s.config.errors.length > 0) return false;
      setSession((x) => withQueued(x, s.config.config, name));
      return true;
    },
    enqueueConfig(config, name = '') {
      setSession((x) => withQueued(x, config, name));
    },
    enqueueMethods(kinds) {
      const variants = methodVariants(store.getState().config.config, kinds);
      setSession((x) => variants.ok.reduce((s, v) => withQueued(s, v.config), x));
      return variants;
    },
    startQueue() {
      // Starting answers a restored queue's notice ("press Start queue"), so it goes.
      setSession((x) => (nextQueued(x) ? { ...withNotice(x, null), auto: true } : x));
      startNext();
    },
    holdQueue() {
      setSession((x) => (x.auto ? { ...x, auto: false } : x));
    },
    remove: (key) => setSession((x) => withoutQueued(x, key)),
    move: (key, dir) => setSession((x) => withQueuedMoved(x, key, dir)),
    requeue: (key) => setSession((x) => withRequeued(x, key)),
    clearFinished: () => setSession(withoutFinished),
    setHidden: (key, hidden) => setSession((x) => withHidden(x, key, hidden)),
    setSmoothing: (w) => setSession((x) => withSmoothing(x, w)),
    setLogScale: (on) => setSession((x) => withLogScale(x, on)),
    dismissNotice: () => setSession((x) => withNotice(x, null)),
    dispose() {
      unsubscribeStore();
      unsubscribeBridge();
    },
  };
}
