// KroneckerBERT initialised from a teacher: exact when the teacher's matrices are Kronecker
// products, dense parts copied, clear errors on a teacher of another shape, and — with a small
// teacher trained here on a toy task — a student that starts far above chance before any KD.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOY_VOCAB, toyAccuracy, toyData, trainToy } from '../../test/fixtures/toy-task';
import { useNodeBackend } from '../cli/node-backend';
import type { KronFactors } from '../config/student';
import { bertConfig, type BertConfig } from './config';
import { bertForward } from './encoder';
import { initKronBert, initKronBertArrays, kronMatrices, type KronBertConfig } from './kron-bert';
import { initKronBertFromTeacher, kronBertArraysFromTeacher } from './kron-init';
import { bertModel } from './model';
import { kronReconstruct } from './nkp';
import { initBertParams, Params, type ParamArray } from './params';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const one = (m1: number, n1: number, sums = 1) => ({ m1, n1, sums });
const FACTORS: KronFactors = {
  embedding: { n: 4, sums: 1 },
  attention: one(8, 8, 2),
  ffnUp: one(4, 2),
  ffnDown: one(2, 4),
};

function tinyBert(vocab = 30): BertConfig {
  const arch = {
    layers: 2,
    hidden: 32,
    heads: 2,
    intermediate: 64,
    hiddenDropout: 0,
    attentionDropout: 0,
  };
  return bertConfig(arch, vocab, 2, { maxPositions: 16 });
}

/** A dense teacher whose factored matrices are exactly the products of a random KroneckerBERT. */
function productTeacher(c: KronBertConfig): Map<string, ParamArray> {
  const k = initKronBertArrays(c, 11);
  const out = new Map(k);
  for (const [prefix, s] of kronMatrices(c)) {
    const a = k.get(`${prefix}.kron_a`)!.data;
    const b = k.get(`${prefix}.kron_b`)!.data;
    out.delete(`${prefix}.kron_a`);
    out.delete(`${prefix}.kron_b`);
    out.set(`${prefix}.weight`, {
      shape: [s.m1 * s.m2, s.n1 * s.n2],
      data: Float32Array.from(kronReconstruct(a, b, s)),
    });
  }
  return out;
}

const batch = () => ({
  ids: tf.tensor2d([2, 7, 9, 11, 3, 0, 2, 5, 3, 0, 0, 0], [2, 6], 'int32'),
  typeIds: tf.zeros([2, 6], 'int32') as tf.Tensor2D,
  mask: tf.tensor2d([1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0], [2, 6]),
});

describe('kronBertArraysFromTeacher', () => {
  it('reproduces a teacher made of exact products (NKP exact, dense parts copied)', () => {
    const c: KronBertConfig = { bert: tinyBert(), factors: FACTORS };
    const teacherArrays = productTeacher(c);
    const { arrays, report } = kronBertArraysFromTeacher(teacherArrays, c.bert, c);
    expect(report).toHaveLength(1 + 2 * 6);
    report.forEach((r) => expect(r.relResidual).toBeLessThan(1e-5));
    expect(arrays.get('bert.pooler.dense.weight')!.data).toEqual(
      teacherArrays.get('bert.pooler.dense.weight')!.data,
    );
    expect(arrays.get('classifier.bias')!.data).toEqual(teacherArrays.get('classifier.bias')!.data);
    const teacher = Params.fromArrays(teacherArrays);
    const student = Params.fromArrays(arrays);
    const b = batch();
    tf.tidy(() => {
      const t = bertForward(teacher, c.bert, b, { training: false });
      const s = bertForward(student, c.bert, b, { training: false });
      const diff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!;
      expect(diff(s.logits, t.logits)).toBeLessThan(1e-4);
      s.hidden.forEach((h, i) => expect(diff(h, t.hidden[i]!)).toBeLessThan(1e-4));
    });
    teacher.dispose();
    student.dispose();
  });

  it('names what is wrong with a teacher of another shape or missing a parameter', () => {
    const c: KronBertConfig = { bert: tinyBert(), factors: FACTORS };
    const t = productTeacher(c);
    expect(() => kronBertArraysFromTeacher(t, tinyBert(31), c)).toThrow(
      "A KroneckerBERT initialised from a teacher keeps the teacher's shape; it differs in vocabSize 30 (teacher 31)",
    );
    const missing = new Map(t);
    missing.delete('bert.encoder.layer.1.output.dense.weight');
    expect(() => kronBertArraysFromTeacher(missing, c.bert, c)).toThrow(
      "Teacher lacks parameter 'bert.encoder.layer.1.output.dense.weight'",
    );
    const wrong = new Map(t);
    wrong.set('bert.pooler.dense.weight', { shape: [32, 16], data: new Float32Array(512) });
    expect(() => kronBertArraysFromTeacher(wrong, c.bert, c)).toThrow(
      "Teacher parameter 'bert.pooler.dense.weight' is [32,16], expected [32,32]",
    );
  });
});

describe('initKronBertFromTeacher', () => {
  it('starts far above chance on a task its trained teacher solves (before any KD)', async () => {
    await useNodeBackend('wasm');
    try {
      const cfg = bertConfig(
        {
          layers: 2,
          hidden: 64,
          heads: 2,
          intermediate: 128,
          hiddenDropout: 0,
          attentionDropout: 0,
        },
        TOY_VOCAB,
        2,
        { maxPositions: 16 },
      );
      const train = toyData(2000, 16, 1);
      const dev = toyData(400, 16, 2);
      const teacher = bertModel(cfg, initBertParams(cfg, 1));
      trainToy(teacher, train, 150, 2e-3);
      const teacherAcc = toyAccuracy(teacher, dev);
      expect(teacherAcc).toBeGreaterThan(0.95);
      // Factored attention (A 16×16, B 4×4, 4 sums), FFN (2 sums) and embedding: about 4× smaller.
      const factors: KronFactors = {
        embedding: { n: 2, sums: 1 },
        attention: one(16, 16, 4),
        ffnUp: one(8, 4, 2),
        ffnDown: one(4, 8, 2),
      };
      const { model, report } = await initKronBertFromTeacher(
        { config: cfg, params: teacher.params },
        factors,
      );
      const compression = model.summary().config['compression'];
      expect(compression).toBeGreaterThan(3.5);
      const nkpAcc = toyAccuracy(model, dev);
      const random = initKronBert({ bert: cfg, factors }, 1);
      const randomAcc = toyAccuracy(random, dev);
      console.log(
        `teacher ${teacherAcc}, NKP-initialised KroneckerBERT (${Number(compression).toFixed(2)}×) ` +
          `${nkpAcc}, random init ${randomAcc}; NKP relative residuals ` +
          `${Math.min(...report.map((r) => r.relResidual)).toFixed(2)}–${Math.max(...report.map((r) => r.relResidual)).toFixed(2)}`,
      );
      expect(nkpAcc).toBeGreaterThan(0.85);
      expect(randomAcc).toBeLessThan(0.7);
      [teacher, model, random].forEach((m) => m.dispose());
    } finally {
      await useNodeBackend('cpu');
    }
  });
});
