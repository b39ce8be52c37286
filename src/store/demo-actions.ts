// Demo actions, outside components like actions.ts: load a demo preset's run (with its task), the
// presenter and theme settings, the shortcuts help, the URL-problems notice, and the one key that
// starts, pauses or resumes. Built over an injected store and the app actions, so tests drive them
// in Node with fakes.
import { DEMO_PRESETS, demoPresetRuns } from '../config/demo-presets';
import type { RunConfig, TaskRef } from '../config/run-config';
import { jsonEqual, type Theme } from '../config/url';
import type { AppActions } from './actions';
import type { AppState, AppStore } from './index';
import { configSlice } from './slices/config';
import { isActive, runControls } from './slices/run';

/**
 * Loads the task a config names through the app actions. A file task cannot be reopened by the
 * page (the person has to choose the files), so the embedded task (seed 1) stands in for it.
 */
export function loadTaskOf(actions: AppActions, ref: TaskRef): Promise<boolean> {
  switch (ref.source) {
    case 'embedded':
      return actions.loadEmbedded(ref.seed);
    case 'url':
      return actions.loadUrls(ref.task, ref.trainUrl, ref.devUrl);
    case 'hub':
      return actions.loadHub(ref.dataset, ref.config, ref.task);
    case 'file':
      return actions.loadEmbedded(1);
  }
}

/** What the start/pause key does in a state: start, pause, resume, or nothing. */
export type PlayAction = 'start' | 'pause' | 'resume' | null;

/** The start/pause key's action: the run control that is enabled, as the Run panel's buttons. */
export function playPauseAction(s: AppState): PlayAction {
  const rc = runControls(s.run.phase, s.backend.status === 'ready');
  if (rc.canPause) return 'pause';
  if (rc.canResume) return 'resume';
  const blocked = s.config.errors.length > 0 || s.task.summary === null;
  return rc.canStart && !blocked ? 'start' : null;
}

/** What queueing a whole preset needs of the run queue (src/store/session.ts). */
export interface PresetQueue {
  enqueueConfig(config: RunConfig, name: string): void;
  startQueue(): void;
}

export interface DemoActions {
  /**
   * Loads run `run` (1-based) of a demo preset into the form, keeping this machine's backend
   * choice, and loads its task if another one is loaded. False (nothing changes) while a run is
   * active or for an unknown preset or run.
   */
  loadPresetRun(name: string, run: number): boolean;
  /**
   * Queues every run of a demo preset (this machine's backend kept) and starts the queue, once
   * the preset's task is loaded: the first run is also put in the form. Resolves false (nothing
   * queued) while a run is active, for an unknown preset, without a queue, or when its task does
   * not load.
   */
  queuePreset(name: string): Promise<boolean>;
  setPresenter(on: boolean): void;
  setTheme(theme: Theme): void;
  dismissProblems(): void;
  setHelpOpen(open: boolean): void;
  /** Starts, pauses or resumes, whichever is possible now; returns what it did. */
  playPause(): PlayAction;
}

/** Demo actions over one store and the app actions (and the run queue, to queue a preset). */
export function createDemoActions(
  store: AppStore,
  actions: AppActions,
  queue?: () => PresetQueue,
): DemoActions {
  const setDemo = (patch: Partial<AppState['demo']>): void =>
    store.setState((s) => ({ demo: { ...s.demo, ...patch } }));
  /** Puts run `run` of preset `name` in the form; the task load it needs (or null), else false. */
  const intoForm = (name: string, run: number): Promise<boolean> | null | false => {
    const s = store.getState();
    if (isActive(s.run.phase)) return false;
    if (!Object.prototype.hasOwnProperty.call(DEMO_PRESETS, name)) return false;
    const config = demoPresetRuns(name)[run - 1];
    if (!config) return false;
    const withBackend = { ...config, backend: s.config.config.backend };
    store.setState((st) => ({
      config: configSlice(withBackend),
      demo: { ...st.demo, preset: name, run },
    }));
    const loaded = s.task.summary?.ref;
    return !loaded || !jsonEqual(loaded, config.task) ? loadTaskOf(actions, config.task) : null;
  };
  return {
    loadPresetRun(name, run) {
      const loading = intoForm(name, run);
      if (loading === false) return false;
      if (loading) void loading;
      return true;
    },
    async queuePreset(name) {
      const q = queue?.();
      if (!q) return false;
      const loading = intoForm(name, 1);
      if (loading === false) return false;
      if (loading && !(await loading)) return false;
      const backend = store.getState().config.config.backend;
      for (const config of demoPresetRuns(name))
        q.enqueueConfig({ ...config, backend }, config.name);
      q.startQueue();
      return true;
    },
    setPresenter: (on) => setDemo({ presenter: on }),
    setTheme: (theme) => setDemo({ theme }),
    dismissProblems: () => setDemo({ problems: [] }),
    setHelpOpen: (open) => setDemo({ helpOpen: open }),
    playPause() {
      const what = playPauseAction(store.getState());
      if (what === 'start') return actions.start() === null ? null : 'start';
      if (what === 'pause') actions.pause();
      if (what === 'resume') actions.resume();
      return what;
    },
  };
}
