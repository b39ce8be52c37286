// Pro-KD (reference interpretation): which footprints are followed and when, the reduction to
// vanilla KD when every footprint equals the final teacher, and a run whose teacher saves its
// footprints while it trains (wasm).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { disposeTeacher, teacherBundle, type TeacherBundle } from '../teacher';
import { TOY_TEACHER, fakeEnv, fakeStepInputs, toyConfig, toyTask } from '../testing';
import { footprintIndex, pickFootprints, proKd } from './pro-kd';
import { vanillaKdLoss } from './vanilla';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('footprint schedule', () => {
  it('picks evenly spaced footprints ending at the last saved one', () => {
    // 10 saved, K = 5 (4 footprints + final): round(2.5k) − 1 for k = 1..4.
    expect(pickFootprints(10, 5)).toEqual([2, 4, 7, 9]);
    expect(pickFootprints(2, 5)).toEqual([0, 1]);
    expect(pickFootprints(0, 4)).toEqual([]);
    expect(pickFootprints(6, 1)).toEqual([]);
  });

  it('moves through K equal segments, never backwards, and ends on the final teacher', () => {
    const seq = Array.from({ length: 100 }, (_, i) => footprintIndex(i + 1, 100, 4, 0));
    expect(seq[0]).toBe(0);
    expect(seq[24]).toBe(0);
    expect(seq[25]).toBe(1);
    expect(seq[99]).toBe(3);
    for (let i = 1; i < 100; i++) expect(seq[i]!).toBeGreaterThanOrEqual(seq[i - 1]!);
    // finalShare 0.5: the last half is the final teacher; the first half has 4 segments of 12.5.
    const half = Array.from({ length: 100 }, (_, i) => footprintIndex(i + 1, 100, 4, 0.5));
    expect(half.slice(50).every((j) => j === 3)).toBe(true);
    expect(half[12]).toBe(0);
    expect(half[13]).toBe(1);
  });
});

describe('Pro-KD loss', () => {
  it('equals vanilla KD at every step when all footprints equal the final teacher', async () => {
    const final = Float32Array.from([2, -1, 0.5, 1.5]);
    const spec = kdDefaults('pro-kd');
    const rt = await proKd(
      spec,
      fakeEnv({ totalSteps: 40, teacherLogits: final, footprints: [final, final, final] }),
    );
    tf.tidy(() => {
      const zs = tf.tensor2d([
        [0.3, 0.1],
        [-0.2, 0.4],
      ]);
      const y = tf.tensor1d([0, 1]);
      const want = vanillaKdLoss(zs, tf.tensor2d(final, [2, 2]), y, spec.temperature, spec.alpha);
      [1, 11, 21, 40].forEach((step, k) => {
        const info = { step, stage: 0, stageStep: step, stageSteps: 40 };
        const got = rt.loss(fakeStepInputs({ logits: zs, teacherLogits: null, labels: y, info }));
        expect(got.terms['footprint']!.dataSync()[0]).toBe(k); // footprints 0, 1, 2, then final
        expect(got.total.dataSync()[0]).toBeCloseTo(want.total.dataSync()[0]!, 6);
      });
    });
  });

  it('distils from the early footprint first and from the final teacher last', async () => {
    const early = Float32Array.from([0, 0]);
    const final = Float32Array.from([5, -5]);
    const rt = await proKd(
      { ...kdDefaults('pro-kd'), checkpoints: 2, alpha: 0 },
      fakeEnv({ totalSteps: 10, teacherLogits: final, footprints: [early] }),
    );
    tf.tidy(() => {
      const zs = tf.tensor2d([[0, 0]]);
      const y = tf.tensor1d([0]);
      const at = (step: number) =>
        rt.loss(
          fakeStepInputs({
            logits: zs,
            teacherLogits: null,
            labels: y,
            info: { step, stage: 0, stageStep: step, stageSteps: 10 },
          }),
        );
      // Student equal to the early footprint: no KD loss in the first half, some in the second.
      expect(at(1).terms['kd']!.dataSync()[0]).toBeCloseTo(0, 6);
      expect(at(1).terms['footprint']!.dataSync()[0]).toBe(0);
      expect(at(6).terms['footprint']!.dataSync()[0]).toBe(1);
      expect(at(6).terms['kd']!.dataSync()[0]).toBeGreaterThan(0.5);
    });
  });
});

describe('Pro-KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    const c = toyConfig(60);
    c.model = { ...TOY_TEACHER };
    const r = await runTraining(c, data, {
      backend: 'wasm',
      footprints: { every: 15, store: 'cpu' },
    });
    expect(r.footprints.map((f) => f.step)).toEqual([15, 30, 45, 60]);
    teacher = teacherBundle(r.model, r.footprints);
  });
  afterAll(() => disposeTeacher(teacher));

  it('follows the footprints in order, learns, and leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const r = await runTraining(
      toyConfig(60, { method: kdDefaults('pro-kd'), teacher: { source: 'provided' } }),
      data,
      { backend: 'wasm', teacher },
    );
    const idx = r.train.map((p) => p.terms!['footprint']!);
    expect(idx[0]).toBe(0);
    expect(idx[59]).toBe(3);
    for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThanOrEqual(idx[i - 1]!);
    expect(r.best!.main).toBeGreaterThan(0.8);
    // One cache entry for the final teacher and one per followed footprint (picks 0, 2, 3).
    expect(teacher.cache.size).toBe(4);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
