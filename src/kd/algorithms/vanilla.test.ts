// Vanilla KD: the loss worked by hand from Hinton's equation, and an end-to-end run on the wasm
// backend: a frozen teacher trained by the same loop, a student that learns from it, no leaks.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { runTraining } from '../../train/loop';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { TOY_TEACHER, toyConfig, toyTask, toyTrain, trainToyTeacher } from '../testing';
import { vanillaKdLoss } from './vanilla';

const LN3 = Math.log(3);

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('vanillaKdLoss', () => {
  it('is α·CE + (1 − α)·T²·KL, batch mean (worked by hand)', () => {
    tf.tidy(() => {
      // Student [0, 0], teacher [2 ln 3, 0], T = 2 → p_T = [3/4, 1/4], p_S = [1/2, 1/2]:
      // KL = 0.75·ln 1.5 − 0.25·ln 2 = 0.1308120, T²·KL = 0.5232481.
      // CE with label 0 = −ln(1/2) = ln 2 = 0.6931472.
      // α = 0.25: total = 0.25·0.6931472 + 0.75·0.5232481 = 0.1732868 + 0.3924361 = 0.5657229.
      const r = vanillaKdLoss(
        tf.tensor2d([[0, 0]]),
        tf.tensor2d([[2 * LN3, 0]]),
        tf.tensor1d([0]),
        2,
        0.25,
      );
      expect(r.terms['ce']!.dataSync()[0]).toBeCloseTo(Math.LN2, 6);
      expect(r.terms['kd']!.dataSync()[0]).toBeCloseTo(0.5232481, 6);
      expect(r.total.dataSync()[0]).toBeCloseTo(0.5657229, 6);
    });
  });

  it('with α = 1 is the plain cross-entropy and ignores the teacher', () => {
    tf.tidy(() => {
      const s = tf.tensor2d([[0.5, -0.5]]);
      const a = vanillaKdLoss(s, tf.tensor2d([[9, 0]]), tf.tensor1d([1]), 4, 1).total.dataSync();
      const b = vanillaKdLoss(s, tf.tensor2d([[-3, 2]]), tf.tensor1d([1]), 4, 1).total.dataSync();
      expect(a[0]).toBeCloseTo(b[0]!, 6);
    });
  });
});

describe('vanilla KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data, { dev: true });
  });
  afterAll(() => disposeTeacher(teacher));

  it('trains a student that learns, reports ce/kd terms, leaves the teacher untouched, leaks nothing', async () => {
    expect(teacher.dev!.main).toBeGreaterThan(0.9);
    const name = [...teacher.model.params.vars.keys()][5]!;
    const before = teacher.model.params.vars.get(name)!.dataSync().slice();
    const tensors = tf.memory().numTensors;
    const r = await runTraining(
      toyConfig(60, {
        method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
        teacher: { source: 'provided' },
      }),
      data,
      { backend: 'wasm', teacher },
    );
    expect(r.best!.main).toBeGreaterThan(0.8);
    expect(r.teacher!.main).toBe(teacher.dev!.main);
    expect(Object.keys(r.train[0]!.terms!)).toEqual(['ce', 'kd']);
    const p = r.train[10]!;
    expect(p.loss).toBeCloseTo(0.5 * p.terms!['ce']! + 0.5 * p.terms!['kd']!, 4);
    expect(teacher.model.params.vars.get(name)!.dataSync()).toEqual(before);
    r.model.dispose();
    // The teacher's logits cache lives on the CPU; nothing stays on the backend.
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('distils the BERT teacher into a TextCNN and a BiLSTM student (cross-architecture)', async () => {
    const tensors = tf.memory().numTensors;
    for (const student of [
      { kind: 'textcnn' as const, embed: 16, filters: 8, widths: [1, 2], dropout: 0 },
      { kind: 'bilstm' as const, embed: 16, hidden: 16, dropout: 0 },
    ]) {
      const c = toyConfig(60, {
        method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
        teacher: { source: 'provided' },
      });
      c.student = student;
      const r = await runTraining(c, data, { backend: 'wasm', teacher });
      expect(r.model.kind).toBe(student.kind);
      expect(r.best!.main).toBeGreaterThan(0.8);
      r.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('trains its own teacher from kd.teacher when none is handed in, and frees it', async () => {
    const tensors = tf.memory().numTensors;
    const r = await runTraining(
      toyConfig(30, {
        method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
        teacher: { source: 'train', model: TOY_TEACHER, train: toyTrain(40, 7), footprintEvery: 0 },
      }),
      data,
      { backend: 'wasm' },
    );
    expect(r.teacher!.main).toBeGreaterThan(0.7);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("fails clearly when kd.teacher is 'provided' but nothing is handed in", async () => {
    const tensors = tf.memory().numTensors;
    await expect(
      runTraining(
        toyConfig(10, {
          method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
          teacher: { source: 'provided' },
        }),
        data,
        { backend: 'wasm' },
      ),
    ).rejects.toThrow(/no teacher was handed/);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
