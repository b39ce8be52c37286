// The app store: one zustand store made of slices (task summary, config, run, backend, metrics,
// demo settings).
// Serialisable data only: no Worker, no TaskData rows, no functions. Actions live outside it
// (actions.ts, bridge.ts) and components read it through narrow selectors (useApp).
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { initialConfigSlice, type ConfigSlice } from './slices/config';
import { initialDemoSlice, type DemoSlice } from './slices/demo';
import { initialMetricsSlice, type MetricsSlice } from './slices/metrics';
import {
  initialBackendSlice,
  initialRunSlice,
  type BackendSlice,
  type RunSlice,
} from './slices/run';
import { initialSessionSlice, type SessionSlice } from './slices/session';
import { initialTaskSlice, type TaskSlice } from './slices/task';

export interface AppState {
  task: TaskSlice;
  config: ConfigSlice;
  run: RunSlice;
  backend: BackendSlice;
  metrics: MetricsSlice;
  /** Presenter layout, theme, loaded demo preset, URL problems (src/store/url-sync.ts). */
  demo: DemoSlice;
  /** This page session's runs (queued and started), their series, the chart view settings. */
  session: SessionSlice;
}

export type AppStore = StoreApi<AppState>;

/** A fresh initial state (default config, no task, no run). */
export function initialAppState(): AppState {
  return {
    task: initialTaskSlice,
    config: initialConfigSlice(),
    run: initialRunSlice,
    backend: initialBackendSlice,
    metrics: initialMetricsSlice,
    demo: initialDemoSlice,
    session: initialSessionSlice,
  };
}

/** A new store; the app uses the `appStore` singleton, tests make their own. */
export function createAppStore(initial: AppState = initialAppState()): AppStore {
  return createStore<AppState>()(() => initial);
}

/** The app's store. */
export const appStore: AppStore = createAppStore();

/** Subscribes a component to one value of the app store; keep selectors narrow. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}

export type { ConfigSlice } from './slices/config';
export type { DemoSlice } from './slices/demo';
export type { MetricsSlice } from './slices/metrics';
export type { BackendSlice, RunSlice, UiPhase, RunError, RunOutcome } from './slices/run';
export type { SessionSlice, SessionRun, EntryStatus } from './slices/session';
export type { TaskSlice, TaskSummary, DataErrorView, TaskSource } from './slices/task';
