// RW-KD (look-ahead variant on the classifier head): the weights worked by hand, checked against
// autodiff through an explicit look-ahead step, their range, the held-out split, and a run (wasm).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import type { EncodedSplit } from '../../data/batcher';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { crossEntropy, softTargetKl } from '../losses';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { toyConfig, toyTask, trainToyTeacher } from '../testing';
import { ceResidual, holdOut, kdResidual, rwWeights } from './rw-kd';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('rwWeights', () => {
  it('follows the alignment of each loss gradient with the meta gradient (by hand)', () => {
    tf.tidy(() => {
      // One meta example p_m = [1, 0], r_m = [1, −1]: G_W = [[1, 0], [−1, 0]], g_b = [1, −1].
      // For p_i = [1, 0]: G_W p_i + g_b = [2, −2], so d = r · [2, −2].
      const p = tf.tensor2d([
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
      ]);
      const rCe = tf.tensor2d([
        [1, -1],
        [1, 1],
        [1, -1],
        [-1, 1],
      ]); // d_ce = 4, 0, 4, −4
      const rKd = tf.tensor2d([
        [1, 1],
        [1, -1],
        [1, -1],
        [1, -1],
      ]); // d_kd = 0, 4, 4, 4
      const w = rwWeights(
        p,
        rCe,
        rKd,
        tf.tensor2d([[1, 0]]),
        tf.tensor2d([[1, -1]]),
        1e-8,
      ).arraySync();
      expect(w[0]![0]).toBeCloseTo(1, 6); // only CE helps the meta objective
      expect(w[1]![1]).toBeCloseTo(1, 6); // only KD helps
      expect(w[2]).toEqual([0.5, 0.5]); // both equally
      expect(w[3]![1]).toBeCloseTo(1, 6); // CE hurts (clamped at δ), KD helps
    });
  });

  it('stays in [0, 1] with rows summing to 1', () => {
    tf.tidy(() => {
      const r = (s: number, shape: [number, number]) =>
        tf.randomNormal(shape, 0, 1, 'float32', s) as tf.Tensor2D;
      const w = rwWeights(
        r(1, [16, 8]),
        r(2, [16, 3]),
        r(3, [16, 3]),
        r(4, [5, 8]),
        r(5, [5, 3]),
        1e-8,
      );
      const v = w.arraySync();
      for (const [a, b] of v) {
        expect(a).toBeGreaterThanOrEqual(0);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(a! + b!).toBeCloseTo(1, 6);
      }
    });
  });

  it('matches −∂L_meta(θ′)/∂ε from autodiff through an explicit look-ahead step', () => {
    tf.tidy(() => {
      const B = 3;
      const T = 2;
      const eta = 0.1;
      const W = tf.tensor2d([
        [0.2, -0.1, 0.4],
        [-0.3, 0.5, 0.1],
      ]); // [C = 2, H = 3]
      const b = tf.tensor1d([0.05, -0.02]);
      const p = tf.tensor2d([
        [1, 0.5, -1],
        [0.2, -0.3, 0.8],
        [-0.6, 1, 0.1],
      ]);
      const y = tf.tensor1d([0, 1, 1]);
      const zt = tf.tensor2d([
        [2, -1],
        [0.5, 0.3],
        [-1, 1],
      ]);
      const pm = tf.tensor2d([
        [0.3, -0.2, 0.9],
        [1, 1, -0.5],
      ]);
      const ym = tf.tensor1d([1, 0]);
      const head = (w: tf.Tensor, x: tf.Tensor, c: tf.Tensor) =>
        tf.add(tf.matMul(x, w, false, true), c) as tf.Tensor2D;
      const z = head(W, p, b);
      const rCe = ceResidual(z, y);
      const rKd = kdResidual(z, zt, T);
      // θ′(ε) = θ − η·∂θ Σ_i (ε_ce,i CE_i + ε_kd,i KD_i)/B, with ∂θ ℓ_i = r_i p_iᵀ (W) and r_i (b).
      const metaLoss = (eps: tf.Tensor) => {
        const [ec, ek] = tf.unstack(eps, 1);
        const r = tf.add(tf.mul(rCe, tf.expandDims(ec!, 1)), tf.mul(rKd, tf.expandDims(ek!, 1))); // [B, C]
        const W2 = tf.sub(W, tf.mul(tf.div(tf.matMul(r, p, true, false), B), eta));
        const b2 = tf.sub(b, tf.mul(tf.div(tf.sum(r, 0), B), eta));
        return tf.mean(crossEntropy(head(W2, pm, b2), ym)) as tf.Scalar;
      };
      const g = tf.grad(metaLoss)(tf.zeros([B, 2])); // ∂L_meta/∂ε at ε = 0
      // Our inner products d = (B/η)·(−∂L_meta/∂ε); compare through the unnormalised weights.
      const rm = ceResidual(head(W, pm, b), ym);
      const ours = rwWeights(p, rCe, rKd, pm, rm, 1e-12).arraySync();
      const u = tf.maximum(tf.neg(g), 1e-12).arraySync() as number[][];
      u.forEach(([a, c], i) => {
        expect(ours[i]![0]).toBeCloseTo(a! / (a! + c!), 5);
      });
      // Sanity: the two loss terms really differ per example.
      expect(softTargetKl(z, zt, T).shape).toEqual([B]);
    });
  });
});

describe('holdOut', () => {
  it('splits off metaSize seeded rows, disjoint and complete', () => {
    const n = 20;
    const split: EncodedSplit = {
      n,
      maxLen: 2,
      ids: Int32Array.from({ length: 2 * n }, (_, i) => Math.floor(i / 2)),
      typeIds: new Int32Array(2 * n),
      lengths: new Int32Array(n).fill(2),
      labels: Float32Array.from({ length: n }, (_, i) => i % 2),
      truncated: 0,
    };
    const { train, meta } = holdOut(split, 6, 3);
    expect([train.n, meta.n]).toEqual([14, 6]);
    const rowsOf = (s: EncodedSplit) => Array.from({ length: s.n }, (_, i) => s.ids[2 * i]!);
    const all = [...rowsOf(train), ...rowsOf(meta)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(rowsOf(holdOut(split, 6, 3).meta)).toEqual(rowsOf(meta));
    expect(meta.labels[0]).toBe(rowsOf(meta)[0]! % 2);
  });
});

describe('RW-KD in the training loop (wasm)', () => {
  // 500 + 100 held out: the toy students need the usual ~400+ training examples to learn in 60 steps.
  const data = toyTask(3, 600, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data);
  });
  afterAll(() => disposeTeacher(teacher));

  it.each([['hard'], ['mix']] as const)(
    'meta loss %s: trains on the rest, learns, no leaks',
    async (metaLoss) => {
      const tensors = tf.memory().numTensors;
      let trainExamples = 0;
      const r = await runTraining(
        toyConfig(60, {
          method: { ...kdDefaults('rw-kd'), metaSize: 100, metaLoss },
          teacher: { source: 'provided' },
        }),
        data,
        {
          backend: 'wasm',
          teacher,
          hooks: { prepared: (info) => (trainExamples = info.trainExamples) },
        },
      );
      expect(trainExamples).toBe(500);
      expect(r.best!.main).toBeGreaterThan(0.8);
      const w = r.train.map((p) => p.terms!['wce']!);
      expect(w.every((x) => x >= 0 && x <= 1)).toBe(true);
      r.model.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
    },
  );
});
