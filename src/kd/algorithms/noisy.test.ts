// The two noisy-label mitigations (ours, not the W-NUT paper's): teacher-guided relabelling and
// small-loss selection, worked by hand, and both trained on a 30%-noisy toy task (wasm).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { applyLabelNoise } from '../noise';
import { disposeTeacher, teacherBundle, type TeacherBundle } from '../teacher';
import { TOY_TEACHER, toyConfig, toyTask } from '../testing';
import { forgetRate, smallLossKd, teacherRelabel } from './noisy';

const LN3 = Math.log(3);

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('teacherRelabel', () => {
  it('overrules a label only where the teacher is confident enough in another class', () => {
    // Row 0: z = [0, 3], p(1) = 1/(1 + e⁻³) = 0.9526 ≥ 0.9 and label 0 → becomes 1.
    // Row 1: z = [2, 0], p(0) = 0.8808 < 0.9 → label 1 stays.
    // Row 2: z = [5, 0], the teacher agrees with label 0 → stays.
    const r = teacherRelabel(
      Float32Array.from([0, 1, 0]),
      Float32Array.from([0, 3, 2, 0, 5, 0]),
      2,
      0.9,
    );
    expect(Array.from(r.labels)).toEqual([1, 1, 0]);
    expect(r.changed).toBe(1);
    expect(r.audit).toBeNull();
  });

  it('audits the changes against the labels before the noise', () => {
    // Noisy [0, 1, 0, 1], clean [1, 1, 0, 0]: rows 0 and 3 carry noise.
    // Row 0: z = [0, 3] → 1, the clean label back (restored).
    // Row 1: z = [4, 0], p(0) = 0.982 → 0, but 1 was clean (broken).
    // Row 2: z = [5, 0] agrees with its clean 0. Row 3: z = [0, 0.1], p(1) = 0.525 < 0.9: the
    // noisy 1 stays. Wrong before: rows 0, 3; after: rows 1, 3.
    const r = teacherRelabel(
      Float32Array.from([0, 1, 0, 1]),
      Float32Array.from([0, 3, 4, 0, 5, 0, 0, 0.1]),
      2,
      0.9,
      Float32Array.from([1, 1, 0, 0]),
    );
    expect(Array.from(r.labels)).toEqual([1, 0, 0, 1]);
    expect(r.changed).toBe(2);
    expect(r.audit).toEqual({ restored: 1, broken: 1, wrongBefore: 2, wrongAfter: 2 });
    expect(() =>
      teacherRelabel(
        Float32Array.from([0]),
        Float32Array.from([0, 1]),
        2,
        0.9,
        new Float32Array(2),
      ),
    ).toThrow(/clean labels/);
  });
});

describe('small-loss selection', () => {
  it('ramps the forget rate linearly to its maximum', () => {
    const spec = { ...kdDefaults('small-loss'), forgetRate: 0.4, rampShare: 0.25 };
    expect(forgetRate(0, 100, spec)).toBe(0);
    expect(forgetRate(10, 100, spec)).toBeCloseTo(0.16, 12);
    expect(forgetRate(25, 100, spec)).toBeCloseTo(0.4, 12);
    expect(forgetRate(90, 100, spec)).toBeCloseTo(0.4, 12);
  });

  it('keeps the smallest half of the CEs, with no gradient from the dropped ones', () => {
    // CEs: [−ln 3/4, ln 2, −ln 1/4, −ln 1/4] = [0.2877, 0.6931, 1.3863, 1.3863]; keep 2 → mean of
    // the two smallest = (0.2877 + 0.6931)/2 = 0.4904.
    const zs = tf.tensor2d([
      [LN3, 0],
      [0, 0],
      [0, LN3],
      [LN3, 0],
    ]);
    const y = tf.tensor1d([0, 0, 0, 1]);
    const zt = tf.zeros([4, 2]) as tf.Tensor2D;
    tf.tidy(() => {
      const r = smallLossKd(zs, zt, y, 0.5, 1, 1);
      expect(r.terms['ce']!.dataSync()[0]).toBeCloseTo((-Math.log(0.75) + Math.LN2) / 2, 5);
      expect(r.terms['kept']!.dataSync()[0]).toBe(0.5);
      const g = tf.grad((z: tf.Tensor) => smallLossKd(z as tf.Tensor2D, zt, y, 0.5, 1, 1).total)(
        zs,
      );
      const rows = Array.from(g.dataSync());
      expect(rows.slice(4).every((v) => v === 0)).toBe(true); // rows 2 and 3 are left out
      expect(Math.abs(rows[0]!)).toBeGreaterThan(0);
      // Rows 2 and 3 dropped; with rows 1 and 3 noisy, half the batch and half the dropped are.
      const half = smallLossKd(zs, zt, y, 0.5, 1, 1, tf.tensor1d([0, 1, 0, 1])).terms;
      expect(half['batchNoisy']!.dataSync()[0]).toBe(0.5);
      expect(half['droppedNoisy']!.dataSync()[0]).toBe(0.5);
      // With rows 2 and 3 noisy, the dropped ones are exactly the noisy ones.
      const all = smallLossKd(zs, zt, y, 0.5, 1, 1, tf.tensor1d([0, 0, 1, 1])).terms;
      expect(all['droppedNoisy']!.dataSync()[0]).toBe(1);
      // Nothing dropped at rate 0: no share of the dropped to report; none without the flags.
      const none = smallLossKd(zs, zt, y, 0, 1, 1, tf.tensor1d([0, 0, 1, 1])).terms;
      expect(Object.keys(none).sort()).toEqual(['batchNoisy', 'ce', 'kd', 'kept']);
      expect(Object.keys(smallLossKd(zs, zt, y, 0.5, 1, 1).terms).sort()).toEqual([
        'ce',
        'kd',
        'kept',
      ]);
    });
    tf.dispose([zs, y, zt]);
  });
});

