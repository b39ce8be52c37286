import { describe, expect, it } from 'vitest';
import { makeRng } from '../util/rng';
import {
  bucketFor,
  encodeSplit,
  epochBatches,
  evalBatches,
  lengthBuckets,
  makeBatch,
  type PairEncoder,
} from './batcher';
import type { TaskSpec } from './types';

/** A whitespace "tokenizer": id = word length + 10; [CLS]=2, [SEP]=3, [PAD]=0. */
const enc: PairEncoder = {
  specialIds: { pad: 0 },
  encode(a, b, opts) {
    const words = (s: string) =>
      s
        .split(' ')
        .filter(Boolean)
        .map((w) => 10 + w.length);
    let ids = [2, ...words(a), 3, ...(b === undefined ? [] : [...words(b), 3])];
    const firstLen = words(a).length + 2;
    let typeIds = ids.map((_, i) => (i < firstLen ? 0 : 1));
    const max = opts?.maxLength ?? 1e9;
    const truncated = ids.length > max;
    ids = ids.slice(0, max);
    typeIds = typeIds.slice(0, max);
    return { ids, typeIds, truncated };
  },
};
const spec: TaskSpec = {
  id: 't',
  name: 't',
  kind: 'classification',
  numLabels: 2,
  labelNames: ['a', 'b'],
  pair: false,
  metrics: ['accuracy'],
  mainMetric: 'accuracy',
};
const examples = Array.from({ length: 100 }, (_, i) => ({
  a: Array.from({ length: 1 + (i % 30) }, () => 'w').join(' '),
  label: i % 2,
}));

describe('batcher', () => {
  const split = encodeSplit(examples, enc, spec, 24);

  it('encodes to padded rows with lengths and counts truncation', () => {
    expect(split.n).toBe(100);
    expect(Array.from(split.ids.subarray(0, 5))).toEqual([2, 11, 3, 0, 0]);
    expect(split.lengths[0]).toBe(3);
    expect(split.truncated).toBe(examples.filter((e) => e.a.split(' ').length + 2 > 24).length);
  });

  it('buckets lengths', () => {
    expect(lengthBuckets(64)).toEqual([16, 32, 64]);
    expect(lengthBuckets(24)).toEqual([16, 24]);
    expect(bucketFor(17, [16, 32])).toBe(32);
  });

  it('makes a batch at the bucket of its longest row with a matching mask', () => {
    const b = makeBatch(split, Int32Array.from([0, 20]), 4, lengthBuckets(24), 0);
    expect(b.T).toBe(24); // row 20 has 21 words + 2 specials = 23 tokens
    expect(b.valid).toBe(2);
    expect(Array.from(b.mask.subarray(0, 4))).toEqual([1, 1, 1, 0]);
    expect(b.mask.subarray(2 * 24).every((x) => x === 0)).toBe(true); // padding rows
  });

  it('epoch batches cover each row at most once, are full, seeded, and mostly short', () => {
    const batches = epochBatches(split, 8, makeRng(1), 4);
    expect(batches).toHaveLength(12);
    const seen = new Set<number>();
    for (const b of batches) {
      expect(b.length).toBe(8);
      b.forEach((i) => {
        expect(seen.has(i)).toBe(false);
        seen.add(i);
      });
    }
    expect(epochBatches(split, 8, makeRng(1), 4)).toEqual(batches);
    expect(epochBatches(split, 8, makeRng(2), 4)).not.toEqual(batches);
    const T = (b: Int32Array) => makeBatch(split, b, 8, lengthBuckets(24), 0).T;
    const grouped = batches.filter((b) => T(b) === 16).length;
    const plain = Array.from({ length: 12 }, (_, k) => makeRng(1 + k)).map((r) => {
      const p = epochBatches(split, 8, r, 1);
      return p.filter((b) => T(b) === 16).length;
    });
    expect(grouped).toBeGreaterThanOrEqual(Math.max(...plain));
  });

  it('evaluation batches cover every row once, padded to full size', () => {
    const batches = evalBatches(split, 32, lengthBuckets(24), 0);
    expect(batches.map((b) => b.valid)).toEqual([32, 32, 32, 4]);
    const all = batches.flatMap((b) => Array.from(b.index)).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(batches.every((b) => b.B === 32)).toBe(true);
  });
});
