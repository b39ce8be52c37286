// Teacher ensembles: logits are the members' mean, and the loop's teacher recipe trains k members,
// freezes all of them and evaluates the ensemble (wasm), without leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { bertConfig, bertModel, evalLogits, initBertParams } from '../model';
import { trainTeacher } from '../train/loop';
import { ensembleModel } from './ensemble';
import { disposeTeacher } from './teacher';
import { TOY_TEACHER, toyConfig, toyTask, toyTrain } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('ensembleModel', () => {
  it("averages the members' logits and frees every member", () => {
    const c = bertConfig({ ...TOY_TEACHER, layers: 1 }, 30, 3);
    const tensors = tf.memory().numTensors;
    const a = bertModel(c, initBertParams(c, 1));
    const b = bertModel(c, initBertParams(c, 2));
    const e = ensembleModel([a, b]);
    tf.tidy(() => {
      const batch = {
        ids: tf.tensor2d([[2, 7, 9, 3]], [1, 4], 'int32'),
        typeIds: tf.zeros([1, 4], 'int32') as tf.Tensor2D,
        mask: tf.ones([1, 4]) as tf.Tensor2D,
      };
      const za = evalLogits(a, batch).dataSync();
      const zb = evalLogits(b, batch).dataSync();
      const ze = evalLogits(e, batch).dataSync();
      ze.forEach((v, i) => expect(v).toBeCloseTo((za[i]! + zb[i]!) / 2, 5));
    });
    expect(e.summary().params).toBe(2 * a.summary().params);
    e.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('trainTeacher with an ensemble', () => {
  it('trains k members, freezes them all and reports the ensemble on dev', async () => {
    const tensors = tf.memory().numTensors;
    const c = toyConfig(10, {
      method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
      teacher: {
        source: 'train',
        model: TOY_TEACHER,
        train: toyTrain(30, 5),
        footprintEvery: 0,
        ensemble: 2,
      },
    });
    // The run's student is a TextCNN; the teacher is still the BERT of kd.teacher.model.
    c.student = { kind: 'textcnn', embed: 16, filters: 8, widths: [1, 2], dropout: 0 };
    const t = await trainTeacher(c, toyTask(3, 200, 40), { backend: 'wasm' });
    expect(t.model.kind).toBe('bert');
    expect(t.model.summary().config['ensemble']).toBe(2);
    expect(t.dev?.main).toEqual(expect.any(Number));
    expect([...t.model.params.vars.values()].every((v) => !v.trainable)).toBe(true);
    disposeTeacher(t);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
