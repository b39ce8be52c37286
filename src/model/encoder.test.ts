import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { modelPreset } from '../config/presets';
import {
  bertConfig,
  bertForward,
  countBertParams,
  embeddingLookup,
  initBertArrays,
  initBertParams,
  Params,
  type BertConfig,
  type EmbeddingGrad,
} from '.';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const V = 50;
function tinyConfig(numLabels = 3): BertConfig {
  return bertConfig(modelPreset('tiny-L2-H64')!, V, numLabels, { maxPositions: 32 });
}

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

describe('BERT encoder', () => {
  const c = tinyConfig();
  const p = initBertParams(c, 7);
  afterAll(() => p.dispose());

  it('returns logits, L+1 hidden states and L score/probability maps with the right shapes', () => {
    tf.tidy(() => {
      const o = bertForward(
        p,
        c,
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
      expect(o.hidden).toHaveLength(3);
      o.hidden.forEach((h) => expect(h.shape).toEqual([2, 8, 64]));
      expect(o.scores).toHaveLength(2);
      o.scores.forEach((s) => expect(s.shape).toEqual([2, 2, 8, 8]));
      expect(o.pooled.shape).toEqual([2, 64]);
      const probs = o.attentions[0]!.arraySync();
      // Softmax rows sum to one and padded keys get no weight.
      const row = probs[1]![0]![0]!;
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row.slice(3).every((x) => x === 0)).toBe(true);
    });
  });

  it('names parameters as Hugging Face BERT does and counts them', () => {
    expect(p.has('bert.encoder.layer.1.attention.self.query.weight')).toBe(true);
    expect(p.get('bert.encoder.layer.0.intermediate.dense.weight').shape).toEqual([128, 64]);
    expect(p.get('classifier.weight').shape).toEqual([3, 64]);
    expect(p.count()).toBe(countBertParams(c));
    // BERT-Tiny on BERT's vocabulary: 4.39 M encoder + pooler parameters (Turc et al. model card).
    const tiny = bertConfig(modelPreset('bert-tiny')!, 30522, 2);
    const tinyEncoder = countBertParams(tiny) - (2 * 128 + 2);
    expect(tinyEncoder).toBe(4385920);
  });

  it('a padded token does not change the [CLS] output', () => {
    const [a, b, d] = tf.tidy(() => {
      const short = bertForward(p, c, batch([[2, 5, 6, 7, 3]], 8), { training: false });
      const long = bertForward(p, c, batch([[2, 5, 6, 7, 3]], 16), { training: false });
      const otherPad = bertForward(p, c, batch([[2, 5, 6, 7, 3]], 8, 11), { training: false });
      return [
        short.logits.arraySync()[0]!,
        long.logits.arraySync()[0]!,
        otherPad.logits.arraySync()[0]!,
      ];
    });
    b.forEach((x, i) => expect(x).toBeCloseTo(a[i]!, 5));
    expect(d).toEqual(a); // same shape, different pad ids behind the mask: bit-identical
  });

  it('is deterministic in eval mode and seeded in training mode', () => {
    const run = (training: boolean, seed: number) =>
      tf.tidy(() =>
        bertForward(p, c, batch([[2, 5, 6, 7, 3]], 8), {
          training,
          dropoutSeed: seed,
        }).logits.arraySync(),
      );
    expect(run(false, 1)).toEqual(run(false, 2));
    expect(run(true, 1)).toEqual(run(true, 1));
    expect(run(true, 1)).not.toEqual(run(true, 2));
    expect(run(true, 1)).not.toEqual(run(false, 1));
  });

  it('same seed gives the same initial weights; another seed does not', () => {
    const a = initBertArrays(c, 3).get('bert.encoder.layer.0.output.dense.weight')!.data;
    const b = initBertArrays(c, 3).get('bert.encoder.layer.0.output.dense.weight')!.data;
    const d = initBertArrays(c, 4).get('bert.encoder.layer.0.output.dense.weight')!.data;
    expect(b).toEqual(a);
    expect(d).not.toEqual(a);
    // The classifier's size does not shift the encoder's init.
    const other = initBertArrays(tinyConfig(2), 3).get(
      'bert.encoder.layer.0.output.dense.weight',
    )!.data;
    expect(other).toEqual(a);
  });

  it('passes a numerical gradient check', () => {
    // Float64 is unavailable in tfjs, so compare central differences on a few parameters with a
    // step that float32 resolves, against the analytic gradient, in relative terms.
    const small = bertConfig(
      { layers: 1, hidden: 8, heads: 2, intermediate: 16, hiddenDropout: 0, attentionDropout: 0 },
      12,
      2,
      { maxPositions: 8 },
    );
    const q = initBertParams(small, 11);
    // Larger weights than the 0.02 init, so the loss is not flat.
    for (const v of q.vars.values()) v.assign(tf.mul(v, v.shape.length > 1 ? 20 : 1));
    const b = batch(
      [
        [2, 5, 6, 3],
        [2, 9, 10, 4],
      ],
      4,
    );
    const labels = tf.tensor1d([0, 1], 'int32');
    const lossFn = () =>
      tf.tidy(() => {
        const logits = bertForward(q, small, b, { training: false }).logits;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 2), logits) as tf.Scalar;
      });
    const { grads } = tf.variableGrads(lossFn, [...q.vars.values()]);
    const checks: [string, number][] = [
      ['bert.embeddings.word_embeddings.weight', 5 * 8 + 3],
      ['bert.encoder.layer.0.attention.self.query.weight', 9],
      ['bert.encoder.layer.0.attention.self.key.weight', 17],
      ['bert.encoder.layer.0.intermediate.dense.weight', 30],
      ['bert.encoder.layer.0.output.LayerNorm.weight', 2],
      ['bert.pooler.dense.bias', 1],
      ['classifier.weight', 4],
    ];
    const eps = 1e-2;
    for (const [name, index] of checks) {
      const v = q.vars.get(name)!;
      const analytic = grads[v.name]!.dataSync()[index]!;
      const base = v.dataSync().slice();
      const at = (delta: number) => {
        const next = base.slice();
        next[index] = base[index]! + delta;
        v.assign(tf.tensor(next, v.shape));
        const l = lossFn();
        const value = l.dataSync()[0]!;
        l.dispose();
        return value;
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(base, v.shape));
      expect(
        Math.abs(analytic - numeric),
        `${name}[${index}]: ${analytic} vs ${numeric}`,
      ).toBeLessThan(2e-3 + 0.02 * Math.abs(numeric));
    }
    expect(
      checks.some(([name, i]) => Math.abs(grads[q.vars.get(name)!.name]!.dataSync()[i]!) > 1e-3),
    ).toBe(true);
    tf.dispose(Object.values(grads));
    q.dispose();
  });

  it('fromArrays rebuilds identical parameters', async () => {
    const copy = Params.fromArrays(await p.toArrays());
    const x = batch([[2, 5, 3]], 4);
    const [a, b] = tf.tidy(() => [
      bertForward(p, c, x, { training: false }).logits.arraySync(),
      bertForward(copy, c, x, { training: false }).logits.arraySync(),
    ]);
    expect(b).toEqual(a);
    copy.dispose();
  });
});

describe('embedding gradient strategies', () => {
  it.each<EmbeddingGrad>(['gather', 'scatter', 'onehot'])('%s sums repeated ids', (mode) => {
    const table = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      true,
      `emb-${mode}`,
    );
    const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
    const w = tf.tensor2d([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(embeddingLookup(table, ids, mode), w)) as tf.Scalar,
      [table],
    );
    expect(grads[table.name]!.arraySync()).toEqual([
      [2, 20],
      [0, 0],
      [8, 80],
    ]);
    table.dispose();
  });
});

describe('weight decay groups', () => {
  it('exempts biases (dense and LSTM) and LayerNorm, not weights', async () => {
    const { isNoDecay } = await import('.');
    expect(isNoDecay('bert.encoder.layer.0.attention.self.query.bias')).toBe(true);
    expect(isNoDecay('bert.embeddings.LayerNorm.weight')).toBe(true);
    expect(isNoDecay('lstm.bias_ih_l0')).toBe(true);
    expect(isNoDecay('lstm.bias_hh_l0_reverse')).toBe(true);
    expect(isNoDecay('lstm.weight_ih_l0')).toBe(false);
    expect(isNoDecay('bert.encoder.layer.0.output.dense.weight')).toBe(false);
  });
});
