// The run queue over the real bridge and store, with a fake Worker: queued runs start one after
// another as each ends (done, stopped or failed), a failure shows on its entry and does not stall
// the queue, removal and reordering, never two starts at once, and each run keeps its own series.
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import { kdDefaults } from '../config/kd-methods';
import type { TaskData } from '../data/types';
import type { TrainPoint } from '../protocol';
import { WorkerBridge } from './bridge';
import { createAppStore, type AppStore } from './index';
import { createSession, type SessionActions } from './session';
import { configSlice } from './slices/config';
import { withMethodKind, withMethodParam, withTeacherSource } from './slices/pipeline';
import { autoRunName, overlayRuns, uniqueName, initialSessionSlice } from './slices/session';
import { summariseTask } from './slices/task';
import { createTaskRegistry, type TaskRegistry } from './task-registry';
import { FakeWorker, tinyTask } from './testing';

const task: TaskData = tinyTask();

const tp = (step: number, loss: number): TrainPoint => ({ step, loss, lr: 1e-3, gradNorm: 1 });
const progress = (step: number) => ({
  step,
  totalSteps: 20,
  epoch: 1,
  samplesPerSec: 1,
  etaSec: 1,
  elapsedSec: 1,
  numTensors: 1,
  numBytes: 1,
});

let store: AppStore;
let worker: FakeWorker;
let registry: TaskRegistry;
let session: SessionActions;
let bridge: WorkerBridge;

/** The ids of the runs the worker was asked to start, in order. */
const starts = (): string[] => worker.posted.flatMap((m) => (m.type === 'start' ? [m.runId] : []));
const entries = () => store.getState().session.runs;
const statuses = () => entries().map((r) => r.status);

function setSeed(seed: number): void {
  store.setState((s) => ({
    config: configSlice({ ...s.config.config, train: { ...s.config.config.train, seed } }),
  }));
}

function phase(runId: string, p: 'training' | 'paused' | 'done' | 'stopped' | 'failed'): void {
  worker.emit({ type: 'phase', runId, phase: p });
}

beforeEach(() => {
  store = createAppStore();
  worker = new FakeWorker();
  bridge = new WorkerBridge(store, () => worker);
  registry = createTaskRegistry();
  registry.set(task);
  const config = defaultRunConfig();
  store.setState({
    task: { summary: summariseTask(task, config.task), loading: null, error: null },
    config: configSlice(config),
  });
  session = createSession(store, bridge, registry);
});