describe('mitigations on a 30%-noisy toy task (wasm)', () => {
  const clean = toyTask(3, 800, 80);
  // Noise slows the toy models down: batches of 32 and 80 steps learn it (8 × 60 does not).
  const noisyConfig = (kd: Parameters<typeof toyConfig>[1]) => {
    const c = toyConfig(80, kd);
    c.train.batchSize = 32;
    return c;
  };
  const labelNoise = { kind: 'uniform' as const, rate: 0.3, seed: 5 };
  let teacher: TeacherBundle;

  beforeAll(async () => {
    // The teacher learns from the same noisy split (kd.labelNoise applies before any training).
    const c = noisyConfig({ method: { kind: 'none' }, labelNoise });
    c.model = { ...TOY_TEACHER };
    const r = await runTraining(c, clean, { backend: 'wasm' });
    teacher = teacherBundle(r.model);
  });
  afterAll(() => disposeTeacher(teacher));

  it('the loop trains on the noisy labels it was asked for', () => {
    const { flipped } = applyLabelNoise(clean, labelNoise);
    const k = flipped.reduce((a, b) => a + b, 0);
    expect(k).toBeGreaterThan(180); // ≈ 240 of 800
  });

  it.each([['teacher-relabel'], ['small-loss']] as const)(
    '%s learns the clean dev set, no leaks',
    async (kind) => {
      const tensors = tf.memory().numTensors;
      const spec =
        kind === 'small-loss' ? { ...kdDefaults(kind), forgetRate: 0.3 } : kdDefaults(kind);
      const r = await runTraining(
        noisyConfig({ method: spec, teacher: { source: 'provided' }, labelNoise }),
        clean,
        { backend: 'wasm', teacher },
      );
      expect(r.best!.main).toBeGreaterThan(0.8);
      if (kind === 'teacher-relabel') {
        const terms = r.train[0]!.terms!;
        expect(terms['relabelled']).toBeGreaterThan(0);
        // The loop knows the labels before its own noise: the audit sees exactly the flips, and
        // a teacher this good leaves less noise than it found.
        const flips = applyLabelNoise(clean, labelNoise).flipped.reduce((a, b) => a + b, 0);
        expect(terms['noiseBefore']).toBeCloseTo(flips / 800, 6);
        expect(terms['noiseAfter']).toBeLessThan(terms['noiseBefore']!);
        expect(terms['relabelRight']).toBeGreaterThan(0.5);
      } else {
        const late = r.train.slice(40);
        expect(late[39]!.terms!['kept']).toBeLessThan(0.8);
        const mean = (k: string) => late.reduce((a, p) => a + p.terms![k]!, 0) / late.length;
        // The small loss finds the noise: over the last 40 steps the dropped examples are noisy
        // far more often than the batch is (0.89 against 0.33 here; dropping at random: equal).
        expect(mean('batchNoisy')).toBeGreaterThan(0.2);
        expect(mean('droppedNoisy')).toBeGreaterThan(2 * mean('batchNoisy'));
      }
      r.model.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
    },
  );
});
