import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { defaultRunConfig } from '../config/defaults';
import type { RunConfig } from '../config/run-config';
import type { TaskData } from '../data/types';
import type { RunPhase } from '../protocol';
import { RunControl } from './control';
import { toyTask } from '../kd/testing';
import { runTraining, TrainingError } from './loop';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

function toyConfig(overrides: (c: RunConfig) => void = () => {}): RunConfig {
  const c = defaultRunConfig();
  c.preset = 'tiny-L2-H64';
  c.model = {
    layers: 2,
    hidden: 32,
    heads: 2,
    intermediate: 64,
    hiddenDropout: 0.1,
    attentionDropout: 0.1,
  };
  c.tokenizer = { vocab: 'build', vocabSize: 120, lowercase: true, maxLen: 16 };
  c.train = { ...c.train, batchSize: 16, steps: 50, evalEvery: 25, lr: 3e-3, warmup: 0.1 };
  overrides(c);
  return c;
}

describe('training loop', () => {
  const data = toyTask(3, 400, 80);

  it('learns the toy task, reports phases and metrics, and leaks no tensors over 50 steps', async () => {
    const before = tf.memory().numTensors;
    const phases: RunPhase[] = [];
    let progressCalls = 0;
    const r = await runTraining(toyConfig(), data, {
      backend: 'wasm',
      hooks: { phase: (p) => phases.push(p), progress: () => progressCalls++ },
    });
    expect(r.train.map((p) => p.step)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(r.evals.map((e) => e.step)).toEqual([25, 50]);
    expect(r.best!.metrics.accuracy).toBeGreaterThan(0.9);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(r.train.slice(-5).map((p) => p.loss))).toBeLessThan(
      mean(r.train.slice(0, 5).map((p) => p.loss)),
    );
    expect(phases.slice(0, 3)).toEqual(['preparing', 'compiling', 'training']);
    expect(progressCalls).toBeGreaterThan(0);
    // The lr follows warm-up (5 steps) then linear decay to 0 at step 50.
    expect(r.train[0]!.lr).toBe(0);
    expect(r.train[5]!.lr).toBeCloseTo(3e-3, 10);
    expect(r.train[49]!.lr).toBeCloseTo(3e-3 / 45, 10);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives identical losses for the same seed and different ones for another', async () => {
    const run = async (seed: number) => {
      const r = await runTraining(
        toyConfig((c) => {
          c.train.seed = seed;
          c.train.steps = 12;
          c.train.evalEvery = 12;
        }),
        data,
        { backend: 'wasm' },
      );
      r.model.dispose();
      return r.train.map((p) => p.loss);
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('pauses, resumes and stops between steps', async () => {
    const control = new RunControl();
    const phases: RunPhase[] = [];
    let sawStep = 0;
    const r = await runTraining(
      toyConfig((c) => {
        c.train.steps = 400;
      }),
      data,
      {
        backend: 'wasm',
        control,
        flushMs: 0,
        hooks: {
          phase: (p) => phases.push(p),
          train: (points) => {
            sawStep = points[points.length - 1]!.step;
            if (sawStep === 3) {
              control.pause();
              setTimeout(() => control.resume(), 30);
            }
            if (sawStep === 6) control.stop();
          },
        },
      },
    );
    expect(phases).toContain('paused');
    expect(r.stopped).toBe(true);
    expect(r.train.length).toBe(6);
    r.model.dispose();
  });

  it('lets a timer stop the run even when it evaluates every step', async () => {
    // Evaluations flush the metrics; they once also reset the clock that decides when the loop hands
    // the event loop back, so with wasm's microtask reads no timer (or worker message) ran.
    const control = new RunControl();
    let armed = false;
    const r = await runTraining(
      toyConfig((c) => {
        c.train.steps = 5000;
        c.train.evalEvery = 1;
      }),
      toyTask(4, 64, 8),
      {
        backend: 'wasm',
        control,
        hooks: {
          evaluated: () => {
            if (armed) return;
            armed = true;
            setTimeout(() => control.stop(), 100);
          },
        },
      },
    );
    expect(r.stopped).toBe(true);
    expect(r.finalStep).toBeLessThan(5000);
    r.model.dispose();
  });

  it('stops with a clear error when the loss becomes NaN, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    await expect(
      runTraining(
        toyConfig((c) => {
          c.train.lr = 1e30;
          c.train.warmup = 0;
          c.train.clipNorm = 0;
        }),
        data,
        { backend: 'wasm' },
      ),
    ).rejects.toThrow(TrainingError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects data that does not fit the task', async () => {
    const bad: TaskData = { ...data, train: [...data.train.slice(0, 20), { a: 'x', label: 7 }] };
    await expect(runTraining(toyConfig(), bad, { backend: 'wasm' })).rejects.toThrow(
      /label 7; expected 0\.\.1/,
    );
    await expect(
      runTraining(toyConfig(), { ...data, train: data.train.slice(0, 3) }, { backend: 'wasm' }),
    ).rejects.toThrow(/fewer than one batch/);
  });
});
