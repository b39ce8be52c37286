// KroneckerBERT: parameter names and counts (K8 / K21 against the paper's 14.3 M / 5.2 M), the
// forward equal to a dense BERT holding the materialised products, FLOPs below the dense model's,
// gradients reaching every factor, padding invariance, and wasm agreeing with cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { KRON_PRESETS, modelPreset } from '../config/presets';
import type { KronFactors } from '../config/student';
import { bertConfig, bertFlopsPerToken, countBertParams } from './config';
import { bertForward } from './encoder';
import {
  KRON_EMBEDDING,
  countKronBertParams,
  initKronBert,
  initKronBertArrays,
  kronBertFlopsPerToken,
  kronBertParamShapes,
  kronMatrices,
  type KronBertConfig,
} from './kron-bert';
import { kronSum } from './kronecker';
import { initBertArrays, Params, type ParamArray } from './params';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const V = 40;
const FACTORS: KronFactors = {
  embedding: { n: 4, sums: 1 },
  attention: { m1: 8, n1: 4, sums: 2 },
  ffnUp: { m1: 4, n1: 2, sums: 1 },
  ffnDown: { m1: 2, n1: 8, sums: 1 },
};

function tinyKron(factors: KronFactors = FACTORS): KronBertConfig {
  return { bert: bertConfig(modelPreset('tiny-L2-H64')!, V, 3, { maxPositions: 16 }), factors };
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

/** The dense BERT arrays equal to a KroneckerBERT's: every product materialised. */
function materialise(c: KronBertConfig, arrays: Map<string, ParamArray>): Map<string, ParamArray> {
  const out = new Map(arrays);
  for (const prefix of kronMatrices(c).keys()) {
    const a = arrays.get(`${prefix}.kron_a`)!;
    const b = arrays.get(`${prefix}.kron_b`)!;
    const w = tf.tidy(() =>
      kronSum(
        tf.tensor3d(a.data, a.shape as [number, number, number]),
        tf.tensor3d(b.data, b.shape as [number, number, number]),
      ),
    );
    out.delete(`${prefix}.kron_a`);
    out.delete(`${prefix}.kron_b`);
    out.set(`${prefix}.weight`, { shape: w.shape.slice(), data: Float32Array.from(w.dataSync()) });
    w.dispose();
  }
  return out;
}

describe('KroneckerBERT parameters', () => {
  it('replaces each factored weight by kron_a [r, m1, n1] and kron_b [r, m2, n2]', () => {
    const shapes = kronBertParamShapes(tinyKron());
    const l0 = 'bert.encoder.layer.0';
    expect(shapes.has(`${l0}.attention.self.query.weight`)).toBe(false);
    expect(shapes.get(`${l0}.attention.self.query.kron_a`)).toEqual([2, 8, 4]);
    expect(shapes.get(`${l0}.attention.self.query.kron_b`)).toEqual([2, 8, 16]);
    expect(shapes.get(`${l0}.attention.self.query.bias`)).toEqual([64]);
    expect(shapes.get(`${l0}.intermediate.dense.kron_a`)).toEqual([1, 4, 2]);
    expect(shapes.get(`${l0}.intermediate.dense.kron_b`)).toEqual([1, 32, 32]);
    expect(shapes.get(`${l0}.output.dense.kron_b`)).toEqual([1, 32, 16]);
    expect(shapes.get(`${KRON_EMBEDDING}.kron_a`)).toEqual([1, V, 16]);
    expect(shapes.get(`${KRON_EMBEDDING}.kron_b`)).toEqual([1, 1, 4]);
    // Dense parts keep their Hugging Face names and shapes.
    expect(shapes.get('bert.embeddings.position_embeddings.weight')).toEqual([16, 64]);
    expect(shapes.get('bert.pooler.dense.weight')).toEqual([64, 64]);
    expect(shapes.get('classifier.weight')).toEqual([3, 64]);
    expect(shapes.has(`${l0}.output.LayerNorm.weight`)).toBe(true);
  });

  it('counts what it allocates, and nulls keep matrices dense', () => {
    const c = tinyKron();
    const m = initKronBert(c, 1);
    expect(m.params.count()).toBe(countKronBertParams(c));
    expect(m.summary().params).toBe(m.params.count());
    m.dispose();
    const dense = tinyKron({ embedding: null, attention: null, ffnUp: null, ffnDown: null });
    expect(countKronBertParams(dense)).toBe(countBertParams(dense.bert));
    expect([...kronBertParamShapes(dense).keys()].sort()).toEqual(
      [...initBertArrays(dense.bert, 1).keys()].sort(),
    );
  });

  it('KroneckerBERT8 and KroneckerBERT21 are within 3% of the paper’s 14.3 M and 5.2 M', () => {
    const base = (name: string): KronBertConfig => ({
      bert: bertConfig(modelPreset('bert-base')!, 30522, 2),
      factors: KRON_PRESETS[name]!.factors,
    });
    const k8 = countKronBertParams(base('kron-bert-base-8'));
    const k21 = countKronBertParams(base('kron-bert-base-21'));
    expect(Math.abs(k8 / 14.3e6 - 1)).toBeLessThan(0.03);
    expect(Math.abs(k21 / 5.2e6 - 1)).toBeLessThan(0.03);
    expect(k8).toBe(14654216 + 2 * 768 + 2); // hand count (methods.md §1.2) + a 2-class classifier
    expect(k21).toBe(5228272 + 2 * 768 + 2);
    const bertBase = countBertParams(base('kron-bert-base-8').bert);
    expect(bertBase / k8).toBeGreaterThan(7.4);
    expect(bertBase / k21).toBeGreaterThan(20.5);
  });

  it('the mini presets compress BERT-Mini about 4×, 8× and 16×', () => {
    const mini = bertConfig(modelPreset('bert-mini')!, 30522, 2);
    const factor = (name: string) =>
      countBertParams(mini) /
      countKronBertParams({ bert: mini, factors: KRON_PRESETS[name]!.factors });
    expect(factor('kron-mini-4x')).toBeCloseTo(4.15, 1);
    expect(factor('kron-mini-8x')).toBeCloseTo(7.7, 1);
    expect(factor('kron-mini-16x')).toBeCloseTo(15.56, 1);
  });

  it('initialises dense parts as BERT does with the same seed, and factors at BERT’s scale', () => {
    const c = tinyKron();
    const k = initKronBertArrays(c, 5);
    const d = initBertArrays(c.bert, 5);
    for (const name of ['bert.pooler.dense.weight', 'bert.embeddings.position_embeddings.weight']) {
      expect(k.get(name)!.data).toEqual(d.get(name)!.data);
    }
    // The product's entries have std ≈ initializerRange (0.02).
    const a = k.get('bert.encoder.layer.0.attention.self.query.kron_a')!;
    const b = k.get('bert.encoder.layer.0.attention.self.query.kron_b')!;
    const w = tf.tidy(() =>
      Float32Array.from(
        kronSum(tf.tensor3d(a.data, [2, 8, 4]), tf.tensor3d(b.data, [2, 8, 16])).dataSync(),
      ),
    );
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.012);
    expect(std).toBeLessThan(0.03);
    // The padding row of the embedding factor is zero.
    const e = k.get(`${KRON_EMBEDDING}.kron_a`)!;
    expect(e.data.slice(0, 16).every((x) => x === 0)).toBe(true);
    expect(e.data.slice(16, 32).some((x) => x !== 0)).toBe(true);
  });

  it('rejects factors that do not tile a matrix, naming it', () => {
    const bad = tinyKron({ ...FACTORS, ffnUp: { m1: 3, n1: 2, sums: 1 } });
    expect(() => kronBertParamShapes(bad)).toThrow(
      /^bert\.encoder\.layer\.0\.intermediate\.dense: Kronecker factor A \[3, 2\]/,
    );
  });
});

