// The worker bridge, driven through a fake Worker: listeners attached once, messages routed into
// the store, stale runs' messages dropped, phase transitions, errors and crashes where they belong.
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { TaskData } from '../data/types';
import {
  PROTOCOL_VERSION,
  type EvalPoint,
  type Progress,
  type RunPrepared,
  type TrainPoint,
} from '../protocol';
import { isFromWorker, routeMessage, WorkerBridge } from './bridge';
import { createAppStore, initialAppState, type AppStore } from './index';
import { FakeWorker, tinyTask } from './testing';

const task: TaskData = tinyTask();

const PREPARED: RunPrepared = {
  params: 1000,
  flopsPerToken: 2e5,
  vocabSize: 200,
  seqLen: 32,
  trainExamples: 2,
  devExamples: 1,
  totalSteps: 100,
  stepsPerEpoch: 1,
  truncated: 0,
};

const progress = (step: number): Progress => ({
  step,
  totalSteps: 100,
  epoch: 0,
  samplesPerSec: 10,
  etaSec: 5,
  elapsedSec: 1,
  numTensors: 42,
  numBytes: 1024,
});
const tp = (step: number, loss = 1 / (step + 1)): TrainPoint => ({
  step,
  loss,
  lr: 1e-3,
  gradNorm: 1,
});
const ev = (step: number, main: number): EvalPoint => ({
  step,
  loss: 0.5,
  metrics: { accuracy: main },
  main,
});

let store: AppStore;
let workers: FakeWorker[];
let bridge: WorkerBridge;

beforeEach(() => {
  store = createAppStore();
  workers = [];
  bridge = new WorkerBridge(store, () => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  });
});

const worker = (): FakeWorker => {
  const w = workers[0];
  if (!w) throw new Error('no worker was created');
  return w;
};

