// The worker handler with storage (fake-indexeddb, wasm backend): a run is saved with its config,
// metrics and best/final checkpoints; 'compare' evaluates saved checkpoints on a dev split (the
// same metrics the run reported, a confusion matrix, latency); 'predict' runs them on typed text;
// bad keys and mismatched tasks get per-checkpoint errors; nothing leaks.
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import type { TaskData } from '../data/types';
import { PROTOCOL_VERSION } from '../protocol';
import { confusionMatrix, median } from './inference';
import { isBestLabel } from './persist';
import { filmTask, handlerHarness, tinyRunConfig } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const data = (seed = 2): TaskData => filmTask(seed);
const config = (steps: number, seed = 1) =>
  tinyRunConfig(steps, { lr: 0.01, warmup: 0, seed }, `toy ${seed}`);
const setup = () => handlerHarness({ db: 'worker-test' });

type Setup = ReturnType<typeof setup>;

async function train(s: Setup, runId: string, steps: number, seed: number) {
  await s.handle({
    type: 'start',
    version: PROTOCOL_VERSION,
    runId,
    config: config(steps, seed),
    data: data(),
  });
  await s.waitFor('stored', (m) => m.runId === runId && m.what === 'status');
  const done = await s.waitFor('done', (m) => m.runId === runId);
  return done;
}