describe('run queue', () => {
  it('queues config snapshots with automatic or given names; nothing starts until asked', () => {
    setSeed(1);
    expect(session.enqueue()).toBe(true);
    setSeed(2);
    expect(session.enqueue('  mine ')).toBe(true);
    setSeed(3);
    const [a, b] = entries();
    expect(a!.name).toBe(autoRunName({ ...defaultRunConfig(), train: { ...a!.config.train } }));
    expect(a!.name).toMatch(/ · no KD · seed 1$/);
    expect(a!.config.train.seed).toBe(1); // a snapshot, not the live form
    expect(b!.name).toBe('mine');
    expect(b!.config.train.seed).toBe(2);
    expect(statuses()).toEqual(['queued', 'queued']);
    expect(starts()).toEqual([]);
  });

  it("queues one setup under several methods: the form's method as edited, the others at defaults; refused ones say why", () => {
    // Annealing-KD with an edited τ_max and a trained teacher, as the form has it.
    let c = withMethodKind(defaultRunConfig(), 'annealing');
    c = withTeacherSource(c, 'train');
    c = withMethodParam(c, ['tauMax'], 3);
    store.setState({ config: configSlice(c) });
    const r = session.enqueueMethods(['none', 'vanilla', 'annealing', 'pro-kd']);
    expect(r.ok.map((v) => v.kind)).toEqual(['none', 'vanilla', 'annealing']);
    // Pro-KD needs footprints the teacher does not save.
    expect(r.refused).toEqual([
      { kind: 'pro-kd', reason: expect.stringMatching(/^kd\.teacher\.footprintEvery: /) },
    ]);
    const runs = entries();
    expect(runs.map((x) => x.config.kd?.method.kind ?? 'none')).toEqual([
      'none',
      'vanilla',
      'annealing',
    ]);
    expect(runs.map((x) => x.name)).toEqual([
      expect.stringMatching(/ · no KD · seed 1$/),
      expect.stringMatching(/ · vanilla · seed 1$/),
      expect.stringMatching(/ · annealing · seed 1$/),
    ]);
    const annealing = runs[2]!.config.kd!.method;
    expect(annealing.kind === 'annealing' && annealing.tauMax).toBe(3); // as edited
    const vanilla = runs[1]!.config.kd!;
    expect(vanilla.method).toEqual(kdDefaults('vanilla')); // the paper's defaults
    expect(vanilla.teacher).toEqual(c.kd!.teacher); // the same teacher
    expect(statuses()).toEqual(['queued', 'queued', 'queued']);
    expect(starts()).toEqual([]);

    // Without a teacher, a method that needs one is refused; plain training is not.
    store.setState({ config: configSlice(withTeacherSource(c, 'none')) });
    const noTeacher = session.enqueueMethods(['none', 'vanilla']);
    expect(noTeacher.ok.map((v) => v.kind)).toEqual(['none']);
    expect(noTeacher.refused.map((x) => x.kind)).toEqual(['vanilla']);
    expect(entries()).toHaveLength(4);
  });

  it('refuses a config with errors', () => {
    store.setState((s) => ({
      config: configSlice({ ...s.config.config, train: { ...s.config.config.train, steps: -1 } }),
    }));
    expect(session.enqueue()).toBe(false);
    expect(entries()).toEqual([]);
  });

  it('starts runs one after another as each ends: done, stopped, failed', () => {
    for (const seed of [1, 2, 3, 4]) {
      setSeed(seed);
      session.enqueue();
    }
    session.startQueue();
    expect(starts()).toHaveLength(1);
    const [r1] = starts();
    expect(worker.posted.find((m) => m.type === 'start')).toMatchObject({
      config: { train: { seed: 1 } },
    });
    expect(statuses()).toEqual(['running', 'queued', 'queued', 'queued']);
    // a second startQueue while a run is active starts nothing
    session.startQueue();
    expect(starts()).toHaveLength(1);

    phase(r1!, 'training');
    phase(r1!, 'paused');
    expect(statuses()[0]).toBe('paused');
    phase(r1!, 'done');
    expect(starts()).toHaveLength(2);
    expect(statuses()).toEqual(['done', 'running', 'queued', 'queued']);
    // the late 'done' of r1 changes nothing more
    worker.emit({ type: 'done', runId: r1!, best: null, final: null, wallSec: 1 });
    expect(starts()).toHaveLength(2);

    const r2 = starts()[1]!;
    phase(r2, 'stopped');
    worker.emit({ type: 'done', runId: r2, best: null, final: null, wallSec: 1 });
    expect(statuses()).toEqual(['done', 'stopped', 'running', 'queued']);

    // a failure: the phase first, the error after it (when r4 may already be current)
    const r3 = starts()[2]!;
    phase(r3, 'failed');
    worker.emit({ type: 'error', runId: r3, where: 'training', message: 'NaN loss at step 3' });
    expect(statuses()).toEqual(['done', 'stopped', 'failed', 'running']);
    expect(entries()[2]!.error).toBe('NaN loss at step 3');

    const r4 = starts()[3]!;
    phase(r4, 'done');
    expect(starts()).toHaveLength(4);
    expect(store.getState().session.auto).toBe(false); // nothing left: the queue stops
    expect(new Set(starts()).size).toBe(4);
  });

  it('a config rejected at start (error with no phase) fails that entry and the queue goes on', () => {
    session.enqueue('a');
    session.enqueue('b');
    session.startQueue();
    const r1 = starts()[0]!;
    worker.emit({ type: 'error', runId: r1, where: 'config', message: 'train.steps: too big' });
    expect(statuses()).toEqual(['failed', 'running']);
    expect(entries()[0]!.error).toBe('train.steps: too big');
  });

  it('a queued run for another task fails with the reason; the next one starts', () => {
    session.enqueue('other task');
    session.enqueue('this task');
    store.setState((s) => {
      const runs = s.session.runs.slice();
      runs[0] = {
        ...runs[0]!,
        config: { ...runs[0]!.config, task: { source: 'embedded', seed: 999 } },
      };
      return { session: { ...s.session, runs } };
    });
    session.startQueue();
    expect(statuses()).toEqual(['failed', 'running']);
    expect(entries()[0]!.error).toMatch(/embedded task \(seed 999\).*is loaded/);
    expect(starts()).toHaveLength(1);
  });

  it('with no task loaded every queued run fails and nothing is posted', () => {
    registry.clear();
    session.enqueue('a');
    session.enqueue('b');
    session.startQueue();
    expect(statuses()).toEqual(['failed', 'failed']);
    expect(entries()[0]!.error).toMatch(/no task is loaded/);
    expect(starts()).toEqual([]);
    expect(store.getState().session.auto).toBe(false);
  });

  it('holding the queue lets the current run finish and starts nothing after it', () => {
    session.enqueue('a');
    session.enqueue('b');
    session.startQueue();
    session.holdQueue();
    phase(starts()[0]!, 'done');
    expect(statuses()).toEqual(['done', 'queued']);
    expect(starts()).toHaveLength(1);
    session.startQueue();
    expect(statuses()).toEqual(['done', 'running']);
  });

  it('starting the queue while a plain run trains waits for it to end', () => {
    const plain = bridge.start(store.getState().config.config, task, 'plain-1');
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).toMatchObject({ origin: 'start', status: 'running', runId: plain });
    session.enqueue('q');
    session.startQueue();
    expect(starts()).toEqual([plain]);
    phase(plain, 'done');
    expect(starts()).toHaveLength(2);
    expect(statuses()).toEqual(['done', 'running']);
  });

  it('removes and reorders queued runs only; clear finished removes ended runs', () => {
    session.enqueue('a');
    session.enqueue('b');
    session.enqueue('c');
    session.startQueue(); // a runs
    const keyOf = (name: string) => entries().find((r) => r.name === name)!.key;
    session.remove(keyOf('a')); // running: stays
    expect(entries().map((r) => r.name)).toEqual(['a', 'b', 'c']);
    session.move(keyOf('c'), -1);
    expect(entries().map((r) => r.name)).toEqual(['a', 'c', 'b']);
    session.move(keyOf('c'), -1); // already first of the queued: no change
    expect(entries().map((r) => r.name)).toEqual(['a', 'c', 'b']);
    session.remove(keyOf('b'));
    expect(entries().map((r) => r.name)).toEqual(['a', 'c']);
    phase(starts()[0]!, 'done'); // c starts
    expect(starts()[1]).toBe(entries()[1]!.runId);
    session.requeue(keyOf('a'));
    expect(entries().map((r) => [r.name, r.status])).toEqual([
      ['a', 'done'],
      ['c', 'running'],
      ['a (2)', 'queued'],
    ]);
    session.setHidden(keyOf('a'), true);
    session.clearFinished();
    expect(entries().map((r) => r.name)).toEqual(['c', 'a (2)']);
    expect(store.getState().session.hidden).toEqual([]);
  });

  it('each run keeps its own series; the charts overlay them and a shown saved run', () => {
    session.enqueue('a');
    session.enqueue('b');
    session.startQueue();
    const r1 = starts()[0]!;
    worker.emit({
      type: 'metrics',
      runId: r1,
      train: [tp(1, 0.9), tp(2, 0.8)],
      evals: [],
      progress: progress(2),
    });
    phase(r1, 'done');
    const r2 = starts()[1]!;
    worker.emit({
      type: 'metrics',
      runId: r2,
      train: [tp(1, 0.5)],
      evals: [],
      progress: progress(1),
    });
    // a late batch of r1 is the bridge's to drop
    worker.emit({
      type: 'metrics',
      runId: r1,
      train: [tp(3, 9)],
      evals: [],
      progress: progress(3),
    });
    const [a, b] = entries();
    expect(a!.loss.points.map((p) => p.loss)).toEqual([0.9, 0.8]);
    expect(b!.loss.points.map((p) => p.loss)).toEqual([0.5]);
    const s = store.getState();
    expect(b!.loss).toBe(s.metrics.loss); // the current run's series is shared, not copied
    let lines = overlayRuns(s.session, s.metrics, null);
    expect(lines.map((l) => [l.name, l.visible])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(lines[0]!.colour).not.toBe(lines[1]!.colour);
    session.setHidden(a!.key, true);
    // curves no session run owns (a saved run shown by the Runs panel) are drawn as 'saved'
    store.setState({
      metrics: { ...s.metrics, loss: { points: [tp(1, 2)], stride: 1, seen: 1 } },
    });
    const t = store.getState();
    lines = overlayRuns(t.session, t.metrics, { id: 'old-run', name: 'saved run x' });
    expect(lines.map((l) => [l.key, l.visible])).toEqual([
      [a!.key, false],
      [b!.key, true],
      ['saved', true],
    ]);
    expect(lines[2]!.name).toBe('saved run x');
    // nothing shown by the Runs panel, or the shown run is a session run: no extra line
    expect(overlayRuns(t.session, t.metrics, null)).toHaveLength(2);
    expect(overlayRuns(t.session, t.metrics, { id: r1, name: 'a again' })).toHaveLength(2);
  });
});

describe('session names', () => {
  it('names a run by student, method and seed', () => {
    const c = defaultRunConfig();
    const tiny = { ...c, preset: 'bert-L2-H128', train: { ...c.train, seed: 1 } };
    expect(autoRunName(tiny)).toBe('BERT-Tiny · no KD · seed 1');
    const kd = {
      ...tiny,
      kd: { method: { kind: 'annealing' } as NonNullable<typeof c.kd>['method'] },
    };
    expect(autoRunName(kd)).toBe('BERT-Tiny · annealing · seed 1');
    expect(autoRunName({ ...tiny, preset: 'tiny-L1-H32' })).toBe('tiny-L1-H32 · no KD · seed 1');
  });

  it('makes a taken name unique', () => {
    const s = { ...initialSessionSlice, runs: [{ name: 'x' }, { name: 'x (2)' }] };
    expect(uniqueName(s as typeof initialSessionSlice, 'x', 'auto')).toBe('x (3)');
    expect(uniqueName(s as typeof initialSessionSlice, '  ', 'auto')).toBe('auto');
  });
});
