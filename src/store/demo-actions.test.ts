// Demo actions over a fresh store and recording fake app actions: a preset's run loads into the
// form (its task loaded only when another one is), nothing changes while a run is active, and the
// start/pause key does what the enabled run control would.
import { describe, expect, it } from 'vitest';
import { demoPresetRuns } from '../config/demo-presets';
import type { RunConfig } from '../config/run-config';
import type { AppActions } from './actions';
import { createDemoActions, loadTaskOf, playPauseAction } from './demo-actions';
import { createAppStore, type AppState, type AppStore } from './index';
import { configSlice, withBackend } from './slices/config';
import type { UiPhase } from './slices/run';
import type { TaskSummary } from './slices/task';

function fakeActions(): AppActions & { calls: string[] } {
  const calls: string[] = [];
  const ok = (what: string) => {
    calls.push(what);
    return Promise.resolve(true);
  };
  return {
    calls,
    loadEmbedded: (seed) => ok(`embedded ${seed}`),
    loadFiles: (files, task) => ok(`files ${task} ${files.length}`),
    loadUrls: (task, train, dev) => ok(`urls ${task} ${train} ${dev}`),
    loadHub: (dataset, config, task) => ok(`hub ${dataset} ${config} ${task}`),
    updateConfig: () => calls.push('updateConfig'),
    setBackend: (pref) => calls.push(`backend ${pref}`),
    start: () => {
      calls.push('start');
      return 'run-1';
    },
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    stop: () => calls.push('stop'),
  };
}

function summary(seed: number): TaskSummary {
  return {
    id: 'embedded',
    name: 'Embedded',
    source: `embedded (seed ${seed})`,
    kind: 'classification',
    pair: false,
    trainRows: 10,
    devRows: 2,
    balance: { kind: 'classes', classes: [] },
    metrics: ['accuracy'],
    mainMetric: 'accuracy',
    examples: [],
    ref: { source: 'embedded', seed },
    hasVocab: false,
  };
}

function withPhase(store: AppStore, phase: UiPhase, ready = true): void {
  store.setState((s) => ({
    run: { ...s.run, phase },
    backend: { ...s.backend, status: ready ? 'ready' : 'starting' },
  }));
}

describe('loadTaskOf', () => {
  it('loads each source through its action; a file task falls back to the embedded one', async () => {
    const a = fakeActions();
    await loadTaskOf(a, { source: 'embedded', seed: 3 });
    await loadTaskOf(a, { source: 'url', task: 'sst2', trainUrl: 'http://t', devUrl: '' });
    await loadTaskOf(a, { source: 'hub', task: 'rte', dataset: 'nyu-mll/glue', config: 'rte' });
    await loadTaskOf(a, { source: 'file', task: 'own', files: ['a.tsv'] });
    expect(a.calls).toEqual([
      'embedded 3',
      'urls sst2 http://t ',
      'hub nyu-mll/glue rte rte',
      'embedded 1',
    ]);
  });
});

describe('loadPresetRun', () => {
  it("loads the run into the form, keeps this machine's backend, loads a different task", () => {
    const store = createAppStore();
    const a = fakeActions();
    const demo = createDemoActions(store, a);
    store.setState((s) => ({
      config: configSlice(withBackend(s.config.config, 'webgpu')),
      task: { ...s.task, summary: summary(5) },
    }));
    expect(demo.loadPresetRun('annealing-vs-vanilla', 2)).toBe(true);
    const s = store.getState();
    const run2 = demoPresetRuns('annealing-vs-vanilla')[1]!;
    expect(s.config.config).toEqual({ ...run2, backend: 'webgpu' });
    expect(s.config.errors).toEqual([]);
    expect(s.demo).toMatchObject({ preset: 'annealing-vs-vanilla', run: 2 });
    expect(a.calls).toEqual(['embedded 1']);
  });

  it('does not reload the task it already has', () => {
    const store = createAppStore();
    const a = fakeActions();
    store.setState((s) => ({ task: { ...s.task, summary: summary(1) } }));
    expect(createDemoActions(store, a).loadPresetRun('vanilla-vs-none', 1)).toBe(true);
    expect(a.calls).toEqual([]);
  });

  it('refuses while a run is active, and for unknown presets or runs', () => {
    const store = createAppStore();
    const demo = createDemoActions(store, fakeActions());
    const before = store.getState().config;
    expect(demo.loadPresetRun('nope', 1)).toBe(false);
    expect(demo.loadPresetRun('vanilla-vs-none', 3)).toBe(false);
    withPhase(store, 'training');
    expect(demo.loadPresetRun('vanilla-vs-none', 1)).toBe(false);
    expect(store.getState().config).toBe(before);
    expect(store.getState().demo.preset).toBeNull();
  });
});

