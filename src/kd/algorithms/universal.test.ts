// Universal-KD (§7.2 properties): attention rows sum to 1, one teacher layer gives plain KD to its
// pseudo logits, matching outputs give zero loss; layer states; stages; runs with a BERT and a
// TextCNN student (wasm).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import type { EncoderOutputs } from '../../model';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { softTargetKl } from '../losses';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { toyConfig, toyTask, trainToyTeacher } from '../testing';
import { layerStates, universalIld, universalStages } from './universal';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const scalar = (t: tf.Tensor) => t.dataSync()[0]!;

describe('universalIld', () => {
  it('attention rows sum to 1; with one teacher layer z̃ is that layer (plain KD to it)', () => {
    tf.tidy(() => {
      const zs = [tf.tensor2d([[0.2, -0.4]]), tf.tensor2d([[1, 0]])];
      const q = [tf.tensor2d([[1, 2]]), tf.tensor2d([[0, -1]])];
      const k = tf.tensor3d([[[0.5, 0.5]]]); // N = 1
      const zt = tf.tensor3d([[[2, -1]]]);
      const r = universalIld(zs, q, k, zt, 2);
      expect(Array.from(r.alpha.dataSync())).toEqual([1, 1]);
      const want = zs.reduce(
        (a, z) => a + scalar(tf.mean(softTargetKl(z, tf.tensor2d([[2, -1]]), 2))),
        0,
      );
      expect(scalar(r.loss)).toBeCloseTo(want, 5);
      // Three teacher layers: each row of α sums to 1.
      const r3 = universalIld(
        zs,
        q,
        tf.tensor3d([
          [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
        ]),
        tf.tensor3d([
          [
            [1, 0],
            [0, 1],
            [2, 2],
          ],
        ]),
        1,
      );
      const a = r3.alpha.arraySync()[0]!;
      for (const row of a) expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    });
  });

  it('a dominant teacher layer makes α one-hot: per-layer KD against that layer', () => {
    tf.tidy(() => {
      const zs = [tf.tensor2d([[0.3, 0.1]])];
      const q = [tf.tensor2d([[10, 0]])]; // ⟨q, k_2⟩ = 100 ≫ the others
      const k = tf.tensor3d([
        [
          [0, 1],
          [10, 0],
          [-1, -1],
        ],
      ]);
      const zt = tf.tensor3d([
        [
          [5, 5],
          [3, -2],
          [0, 9],
        ],
      ]);
      const r = universalIld(zs, q, k, zt, 1);
      expect(r.alpha.dataSync()[1]).toBeCloseTo(1, 6);
      expect(scalar(r.loss)).toBeCloseTo(
        scalar(tf.mean(softTargetKl(zs[0]!, tf.tensor2d([[3, -2]]), 1))),
        5,
      );
    });
  });

  it('is zero when every student pseudo classifier outputs its attention-mixed target', () => {
    tf.tidy(() => {
      const q = [tf.tensor2d([[0.4, -0.2]]), tf.tensor2d([[1, 1]])];
      const k = tf.tensor3d([
        [
          [1, 0],
          [0, 1],
        ],
      ]);
      const zt = tf.tensor3d([
        [
          [2, 0],
          [0, 1],
        ],
      ]);
      const probe = universalIld(
        [tf.zeros([1, 2]) as tf.Tensor2D, tf.zeros([1, 2]) as tf.Tensor2D],
        q,
        k,
        zt,
        1,
      );
      const mixed = (tf.matMul(probe.alpha, zt) as tf.Tensor3D).arraySync()[0]!; // [M, C]
      const zs = mixed.map((row) => tf.tensor2d([row]));
      expect(scalar(universalIld(zs, q, k, zt, 1).loss)).toBeCloseTo(0, 6);
    });
  });
});

describe('layer states and stages', () => {
  it('takes [CLS] rows of a transformer and the mask-mean of a CNN/LSTM layer', () => {
    tf.tidy(() => {
      const h = tf.tensor3d([
        [
          [1, 2],
          [3, 4],
          [9, 9],
        ],
      ]); // [1, 3, 2]
      const base: EncoderOutputs = {
        logits: tf.zeros([1, 2]),
        hidden: [h, h],
        scores: [],
        attentions: [],
        pooled: tf.zeros([1, 2]),
        mask: tf.tensor2d([[1, 1, 0]]),
      };
      // Mask-mean over the two real tokens: [(1+3)/2, (2+4)/2] = [2, 3].
      expect(Array.from(layerStates(base)[0]!.dataSync())).toEqual([2, 3]);
      const bert = { ...base, scores: [tf.zeros([1, 1, 3, 3]) as tf.Tensor4D] };
      expect(Array.from(layerStates(bert)[0]!.dataSync())).toEqual([1, 2]);
    });
  });

  it('splits the run into ILD and fine-tuning (from the best ILD checkpoint)', () => {
    expect(universalStages(100, 0.2)).toEqual([
      { name: 'ild', steps: 80, fromBest: false, freshOptimizer: true },
      { name: 'finetune', steps: 20, fromBest: true, freshOptimizer: true },
    ]);
    expect(universalStages(100, 0).map((s) => s.steps)).toEqual([100]);
  });
});

describe('Universal-KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data);
  });
  afterAll(() => disposeTeacher(teacher));

  it('distils into a BERT and a TextCNN student through output-space ILD, without leaks', async () => {
    const tensors = tf.memory().numTensors;
    const name = [...teacher.model.params.vars.keys()][4]!;
    const before = teacher.model.params.vars.get(name)!.dataSync().slice();
    for (const student of [
      undefined,
      { kind: 'textcnn' as const, embed: 16, filters: 8, widths: [1, 2], dropout: 0 },
    ]) {
      const c = toyConfig(60, { method: kdDefaults('universal'), teacher: { source: 'provided' } });
      if (student) c.student = student;
      const r = await runTraining(c, data, { backend: 'wasm', teacher });
      expect(r.best!.main).toBeGreaterThan(0.8);
      const ild = r.train.filter((p) => p.stage === 'ild').map((p) => p.terms!['ild']!);
      expect(ild.length).toBe(48);
      expect(ild[ild.length - 1]!).toBeLessThan(ild[0]!);
      r.model.dispose();
    }
    expect(teacher.model.params.vars.get(name)!.dataSync()).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
