// Parity of the Kronecker layer and NKP with PyTorch (fixture from scripts/parity/make_fixture.py):
// the matrix-free product against x·(Σ torch.kron(A_r, B_r))ᵀ, the materialised sum against the
// same, and our NKP's singular values and rank-1 reconstruction against torch.linalg.svd.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { kronMatmul, kronSum, type KronOrder, type KronShape } from './kronecker';
import { kronReconstruct, nearestKronecker } from './nkp';

interface KronFixture {
  reference: string;
  layer: {
    shape: KronShape;
    a: number[][][];
    b: number[][][];
    x: number[][];
    y: number[][];
    w: number[][];
  };
  nkp: { shape: KronShape; w: number[][]; singularValues: number[]; rank1: number[][] };
}
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/parity/kronecker.json', import.meta.url), 'utf8'),
) as KronFixture;

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe(`Kronecker parity (${fixture.reference})`, () => {
  it('matrix-free product and materialised sum equal torch.kron within 1e-5', () => {
    const { a, b, x, y, w } = fixture.layer;
    tf.tidy(() => {
      const diff = (ours: tf.Tensor, theirs: number[][]) =>
        tf.max(tf.abs(tf.sub(ours, tf.tensor2d(theirs)))).dataSync()[0]!;
      for (const order of ['a-first', 'b-first'] as KronOrder[]) {
        expect(
          diff(kronMatmul(tf.tensor2d(x), tf.tensor3d(a), tf.tensor3d(b), order), y),
        ).toBeLessThan(1e-5);
      }
      expect(diff(kronSum(tf.tensor3d(a), tf.tensor3d(b)), w)).toBeLessThan(1e-5);
    });
  });

  it('NKP singular values and rank-1 product equal torch.linalg.svd (to 1e-8 of σ₀)', () => {
    const { shape, w, singularValues, rank1 } = fixture.nkp;
    const full = nearestKronecker(Float64Array.from(w.flat()), {
      ...shape,
      sums: singularValues.length,
    });
    // W and σ are stored with 9 significant digits: compare to 1e-8 of the largest σ.
    full.singularValues.forEach((s, i) =>
      expect(Math.abs(s - singularValues[i]!)).toBeLessThan(1e-8 * singularValues[0]!),
    );
    const one = nearestKronecker(Float64Array.from(w.flat()), shape);
    const rec = kronReconstruct(one.a, one.b, shape);
    rank1.flat().forEach((v, i) => expect(Math.abs(rec[i]! - v)).toBeLessThan(1e-6)); // factors stored as float32
  });
});
