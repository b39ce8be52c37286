// Continuation-KD: Algorithm 1's schedule vector (with the T ≥ 1 clamp), the hinge, the limits
// (ψ = 1 is CE; m = 0 with a step ψ is Annealing-KD's loss) and a run on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { runTraining } from '../../train/loop';
import { buildSchedule } from '../../train/schedule';
import { kdDefaults } from '../defaults';
import { crossEntropy } from '../losses';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { toyConfig, toyTask, trainToyTeacher } from '../testing';
import { annealingLoss } from './annealing';
import { continuationLoss, continuationPhi, continuationT, psiSchedule } from './continuation';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('Algorithm 1 schedule (n = 30, T_max = 10, ψ(i) = i/40 for i ≤ 20, then 1)', () => {
  const psi = buildSchedule(psiSchedule(kdDefaults('continuation')));
  // (i, T, φ, ψ) from the paper's algorithm (dossier §4.2); at i = 30 the literal algorithm gives
  // T = 0, φ = 1.1, which the clamp turns into T = 1, φ = 1.
  // prettier-ignore
  const table: [number, number, number, number][] = [
    [1, 10, 0.1, 0.025], [2, 10, 0.1, 0.05], [3, 9, 0.2, 0.075], [6, 8, 0.3, 0.15],
    [12, 6, 0.5, 0.3], [20, 4, 0.7, 0.5], [21, 3, 0.8, 1.0], [27, 1, 1.0, 1.0], [30, 1, 1.0, 1.0],
  ];
  it.each(table)('i = %i: T = %i, φ = %f, ψ = %f', (i, T, phi, p) => {
    expect(continuationT(i, 30, 10)).toBe(T);
    expect(continuationPhi(continuationT(i, 30, 10), 10)).toBeCloseTo(phi, 12);
    expect(psi(i)).toBeCloseTo(p, 12);
  });

  it('never lets T drop below 1 nor φ exceed 1', () => {
    for (let i = 1; i <= 30; i++) {
      expect(continuationT(i, 30, 10)).toBeGreaterThanOrEqual(1);
      expect(continuationPhi(continuationT(i, 30, 10), 10)).toBeLessThanOrEqual(1);
    }
  });
});

describe('continuationLoss (Eq. 3–4)', () => {
  const zs = () =>
    tf.tensor2d([
      [0.5, -0.3],
      [1.2, 0.4],
    ]);
  const zt = () =>
    tf.tensor2d([
      [3, -1],
      [2, 2],
    ]);
  const y = () => tf.tensor1d([0, 1]);

  it('is zero with zero gradient when the error is inside the margin', () => {
    tf.tidy(() => {
      // φ = 0.5: targets 0.5·z_T = [[1.5, −0.5], [1, 1]]; per-example mean squared errors
      // ((−1)² + 0.2²)/2 = 0.52 and (0.2² + (−0.6)²)/2 = 0.2, both inside m·φ = 2·0.5 = 1 (ψ = 0).
      const f = (s: tf.Tensor) =>
        continuationLoss(s as tf.Tensor2D, zt(), y(), 0.5, 0, 2, 'mean').total;
      expect(f(zs()).dataSync()[0]).toBe(0);
      expect(Array.from(tf.grad(f)(zs()).dataSync()).every((g) => g === 0)).toBe(true);
    });
  });

  it('hinges per sample: only examples outside the margin count', () => {
    tf.tidy(() => {
      // φ = 1, 'sum': errors e = [(0.5−3)² + (−0.3+1)², (1.2−2)² + (0.4−2)²] = [6.74, 3.2];
      // margin m·φ = 4 → [2.74, 0] → mean 1.37.
      const r = continuationLoss(zs(), zt(), y(), 1, 0, 4, 'sum');
      expect(r.terms['cnt']!.dataSync()[0]).toBeCloseTo(1.37, 5);
    });
  });

  it('ψ = 1 is the cross-entropy alone (the teacher has no effect)', () => {
    tf.tidy(() => {
      const r = continuationLoss(zs(), zt(), y(), 0.3, 1, 0.1, 'mean');
      expect(r.total.dataSync()[0]).toBeCloseTo(tf.mean(crossEntropy(zs(), y())).dataSync()[0]!, 6);
      const other = continuationLoss(
        zs(),
        tf.tensor2d([
          [-9, 9],
          [0, 5],
        ]),
        y(),
        0.3,
        1,
        0.1,
        'mean',
      );
      expect(other.total.dataSync()[0]).toBeCloseTo(r.total.dataSync()[0]!, 6);
    });
  });

  it('m = 0 with a step ψ (0 up to k, then 1) reduces to Annealing-KD epoch by epoch', () => {
    tf.tidy(() => {
      const k = 20;
      for (let i = 1; i <= 30; i++) {
        const phi = continuationPhi(continuationT(i, 30, 10), 10);
        const psi = i <= k ? 0 : 1;
        const cont = continuationLoss(zs(), zt(), y(), phi, psi, 0, 'mean').total.dataSync()[0]!;
        const ann =
          i <= k
            ? annealingLoss(zs(), zt(), phi, 'mean').total.dataSync()[0]! // phase 1
            : tf.mean(crossEntropy(zs(), y())).dataSync()[0]!; // phase 2
        expect(cont).toBeCloseTo(ann, 6);
      }
    });
  });
});

describe('Continuation-KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data);
  });
  afterAll(() => disposeTeacher(teacher));

  it('learns with the smoothed-to-full schedule and leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const spec = { ...kdDefaults('continuation'), tMax: 4, units: 6, psiRampUnits: 4 };
    const r = await runTraining(
      toyConfig(60, { method: spec, teacher: { source: 'provided' } }),
      data,
      {
        backend: 'wasm',
        teacher,
      },
    );
    // 6 units of 10 steps: ψ = 0.125·i up to i = 4, then 1; φ from T = 4 − ⌊i/1⌋ (clamped).
    expect(r.train[0]!.terms!['psi']).toBeCloseTo(0.125, 6);
    expect(r.train[0]!.terms!['phi']).toBeCloseTo(0.5, 6); // i = 1: T = 3 → φ = 1 − 2/4
    expect(r.train[59]!.terms!['psi']).toBe(1);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