describe('WorkerBridge', () => {
  it('creates no worker until used, then one worker with one listener of each kind', () => {
    expect(workers).toHaveLength(0);
    bridge.init('auto');
    bridge.start(defaultRunConfig(), task, 'r1');
    bridge.pause();
    bridge.init('wasm');
    expect(workers).toHaveLength(1);
    expect(
      worker()
        .listeners.map((l) => l.type)
        .sort(),
    ).toEqual(['error', 'message']);
    expect(worker().posted.map((m) => m.type)).toEqual(['init', 'start', 'pause', 'init']);
  });

  it('sends init with the protocol version and shows the chosen backend on ready', () => {
    bridge.init('webgpu');
    expect(worker().posted[0]).toEqual({
      type: 'init',
      version: PROTOCOL_VERSION,
      backend: 'webgpu',
    });
    expect(store.getState().backend).toMatchObject({ pref: 'webgpu', status: 'starting' });
    worker().emit({
      type: 'ready',
      version: PROTOCOL_VERSION,
      backend: { name: 'webgpu', adapter: 'google swiftshader' },
      available: ['webgpu', 'wasm', 'cpu'],
    });
    expect(store.getState().backend).toMatchObject({
      status: 'ready',
      info: { name: 'webgpu', adapter: 'google swiftshader' },
      available: ['webgpu', 'wasm', 'cpu'],
      error: null,
    });
  });

  it('refuses a worker of another protocol version', () => {
    bridge.init('auto');
    worker().emit({
      type: 'ready',
      version: PROTOCOL_VERSION + 1,
      backend: { name: 'cpu', adapter: '' },
      available: ['cpu'],
    });
    expect(store.getState().backend.status).toBe('failed');
    expect(store.getState().backend.error).toMatch(/protocol/);
  });

  it('start posts the config and data, and resets the run and metrics', () => {
    bridge.start(defaultRunConfig(), task, 'r1');
    worker().emit({
      type: 'metrics',
      runId: 'r1',
      train: [tp(1)],
      evals: [],
      progress: progress(1),
    });
    expect(store.getState().metrics.loss.seen).toBe(1);
    const id = bridge.start(defaultRunConfig(), task, 'r2');
    expect(id).toBe('r2');
    const posted = worker().posted[1];
    expect(posted).toMatchObject({ type: 'start', version: PROTOCOL_VERSION, runId: 'r2' });
    expect(posted?.type === 'start' && posted.data.train).toHaveLength(2);
    expect(store.getState().run).toMatchObject({ runId: 'r2', phase: 'preparing', progress: null });
    expect(store.getState().metrics.loss.seen).toBe(0);
  });

  it('resumeRun posts the run and data; the stored history then the new steps fill the charts', () => {
    bridge.start(defaultRunConfig(), task, 'other');
    bridge.resumeRun('cut', task);
    const posted = worker().posted[1];
    expect(posted).toMatchObject({ type: 'resumeRun', version: PROTOCOL_VERSION, runId: 'cut' });
    expect(posted?.type === 'resumeRun' && posted.data.train).toHaveLength(2);
    expect(store.getState().run).toMatchObject({ runId: 'cut', phase: 'preparing' });
    const w = worker();
    w.emit({ type: 'metrics', runId: 'other', train: [tp(1)], evals: [], progress: progress(1) });
    w.emit({
      type: 'metrics',
      runId: 'cut',
      train: [tp(1), tp(2)],
      evals: [],
      progress: progress(2),
    });
    w.emit({ type: 'metrics', runId: 'cut', train: [tp(3)], evals: [], progress: progress(3) });
    expect(store.getState().metrics.loss.seen).toBe(3);
    expect(store.getState().run.progress?.step).toBe(3);
  });

  it('routes a run through its phases and batches', () => {
    bridge.start(defaultRunConfig(), task, 'r1');
    const w = worker();
    w.emit({ type: 'prepared', runId: 'r1', info: PREPARED });
    expect(store.getState().run.prepared?.params).toBe(1000);
    w.emit({ type: 'phase', runId: 'r1', phase: 'compiling' });
    expect(store.getState().run.phase).toBe('compiling');
    w.emit({ type: 'phase', runId: 'r1', phase: 'training' });
    w.emit({
      type: 'metrics',
      runId: 'r1',
      train: [tp(1), tp(2)],
      evals: [],
      progress: progress(2),
    });
    const evalsBefore = store.getState().metrics.evals;
    w.emit({ type: 'metrics', runId: 'r1', train: [tp(3)], evals: [], progress: progress(3) });
    // A batch without evals leaves the eval series' reference alone (its chart does not re-render).
    expect(store.getState().metrics.evals).toBe(evalsBefore);
    w.emit({
      type: 'metrics',
      runId: 'r1',
      train: [],
      evals: [ev(3, 0.75)],
      progress: progress(3),
    });
    const s = store.getState();
    expect(s.metrics.loss.points.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(s.metrics.lastLosses).toEqual([1 / 2, 1 / 3, 1 / 4]);
    expect(s.metrics.evals.points).toEqual([ev(3, 0.75)]);
    expect(s.run.progress?.numTensors).toBe(42);
    w.emit({ type: 'phase', runId: 'r1', phase: 'paused' });
    expect(store.getState().run.phase).toBe('paused');
    w.emit({ type: 'phase', runId: 'r1', phase: 'training' });
    w.emit({ type: 'done', runId: 'r1', best: ev(3, 0.75), final: ev(3, 0.75), wallSec: 12 });
    expect(store.getState().run.phase).toBe('done');
    expect(store.getState().run.outcome).toEqual({
      best: ev(3, 0.75),
      final: ev(3, 0.75),
      wallSec: 12,
    });
  });

  it('drops messages for another run id, leaving the state object untouched', () => {
    bridge.start(defaultRunConfig(), task, 'old');
    bridge.start(defaultRunConfig(), task, 'new');
    const before = store.getState();
    const w = worker();
    w.emit({ type: 'phase', runId: 'old', phase: 'stopped' });
    w.emit({ type: 'metrics', runId: 'old', train: [tp(9)], evals: [], progress: progress(9) });
    w.emit({ type: 'prepared', runId: 'old', info: PREPARED });
    w.emit({ type: 'done', runId: 'old', best: null, final: null, wallSec: 1 });
    w.emit({ type: 'error', runId: 'old', where: 'training', message: 'old run failed' });
    expect(store.getState()).toBe(before);
    expect(store.getState().run.phase).toBe('preparing');
  });

  it('ignores values that are not protocol messages', () => {
    bridge.start(defaultRunConfig(), task, 'r1');
    const before = store.getState();
    for (const junk of [null, 3, 'ready', {}, { type: 'nope' }, { type: 7 }]) worker().emit(junk);
    expect(store.getState()).toBe(before);
    expect(isFromWorker({ type: 'phase', runId: 'x', phase: 'training' })).toBe(true);
    expect(isFromWorker({ kind: 'phase' })).toBe(false);
  });

  it('keeps a stopped run stopped when late messages of the same run arrive', () => {
    bridge.start(defaultRunConfig(), task, 'r1');
    const w = worker();
    w.emit({ type: 'phase', runId: 'r1', phase: 'training' });
    bridge.stop();
    expect(w.posted.at(-1)).toEqual({ type: 'stop', runId: 'r1' });
    w.emit({ type: 'phase', runId: 'r1', phase: 'stopped' });
    w.emit({ type: 'phase', runId: 'r1', phase: 'training' });
    w.emit({ type: 'done', runId: 'r1', best: null, final: ev(5, 0.6), wallSec: 3 });
    expect(store.getState().run.phase).toBe('stopped');
    expect(store.getState().run.outcome?.final?.main).toBe(0.6);
  });

  it('puts run errors in the run slice and init errors in the backend slice', () => {
    bridge.init('webgpu');
    worker().emit({ type: 'error', where: 'init', message: 'no WebGPU adapter' });
    expect(store.getState().backend).toMatchObject({
      status: 'failed',
      error: 'no WebGPU adapter',
    });
    expect(store.getState().run.error).toBeNull();
    bridge.start(defaultRunConfig(), task, 'r1');
    worker().emit({ type: 'error', runId: 'r1', where: 'config', message: 'train.lr: too big' });
    expect(store.getState().run).toMatchObject({
      phase: 'failed',
      error: { where: 'config', message: 'train.lr: too big' },
    });
  });

  it('reports a worker crash in the run panel and the backend badge', () => {
    bridge.init('auto');
    worker().crash('SyntaxError: bad chunk');
    const s = store.getState();
    expect(s.backend.status).toBe('failed');
    expect(s.run.error).toEqual({
      where: 'worker',
      message: 'the training worker crashed: SyntaxError: bad chunk',
    });
  });

  it('sends pause, resume and stop for the current run only, and nothing without a run', () => {
    bridge.init('auto');
    bridge.pause();
    bridge.resume();
    bridge.stop();
    expect(worker().posted.map((m) => m.type)).toEqual(['init']);
    bridge.start(defaultRunConfig(), task, 'r7');
    bridge.pause();
    bridge.resume();
    bridge.stop();
    expect(worker().posted.slice(2)).toEqual([
      { type: 'pause', runId: 'r7' },
      { type: 'resume', runId: 'r7' },
      { type: 'stop', runId: 'r7' },
    ]);
  });

  it('dispose terminates the worker and ignores later messages', () => {
    bridge.init('auto');
    const w = worker();
    bridge.dispose();
    expect(w.terminated).toBe(true);
    const before = store.getState();
    w.emit({
      type: 'ready',
      version: PROTOCOL_VERSION,
      backend: { name: 'cpu', adapter: '' },
      available: [],
    });
    expect(store.getState()).toBe(before);
    expect(() => bridge.init('auto')).toThrow(/dispose/);
  });
});

describe('routeMessage', () => {
  it('is pure: it never mutates the state it is given', () => {
    const state = initialAppState();
    const frozen = structuredClone(state);
    routeMessage(state, {
      type: 'ready',
      version: PROTOCOL_VERSION,
      backend: { name: 'cpu', adapter: 'js' },
      available: ['cpu'],
    });
    expect(state).toEqual(frozen);
  });
});
