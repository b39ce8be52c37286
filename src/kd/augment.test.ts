// Glitter's augmentation pool: word spans over WordPiece runs, EDA swap/delete keeping the special
// tokens and the second segment, MLM rewrites that change only masked positions, and the duplicate
// filter.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import type { EncodedSplit } from '../data/batcher';
import { bertConfig } from '../model';
import { makeRng } from '../util/rng';
import { buildPool, edaRow, mlmRewrite, wordSpans } from './augment';
import { initMlmParams } from './mlm';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

// ids: 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 the 6 film 7 was 8 good 9 ##ness 10 bad
const special = { pad: 0, cls: 2, sep: 3, mask: 4 };
const cont = (id: number) => id === 9;

describe('EDA on words', () => {
  const row = Int32Array.from([2, 5, 6, 7, 8, 9, 3]); // [CLS] the film was good ##ness [SEP]

  it('groups WordPiece runs into words', () => {
    expect(wordSpans(row, cont, special)).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 6],
    ]);
  });

  it('swaps whole words, keeps [CLS]/[SEP] and the second segment, deletes but never all', () => {
    const pair = Int32Array.from([2, 5, 8, 9, 3, 6, 10, 3]); // [CLS] the goodness [SEP] film bad [SEP]
    const rng = makeRng(4);
    for (let n = 0; n < 20; n++) {
      const out = edaRow(pair, cont, special, rng, 1, 0);
      expect(out[0]).toBe(2);
      expect(Array.from(out.slice(-4))).toEqual([3, 6, 10, 3]);
      expect(Array.from(out).sort()).toEqual(Array.from(pair).sort()); // a swap permutes words
      const i = out.indexOf(9);
      expect(out[i - 1]).toBe(8); // '##ness' stays glued to 'good'
    }
    const gone = edaRow(row, cont, special, makeRng(1), 0, 0.999);
    expect(gone.length).toBeGreaterThan(2); // one word survives
    expect(edaRow(row, cont, special, makeRng(1), 0, 0)).toEqual(row);
  });
});

describe('pool', () => {
  const split: EncodedSplit = {
    n: 2,
    maxLen: 8,
    ids: Int32Array.from([2, 5, 6, 7, 8, 3, 0, 0, 2, 10, 3, 0, 0, 0, 0, 0]),
    typeIds: new Int32Array(16),
    lengths: Int32Array.from([6, 3]),
    labels: Float32Array.from([1, 0]),
    truncated: 0,
  };

  it('holds K candidates per example with its label, and marks copies of the original invalid', async () => {
    const same = await buildPool(
      split,
      cont,
      special,
      { K: 3, augment: 'eda', edaSwaps: 0, edaDelete: 0, mlmProb: 0.15, mlmTopK: 10, seed: 1 },
      null,
    );
    expect(same.split.n).toBe(6);
    expect(Array.from(same.split.labels)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(Array.from(same.valid)).toEqual([0, 0, 0, 0, 0, 0]);
    const swapped = await buildPool(
      split,
      cont,
      special,
      { K: 4, augment: 'eda', edaSwaps: 2, edaDelete: 0, mlmProb: 0.15, mlmTopK: 10, seed: 2 },
      null,
    );
    // The one-word example can never change; the four-word one usually does.
    expect(Array.from(swapped.valid.slice(4))).toEqual([0, 0, 0, 0]);
    expect(swapped.valid.slice(0, 4).some((v) => v === 1)).toBe(true);
  });

  it('MLM rewrites change only masked positions of segment 0, to non-special tokens', async () => {
    const c = bertConfig(
      { layers: 1, hidden: 16, heads: 2, intermediate: 32, hiddenDropout: 0, attentionDropout: 0 },
      11,
      2,
    );
    const params = initMlmParams(c, 3);
    const rows = [Int32Array.from([2, 5, 6, 7, 8, 3]), Int32Array.from([2, 5, 10, 3])];
    const tensors = tf.memory().numTensors;
    const out = await mlmRewrite(
      rows,
      { params, config: c, embeddingGrad: 'scatter' },
      special,
      makeRng(5),
      0.5,
      3,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    out.forEach((r, b) => {
      expect(r.length).toBe(rows[b]!.length);
      expect(r[0]).toBe(2);
      expect(r[r.length - 1]).toBe(3);
      for (let t = 1; t < r.length - 1; t++) expect([0, 2, 3, 4]).not.toContain(r[t]);
    });
    params.dispose();
  });
});
