// App actions over a fresh store, a fake worker and fake loaders: a task replaces the previous
// one only when it loaded completely, a superseded load is discarded, the config follows the
// task, and start / backend changes reach the worker only when they should.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../data/errors';
import type { TaskData } from '../data/types';
import { PROTOCOL_VERSION } from '../protocol';
import { createActions, type AppActions, type FileLike, type TaskLoaders } from './actions';
import { WorkerBridge } from './bridge';
import { appStore, createAppStore, initialAppState, type AppStore } from './index';
import { withTrain } from './slices/config';
import { createTaskRegistry, type TaskRegistry } from './task-registry';
import { FakeWorker, negPosSpec } from './testing';

function task(id: string, trainRows: number, devRows: number): TaskData {
  const row = (i: number) => ({ a: `${id} sentence ${i}`, label: i % 2 });
  return {
    spec: negPosSpec(id, id.toUpperCase()),
    train: Array.from({ length: trainRows }, (_, i) => row(i)),
    dev: Array.from({ length: devRows }, (_, i) => row(i)),
    source: `${id} source`,
  };
}

/** A promise with its resolve/reject exposed, to control when a load finishes. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let store: AppStore;
let worker: FakeWorker;
let registry: TaskRegistry;
let actions: AppActions;
let pendingFiles: ReturnType<typeof deferred<TaskData>>[];

const loaders: TaskLoaders = {
  embedded: async (seed) => task(`emb${seed}`, 100, 20),
  files: () => {
    const d = deferred<TaskData>();
    pendingFiles.push(d);
    return d.promise;
  },
  urls: async () => {
    throw new DataError('https://x/train.tsv', undefined, 'HTTP 404 Not Found');
  },
  hub: async (dataset, config) => task(`${dataset}/${config}`, 5, 2),
};

const file = (name: string): FileLike => ({ name, text: async () => '' });

beforeEach(() => {
  store = createAppStore();
  worker = new FakeWorker();
  registry = createTaskRegistry();
  pendingFiles = [];
  actions = createActions(store, new WorkerBridge(store, () => worker), loaders, registry);
});

afterEach(() => {
  // The app singleton must never be touched by these tests; reset it anyway (STYLE R16).
  appStore.setState(initialAppState(), true);
});

describe('task loading', () => {
  it('loads a task: registry, summary and config.task switch together', async () => {
    expect(await actions.loadEmbedded(7)).toBe(true);
    const s = store.getState();
    expect(registry.get()?.spec.id).toBe('emb7');
    expect(s.task.summary).toMatchObject({ id: 'emb7', trainRows: 100, devRows: 20 });
    expect(s.task.loading).toBeNull();
    expect(s.config.config.task).toEqual({ source: 'embedded', seed: 7 });
  });

  it('keeps the previous task when a load fails, and shows the file and line', async () => {
    await actions.loadEmbedded(1);
    const before = store.getState().task.summary;
    const loading = actions.loadFiles([file('bad.tsv')], 'sst2');
    expect(store.getState().task.loading).toBe('file');
    pendingFiles[0]!.reject(new DataError('bad.tsv', 3, 'expected 2 columns, found 1'));
    expect(await loading).toBe(false);
    const s = store.getState();
    expect(s.task.summary).toBe(before);
    expect(registry.get()?.spec.id).toBe('emb1');
    expect(s.config.config.task).toEqual({ source: 'embedded', seed: 1 });
    expect(s.task.error).toEqual({
      message: 'bad.tsv line 3: expected 2 columns, found 1',
      file: 'bad.tsv',
      line: 3,
      reason: 'expected 2 columns, found 1',
    });
    expect(s.task.loading).toBeNull();
  });

  it('clears the error on the next successful load', async () => {
    await actions.loadUrls('sst2', 'https://x/train.tsv', 'https://x/dev.tsv');
    expect(store.getState().task.error?.file).toBe('https://x/train.tsv');
    await actions.loadHub('nyu-mll/glue', 'rte', 'rte');
    expect(store.getState().task.error).toBeNull();
    expect(store.getState().config.config.task).toEqual({
      source: 'hub',
      task: 'rte',
      dataset: 'nyu-mll/glue',
      config: 'rte',
    });
  });

  it('discards a load superseded by a newer one', async () => {
    const first = actions.loadFiles([file('a_train.tsv'), file('a_dev.tsv')], 'sst2');
    const second = actions.loadFiles([file('b.tsv')], 'own');
    pendingFiles[1]!.resolve(task('b', 3, 1));
    expect(await second).toBe(true);
    pendingFiles[0]!.resolve(task('a', 9, 9));
    expect(await first).toBe(false);
    expect(registry.get()?.spec.id).toBe('b');
    expect(store.getState().task.summary?.id).toBe('b');
    expect(store.getState().config.config.task).toEqual({
      source: 'file',
      task: 'own',
      files: ['b.tsv'],
    });
  });
});

describe('run actions', () => {
  it('will not start without a task, and says why', () => {
    expect(actions.start()).toBeNull();
    expect(store.getState().run.error?.message).toMatch(/load a task/);
    expect(worker.posted).toHaveLength(0);
  });

  it('will not start with config errors', async () => {
    await actions.loadEmbedded(1);
    actions.updateConfig((c) => withTrain(c, 'lr', -1));
    expect(store.getState().config.errors.map((e) => e.path)).toEqual(['train.lr']);
    expect(actions.start()).toBeNull();
    expect(worker.posted).toHaveLength(0);
    actions.updateConfig((c) => withTrain(c, 'lr', 1e-3));
    expect(store.getState().config.errors).toEqual([]);
  });

  it('starts with the config and the registry rows, once', async () => {
    await actions.loadEmbedded(3);
    const id = actions.start();
    expect(id).not.toBeNull();
    expect(actions.start()).toBeNull(); // a run is active: a second start is refused
    const starts = worker.posted.filter((m) => m.type === 'start');
    expect(starts).toHaveLength(1);
    const msg = starts[0]!;
    expect(msg.type === 'start' && msg.data.train).toHaveLength(100);
    expect(msg).toMatchObject({ version: PROTOCOL_VERSION, runId: id });
    expect(store.getState().run.phase).toBe('preparing');
    actions.pause();
    actions.stop();
    expect(worker.posted.slice(-2)).toEqual([
      { type: 'pause', runId: id },
      { type: 'stop', runId: id },
    ]);
  });

  it('re-sends init on a backend change, but not while a run is active', async () => {
    actions.setBackend('wasm');
    expect(worker.posted).toEqual([{ type: 'init', version: PROTOCOL_VERSION, backend: 'wasm' }]);
    expect(store.getState().config.config.backend).toBe('wasm');
    expect(store.getState().backend.pref).toBe('wasm');
    await actions.loadEmbedded(1);
    actions.start();
    actions.setBackend('cpu');
    expect(worker.posted.filter((m) => m.type === 'init')).toHaveLength(1);
    expect(store.getState().config.config.backend).toBe('wasm');
  });
});
