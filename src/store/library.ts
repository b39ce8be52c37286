// The page's library of saved runs (IndexedDB through src/storage): the run list and storage used,
// delete / export / import, the checkpoints picked for comparison, and the comparison and typed
// inference the worker computes for them (requests and answers through the bridge), and resuming
// an interrupted run from its resume point (its task loaded again, then 'resumeRun'). Its own small
// zustand store, beside the app store: it outlives runs, and the current run's slices never read
// it. Built over injected storage, bridge and task registry, so tests drive it in Node.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { resumeRefusal } from '../config/resume';
import type { TaskRef } from '../config/run-config';
import type { Example, TaskData } from '../data';
import {
  PROTOCOL_VERSION,
  type CheckpointEvaluation,
  type CheckpointPrediction,
  type FromWorker,
  type ToWorker,
} from '../protocol';
import {
  checkpointToSafetensors,
  metricsToCsv,
  roleName,
  runExportToJson,
  type RunRecord,
  type RunStorage,
  type StorageUsage,
} from '../storage';
import type { AppStore } from './index';
import { configSlice } from './slices/config';
import { initialMetricsSlice, withBatch } from './slices/metrics';
import { isActive } from './slices/run';
import type { TaskRegistry } from './task-registry';

/** One dev example on which the compared checkpoints do not all agree. */
export interface Disagreement {
  /** Index in the dev split. */
  index: number;
  a: string;
  b?: string;
  gold: number;
  /** Predicted class per compared checkpoint (the order of `compare.results` that are ok). */
  predictions: number[];
  /** Probability of each prediction. */
  confidence: number[];
}

export interface CompareState {
  status: 'idle' | 'running' | 'done' | 'failed';
  requestId: string | null;
  /** 'evaluating … (2 of 3)' while running. */
  progress: string | null;
  keys: string[];
  results: CheckpointEvaluation[];
  /** Dev examples where the successful results disagree (classification only). */
  disagreements: Disagreement[];
  /** Dev examples compared. */
  devSize: number;
  error: string | null;
}

export interface PredictState {
  text: string;
  status: 'idle' | 'running' | 'done' | 'failed';
  requestId: string | null;
  results: CheckpointPrediction[];
  error: string | null;
}

export interface LibraryState {
  /** 'unavailable' when IndexedDB cannot be opened (private mode, blocked): `error` says why. */
  status: 'loading' | 'ready' | 'unavailable';
  runs: RunRecord[];
  unreadable: { id: string; message: string }[];
  usage: StorageUsage | null;
  /** The last failed library action (delete, export, import) or storage report, shown as is. */
  error: string | null;
  /** The last successful import, for a short confirmation. */
  notice: string | null;
  /** The saved run whose curves the charts show after a reload (until a new run starts). */
  restoredRunId: string | null;
  /** Ids of the runs with a resume point (an interrupted one of them can resume). */
  resumable: string[];
  /** Checkpoint keys picked for comparison and typed inference, in picking order. */
  selected: string[];
  compare: CompareState;
  predict: PredictState;
}

export const initialCompare: CompareState = {
  status: 'idle',
  requestId: null,
  progress: null,
  keys: [],
  results: [],
  disagreements: [],
  devSize: 0,
  error: null,
};

export const initialLibraryState: LibraryState = {
  status: 'loading',
  runs: [],
  unreadable: [],
  usage: null,
  error: null,
  notice: null,
  restoredRunId: null,
  resumable: [],
  selected: [],
  compare: initialCompare,
  predict: { text: '', status: 'idle', requestId: null, results: [], error: null },
};

export type LibraryStore = StoreApi<LibraryState>;

/** What the library needs of the worker bridge. */
export interface LibraryBridge {
  subscribe(fn: (msg: FromWorker) => void): () => void;
  request(message: Extract<ToWorker, { type: 'compare' | 'predict' }>): void;
  /** Continues an interrupted run on `data` (the run and charts slices follow it). */
  resumeRun(runId: string, data: TaskData): void;
}

/** A file to download: its name, MIME type and contents. */
export interface Download {
  name: string;
  type: string;
  data: Uint8Array | string;
}

/** Batch-1 forward passes timed per checkpoint when comparing. */
export const LATENCY_RUNS = 15;
/** Milliseconds the text box waits after the last keystroke before asking the worker. */
export const PREDICT_DEBOUNCE_MS = 250;

/**
 * Dev examples on which the ok results' predictions differ (pure). `rows` is the dev split the
 * comparison ran on.
 */
