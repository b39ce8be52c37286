// MLM on the task's text: masking rules, the tied head, row selection, and a pre-training run
// whose loss falls and which leaves no tensors behind (wasm).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { encodeSplit, lengthBuckets, makeBatch } from '../data/batcher';
import { buildVocab, WordPieceTokenizer } from '../data/tokenizer';
import { bertConfig } from '../model';
import { makeRng } from '../util/rng';
import {
  encoderWeights,
  initMlmParams,
  maskTokens,
  mlmLogits,
  mlmPretrain,
  selectRows,
} from './mlm';
import { TOY_STUDENT, toyTask } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const data = toyTask(4, 400, 10);
const vocab = buildVocab(
  data.train.map((e) => e.a),
  { vocabSize: 120, lowercase: true },
);
const tok = new WordPieceTokenizer(vocab, { lowercase: true });
const split = encodeSplit(data.train, tok, data.spec, 16);
const special = tok.specialIds;
const cfg = bertConfig({ ...TOY_STUDENT, hidden: 32, intermediate: 64 }, tok.vocabSize, 2);

describe('maskTokens', () => {
  const b = makeBatch(
    split,
    Int32Array.from({ length: 64 }, (_, i) => i),
    64,
    lengthBuckets(16),
    special.pad,
  );

  it('never masks [CLS], [SEP] or padding, and records the original ids', () => {
    const m = maskTokens(b, special, 0.5, makeRng(1), 'bert', tok.vocabSize);
    for (const [j, pos] of m.positions.entries()) {
      expect(b.mask[pos]).toBe(1);
      expect([special.cls, special.sep, special.pad]).not.toContain(b.ids[pos]);
      expect(m.targets[j]).toBe(b.ids[pos]);
    }
    // Unchosen positions keep their ids.
    const chosen = new Set(m.positions);
    b.ids.forEach((id, i) => {
      if (!chosen.has(i)) expect(m.ids[i]).toBe(id);
    });
  });

  it("'mask' mode turns every chosen token into [MASK] at about the asked rate", () => {
    const m = maskTokens(b, special, 0.3, makeRng(2), 'mask', tok.vocabSize);
    let real = 0;
    b.ids.forEach((id, i) => {
      if (b.mask[i] === 1 && id !== special.cls && id !== special.sep) real++;
    });
    const k = m.positions.length;
    expect(Math.abs(k - 0.3 * real)).toBeLessThan(4 * Math.sqrt(real * 0.3 * 0.7));
    expect(Array.from(m.positions, (p) => m.ids[p])).toEqual(new Array(k).fill(special.mask));
  });

  it('p = 0 masks nothing', () => {
    expect(maskTokens(b, special, 0, makeRng(3), 'mask', tok.vocabSize).positions.length).toBe(0);
  });
});

describe('MLM head', () => {
  it('selects rows by one-hot matmul and ties the decoder to the word embeddings', () => {
    const p = initMlmParams(cfg, 1);
    tf.tidy(() => {
      const x = tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(Array.from(selectRows(x, Int32Array.from([2, 0])).dataSync())).toEqual([5, 6, 1, 2]);
      const h = tf.randomNormal([3, cfg.hiddenSize], 0, 1, 'float32', 5) as tf.Tensor2D;
      expect(mlmLogits(p, cfg, h).shape).toEqual([3, cfg.vocabSize]);
      const E = p.vars.get('bert.embeddings.word_embeddings.weight')!;
      const g = tf.variableGrads(() => tf.sum(mlmLogits(p, cfg, h)) as tf.Scalar, [E]).grads;
      expect(tf.sum(tf.abs(g[E.name]!)).dataSync()[0]).toBeGreaterThan(0);
    });
    p.dispose();
  });
});

describe('mlmPretrain', () => {
  it('lowers the MLM loss on the task text and leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const p = initMlmParams(cfg, 3);
    const losses = await mlmPretrain({
      params: p,
      config: cfg,
      split,
      buckets: lengthBuckets(16),
      special,
      spec: { steps: 80, lr: 5e-3, batchSize: 32, maskProb: 0.15 },
      seed: 4,
      embeddingGrad: 'scatter',
    });
    expect(losses.length).toBe(80);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-20))).toBeLessThan(mean(losses.slice(0, 20)) - 0.5);
    const enc = await encoderWeights(p);
    expect(
      [...enc.keys()].every((k) => k.startsWith('bert.embeddings') || k.startsWith('bert.encoder')),
    ).toBe(true);
    p.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
