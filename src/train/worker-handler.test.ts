import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { kdDefaults } from '../kd/defaults';
import { PROTOCOL_VERSION } from '../protocol';
import type { TaskData } from '../data/types';
import { filmTask, handlerHarness, tinyRunConfig } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** The handler harness with its predicate wait under the name these tests use. */
function setup() {
  const h = handlerHarness();
  return { posted: h.posted, handle: h.handle, waitFor: h.waitUntil };
}

const data = (): TaskData => filmTask();
const config = (steps: number) => tinyRunConfig(steps);

describe('worker handler', () => {
  it('answers init with ready, trains a run and reports it in protocol messages', async () => {
    const { posted, handle, waitFor } = setup();
    await handle({ type: 'init', version: PROTOCOL_VERSION, backend: 'auto' });
    expect(await waitFor((m) => m.type === 'ready')).toMatchObject({
      backend: { name: 'wasm' },
      available: ['wasm', 'cpu'],
    });
    await handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'r1',
      config: config(10),
      data: data(),
    });
    const done = await waitFor((m) => m.type === 'done');
    expect(done).toMatchObject({ runId: 'r1' });
    const prepared = posted.find((m) => m.type === 'prepared');
    expect(prepared && prepared.type === 'prepared' && prepared.info.totalSteps).toBe(10);
    // Plain training: FLOPs per token, no teacher and so no compression.
    expect(prepared?.type === 'prepared' && prepared.info.flopsPerToken).toBeGreaterThan(0);
    expect(prepared?.type === 'prepared' && prepared.info.compression).toBeUndefined();
    const metrics = posted.filter((m) => m.type === 'metrics');
    const steps = metrics.flatMap((m) => (m.type === 'metrics' ? m.train.map((p) => p.step) : []));
    expect(steps).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    const evals = metrics.flatMap((m) => (m.type === 'metrics' ? m.evals.map((e) => e.step) : []));
    expect(evals).toEqual([5, 10]);
    const phases = posted.flatMap((m) => (m.type === 'phase' ? [m.phase] : []));
    expect(phases).toEqual(['preparing', 'compiling', 'training', 'done']);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('runs a KD config: trains the teacher first, reports it, the stages and the loss terms', async () => {
    const { posted, handle, waitFor } = setup();
    const c = config(12);
    c.kd = {
      method: {
        kind: 'annealing',
        tauMax: 2,
        phase1Units: 2,
        phase2Units: 1,
        classReduction: 'mean',
      },
      teacher: {
        source: 'train',
        model: { ...c.model, layers: 2 },
        train: { ...c.train, steps: 6 },
        footprintEvery: 0,
      },
    };
    await handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'kd1',
      config: c,
      data: data(),
    });
    await waitFor((m) => m.type === 'done');
    const prepared = posted.find((m) => m.type === 'prepared');
    expect(prepared?.type === 'prepared' && prepared.info.teacher?.dev?.main).toEqual(
      expect.any(Number),
    );
    // Compression is against the trained teacher.
    if (prepared?.type !== 'prepared') throw new Error('no prepared message');
    expect(prepared.info.compression).toBeCloseTo(
      prepared.info.teacher!.params / prepared.info.params,
      9,
    );
    expect(prepared?.type === 'prepared' && prepared.info.kd).toEqual({
      method: 'annealing',
      stages: [
        { name: 'anneal', steps: 8 },
        { name: 'labels', steps: 4 },
      ],
    });
    const train = posted.flatMap((m) => (m.type === 'metrics' ? m.train : []));
    expect(train.map((p) => p.stage)).toEqual([
      ...Array(8).fill('anneal'),
      ...Array(4).fill('labels'),
    ]);
    expect(Object.keys(train[0]!.terms!)).toEqual(['mse', 'phi']);
    const evals = posted.flatMap((m) => (m.type === 'metrics' ? m.evals : []));
    // Every 5 steps and at each stage's end (step 8).
    expect(evals.map((e) => [e.step, e.stage])).toEqual([
      [5, 'anneal'],
      [8, 'anneal'],
      [10, 'labels'],
      [12, 'labels'],
    ]);
    expect(
      posted.some((m) => m.type === 'phase' && m.detail?.startsWith('training the teacher')),
    ).toBe(true);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('stops a run on request and reports stopped', async () => {
    const { handle, waitFor, posted } = setup();
    await handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'r2',
      // More steps than a loaded machine can finish before the pause lands (2,000 once did).
      config: config(100_000),
      data: data(),
    });
    await waitFor((m) => m.type === 'metrics');
    await handle({ type: 'pause', runId: 'r2' });
    await waitFor((m) => m.type === 'phase' && m.phase === 'paused');
    await handle({ type: 'stop', runId: 'other' }); // another run's id is ignored
    await handle({ type: 'stop', runId: 'r2' });
    await waitFor((m) => m.type === 'done');
    expect(posted.some((m) => m.type === 'phase' && m.phase === 'stopped')).toBe(true);
  });

  it('a stop while the teacher trains ends the run there: stopped, nothing prepared, no leak', async () => {
    const { handle, waitFor, posted } = setup();
    const tensors = tf.memory().numTensors;
    const c = config(10);
    c.kd = {
      method: kdDefaults('vanilla'),
      teacher: {
        source: 'train',
        model: { ...c.model, layers: 2 },
        train: { ...c.train, steps: 100_000 },
        footprintEvery: 0,
      },
    };
    await handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'kd-stop',
      config: c,
      data: data(),
    });
    await waitFor((m) => m.type === 'phase' && !!m.detail?.startsWith('training the teacher'));
    await handle({ type: 'stop', runId: 'kd-stop' });
    expect(await waitFor((m) => m.type === 'done')).toMatchObject({ best: null, final: null });
    const phases = posted.flatMap((m) => (m.type === 'phase' ? [m.phase] : []));
    expect(phases[phases.length - 1]).toBe('stopped');
    expect(posted.some((m) => m.type === 'prepared' || m.type === 'error')).toBe(false);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('reports config, data and version errors where they belong', async () => {
    const { handle, waitFor, posted } = setup();
    const bad = config(10);
    bad.model.heads = 3;
    await handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'r3',
      config: bad,
      data: data(),
    });
    expect(await waitFor((m) => m.type === 'error')).toMatchObject({
      runId: 'r3',
      where: 'config',
      message: expect.stringMatching(/divisible/),
    });
    posted.length = 0;
    const d = data();
    d.train[0]!.label = 5;
    await handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'r4',
      config: config(10),
      data: d,
    });
    expect(await waitFor((m) => m.type === 'error')).toMatchObject({ runId: 'r4', where: 'data' });
    posted.length = 0;
    await handle({ type: 'init', version: PROTOCOL_VERSION + 1, backend: 'auto' });
    expect(await waitFor((m) => m.type === 'error')).toMatchObject({
      where: 'init',
      message: expect.stringMatching(/reload/),
    });
  });
});