export function findDisagreements(
  results: readonly CheckpointEvaluation[],
  rows: readonly Example[],
): Disagreement[] {
  const ok = results.flatMap((r) => (r.ok && r.kind === 'classification' ? [r] : []));
  if (ok.length < 2) return [];
  const out: Disagreement[] = [];
  rows.forEach((ex, i) => {
    const predictions = ok.map((r) => r.predictions[i]!);
    if (predictions.every((p) => p === predictions[0])) return;
    out.push({
      index: i,
      a: ex.a,
      ...(ex.b !== undefined ? { b: ex.b } : {}),
      gold: ex.label,
      predictions,
      confidence: ok.map((r) => r.confidence[i]!),
    });
  });
  return out;
}

/** Share of examples on which two prediction lists agree (pure). */
export function agreement(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return NaN;
  let same = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
  return same / n;
}

/** A file name made of a run's name: letters, digits, '-', '_' and '.' only. */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Why an interrupted run shows no Resume button (null: it can resume). `hasPoint`: a resume point
 * is stored for it.
 */
export function resumeBlocker(run: RunRecord, hasPoint: boolean): string | null {
  const refusal = resumeRefusal(run.config);
  if (refusal) return refusal;
  if (!hasPoint) {
    return 'It stopped before its first dev evaluation, so there is no resume point: start it again';
  }
  return null;
}

/** Whether two task references name the same data. */
export function sameTask(a: TaskRef, b: TaskRef): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface LibraryActions {
  /** Opens storage once: marks runs a closed tab left running, lists runs, restores the curves. */
  start(): Promise<void>;
  refresh(): Promise<void>;
  deleteRun(id: string): Promise<boolean>;
  /** Puts a saved run's curves in the charts (not while a run is active); true on success. */
  showCurves(id: string): Promise<boolean>;
  toggle(key: string, on: boolean): void;
  compare(): boolean;
  /** Sets the typed text; the worker is asked after PREDICT_DEBOUNCE_MS without typing. */
  type(text: string): void;
  exportCheckpoint(key: string): Promise<Download | null>;
  exportRunJson(id: string): Promise<Download | null>;
  exportMetricsCsv(id: string): Promise<Download | null>;
  /** Imports a run JSON (ours) or a checkpoint (.safetensors); true on success. */
  importFile(file: {
    name: string;
    text(): Promise<string>;
    arrayBuffer(): Promise<ArrayBuffer>;
  }): Promise<boolean>;
  dismissError(): void;
  /**
   * Resumes an interrupted run from its resume point: loads the task it trained on (the embedded
   * task from its seed, a URL or Hub task again; picked files must be picked again), then asks the
   * worker. True when the request was sent.
   */
  resume(id: string): Promise<boolean>;
}

