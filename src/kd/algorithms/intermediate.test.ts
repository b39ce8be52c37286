// Intermediate-layer KD: layer maps, the Eq. 14 loss worked by hand, and an end-to-end run with a
// narrower student (a learned projection) on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import type { EncoderOutputs } from '../../model';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { toyConfig, toyTask, trainToyTeacher } from '../testing';
import { checkLayerMap, intermediateLoss, uniformLayerMap } from './intermediate';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('layer maps', () => {
  it("uniform map is TinyBERT's m ↔ m·L_T/L_S plus the embeddings", () => {
    expect(uniformLayerMap(4, 2)).toEqual([
      [0, 0],
      [2, 1],
      [4, 2],
    ]);
    expect(uniformLayerMap(12, 4).map(([t]) => t)).toEqual([0, 3, 6, 9, 12]);
    expect(uniformLayerMap(3, 2)).toEqual([
      [0, 0],
      [2, 1], // round(1.5)
      [3, 2],
    ]);
  });

  it('rejects pairs out of range or mixing embeddings with layers', () => {
    const t = { layers: 4, hidden: 8, heads: 2 };
    const s = { layers: 2, hidden: 4, heads: 2 };
    expect(() => checkLayerMap([[5, 1]], t, s)).toThrow(/out of range/);
    expect(() => checkLayerMap([[0, 1]], t, s)).toThrow(/embedding output/);
    expect(() => checkLayerMap([[4, 2]], t, s)).not.toThrow();
  });
});

describe('intermediateLoss (KroneckerBERT Eq. 14)', () => {
  const outputs = (hidden: number[][], scores: number[][], logits: number[]): EncoderOutputs => ({
    logits: tf.tensor2d([logits]),
    hidden: hidden.map((h) => tf.tensor3d(h, [1, 2, 1])),
    scores: [tf.tensor4d(scores.flat(), [1, 1, 2, 2])],
    attentions: [],
    pooled: tf.zeros([1, 1]),
    mask: tf.tensor2d([[1, 1]]),
  });

  it('sums the five terms as worked by hand', () => {
    tf.tidy(() => {
      const student = outputs(
        [
          [1, 2],
          [0, 0],
        ],
        [
          [0, 0],
          [0, 0],
        ],
        [0, 0],
      );
      const teacher = outputs(
        [
          [0, 0],
          [3, 1],
        ],
        [
          [1, 2],
          [3, 4],
        ],
        [Math.log(3), 0],
      );
      // L_Emb = (1² + 2²)/2 = 2.5; L_FFN = (3² + 1²)/2 = 5; L_Att = (1+4+9+16)/4 = 7.5;
      // L_Logit = KL([3/4,1/4] ‖ [1/2,1/2]) = 0.1308120; CE(label 0) = ln 2 = 0.6931472.
      const base = {
        student,
        teacher,
        teacherLogits: teacher.logits,
        labels: tf.tensor1d([0]),
        map: uniformLayerMap(1, 1),
        project: (x: tf.Tensor3D) => x,
      };
      const r = intermediateLoss(kdDefaults('intermediate'), base);
      const v = (k: string) => r.terms[k]!.dataSync()[0]!;
      expect(v('emb')).toBeCloseTo(2.5, 6);
      expect(v('hidden')).toBeCloseTo(5, 6);
      expect(v('att')).toBeCloseTo(7.5, 6);
      expect(v('logit')).toBeCloseTo(0.130812, 5);
      expect(v('ce')).toBeCloseTo(Math.LN2, 6);
      expect(r.total.dataSync()[0]).toBeCloseTo(15.823959, 4);
      // Weights {emb 0, hidden 2, att 0.1, logits 1, ce 0}: 10 + 0.75 + 0.130812 = 10.880812.
      const spec = {
        ...kdDefaults('intermediate'),
        weights: { embedding: 0, hidden: 2, attention: 0.1, logits: 1, ce: 0 },
      };
      expect(intermediateLoss(spec, base).total.dataSync()[0]).toBeCloseTo(10.880812, 4);
    });
  });
});

describe('intermediate KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data, { dev: true });
  });
  afterAll(() => disposeTeacher(teacher));

  it('trains a narrower student through learned projections, without leaks', async () => {
    const tensors = tf.memory().numTensors;
    for (const projection of ['shared', 'per-layer'] as const) {
      const r = await runTraining(
        toyConfig(60, {
          method: { ...kdDefaults('intermediate'), projection },
          teacher: { source: 'provided' },
        }),
        data,
        { backend: 'wasm', teacher },
      );
      expect(r.best!.main).toBeGreaterThan(0.8);
      expect(Object.keys(r.train[0]!.terms!)).toEqual(['emb', 'hidden', 'att', 'logit', 'ce']);
      const first = r.train[0]!.terms!;
      const last = r.train[r.train.length - 1]!.terms!;
      expect(last['hidden']!).toBeLessThan(first['hidden']!);
      r.model.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
    }
  });
});