describe('queuePreset', () => {
  function fakeQueue() {
    const calls: string[] = [];
    const queued: RunConfig[] = [];
    return {
      calls,
      queued,
      enqueueConfig: (c: RunConfig, name: string) => {
        queued.push(c);
        calls.push(`enqueue ${name}`);
      },
      startQueue: () => calls.push('start queue'),
    };
  }

  it('queues every run with this backend after loading the task, then starts the queue', async () => {
    const store = createAppStore();
    const a = fakeActions();
    const q = fakeQueue();
    store.setState((s) => ({
      config: configSlice(withBackend(s.config.config, 'wasm')),
      task: { ...s.task, summary: summary(5) },
    }));
    const runs = demoPresetRuns('annealing-vs-vanilla');
    expect(await createDemoActions(store, a, () => q).queuePreset('annealing-vs-vanilla')).toBe(
      true,
    );
    expect(a.calls).toEqual(['embedded 1']); // the preset's task, before anything is queued
    expect(q.calls).toEqual([...runs.map((r) => `enqueue ${r.name}`), 'start queue']);
    expect(q.queued).toEqual(runs.map((r) => ({ ...r, backend: 'wasm' })));
    expect(store.getState().demo).toMatchObject({ preset: 'annealing-vs-vanilla', run: 1 });
  });

  it('queues nothing while a run is active, for an unknown preset, or when the task fails', async () => {
    const store = createAppStore();
    const q = fakeQueue();
    const a = fakeActions();
    a.loadEmbedded = () => Promise.resolve(false);
    const demo = createDemoActions(store, a, () => q);
    expect(await demo.queuePreset('nope')).toBe(false);
    expect(await demo.queuePreset('vanilla-vs-none')).toBe(false); // the task did not load
    withPhase(store, 'training');
    expect(await demo.queuePreset('vanilla-vs-none')).toBe(false);
    expect(await createDemoActions(store, fakeActions()).queuePreset('vanilla-vs-none')).toBe(
      false,
    ); // no queue
    expect(q.calls).toEqual([]);
  });
});

describe('the start/pause key', () => {
  const state = (store: AppStore): AppState => store.getState();

  it('starts when Start would, pauses while training, resumes while paused', () => {
    const store = createAppStore();
    const a = fakeActions();
    const demo = createDemoActions(store, a);
    // No task yet, backend starting: nothing.
    withPhase(store, 'idle', false);
    expect(playPauseAction(state(store))).toBeNull();
    expect(demo.playPause()).toBeNull();
    store.setState((s) => ({ task: { ...s.task, summary: summary(1) } }));
    expect(playPauseAction(state(store))).toBeNull();
    withPhase(store, 'idle');
    expect(demo.playPause()).toBe('start');
    withPhase(store, 'compiling');
    expect(demo.playPause()).toBeNull();
    withPhase(store, 'training');
    expect(demo.playPause()).toBe('pause');
    withPhase(store, 'paused');
    expect(demo.playPause()).toBe('resume');
    withPhase(store, 'done');
    expect(playPauseAction(state(store))).toBe('start');
    // A config with errors blocks Start, as it blocks the button.
    store.setState((s) => ({
      config: configSlice({ ...s.config.config, train: { ...s.config.config.train, steps: 0 } }),
    }));
    expect(playPauseAction(state(store))).toBeNull();
    expect(a.calls).toEqual(['start', 'pause', 'resume']);
  });

  it('settings: presenter, theme, help, dismissing the URL problems', () => {
    const store = createAppStore();
    const demo = createDemoActions(store, fakeActions());
    store.setState((s) => ({
      demo: { ...s.demo, problems: [{ key: 'x', message: 'unknown URL key' }] },
    }));
    demo.setPresenter(true);
    demo.setTheme('light');
    demo.setHelpOpen(true);
    demo.dismissProblems();
    expect(store.getState().demo).toMatchObject({
      presenter: true,
      theme: 'light',
      helpOpen: true,
      problems: [],
    });
  });
});