/** The library's actions over its store, storage, the bridge, the task registry and app store. */
export function createLibrary(deps: {
  store: LibraryStore;
  app: AppStore;
  bridge: LibraryBridge;
  registry: TaskRegistry;
  openStorage(): Promise<RunStorage>;
  /**
   * Loads the task `ref` names into the registry (the app's task loaders); false when it could
   * not. Absent: only the task already loaded can be used.
   */
  loadTask?(ref: TaskRef): Promise<boolean>;
  /** setTimeout / clearTimeout (injected so tests control the debounce). */
  timers?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
}): LibraryActions {
  const { store, app, bridge, registry } = deps;
  const timers = deps.timers ?? {
    set: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clear: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  let storage: RunStorage | null = null;
  let started: Promise<void> | null = null;
  let seq = 0;
  let debounce: unknown = null;
  let compareRows: Example[] = [];
  const requestId = (kind: string) => `${kind}-${Date.now().toString(36)}-${++seq}`;
  const set = (patch: Partial<LibraryState>) => store.setState(patch);
  const fail = (e: unknown) => set({ error: errorText(e), notice: null });

  const refresh = async (): Promise<void> => {
    if (!storage) return;
    try {
      const [{ runs, unreadable }, usage, resumable] = await Promise.all([
        storage.listRuns(),
        storage.usage(),
        storage.resumableRunIds(),
      ]);
      const keys = new Set(runs.flatMap((r) => r.checkpoints.map((c) => c.key)));
      set({
        runs,
        unreadable,
        usage,
        resumable,
        selected: store.getState().selected.filter((k) => keys.has(k)),
      });
    } catch (e) {
      fail(e);
    }
  };

  /** A saved run's metrics into the charts (the run slice stays as it is). */
  const showCurves = async (id: string): Promise<boolean> => {
    if (isActive(app.getState().run.phase)) {
      fail('a run is training: its curves are in the charts until it ends');
      return false;
    }
    const metrics = await withStorage((s) => s.readMetrics(id));
    if (!metrics) return false;
    app.setState({ metrics: withBatch(initialMetricsSlice, metrics.train, metrics.evals) });
    set({ restoredRunId: id });
    return true;
  };

  /** The newest run with metrics goes into the (empty, idle) charts. */
  const restoreCurves = async (runs: readonly RunRecord[]): Promise<void> => {
    const last = runs.find((r) => r.metrics.trainPoints + r.metrics.evalPoints > 0);
    if (!storage || !last) return;
    const { train, evals } = await storage.readMetrics(last.id);
    const s = app.getState();
    if (s.run.phase !== 'idle' || s.metrics.loss.seen > 0) return; // a run started meanwhile
    app.setState({ metrics: withBatch(initialMetricsSlice, train, evals) });
    set({ restoredRunId: last.id });
  };

  const onMessage = (msg: FromWorker): void => {
    const { compare, predict } = store.getState();
    switch (msg.type) {
      case 'stored':
        if (msg.error) set({ error: msg.error });
        if (msg.what === 'run') set({ restoredRunId: null });
        void refresh();
        return;
      case 'compareProgress':
        if (msg.requestId !== compare.requestId) return;
        set({
          compare: { ...compare, progress: `${msg.detail} (${msg.done + 1} of ${msg.total})` },
        });
        return;
      case 'compared':
        if (msg.requestId !== compare.requestId) return;
        set({
          compare: {
            ...compare,
            status: 'done',
            progress: null,
            results: msg.results,
            disagreements: findDisagreements(msg.results, compareRows),
            devSize: compareRows.length,
          },
        });
        return;
      case 'predicted':
        if (msg.requestId !== predict.requestId) return;
        set({ predict: { ...predict, status: 'done', results: msg.results, error: null } });
        return;
      case 'requestError':
        if (msg.requestId === compare.requestId) {
          set({ compare: { ...compare, status: 'failed', progress: null, error: msg.message } });
        } else if (msg.requestId === predict.requestId) {
          set({ predict: { ...predict, status: 'failed', error: msg.message } });
        }
        return;
      default:
        return;
    }
  };

  const predictNow = (): void => {
    const { predict, selected } = store.getState();
    if (predict.text.trim() === '' || selected.length === 0) {
      set({ predict: { ...predict, status: 'idle', requestId: null, results: [], error: null } });
      return;
    }
    const id = requestId('predict');
    set({ predict: { ...predict, status: 'running', requestId: id, error: null } });
    // A pair task reads "first sentence ||| second sentence".
    const [a, b] = predict.text.split('|||').map((s) => s.trim());
    bridge.request({
      type: 'predict',
      version: PROTOCOL_VERSION,
      requestId: id,
      keys: [...selected],
      a: a ?? '',
      ...(b !== undefined ? { b } : {}),
    });
  };

  const schedulePredict = (): void => {
    if (debounce !== null) timers.clear(debounce);
    debounce = timers.set(() => {
      debounce = null;
      predictNow();
    }, PREDICT_DEBOUNCE_MS);
  };

  const withStorage = async <T>(what: (s: RunStorage) => Promise<T>): Promise<T | null> => {
    if (!storage) {
      fail(store.getState().error ?? 'browser storage is not available');
      return null;
    }
    try {
      return await what(storage);
    } catch (e) {
      fail(e);
      return null;
    }
  };

  const runName = (id: string): string =>
    fileStem(store.getState().runs.find((r) => r.id === id)?.config.name ?? id);

  return {
    start() {
      started ??= (async () => {
        bridge.subscribe(onMessage);
        try {
          storage = await deps.openStorage();
        } catch (e) {
          set({ status: 'unavailable', error: `Saved runs are unavailable: ${errorText(e)}` });
          return;
        }
        try {
          await storage.markInterrupted();
          await refresh();
          set({ status: 'ready' });
          await restoreCurves(store.getState().runs);
        } catch (e) {
          set({ status: 'ready' });
          fail(e);
        }
      })();
      return started;
    },
    refresh,
    showCurves,
    async deleteRun(id) {
      const ok = await withStorage(async (s) => {
        await s.deleteRun(id);
        return true;
      });
      if (ok) {
        if (store.getState().restoredRunId === id) {
          app.setState({ metrics: initialMetricsSlice });
          set({ restoredRunId: null });
        }
        await refresh();
      }
      return ok === true;
    },
    toggle(key, on) {
      const { selected } = store.getState();
      const next = on
        ? [...selected.filter((k) => k !== key), key]
        : selected.filter((k) => k !== key);
      set({ selected: next });
      if (store.getState().predict.text.trim() !== '') schedulePredict();
    },
    compare() {
      const { selected, compare } = store.getState();
      if (selected.length < 2) {
        set({ compare: { ...compare, error: 'pick two or more checkpoints to compare' } });
        return false;
      }
      const data = registry.get();
      if (!data) {
        set({ compare: { ...compare, error: 'load the task the checkpoints were trained on' } });
        return false;
      }
      compareRows = data.dev;
      const id = requestId('compare');
      set({
        compare: {
          ...initialCompare,
          status: 'running',
          requestId: id,
          keys: [...selected],
          progress: 'starting…',
        },
      });
      bridge.request({
        type: 'compare',
        version: PROTOCOL_VERSION,
        requestId: id,
        keys: [...selected],
        data: { ...data, train: [] }, // only the dev split is evaluated
        latencyRuns: LATENCY_RUNS,
      });
      return true;
    },
    type(text) {
      set({ predict: { ...store.getState().predict, text } });
      schedulePredict();
    },
    exportCheckpoint: (key) =>
      withStorage(async (s) => {
        const r = await s.loadCheckpoint(key);
        if (!r) throw new Error(`no checkpoint ${key}`);
        return {
          name: `${runName(r.runId)}-step-${r.step}${r.role === 'teacher' ? `-${roleName(r).replace(' ', '-')}` : ''}.safetensors`,
          type: 'application/octet-stream',
          data: checkpointToSafetensors(r),
        };
      }),
    exportRunJson: (id) =>
      withStorage(async (s) => ({
        name: `${runName(id)}.run.json`,
        type: 'application/json',
        data: runExportToJson(await s.exportRun(id)),
      })),
    exportMetricsCsv: (id) =>
      withStorage(async (s) => {
        const { train, evals } = await s.readMetrics(id);
        return {
          name: `${runName(id)}.metrics.csv`,
          type: 'text/csv',
          data: metricsToCsv(train, evals),
        };
      }),
    async importFile(file) {
      const ok = await withStorage(async (s) => {
        if (file.name.toLowerCase().endsWith('.safetensors')) {
          const { run, notes } = await s.importSafetensors(
            new Uint8Array(await file.arrayBuffer()),
            file.name,
          );
          const more = notes.length > 0 ? ` (${notes.join('; ')})` : '';
          set({ error: null, notice: `Imported ${file.name} as run '${run.config.name}'${more}` });
        } else {
          const run = await s.importRunJson(await file.text(), file.name);
          set({ error: null, notice: `Imported run '${run.config.name}' from ${file.name}` });
        }
        return true;
      });
      if (ok) await refresh();
      return ok === true;
    },
    dismissError: () => set({ error: null, notice: null }),
    async resume(id) {
      const { runs, resumable } = store.getState();
      const run = runs.find((r) => r.id === id);
      if (!run || run.status !== 'interrupted') {
        fail(`run '${run?.config.name ?? id}' is not an interrupted run`);
        return false;
      }
      const blocker = resumeBlocker(run, resumable.includes(id));
      if (blocker) {
        fail(`Run '${run.config.name}' cannot resume. ${blocker}`);
        return false;
      }
      if (isActive(app.getState().run.phase)) {
        fail('a run is training: stop it (or let it end) before resuming another');
        return false;
      }
      const ref = run.config.task;
      const loaded = app.getState().task.summary?.ref;
      let data = loaded && sameTask(loaded, ref) ? registry.get() : null;
      if (!data && ref.source !== 'file' && deps.loadTask) {
        data = (await deps.loadTask(ref)) ? registry.get() : null;
      }
      if (!data) {
        const what =
          ref.source === 'file' ? `the files ${ref.files.join(', ')}` : 'the task it trained on';
        fail(
          `Run '${run.config.name}' cannot resume until ${what} is loaded again: load it in the Data panel, then press Resume`,
        );
        return false;
      }
      set({ error: null, notice: null, restoredRunId: null });
      // The form shows the resumed run's config (as the session and Run panel read it).
      app.setState({ config: configSlice(structuredClone(run.config)) });
      bridge.resumeRun(id, data);
      return true;
    },
  };
}

/** Subscribes a component to one value of a library store; keep selectors narrow. */
export function useLibraryStore<T>(store: LibraryStore, selector: (s: LibraryState) => T): T {
  return useStore(store, selector);
}

/** A new library store. */
export function createLibraryStore(): LibraryStore {
  return createStore<LibraryState>()(() => initialLibraryState);
}
