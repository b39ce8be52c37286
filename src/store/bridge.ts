// The one owner of the training worker (STYLE R9): creates it once, attaches its listeners once,
// sends typed ToWorker messages, and routes FromWorker messages into the store. Messages for a run
// other than the current one are dropped (the typed form of a generation counter).
// DOM-free at import time: the Worker is made by an injected factory, so tests run in Node.
import type { BackendPref, RunConfig } from '../config/run-config';
import type { TaskData } from '../data';
import {
  assertNever,
  PROTOCOL_VERSION,
  type FromWorker,
  type TeacherFileBytes,
  type ToWorker,
} from '../protocol';
import type { AppState, AppStore } from './index';
import { withBatch, initialMetricsSlice } from './slices/metrics';
import { runStarted, withPhase, isTerminal, type RunError } from './slices/run';

/** What the bridge reads of a worker event: `data` of a message, `message` of an error. */
export interface WorkerEventLike {
  data?: unknown;
  message?: string;
}

/** The part of a Worker the bridge uses; a real Worker fits, and so does a test fake. */
export interface WorkerLike {
  postMessage(message: ToWorker): void;
  addEventListener(type: 'message' | 'error', listener: (event: WorkerEventLike) => void): void;
  terminate(): void;
}

export type WorkerFactory = () => WorkerLike;

/** The training worker as Vite bundles it (a module worker). Call only in a browser. */
export const createTrainingWorker: WorkerFactory = () =>
  new Worker(new URL('../train/worker.ts', import.meta.url), { type: 'module' });

const FROM_WORKER_TYPES: ReadonlySet<string> = new Set<FromWorker['type']>([
  'ready',
  'prepared',
  'phase',
  'metrics',
  'done',
  'error',
  'stored',
  'compareProgress',
  'compared',
  'predicted',
  'requestError',
]);

/**
 * Whether a posted value is a FromWorker message. The worker is our own code, so this checks the
 * discriminant only; a stray message (a browser extension, a library's internal post) is ignored.
 */
export function isFromWorker(value: unknown): value is FromWorker {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false;
  return typeof value.type === 'string' && FROM_WORKER_TYPES.has(value.type);
}

function runError(state: AppState, error: RunError): AppState {
  return {
    ...state,
    run: { ...state.run, error, phase: isTerminal(state.run.phase) ? state.run.phase : 'failed' },
  };
}

/**
 * The store after one worker message (pure). Run-scoped messages whose runId is not the current
 * run's are dropped, returning `state` itself.
 */
export function routeMessage(state: AppState, msg: FromWorker): AppState {
  switch (msg.type) {
    case 'ready':
      if (msg.version !== PROTOCOL_VERSION) {
        const message = `worker speaks protocol v${msg.version}, the page v${PROTOCOL_VERSION}: reload the page`;
        return { ...state, backend: { ...state.backend, status: 'failed', error: message } };
      }
      return {
        ...state,
        backend: {
          ...state.backend,
          status: 'ready',
          info: msg.backend,
          available: msg.available,
          error: null,
        },
      };
    case 'prepared':
      if (msg.runId !== state.run.runId) return state;
      return { ...state, run: { ...state.run, prepared: msg.info } };
    case 'phase':
      if (msg.runId !== state.run.runId) return state;
      return { ...state, run: withPhase(state.run, msg.phase, msg.detail ?? null) };
    case 'metrics':
      if (msg.runId !== state.run.runId) return state;
      return {
        ...state,
        run: { ...state.run, progress: msg.progress },
        metrics: withBatch(state.metrics, msg.train, msg.evals),
      };
    case 'done':
      if (msg.runId !== state.run.runId) return state;
      return {
        ...state,
        run: {
          // 'done' also follows a stop (with the final eval); the phase keeps saying 'stopped'.
          ...(isTerminal(state.run.phase) ? state.run : withPhase(state.run, 'done', null)),
          outcome: { best: msg.best, final: msg.final, wallSec: msg.wallSec },
        },
      };
    case 'error':
      if (msg.where === 'init' && msg.runId === undefined) {
        return { ...state, backend: { ...state.backend, status: 'failed', error: msg.message } };
      }
      if (msg.runId !== undefined && msg.runId !== state.run.runId) return state;
      return runError(state, { where: msg.where, message: msg.message });
    // Saved runs and checkpoints: the library (./library.ts) listens for these through
    // WorkerBridge.subscribe; the run and metrics slices do not change.
    case 'stored':
    case 'compareProgress':
    case 'compared':
    case 'predicted':
    case 'requestError':
      return state;
    default:
      return assertNever(msg);
  }
}

