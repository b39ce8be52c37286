// The encoder on the wasm backend: its traps (no UnsortedSegmentSum, a OneHot that ignores dtype)
// are worked around, and it agrees with the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { modelPreset } from '../config/presets';
import { bertConfig, bertForward, embeddingLookup, initBertArrays, Params, oneHotFloat } from '.';

async function forwardOn(backend: 'cpu' | 'wasm') {
  await useNodeBackend(backend);
  const c = bertConfig(modelPreset('tiny-L2-H64')!, 40, 2, { maxPositions: 16 });
  const p = Params.fromArrays(initBertArrays(c, 5));
  const ids = tf.tensor2d(
    [
      [2, 7, 9, 3, 0, 0],
      [2, 4, 5, 6, 8, 3],
    ],
    [2, 6],
    'int32',
  );
  const typeIds = tf.tensor2d(
    [
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 1, 1, 1],
    ],
    [2, 6],
    'int32',
  );
  const mask = tf.tensor2d(
    [
      [1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ],
    [2, 6],
  );
  const out = tf.tidy(() =>
    bertForward(
      p,
      c,
      { ids, typeIds, mask },
      { training: true, dropoutSeed: 9 },
    ).logits.arraySync(),
  );
  p.dispose();
  tf.dispose([ids, typeIds, mask]);
  return out;
}

describe('wasm backend', () => {
  it('agrees with the cpu backend, dropout included', async () => {
    const cpu = await forwardOn('cpu');
    const wasm = await forwardOn('wasm');
    wasm.flat().forEach((x, i) => expect(x).toBeCloseTo(cpu.flat()[i]!, 5));
  });

  it('one-hot rows are real float ones', async () => {
    await useNodeBackend('wasm');
    expect(oneHotFloat(tf.tensor1d([1, 0], 'int32'), 2).arraySync()).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('trains embeddings through ScatterNd, summing repeated ids', async () => {
    await useNodeBackend('wasm');
    const table = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      true,
      'wasm-emb',
    );
    const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
    const w = tf.tensor2d([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(embeddingLookup(table, ids, 'scatter'), w)) as tf.Scalar,
      [table],
    );
    expect(grads[table.name]!.arraySync()).toEqual([
      [2, 20],
      [0, 0],
      [8, 80],
    ]);
    expect(() =>
      tf.variableGrads(() => tf.sum(embeddingLookup(table, ids, 'gather')) as tf.Scalar, [table]),
    ).toThrow(/UnsortedSegmentSum/);
  });
});
