// Annealing-KD: the official code's Φ schedule (with the clamp), the phase-1 target worked by hand
// (step 1 of τ_max = 10 regresses onto 0.1 × the teacher's logits), phase 2 free of the teacher,
// and a two-phase run on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { fakeEnv, fakeStepInputs, toyConfig, toyTask, trainToyTeacher } from '../testing';
import { annealing, annealingFactor, annealingLoss, annealingStages, unitOf } from './annealing';
import { continuationPhi } from './continuation';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('annealing factor (official code schedule)', () => {
  it('n1 = 14, τ_max = 7 gives [1,1,2,2,…,7,7]/7 per epoch', () => {
    const f = Array.from({ length: 14 }, (_, i) => annealingFactor(i, 14, 7) * 7);
    expect(f.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
    ]);
  });

  it('n1 = 200, τ_max = 10 changes the factor at epochs 20, 40, …, 180', () => {
    const changes: number[] = [];
    for (let i = 1; i < 200; i++) {
      if (annealingFactor(i, 200, 10) !== annealingFactor(i - 1, 200, 10)) changes.push(i);
    }
    expect(changes).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(annealingFactor(0, 200, 10)).toBeCloseTo(0.1, 12);
    expect(annealingFactor(199, 200, 10)).toBe(1);
  });

  it('clamps the overshoot when n1 is not a multiple of τ_max (n1 = 10, τ_max = 7)', () => {
    // The code would give temp = 1..10, i.e. 8/7, 9/7, 10/7 at the end; the clamp holds 1.
    const f = Array.from({ length: 10 }, (_, i) => annealingFactor(i, 10, 7));
    expect(f.slice(6)).toEqual([1, 1, 1, 1]);
    expect(Math.max(...f)).toBe(1);
  });

  it('equals the paper form Φ(T) = 1 − (T − 1)/τ_max with T = τ_max − temp + 1', () => {
    for (let temp = 1; temp <= 10; temp++) {
      expect(annealingFactor((temp - 1) * 3, 30, 10)).toBeCloseTo(
        continuationPhi(10 - temp + 1, 10),
        12,
      );
    }
  });

  it('refuses n1 < τ_max', () => {
    expect(() => annealingFactor(0, 5, 10)).toThrow(/≥ τ_max/);
  });
});

describe('phases', () => {
  it('splits the run n1 : n2 and restarts phase 2 from the best checkpoint with a new optimiser', () => {
    expect(annealingStages(130, 10, 3)).toEqual([
      { name: 'anneal', steps: 100, fromBest: false, freshOptimizer: true },
      { name: 'labels', steps: 30, fromBest: true, freshOptimizer: true },
    ]);
    expect(unitOf(1, 100, 10)).toBe(0);
    expect(unitOf(10, 100, 10)).toBe(0);
    expect(unitOf(11, 100, 10)).toBe(1);
    expect(unitOf(100, 100, 10)).toBe(9);
  });

  it('phase-1 target at step 1 with τ_max = 10 is 0.1 × the teacher logits (loss and gradient 0 there)', async () => {
    const rt = await annealing(
      kdDefaults('annealing'),
      fakeEnv({ totalSteps: 130, teacherLogits: new Float32Array(2) }),
    );
    tf.tidy(() => {
      const zt = tf.tensor2d([
        [4, -2],
        [1, 3],
      ]);
      const labels = tf.tensor1d([0, 1]);
      const info = { step: 1, stage: 0, stageStep: 1, stageSteps: 100 };
      const at = (zs: tf.Tensor2D) =>
        rt.loss(fakeStepInputs({ logits: zs, teacherLogits: zt, labels, info }));
      // At 0.1·z_T = [[0.4, −0.2], [0.1, 0.3]] the loss is exactly zero …
      expect(
        at(
          tf.tensor2d([
            [0.4, -0.2],
            [0.1, 0.3],
          ]),
        ).total.dataSync()[0],
      ).toBeCloseTo(0, 10);
      // … and elsewhere it is F.mse_loss to that target: z_S = 0 gives (0.16+0.04+0.01+0.09)/4 = 0.075.
      const r = at(
        tf.tensor2d([
          [0, 0],
          [0, 0],
        ]),
      );
      expect(r.total.dataSync()[0]).toBeCloseTo(0.075, 7);
      expect(r.terms['phi']!.dataSync()[0]).toBeCloseTo(0.1, 7);
      const g = tf.grad((zs: tf.Tensor) => annealingLoss(zs as tf.Tensor2D, zt, 0.1, 'mean').total)(
        tf.tensor2d([
          [0.4, -0.2],
          [0.1, 0.3],
        ]),
      );
      expect(Array.from(g.dataSync()).every((x) => Math.abs(x) < 1e-7)).toBe(true);
      // Last step of phase 1: the target is the teacher's logits themselves.
      const last = rt.loss(
        fakeStepInputs({
          logits: zt,
          teacherLogits: zt,
          labels,
          info: { ...info, step: 100, stageStep: 100 },
        }),
      );
      expect(last.terms['phi']!.dataSync()[0]).toBe(1);
      expect(last.total.dataSync()[0]).toBeCloseTo(0, 10);
    });
  });

  it('phase 2 is the hard-label CE and never consults the teacher', async () => {
    const rt = await annealing(
      kdDefaults('annealing'),
      fakeEnv({ totalSteps: 130, teacherLogits: new Float32Array(2) }),
    );
    tf.tidy(() => {
      const r = rt.loss(
        fakeStepInputs({
          logits: tf.tensor2d([[Math.log(3), 0]]),
          teacherLogits: null, // any access throws
          labels: tf.tensor1d([0]),
          info: { step: 101, stage: 1, stageStep: 1, stageSteps: 30 },
        }),
      );
      expect(r.total.dataSync()[0]).toBeCloseTo(-Math.log(0.75), 6);
    });
  });
});

describe('Annealing-KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data);
  });
  afterAll(() => disposeTeacher(teacher));

  it('runs both phases, tags points and evaluations with their phase, learns, leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const spec = { ...kdDefaults('annealing'), tauMax: 4, phase1Units: 4, phase2Units: 2 };
    const c = toyConfig(60, { method: spec, teacher: { source: 'provided' } });
    c.train.evalEvery = 20;
    const r = await runTraining(c, data, { backend: 'wasm', teacher });
    expect(r.train.filter((p) => p.stage === 'anneal').length).toBe(40);
    expect(r.train.filter((p) => p.stage === 'labels').length).toBe(20);
    expect(r.evals.map((e) => [e.step, e.stage])).toEqual([
      [20, 'anneal'],
      [40, 'anneal'],
      [60, 'labels'],
    ]);
    // Φ climbs 1/4 → 1 over phase 1's four units of 10 steps.
    expect(r.train[0]!.terms!['phi']).toBeCloseTo(0.25, 6);
    expect(r.train[39]!.terms!['phi']).toBe(1);
    expect(r.best!.stage).toBe('labels');
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