let runCounter = 0;

/** A fresh run id: unique within the page, readable in logs. */
export function newRunId(now: number = Date.now()): string {
  runCounter += 1;
  return `run-${now.toString(36)}-${runCounter}`;
}

/** Owns the worker's lifetime and is the only way the page talks to it. */
export class WorkerBridge {
  private worker: WorkerLike | null = null;
  private disposed = false;
  private readonly listeners = new Set<(msg: FromWorker) => void>();

  constructor(
    private readonly store: AppStore,
    private readonly createWorker: WorkerFactory,
  ) {}

  /** The worker, created (and listened to) on first use only. */
  private ensureWorker(): WorkerLike {
    if (this.disposed) throw new Error('WorkerBridge: used after dispose()');
    if (this.worker) return this.worker;
    const worker = this.createWorker();
    worker.addEventListener('message', (event) => this.handle(event.data));
    worker.addEventListener('error', (event) => this.handleCrash(event.message));
    this.worker = worker;
    return worker;
  }

  private post(message: ToWorker): void {
    this.ensureWorker().postMessage(message);
  }

  /** Routes one posted value into the store (the worker's 'message' listener). */
  handle(data: unknown): void {
    if (this.disposed || !isFromWorker(data)) return;
    const before = this.store.getState();
    const after = routeMessage(before, data);
    if (after !== before) this.store.setState(after, true);
    for (const fn of this.listeners) fn(data);
  }

  /** Calls `fn` with every worker message after the store has seen it; returns the unsubscribe. */
  subscribe(fn: (msg: FromWorker) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** Sends a request that is not about the current run ('compare', 'predict'). */
  request(message: Extract<ToWorker, { type: 'compare' | 'predict' }>): void {
    this.post(message);
  }

  /** The worker script failed (did not load, or threw outside the protocol). */
  private handleCrash(message: string | undefined): void {
    if (this.disposed) return;
    const text = `the training worker crashed: ${message || 'no details (see the browser console)'}`;
    const state = this.store.getState();
    const next = runError(state, { where: 'worker', message: text });
    this.store.setState(
      state.backend.status === 'starting'
        ? { ...next, backend: { ...state.backend, status: 'failed', error: text } }
        : next,
      true,
    );
  }

  /** Asks the worker to (re)pick a backend; the store shows 'starting' until `ready`. */
  init(pref: BackendPref): void {
    const { backend } = this.store.getState();
    this.store.setState({ backend: { ...backend, pref, status: 'starting', error: null } });
    this.post({ type: 'init', version: PROTOCOL_VERSION, backend: pref });
  }

  /**
   * Starts a run on `data` (a second start stops the first, in the worker). Resets the run and
   * metrics slices and returns the new run id.
   */
  start(
    config: RunConfig,
    data: TaskData,
    runId: string = newRunId(),
    teacherFiles?: TeacherFileBytes[],
  ): string {
    this.store.setState({ run: runStarted(runId), metrics: initialMetricsSlice });
    this.post({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId,
      config,
      data,
      ...(teacherFiles ? { teacherFiles } : {}),
    });
    return runId;
  }

  /**
   * Continues the interrupted run `runId` from its resume point on `data` (the task it trained
   * on): it becomes the current run, its charts refilled from the stored history the worker sends.
   */
  resumeRun(runId: string, data: TaskData): void {
    this.store.setState({ run: runStarted(runId), metrics: initialMetricsSlice });
    this.post({ type: 'resumeRun', version: PROTOCOL_VERSION, runId, data });
  }

  /** Pauses the current run (the worker answers with phase 'paused'). */
  pause(): void {
    const { runId } = this.store.getState().run;
    if (runId) this.post({ type: 'pause', runId });
  }

  /** Resumes the current run. */
  resume(): void {
    const { runId } = this.store.getState().run;
    if (runId) this.post({ type: 'resume', runId });
  }

  /** Stops the current run (the worker answers with phase 'stopped'). */
  stop(): void {
    const { runId } = this.store.getState().run;
    if (runId) this.post({ type: 'stop', runId });
  }

  /** Terminates the worker; the bridge ignores everything afterwards. */
  dispose(): void {
    this.disposed = true;
    this.worker?.terminate();
    this.worker = null;
  }
}
