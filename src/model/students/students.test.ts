// TextCNN and BiLSTM students: the encoder's output contract (shapes, empty attention lists),
// padding invariance, gradients to every parameter, no leaks, a short wasm training run that learns
// the toy task, and the factory building every student kind.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOY_VOCAB, toyAccuracy, toyData, trainToy } from '../../../test/fixtures/toy-task';
import { useNodeBackend } from '../../cli/node-backend';
import { kronPresetSpec, modelPreset } from '../../config/presets';
import { bertConfig } from '../config';
import type { Model } from '../model';
import { initBertParams } from '../params';
import { buildStudent, createStudent, modelSize } from './factory';
import { initBiLstm } from './bilstm';
import { initTextCnn } from './textcnn';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const V = 30;
const textCnn = (seed = 1) =>
  initTextCnn(
    {
      vocabSize: V,
      embed: 16,
      filters: 8,
      widths: [1, 2, 3],
      numLabels: 3,
      dropout: 0.1,
      padTokenId: 0,
    },
    seed,
  );
const biLstm = (seed = 1) =>
  initBiLstm(
    { vocabSize: V, embed: 16, hidden: 12, numLabels: 3, dropout: 0.1, padTokenId: 0 },
    seed,
  );

function batch(rows: number[][], T: number, padId = 0) {
  const B = rows.length;
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  rows.forEach((r, b) => {
    ids.set(r, b * T);
    mask.fill(1, b * T, b * T + r.length);
  });
  return {
    ids: tf.tensor2d(ids, [B, T], 'int32'),
    typeIds: tf.zeros([B, T], 'int32') as tf.Tensor2D,
    mask: tf.tensor2d(mask, [B, T]),
  };
}

const STUDENTS: Array<[string, () => Model, number]> = [
  ['TextCNN', textCnn, 24],
  ['BiLSTM', biLstm, 24],
];

describe.each(STUDENTS)('%s', (_name, make, featWidth) => {
  it('returns logits, per-layer [B, T, ·] representations and no attention maps', () => {
    const m = make();
    tf.tidy(() => {
      const o = m.forward(
        batch(
          [
            [2, 5, 6, 3],
            [2, 9, 3],
          ],
          8,
        ),
        { training: false },
      );
      expect(o.logits.shape).toEqual([2, 3]);
      expect(o.hidden.map((h) => h.shape)).toEqual([
        [2, 8, 16],
        [2, 8, featWidth],
      ]);
      expect(o.scores).toEqual([]);
      expect(o.attentions).toEqual([]);
      expect(o.pooled.shape).toEqual([2, featWidth]);
      // Representations are zero on padding.
      const h = o.hidden[1]!.arraySync();
      expect(h[1]!.slice(3).every((row) => row.every((x) => x === 0))).toBe(true);
    });
    expect(m.summary().params).toBe(m.params.count());
    expect(m.summary().flopsPerToken(8)).toBeGreaterThan(0);
    m.dispose();
  });

  it('is padding invariant: more padding, or other pad ids, change nothing', () => {
    const m = make();
    const [a, b, c, ha, hb] = tf.tidy(() => {
      const short = m.forward(batch([[2, 5, 6, 7, 3]], 8), { training: false });
      const long = m.forward(batch([[2, 5, 6, 7, 3]], 16), { training: false });
      const other = m.forward(batch([[2, 5, 6, 7, 3]], 8, 11), { training: false });
      return [
        short.logits.arraySync()[0]!,
        long.logits.arraySync()[0]!,
        other.logits.arraySync()[0]!,
        short.hidden[1]!.arraySync()[0]!.slice(0, 5),
        long.hidden[1]!.arraySync()[0]!.slice(0, 5),
      ];
    });
    b.forEach((x, i) => expect(x).toBeCloseTo(a[i]!, 6));
    expect(c).toEqual(a);
    hb.forEach((row, t) => row.forEach((x, j) => expect(x).toBeCloseTo(ha[t]![j]!, 6)));
    m.dispose();
  });

  it('sends gradients to every parameter and leaks no tensors', () => {
    const m = make();
    const b = batch(
      [
        [2, 5, 6, 7, 3],
        [2, 8, 9, 3],
      ],
      8,
    );
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      m.forward(b, { training: true, dropoutSeed: 3 });
    });
    expect(tf.memory().numTensors).toBe(before);
    const vars = [...m.params.vars.values()];
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(m.forward(b, { training: false }).logits)) as tf.Scalar,
      vars,
    );
    const silent = [...m.params.vars.keys()].filter((_, i) => {
      const g = grads[vars[i]!.name];
      return !g || tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) === 0;
    });
    expect(silent).toEqual([]);
    tf.dispose([value, ...Object.values(grads), b.ids, b.typeIds, b.mask]);
    m.dispose();
  });
});

