// The page's library over fake-indexeddb and a fake bridge: start lists the saved runs, marks a
// run a closed tab left running as interrupted and puts the newest run's curves in the charts;
// delete, export and import go through storage; compare and predict send the right requests and
// take only their own answers; typing is debounced; disagreements and agreement are computed;
// an interrupted run with a resume point resumes on its task (loaded again if another is loaded),
// and one that cannot says why.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { TaskData } from '../data';
import type { CheckpointEvaluation, FromWorker, ToWorker } from '../protocol';
import { RunStorage, weightsFromArrays } from '../storage';
import { createAppStore } from './index';
import { initialMetricsSlice } from './slices/metrics';
import {
  agreement,
  createLibrary,
  createLibraryStore,
  fileStem,
  findDisagreements,
  PREDICT_DEBOUNCE_MS,
} from './library';
import { createTaskRegistry } from './task-registry';
import { summariseTask } from './slices/task';
import { runStarted } from './slices/run';
import type { TaskRef } from '../config/run-config';
import { negPosSpec } from './testing';

const task: TaskData = {
  spec: negPosSpec('toy', 'Toy'),
  train: [{ a: 'fine', label: 1 }],
  dev: [
    { a: 'good', label: 1 },
    { a: 'bad', label: 0 },
    { a: 'meh', label: 0 },
  ],
  source: 'test',
};

function evaluation(key: string, predictions: number[]): CheckpointEvaluation {
  return {
    key,
    ok: true,
    task: 'Toy',
    kind: 'classification',
    labelNames: ['neg', 'pos'],
    mainMetric: 'accuracy',
    loss: 0.5,
    metrics: { accuracy: 0.5 },
    main: 0.5,
    predictions,
    confidence: predictions.map(() => 0.9),
    confusion: [
      [1, 1],
      [0, 1],
    ],
    params: 100,
    flopsPerToken: 200,
    bytes: 400,
    latencyMs: { median: 1, runs: [1] },
    backend: 'cpu',
  };
}

let seq = 0;

async function setup() {
  const name = `library-test-${++seq}`;
  const storage = await RunStorage.open(name);
  const sent: ToWorker[] = [];
  const resumed: { runId: string; data: TaskData }[] = [];
  const loads: TaskRef[] = [];
  let listener: ((m: FromWorker) => void) | null = null;
  const pending: Array<() => void> = [];
  const store = createLibraryStore();
  const app = createAppStore();
  const registry = createTaskRegistry();
  const library = createLibrary({
    store,
    app,
    registry,
    bridge: {
      subscribe: (fn) => {
        listener = fn;
        return () => (listener = null);
      },
      request: (m) => sent.push(m),
      resumeRun: (runId, data) => resumed.push({ runId, data }),
    },
    openStorage: () => RunStorage.open(name),
    loadTask: async (ref) => {
      loads.push(ref);
      if (ref.source !== 'embedded') return false;
      registry.set(task);
      app.setState((st) => ({ task: { ...st.task, summary: summariseTask(task, ref) } }));
      return true;
    },
    timers: {
      set: (fn) => pending.push(fn),
      clear: () => pending.splice(0),
    },
  });
  const emit = (m: FromWorker) => listener?.(m);
  const fire = () => pending.splice(0).forEach((f) => f());
  return { storage, store, app, registry, library, sent, emit, fire, resumed, loads };
}

async function savedRun(storage: RunStorage, id: string, name: string, status = 'done' as const) {
  const c = defaultRunConfig();
  c.name = name;
  await storage.createRun(c, { id, status });
  await storage.appendMetrics(
    id,
    [
      { step: 1, loss: 0.7, lr: 0.01, gradNorm: 1 },
      { step: 2, loss: 0.6, lr: 0.01, gradNorm: 1 },
    ],
    [{ step: 2, loss: 0.65, metrics: { accuracy: 0.6 }, main: 0.6 }],
  );
  const meta = await storage.saveCheckpoint({
    runId: id,
    step: 2,
    label: 'best+final',
    weights: weightsFromArrays(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]])),
  });
  return meta.key;
}

describe('library helpers', () => {
  it('finds the dev examples where ok classification results disagree', () => {
    const rows = findDisagreements(
      [
        evaluation('a', [1, 0, 1]),
        { key: 'x', ok: false, error: 'bad' },
        evaluation('b', [1, 1, 0]),
      ],
      task.dev,
    );
    expect(rows.map((r) => [r.index, r.a, r.gold, r.predictions])).toEqual([
      [1, 'bad', 0, [0, 1]],
      [2, 'meh', 0, [1, 0]],
    ]);
    expect(findDisagreements([evaluation('a', [1, 0, 1])], task.dev)).toEqual([]);
  });

  it('agreement is the share of equal predictions; file stems are safe', () => {
    expect(agreement([1, 0, 1, 1], [1, 1, 1, 0])).toBe(0.5);
    expect(agreement([], [])).toBeNaN();
    expect(fileStem('KD: vanilla / T=4')).toBe('KD-vanilla-T-4');
    expect(fileStem('///')).toBe('run');
  });
});

