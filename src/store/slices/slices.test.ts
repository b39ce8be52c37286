// The store's pure slice updaters: task summaries, config edits and presets, phase transitions and
// run controls, metric batches; and the test hook's snapshot.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../config/defaults';
import { DataError } from '../../data/errors';
import type { TaskData } from '../../data/types';
import type { TrainPoint } from '../../protocol';
import { initialAppState } from '../index';
import { createTestHook, testSnapshot } from '../test-hook';
import { configSlice, errorsAt, withModel, withPreset, withTokenizer, withTrain } from './config';
import { initialMetricsSlice, LOSS_WINDOW, withBatch } from './metrics';
import { initialRunSlice, isActive, runControls, runStarted, withPhase } from './run';
import { summariseTask, toDataErrorView } from './task';

const sst: TaskData = {
  spec: {
    id: 'sst2',
    name: 'SST-2',
    kind: 'classification',
    numLabels: 2,
    labelNames: ['negative', 'positive'],
    pair: false,
    metrics: ['accuracy'],
    mainMetric: 'accuracy',
  },
  train: [
    { a: 'a', label: 1 },
    { a: 'b', label: 1 },
    { a: 'c', label: 0 },
    { a: 'd', label: 1 },
  ],
  dev: [
    { a: 'e', label: 0 },
    { a: 'f', label: 0 },
  ],
  source: 'train.tsv + dev.tsv',
};

const stsb: TaskData = {
  spec: {
    id: 'stsb',
    name: 'STS-B',
    kind: 'regression',
    numLabels: 1,
    labelNames: [],
    pair: true,
    metrics: ['pearson', 'spearman'],
    mainMetric: 'pearson',
  },
  train: [
    { a: 'x', b: 'y', label: 1 },
    { a: 'x', b: 'z', label: 4 },
  ],
  dev: [],
  source: 'stsb',
  vocab: ['[PAD]'],
};