describe('training on the wasm backend', () => {
  it.each([
    [
      'TextCNN',
      (seed: number) =>
        initTextCnn(
          {
            vocabSize: TOY_VOCAB,
            embed: 16,
            filters: 16,
            widths: [1, 2, 3],
            numLabels: 2,
            dropout: 0,
            padTokenId: 0,
          },
          seed,
        ),
    ],
    [
      'BiLSTM',
      (seed: number) =>
        initBiLstm(
          { vocabSize: TOY_VOCAB, embed: 16, hidden: 16, numLabels: 2, dropout: 0, padTokenId: 0 },
          seed,
        ),
    ],
  ])('%s learns the toy task', async (name, make) => {
    await useNodeBackend('wasm');
    try {
      const train = toyData(1600, 12, 3);
      const dev = toyData(400, 12, 4);
      const m = make(1);
      const before = toyAccuracy(m, dev);
      trainToy(m, train, 150, 1e-2);
      const after = toyAccuracy(m, dev);
      console.log(`${name}: dev accuracy ${before} → ${after} after 150 steps`);
      expect(after).toBeGreaterThan(0.85);
      m.dispose();
    } finally {
      await useNodeBackend('cpu');
    }
  });
});

describe('student factory', () => {
  const bert = bertConfig(modelPreset('tiny-L2-H64')!, V, 2, { maxPositions: 16 });

  it('builds each kind with the run’s vocabulary and labels', async () => {
    const kinds = [
      createStudent(undefined, bert, 1),
      createStudent({ kind: 'bert' }, bert, 1),
      createStudent(
        {
          kind: 'kron-bert',
          factors: {
            embedding: { n: 4, sums: 1 },
            attention: { m1: 8, n1: 8, sums: 1 },
            ffnUp: null,
            ffnDown: null,
          },
          init: 'random',
        },
        bert,
        1,
      ),
      createStudent({ kind: 'textcnn', embed: 8, filters: 4, widths: [2, 3], dropout: 0 }, bert, 1),
      createStudent({ kind: 'bilstm', embed: 8, hidden: 8, dropout: 0 }, bert, 1),
    ];
    expect(kinds.map((m) => m.kind)).toEqual(['bert', 'bert', 'kron-bert', 'textcnn', 'bilstm']);
    tf.tidy(() => {
      for (const m of kinds)
        expect(m.forward(batch([[2, 5, 3]], 4), { training: false }).logits.shape).toEqual([1, 2]);
    });
    kinds.forEach((m) => m.dispose());
  });

  it('initialises an NKP KroneckerBERT from the teacher, and refuses without one', async () => {
    const spec = kronPresetSpec('kron-mini-8x')!;
    const mini = bertConfig(modelPreset('bert-mini')!, V, 2, { maxPositions: 16 });
    expect(() => createStudent(spec, mini, 1)).toThrow(/use buildStudent/);
    await expect(buildStudent(spec, mini, 1)).rejects.toThrow(/the run has no teacher/);
    const params = initBertParams(mini, 2);
    const m = await buildStudent(spec, mini, 1, { config: mini, params });
    expect(m.kind).toBe('kron-bert');
    expect(m.params.get('classifier.weight').arraySync()).toEqual(
      params.get('classifier.weight').arraySync(),
    );
    m.dispose();
    params.dispose();
  });
});

describe('modelSize', () => {
  it('reports parameters, FLOPs and compression against the teacher or the dense twin', () => {
    const bert = bertConfig(modelPreset('bert-mini')!, V, 2, { maxPositions: 16 });
    const teacher = createStudent({ kind: 'bert' }, bert, 1);
    const spec = kronPresetSpec('kron-mini-4x')!;
    const kron = createStudent(
      spec.kind === 'kron-bert' ? { ...spec, init: 'random' } : spec,
      bert,
      1,
    );
    const cnn = createStudent(
      { kind: 'textcnn', embed: 8, filters: 4, widths: [2], dropout: 0 },
      bert,
      1,
    );
    const t = modelSize(teacher, 64);
    expect(t).toEqual({
      params: teacher.params.count(),
      flopsPerToken: teacher.summary().flopsPerToken(64),
      compression: null,
      referenceParams: null,
    });
    const k = modelSize(kron, 64);
    expect(k.compression).toBeCloseTo(t.params / kron.params.count(), 10);
    expect(k.flopsPerToken).toBeLessThan(t.flopsPerToken);
    expect(modelSize(cnn, 64, teacher).compression).toBeCloseTo(t.params / cnn.params.count(), 10);
    [teacher, kron, cnn].forEach((m) => m.dispose());
  });
});