describe('KroneckerBERT forward', () => {
  it('equals a dense BERT holding the materialised products (logits, hidden, scores)', () => {
    const c = tinyKron();
    const arrays = initKronBertArrays(c, 3);
    const kronParams = Params.fromArrays(arrays);
    const denseParams = Params.fromArrays(materialise(c, arrays));
    const b = batch(
      [
        [2, 5, 6, 7, 3],
        [2, 9, 3],
      ],
      8,
    );
    tf.tidy(() => {
      const k = bertForward(kronParams, c.bert, b, { training: false });
      const d = bertForward(denseParams, c.bert, b, { training: false });
      const diff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!;
      expect(diff(k.logits, d.logits)).toBeLessThan(1e-5);
      k.hidden.forEach((h, i) => expect(diff(h, d.hidden[i]!)).toBeLessThan(1e-4));
      k.scores.forEach((s, i) => expect(diff(s, d.scores[i]!)).toBeLessThan(1e-4));
      expect(k.logits.shape).toEqual([2, 3]);
      expect(k.hidden).toHaveLength(3);
    });
    kronParams.dispose();
    denseParams.dispose();
  });

  it('a padded token does not change the logits', () => {
    const m = initKronBert(tinyKron(), 7);
    const [a, b] = tf.tidy(() => [
      m.forward(batch([[2, 5, 6, 7, 3]], 8), { training: false }).logits.arraySync()[0]!,
      m.forward(batch([[2, 5, 6, 7, 3]], 16), { training: false }).logits.arraySync()[0]!,
    ]);
    b.forEach((x, i) => expect(x).toBeCloseTo(a[i]!, 5));
    m.dispose();
  });

  it('sends gradients to every factor, bias and dense parameter', () => {
    const m = initKronBert(tinyKron(), 8);
    const b = batch([[2, 5, 6, 7, 3]], 8);
    const vars = [...m.params.vars.values()];
    const { grads, value } = tf.variableGrads(
      () => tf.sum(tf.square(m.forward(b, { training: false }).logits)) as tf.Scalar,
      vars,
    );
    const names = [...m.params.vars.keys()];
    const zero = names.filter((n, i) => {
      const g = grads[vars[i]!.name];
      return !g || tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) === 0;
    });
    // Only the token-type row 1 and unseen vocabulary rows could be zero; whole tensors never are.
    expect(zero).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    m.dispose();
  });

  it('costs fewer FLOPs per token than the dense BERT it factors', () => {
    const base = bertConfig(modelPreset('bert-base')!, 30522, 2);
    const k8 = { bert: base, factors: KRON_PRESETS['kron-bert-base-8']!.factors };
    const k21 = { bert: base, factors: KRON_PRESETS['kron-bert-base-21']!.factors };
    const dense = bertFlopsPerToken(base, 128);
    // Paper Table 1 (per 128-token sequence): BERT-base 21.7 B, K8 5.2 B, K21 1.4 B.
    expect((dense * 128) / 1e9).toBeCloseTo(22.35, 1);
    expect((kronBertFlopsPerToken(k8, 128) * 128) / 1e9).toBeCloseTo(6.1, 1);
    expect((kronBertFlopsPerToken(k21, 128) * 128) / 1e9).toBeCloseTo(2.02, 1);
    const m = initKronBert(tinyKron(), 1);
    const s = m.summary();
    expect(s.kind).toBe('kron-bert');
    expect(s.flopsPerToken(8)).toBeLessThan(bertFlopsPerToken(tinyKron().bert, 8));
    expect(s.config['compression']).toBeCloseTo(countBertParams(tinyKron().bert) / s.params, 10);
    expect(s.config['factors']).toEqual(FACTORS);
    m.dispose();
  });

  it('agrees between the cpu and wasm backends', async () => {
    const c: KronBertConfig = tinyKron();
    const arrays = initKronBertArrays(c, 9);
    const run = (): number[][] => {
      const p = Params.fromArrays(arrays);
      const b = batch([[2, 5, 6, 7, 3]], 8);
      const out = tf.tidy(() => bertForward(p, c.bert, b, { training: false }).logits.arraySync());
      p.dispose();
      tf.dispose([b.ids, b.typeIds, b.mask]);
      return out;
    };
    const cpu = run();
    await useNodeBackend('wasm');
    try {
      const wasm = run();
      wasm[0]!.forEach((x, i) => expect(x).toBeCloseTo(cpu[0]![i]!, 4));
    } finally {
      await useNodeBackend('cpu');
    }
  });
});