describe('library', () => {
  it('starts: lists runs newest first, marks a run left running interrupted, restores its curves', async () => {
    const { storage, store, app, library } = await setup();
    await savedRun(storage, 'old', 'older run');
    await new Promise((r) => setTimeout(r, 2));
    await savedRun(storage, 'new', 'newer run', 'running' as 'done');
    await library.start();
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.runs.map((r) => [r.id, r.status])).toEqual([
      ['new', 'interrupted'],
      ['old', 'done'],
    ]);
    expect(s.usage?.runs).toBe(2);
    expect(s.usage?.checkpointBytes).toBe(16);
    expect(s.restoredRunId).toBe('new');
    expect(app.getState().metrics.loss.points.map((p) => p.loss)).toEqual([0.7, 0.6]);
    expect(app.getState().metrics.evals.seen).toBe(1);
    storage.close();
  });

  it('deletes a run (and clears its restored curves), exports CSV and JSON, imports the JSON back', async () => {
    const { storage, store, app, library } = await setup();
    const key = await savedRun(storage, 'r1', 'my run');
    await library.start();
    library.toggle(key, true);
    const csv = await library.exportMetricsCsv('r1');
    expect(csv?.name).toBe('my-run.metrics.csv');
    expect(String(csv?.data).split('\n')[0]).toMatch(/^step,loss,lr,grad_norm/);
    const json = await library.exportRunJson('r1');
    const st = await library.exportCheckpoint(key);
    expect(st?.name).toBe('my-run-step-2.safetensors');
    expect(st?.data).toBeInstanceOf(Uint8Array);

    expect(await library.deleteRun('r1')).toBe(true);
    expect(store.getState().runs).toEqual([]);
    expect(store.getState().selected).toEqual([]);
    expect(app.getState().metrics.loss.seen).toBe(0);

    const file = (name: string, text: string) => ({
      name,
      text: async () => text,
      arrayBuffer: async () => new TextEncoder().encode(text).buffer,
    });
    expect(await library.importFile(file('my-run.run.json', String(json!.data)))).toBe(true);
    expect(store.getState().runs.map((r) => r.config.name)).toEqual(['my run']);
    expect(store.getState().notice).toMatch(/Imported run 'my run'/);
    expect(await library.importFile(file('broken.json', '{"format": "nope"}'))).toBe(false);
    expect(store.getState().error).toMatch(/broken\.json: not a Distillery run export/);
    expect(store.getState().runs).toHaveLength(1);
    storage.close();
  });

  it('compares: sends the dev split, takes only its own answer, computes disagreements', async () => {
    const { storage, store, registry, library, sent, emit } = await setup();
    const a = await savedRun(storage, 'ra', 'A');
    const b = await savedRun(storage, 'rb', 'B');
    await library.start();
    library.toggle(a, true);
    expect(library.compare()).toBe(false); // one pick
    library.toggle(b, true);
    expect(library.compare()).toBe(false); // no task loaded
    expect(store.getState().compare.error).toMatch(/load the task/);
    registry.set(task);
    expect(library.compare()).toBe(true);
    const req = sent.at(-1)!;
    if (req.type !== 'compare') throw new Error(req.type);
    expect(req.keys).toEqual([a, b]);
    expect(req.data.dev).toEqual(task.dev);
    expect(req.data.train).toEqual([]);
    emit({ type: 'compared', requestId: 'someone-else', results: [] });
    expect(store.getState().compare.status).toBe('running');
    emit({ type: 'compareProgress', requestId: req.requestId, done: 1, total: 2, detail: 'B' });
    expect(store.getState().compare.progress).toBe('B (2 of 2)');
    emit({
      type: 'compared',
      requestId: req.requestId,
      results: [evaluation(a, [1, 0, 0]), evaluation(b, [1, 0, 1])],
    });
    const c = store.getState().compare;
    expect(c.status).toBe('done');
    expect(c.devSize).toBe(3);
    expect(c.disagreements.map((d) => d.index)).toEqual([2]);
    storage.close();
  });

  it('debounces typing into one predict request for the picked checkpoints', async () => {
    const { storage, store, library, sent, emit, fire } = await setup();
    const a = await savedRun(storage, 'ra', 'A');
    await library.start();
    library.toggle(a, true);
    library.type('g');
    library.type('go');
    library.type('good ||| film');
    expect(sent).toEqual([]);
    fire();
    expect(sent).toHaveLength(1);
    const req = sent[0]!;
    if (req.type !== 'predict') throw new Error(req.type);
    expect(req).toMatchObject({ keys: [a], a: 'good', b: 'film' });
    emit({
      type: 'predicted',
      requestId: req.requestId,
      results: [
        {
          key: a,
          ok: true,
          prediction: 1,
          probs: [0.2, 0.8],
          labelNames: ['neg', 'pos'],
          tokens: 4,
          latencyMs: 2,
        },
      ],
    });
    expect(store.getState().predict.results[0]).toMatchObject({ prediction: 1 });
    library.type('');
    fire();
    expect(sent).toHaveLength(1); // empty text asks nothing
    expect(store.getState().predict.results).toEqual([]);
    expect(PREDICT_DEBOUNCE_MS).toBeGreaterThan(0);
    storage.close();
  });

  it("shows a saved run's curves in the charts, but not over an active run", async () => {
    const { storage, store, app, library } = await setup();
    await savedRun(storage, 'a', 'A');
    await library.start();
    app.setState({ metrics: initialMetricsSlice });
    expect(await library.showCurves('a')).toBe(true);
    expect(app.getState().metrics.loss.points.map((p) => p.step)).toEqual([1, 2]);
    expect(store.getState().restoredRunId).toBe('a');
    app.setState((s) => ({ run: { ...s.run, phase: 'training' } }));
    expect(await library.showCurves('a')).toBe(false);
    expect(store.getState().error).toMatch(/a run is training/);
    storage.close();
  });

  it('shows a storage report from the worker and refreshes the list', async () => {
    const { storage, store, library, emit } = await setup();
    await library.start();
    await savedRun(storage, 'late', 'late run');
    emit({ type: 'stored', runId: 'late', what: 'run', error: 'Browser storage is full' });
    await new Promise((r) => setTimeout(r, 50));
    expect(store.getState().error).toBe('Browser storage is full');
    expect(store.getState().runs.map((r) => r.id)).toEqual(['late']);
    storage.close();
  });

  it('resumes an interrupted run with a resume point on its task, loading it when another is loaded', async () => {
    const { storage, store, app, library, resumed, loads } = await setup();
    await savedRun(storage, 'cut', 'cut run', 'running' as 'done');
    await storage.saveResumePoint({
      runId: 'cut',
      step: 2,
      weights: weightsFromArrays(new Map([['w', { shape: [1], data: new Float32Array([1]) }]])),
      optimizer: { step: 2, names: ['w'], m: new ArrayBuffer(4), v: new ArrayBuffer(4) },
      best: null,
      bestWeights: null,
    });
    await library.start();
    expect(store.getState().resumable).toEqual(['cut']);
    // Another embedded seed is loaded: the run's own task is loaded first.
    app.setState((st) => ({
      task: { ...st.task, summary: summariseTask(task, { source: 'embedded', seed: 99 }) },
    }));
    expect(await library.resume('cut')).toBe(true);
    const ref = (await storage.getRun('cut'))!.config.task;
    expect(loads).toEqual([ref]);
    expect(resumed).toEqual([{ runId: 'cut', data: task }]);
    expect(app.getState().config.config.name).toBe('cut run');
    expect(store.getState().error).toBeNull();
    // While a run trains, another resume is refused.
    app.setState({ run: { ...runStarted('other'), phase: 'training' } });
    expect(await library.resume('cut')).toBe(false);
    expect(store.getState().error).toMatch(/a run is training/);
    storage.close();
  });

  it('says why an interrupted run cannot resume', async () => {
    const { storage, store, library, resumed } = await setup();
    await savedRun(storage, 'early', 'no point', 'running' as 'done');
    const outside = defaultRunConfig();
    outside.name = 'outside teacher';
    outside.kd = {
      method: { kind: 'vanilla', temperature: 4, alpha: 0.5 },
      teacher: { source: 'provided' },
    };
    await storage.createRun(outside, { id: 'outside', status: 'running' });
    const files = defaultRunConfig();
    files.name = 'files run';
    files.task = { source: 'file', task: 'sst2', files: ['train.tsv', 'dev.tsv'] };
    await storage.createRun(files, { id: 'files', status: 'running' });
    const point = (runId: string) =>
      storage.saveResumePoint({
        runId,
        step: 1,
        weights: {},
        optimizer: { step: 1, names: [], m: new ArrayBuffer(0), v: new ArrayBuffer(0) },
        best: null,
        bestWeights: null,
      });
    await point('outside');
    await point('files');
    await library.start();
    expect(await library.resume('early')).toBe(false);
    expect(store.getState().error).toMatch(/no resume point: start it again/);
    expect(await library.resume('outside')).toBe(false);
    expect(store.getState().error).toMatch(/its teacher was handed in from outside the run/);
    expect(await library.resume('files')).toBe(false);
    expect(store.getState().error).toMatch(
      /cannot resume until the files train.tsv, dev.tsv is loaded again/,
    );
    expect(resumed).toEqual([]);
    storage.close();
  });
});