describe('summariseTask', () => {
  it('counts rows and classes per split and names example labels', () => {
    const s = summariseTask(sst, { source: 'file', task: 'sst2', files: ['train.tsv'] }, 2);
    expect(s).toMatchObject({ id: 'sst2', trainRows: 4, devRows: 2, pair: false, hasVocab: false });
    expect(s.balance).toEqual({
      kind: 'classes',
      classes: [
        { label: 'negative', train: 1, dev: 2 },
        { label: 'positive', train: 3, dev: 0 },
      ],
    });
    expect(s.examples).toEqual([
      { a: 'a', label: 'positive' },
      { a: 'b', label: 'positive' },
    ]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // serialisable
  });

  it('gives score statistics for regression, null for an empty split', () => {
    const s = summariseTask(stsb, { source: 'embedded', seed: 1 });
    expect(s.balance).toEqual({ kind: 'scores', train: { min: 1, mean: 2.5, max: 4 }, dev: null });
    expect(s.examples[0]).toEqual({ a: 'x', b: 'y', label: '1.000' });
    expect(s.hasVocab).toBe(true);
  });
});

describe('toDataErrorView', () => {
  it('keeps a DataError place and reason, and the message of anything else', () => {
    expect(toDataErrorView(new DataError('dev.tsv', 14, 'expected 2 columns, found 1'))).toEqual({
      message: 'dev.tsv line 14: expected 2 columns, found 1',
      file: 'dev.tsv',
      line: 14,
      reason: 'expected 2 columns, found 1',
    });
    expect(toDataErrorView(new DataError('u', undefined, 'HTTP 404'))).toEqual({
      message: 'u: HTTP 404',
      file: 'u',
      reason: 'HTTP 404',
    });
    expect(toDataErrorView(new TypeError('boom'))).toEqual({ message: 'boom' });
    expect(toDataErrorView('plain')).toEqual({ message: 'plain' });
  });
});

describe('config edits', () => {
  it('validates on every edit and files errors under their paths', () => {
    let c = withTrain(defaultRunConfig(), 'batchSize', 0);
    c = withTokenizer(c, 'maxLen', Number.NaN);
    const slice = configSlice(c);
    expect(slice.errors.map((e) => e.path).sort()).toEqual(['tokenizer.maxLen', 'train.batchSize']);
    expect(errorsAt(slice.errors, 'train')).toHaveLength(1);
    expect(errorsAt(slice.errors, 'train.batch')).toHaveLength(0); // a prefix is not a path
  });

  it('switches presets and marks edited architectures custom', () => {
    const tiny = withPreset(defaultRunConfig(), 'tiny-L1-H32');
    expect(tiny.preset).toBe('tiny-L1-H32');
    expect(tiny.model).toMatchObject({ layers: 1, hidden: 32, heads: 2 });
    expect(withPreset(tiny, 'no-such-preset')).toBe(tiny);
    expect(withModel(tiny, 'hiddenDropout', 0.2).preset).toBe('tiny-L1-H32'); // dropout: no shape
    const edited = withModel(tiny, 'intermediate', 96);
    expect(edited.preset).toBe('custom');
    expect(withModel(edited, 'intermediate', 64).preset).toBe('custom'); // custom stays custom
    expect(withModel(tiny, 'intermediate', 64).preset).toBe('tiny-L1-H32'); // unchanged shape
    // The preset brings its shape; the form's dropout stays.
    const dropped = withPreset(withModel(tiny, 'hiddenDropout', 0.3), 'bert-L4-H256');
    expect(dropped.model).toMatchObject({
      layers: 4,
      hidden: 256,
      hiddenDropout: 0.3,
      attentionDropout: 0,
    });
    const bad = configSlice(withModel(tiny, 'heads', 3));
    expect(bad.errors).toEqual([
      { path: 'model.hidden', message: 'model.hidden (32) must be divisible by model.heads (3)' },
    ]);
  });
});

describe('run phases and controls', () => {
  it('enables the controls that make sense in each phase', () => {
    // prettier-ignore
    const table = [
      ['idle',      true,  false, false, false],
      ['preparing', false, false, false, true],
      ['compiling', false, false, false, true],
      ['training',  false, true,  false, true],
      ['paused',    false, false, true,  true],
      ['done',      true,  false, false, false],
      ['stopped',   true,  false, false, false],
      ['failed',    true,  false, false, false],
    ] as const;
    for (const [phase, canStart, canPause, canResume, canStop] of table) {
      expect(runControls(phase, true)).toEqual({ canStart, canPause, canResume, canStop });
    }
    expect(runControls('idle', false).canStart).toBe(false); // no backend yet
  });

  it('moves through phases; a terminal phase is not revived by late messages', () => {
    let run = runStarted('r');
    expect(run).toMatchObject({ runId: 'r', phase: 'preparing', progress: null });
    expect(isActive(run.phase)).toBe(true);
    for (const p of ['compiling', 'training', 'paused', 'training'] as const) {
      run = withPhase(run, p, null);
      expect(run.phase).toBe(p);
    }
    run = withPhase(run, 'stopped', null);
    expect(withPhase(run, 'training', null)).toBe(run);
    expect(withPhase(run, 'paused', null)).toBe(run);
    expect(withPhase(run, 'failed', 'x').phase).toBe('failed');
    expect(withPhase(initialRunSlice, 'compiling', 'kernels').detail).toBe('kernels');
  });
});

const tp = (step: number): TrainPoint => ({ step, loss: step, lr: 0, gradNorm: 0 });

describe('metrics batches', () => {
  it('keeps the first and the latest LOSS_WINDOW losses and leaves empty batches alone', () => {
    let m = initialMetricsSlice;
    expect(withBatch(m, [], [])).toBe(m);
    for (let i = 0; i < 5; i++) {
      m = withBatch(
        m,
        Array.from({ length: 10 }, (_, k) => tp(i * 10 + k)),
        [],
      );
    }
    expect(m.loss.seen).toBe(50);
    expect(m.firstLosses).toEqual(Array.from({ length: LOSS_WINDOW }, (_, i) => i));
    expect(m.lastLosses).toEqual(Array.from({ length: LOSS_WINDOW }, (_, i) => 30 + i));
  });

  it('decimates the loss series to the cap', () => {
    const m = withBatch(
      initialMetricsSlice,
      Array.from({ length: 101 }, (_, i) => tp(i)),
      [],
      50,
    );
    expect(m.loss.points.length).toBeLessThanOrEqual(50);
    expect(m.loss.points.at(-1)?.step).toBe(100);
    expect(m.loss.seen).toBe(101);
  });
});

describe('test hook', () => {
  it('reports the store through a snapshot and getters', () => {
    let state = initialAppState();
    const hook = createTestHook(() => state);
    expect(hook.snapshot()).toMatchObject({ phase: 'idle', step: 0, lossCount: 0, backend: null });
    state = {
      ...state,
      backend: { ...state.backend, status: 'ready', info: { name: 'webgpu', adapter: 'sw' } },
      run: {
        ...runStarted('r'),
        phase: 'training',
        progress: {
          step: 12,
          totalSteps: 40,
          epoch: 0.5,
          samplesPerSec: 3,
          etaSec: 9,
          elapsedSec: 20,
          numTensors: 77,
          numBytes: 1,
        },
      },
      metrics: withBatch(initialMetricsSlice, [tp(1), tp(2)], []),
      task: { ...state.task, summary: summariseTask(sst, { source: 'embedded', seed: 1 }) },
    };
    expect(hook.phase).toBe('training');
    expect(hook.step).toBe(12);
    expect(hook.lossCount).toBe(2);
    expect(hook.lastLosses).toEqual([1, 2]);
    expect(hook.backend).toBe('webgpu');
    expect(hook.numTensors).toBe(77);
    expect(testSnapshot(state)).toMatchObject({
      totalSteps: 40,
      firstLosses: [1, 2],
      taskRows: { train: 4, dev: 2 },
      backendStatus: 'ready',
    });
  });
});