describe('worker handler: saved runs', () => {
  it('saves the run, its metrics and its best and final checkpoints (vocabulary and task too)', async () => {
    const s = setup();
    // 12 steps, evals at 5, 10 and 12: the final weights (step 12) are saved whatever is best.
    const done = await train(s, 'run-a', 12, 1);
    expect(s.posted.filter((m) => m.type === 'stored' && m.error)).toEqual([]);
    const storage = await s.open();
    const run = (await storage.getRun('run-a'))!;
    expect(run.status).toBe('done');
    expect(run.config.name).toBe('toy 1');
    expect(run.summary.backend).toBe('wasm (WebAssembly (SIMD))');
    expect(run.summary.best).toEqual(done.best);
    expect(run.summary.final).toEqual(done.final);
    expect(run.summary.step).toBe(12);
    const metrics = await storage.readMetrics('run-a');
    expect(metrics.train.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(metrics.evals.map((e) => e.step)).toEqual([5, 10, 12]);

    const labels = run.checkpoints.map((m) => `${m.step}:${m.label}`);
    const bestStep = done.best!.step;
    expect(labels).toEqual(bestStep === 12 ? ['12:best+final'] : [`${bestStep}:best`, '12:final']);
    const best = run.checkpoints.find((m) => isBestLabel(m.label))!;
    const record = (await storage.loadCheckpoint(best.key))!;
    expect(record.task?.labelNames).toEqual(['bad', 'good']);
    expect(record.tokenizer?.vocab.slice(0, 5)).toEqual([
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
    ]);
    expect(record.metricsSummary.best).toEqual(done.best);
    expect(record.optimizer).toBeNull();
    expect(record.bytes).toBe(best.bytes);
    // The final checkpoint holds the step-12 weights: re-evaluated, they give the final eval.
    const final = run.checkpoints.find((m) => m.step === 12)!;
    await s.handle({
      type: 'compare',
      version: PROTOCOL_VERSION,
      requestId: 'f',
      keys: [final.key],
      data: data(),
      latencyRuns: 1,
    });
    const [r] = (await s.waitFor('compared', (m) => m.requestId === 'f')).results;
    expect(r?.ok && r.loss).toBeCloseTo(done.final!.loss, 4);
    // A comparison of nothing frees the cached models: no tensor is left.
    await s.handle({
      type: 'compare',
      version: PROTOCOL_VERSION,
      requestId: 'none',
      keys: [],
      data: data(),
      latencyRuns: 1,
    });
    await s.waitFor('compared', (m) => m.requestId === 'none');
    expect(tf.memory().numTensors).toBe(0);
    storage.close();
  });

  it('saves the best checkpoint as soon as it is found, while the run still trains', async () => {
    const s = setup();
    await s.handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'long',
      // Far more steps than the test lets it take, so the stop below always lands mid-run.
      config: config(100_000, 3),
      data: data(),
    });
    // Pause after the first dev evaluation: the save of its checkpoint is queued on the event
    // loop, which a training loop on a loaded CPU hands back only between steps (in the browser
    // IndexedDB works off the main thread; fake-indexeddb here needs the event loop).
    await s.waitFor('metrics', (m) => m.runId === 'long' && m.evals.length > 0);
    await s.handle({ type: 'pause', runId: 'long' });
    await s.waitFor('stored', (m) => m.runId === 'long' && m.what === 'checkpoint');
    const storage = await s.open();
    const run = (await storage.getRun('long'))!;
    expect(run.status).toBe('running');
    const best = run.checkpoints.filter((m) => m.label === 'best');
    expect(best.length).toBeGreaterThanOrEqual(1);
    const record = (await storage.loadCheckpoint(best[0]!.key))!;
    expect(record.tokenizer?.vocab.length).toBeGreaterThan(5);
    expect(record.metricsSummary.best?.step).toBe(record.step);
    await s.handle({ type: 'stop', runId: 'long' });
    const done = await s.waitFor('done', (m) => m.runId === 'long');
    await s.waitFor('stored', (m) => m.runId === 'long' && m.what === 'status');
    const after = (await storage.getRun('long'))!;
    expect(after.status).toBe('stopped');
    // One best (stale ones deleted) at the loop's best step.
    const bests = after.checkpoints.filter((m) => m.label?.startsWith('best'));
    expect(bests.map((m) => m.step)).toEqual([done.best!.step]);
    storage.close();
  });

  it("saves a KD run's trained teacher as a checkpoint that compares like its dev result", async () => {
    const s = setup();
    const c = config(6, 4);
    c.kd = {
      method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
      teacher: {
        source: 'train',
        model: { ...c.model, layers: 2 },
        train: { ...c.train, steps: 6 },
        footprintEvery: 0,
      },
    };
    await s.handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: 'kd',
      config: c,
      data: data(),
    });
    await s.waitFor('stored', (m) => m.runId === 'kd' && m.what === 'status');
    const prepared = await s.waitFor('prepared', (m) => m.runId === 'kd');
    const teacherDev = prepared.info.teacher!.dev!;
    const storage = await s.open();
    const run = (await storage.getRun('kd'))!;
    const teacher = run.checkpoints.find((m) => m.role === 'teacher')!;
    expect(teacher.key).toBe(`kd/kd/teacher/step-${teacherDev.step}`);
    expect(teacher.metricsSummary.best).toEqual(teacherDev);
    await s.handle({
      type: 'compare',
      version: PROTOCOL_VERSION,
      requestId: 't',
      keys: [teacher.key],
      data: data(),
      latencyRuns: 1,
    });
    const [r] = (await s.waitFor('compared', (m) => m.requestId === 't')).results;
    if (!r?.ok) throw new Error(JSON.stringify(r));
    expect(r.main).toBeCloseTo(teacherDev.main, 6);
    expect(r.loss).toBeCloseTo(teacherDev.loss, 4);
    storage.close();
  });

  it("compares saved checkpoints on the dev split: the run's own metrics, confusion, latency", async () => {
    const s = setup();
    const doneA = await train(s, 'run-a', 10, 1);
    const doneB = await train(s, 'run-b', 10, 7);
    const storage = await s.open();
    const keyOf = async (id: string) =>
      (await storage.getRun(id))!.checkpoints.find((m) => isBestLabel(m.label))!.key;
    const keys = [await keyOf('run-a'), await keyOf('run-b')];
    await s.handle({
      type: 'compare',
      version: PROTOCOL_VERSION,
      requestId: 'c1',
      keys: [...keys, 'kd/nope/step-1'],
      data: { ...data(), train: [] },
      latencyRuns: 5,
    });
    const { results } = await s.waitFor('compared', (m) => m.requestId === 'c1');
    expect(results).toHaveLength(3);
    const [a, b, missing] = results;
    expect(missing).toEqual({
      key: 'kd/nope/step-1',
      ok: false,
      error: expect.stringMatching(/no checkpoint kd\/nope\/step-1/),
    });
    for (const [r, done] of [
      [a, doneA],
      [b, doneB],
    ] as const) {
      if (!r?.ok) throw new Error(`compare failed: ${JSON.stringify(r)}`);
      // The saved best checkpoint, re-evaluated, gives the metric the run reported for it.
      expect(r.main).toBeCloseTo(done.best!.main, 6);
      expect(r.loss).toBeCloseTo(done.best!.loss, 4);
      expect(r.predictions).toHaveLength(16);
      const gold = data().dev.map((e) => e.label);
      expect(r.confusion).toEqual(confusionMatrix(r.predictions, gold, 2));
      const correct = r.confusion![0]![0]! + r.confusion![1]![1]!;
      expect(correct / 16).toBeCloseTo(r.main, 6);
      expect(r.confidence.every((p) => p >= 0.5 && p <= 1)).toBe(true);
      expect(r.latencyMs.runs).toHaveLength(5);
      expect(r.latencyMs.median).toBe(median(r.latencyMs.runs));
      expect(r.latencyMs.median).toBeGreaterThan(0);
      expect(r.params).toBeGreaterThan(1000);
      expect(r.bytes).toBe(4 * r.params);
      expect(r.labelNames).toEqual(['bad', 'good']);
    }
    const progress = s.posted.filter((m) => m.type === 'compareProgress');
    expect(progress.map((m) => (m.type === 'compareProgress' ? m.done : -1))).toEqual([0, 1, 2]);

    // Typed inference on both: probabilities sum to 1; repeated input, same answer.
    await s.handle({
      type: 'predict',
      version: PROTOCOL_VERSION,
      requestId: 'p1',
      keys,
      a: 'the film was good really',
    });
    const p1 = await s.waitFor('predicted', (m) => m.requestId === 'p1');
    expect(p1.results).toHaveLength(2);
    for (const [i, r] of p1.results.entries()) {
      if (!r.ok) throw new Error(r.error);
      expect(r.key).toBe(keys[i]);
      expect(r.probs).toHaveLength(2);
      expect(r.probs[0]! + r.probs[1]!).toBeCloseTo(1, 5);
      expect(r.prediction).toBe(r.probs[1]! > r.probs[0]! ? 1 : 0);
      expect(r.tokens).toBeGreaterThan(2);
      expect(r.latencyMs).toBeGreaterThan(0);
    }
    // The same sentence as a dev example gives that example's compared prediction.
    const devIdx = data().dev.findIndex((e) => e.a === 'the film was good really');
    if (devIdx >= 0 && a?.ok && p1.results[0]?.ok) {
      expect(p1.results[0].prediction).toBe(a.predictions[devIdx]);
    }
    storage.close();
  });

  it('skips a predict overtaken by a newer one, and refuses a task the checkpoint does not fit', async () => {
    const s = setup();
    await train(s, 'run-a', 5, 1);
    const storage = await s.open();
    const key = (await storage.getRun('run-a'))!.checkpoints[0]!.key;
    for (const [i, text] of ['t', 'th', 'the film'].entries()) {
      void s.handle({
        type: 'predict',
        version: PROTOCOL_VERSION,
        requestId: `p${i}`,
        keys: [key],
        a: text,
      });
    }
    await s.waitFor('predicted', (m) => m.requestId === 'p2');
    const answered = s.posted.flatMap((m) => (m.type === 'predicted' ? [m.requestId] : []));
    expect(answered).not.toContain('p1');
    expect(answered).toContain('p2');

    const three = data();
    three.spec = { ...three.spec, numLabels: 3, labelNames: ['a', 'b', 'c'], name: 'Three' };
    await s.handle({
      type: 'compare',
      version: PROTOCOL_VERSION,
      requestId: 'c2',
      keys: [key],
      data: three,
      latencyRuns: 3,
    });
    const c2 = await s.waitFor('compared', (m) => m.requestId === 'c2');
    expect(c2.results[0]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/trained on Toy .* Three has/),
    });

    await s.handle({
      type: 'compare',
      version: 1,
      requestId: 'old',
      keys: [key],
      data: three,
      latencyRuns: 1,
    });
    expect(await s.waitFor('requestError', (m) => m.requestId === 'old')).toMatchObject({
      message: expect.stringMatching(/Protocol version 1/),
    });
    storage.close();
  });

  it('answers compare with an error when there is no storage', async () => {
    const { posted, handle } = handlerHarness(); // no { db }: no storage
    await handle({
      type: 'predict',
      version: PROTOCOL_VERSION,
      requestId: 'x',
      keys: ['kd/a/step-1'],
      a: 'hi',
    });
    for (let i = 0; i < 100 && posted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(posted).toEqual([
      { type: 'requestError', requestId: 'x', message: 'run storage is not available here' },
    ]);
  });
});
