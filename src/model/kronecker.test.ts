// Kronecker layer identities (methods.md §1.6): product shape and element form, the transpose rule,
// matrix-free product = dense product with the materialised kron (both orders, several sums),
// gradients against the dense path and central differences, the Eq. 7 order choice, the
// embedding rows, leaks, and wasm agreeing with cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { makeRng } from '../util/rng';
import {
  kron,
  kronEmbedding,
  kronFlopsEq7,
  kronLinear,
  kronLinearFlops,
  kronMatmul,
  kronOrder,
  kronShapeFor,
  kronSum,
  type KronOrder,
  type KronShape,
} from './kronecker';
import { linear } from './layers';
import { Params } from './params';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

function randn(shape: number[], seed: number): tf.Tensor {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

const SHAPES: KronShape[] = [
  { m1: 3, n1: 4, m2: 5, n2: 2, sums: 1 },
  { m1: 2, n1: 6, m2: 3, n2: 3, sums: 2 },
  { m1: 4, n1: 1, m2: 1, n2: 7, sums: 1 }, // the SVD shape: A a column, B a row
  { m1: 1, n1: 5, m2: 6, n2: 1, sums: 3 },
  { m1: 8, n1: 2, m2: 3, n2: 16, sums: 1 }, // a-first is cheaper
  { m1: 6, n1: 3, m2: 2, n2: 4, sums: 4 },
];

describe('kron', () => {
  it('has shape [m1·m2, n1·n2] and element (i·m2+k, j·n2+l) = A[i,j]·B[k,l]', () => {
    const A = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const B = [
      [7, 8],
      [9, 10],
      [11, 12],
      [13, 14],
    ];
    const K = tf.tidy(() => kron(tf.tensor2d(A), tf.tensor2d(B)).arraySync());
    expect(K).toHaveLength(8);
    expect(K[0]).toHaveLength(6);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++)
          for (let l = 0; l < 2; l++) expect(K[i * 4 + k]![j * 2 + l]).toBe(A[i]![j]! * B[k]![l]!);
  });

  it('obeys the transpose rule (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ', () => {
    tf.tidy(() => {
      const a = randn([3, 5], 1) as tf.Tensor2D;
      const b = randn([4, 2], 2) as tf.Tensor2D;
      const lhs = tf.transpose(kron(a, b));
      const rhs = kron(tf.transpose(a), tf.transpose(b));
      expect(lhs.shape).toEqual([10, 12]);
      expect(maxAbsDiff(lhs, rhs)).toBe(0);
    });
  });

  it('kronSum adds the products', () => {
    tf.tidy(() => {
      const a = randn([2, 3, 2], 3) as tf.Tensor3D;
      const b = randn([2, 2, 4], 4) as tf.Tensor3D;
      const parts = [0, 1].map((r) =>
        kron(
          tf.reshape(tf.slice(a, [r, 0, 0], [1, 3, 2]), [3, 2]),
          tf.reshape(tf.slice(b, [r, 0, 0], [1, 2, 4]), [2, 4]),
        ),
      );
      expect(maxAbsDiff(kronSum(a, b), tf.add(parts[0]!, parts[1]!))).toBeLessThan(1e-6);
    });
  });

  it('kronShapeFor derives B and rejects factors that do not tile the matrix', () => {
    expect(kronShapeFor(3072, 768, 8, 2)).toEqual({ m1: 8, n1: 2, m2: 384, n2: 384, sums: 1 });
    expect(() => kronShapeFor(768, 768, 5, 2)).toThrow(/does not tile a \[768, 768\] matrix/);
    expect(() => kronShapeFor(768, 768, 2, 2, 0)).toThrow(/sums ≥ 1/);
  });
});

describe('kronMatmul', () => {
  it.each(SHAPES)('equals x·(Σ A⊗B)ᵀ in both orders: %o', (s) => {
    tf.tidy(() => {
      const a = randn([s.sums, s.m1, s.n1], 10) as tf.Tensor3D;
      const b = randn([s.sums, s.m2, s.n2], 11) as tf.Tensor3D;
      const x = randn([7, s.n1 * s.n2], 12) as tf.Tensor2D;
      const dense = tf.matMul(x, kronSum(a, b), false, true);
      for (const order of ['a-first', 'b-first'] as KronOrder[]) {
        const y = kronMatmul(x, a, b, order);
        expect(y.shape).toEqual([7, s.m1 * s.m2]);
        expect(maxAbsDiff(y, dense)).toBeLessThan(1e-5 * Math.max(1, s.n1 * s.n2));
      }
    });
  });

  it('rejects an input of the wrong width', () => {
    tf.tidy(() => {
      const a = tf.zeros([1, 2, 3]) as tf.Tensor3D;
      const b = tf.zeros([1, 2, 2]) as tf.Tensor3D;
      expect(() => kronMatmul(tf.zeros([4, 5]), a, b)).toThrow(/input width 5 ≠ n1·n2 = 3·2/);
    });
  });

  it('has the gradients of the dense product (x, A and B)', () => {
    for (const s of SHAPES.slice(0, 5)) {
      tf.tidy(() => {
        const a = randn([s.sums, s.m1, s.n1], 20) as tf.Tensor3D;
        const b = randn([s.sums, s.m2, s.n2], 21) as tf.Tensor3D;
        const x = randn([5, s.n1 * s.n2], 22) as tf.Tensor2D;
        const g = randn([5, s.m1 * s.m2], 23);
        for (const order of ['a-first', 'b-first'] as KronOrder[]) {
          const fact = tf.grads((x_, a_, b_) =>
            tf.sum(
              tf.mul(kronMatmul(x_ as tf.Tensor2D, a_ as tf.Tensor3D, b_ as tf.Tensor3D, order), g),
            ),
          )([x, a, b]);
          const dense = tf.grads((x_, a_, b_) =>
            tf.sum(
              tf.mul(tf.matMul(x_, kronSum(a_ as tf.Tensor3D, b_ as tf.Tensor3D), false, true), g),
            ),
          )([x, a, b]);
          fact.forEach((d, i) => expect(maxAbsDiff(d, dense[i]!)).toBeLessThan(1e-4));
        }
      });
    }
  });

  it('matches central differences of ½‖y‖² (a numerical gradient check)', () => {
    const s: KronShape = { m1: 2, n1: 3, m2: 3, n2: 2, sums: 2 };
    const data = (shape: number[], seed: number): Float32Array => {
      const t = randn(shape, seed);
      const d = Float32Array.from(t.dataSync());
      t.dispose();
      return d;
    };
    const aData = data([s.sums, s.m1, s.n1], 30);
    const bData = data([s.sums, s.m2, s.n2], 31);
    const xData = data([3, s.n1 * s.n2], 32);
    const loss = (a: Float32Array, b: Float32Array, x: Float32Array): number =>
      tf.tidy(() => {
        const y = kronMatmul(
          tf.tensor2d(x, [3, s.n1 * s.n2]),
          tf.tensor3d(a, [s.sums, s.m1, s.n1]),
          tf.tensor3d(b, [s.sums, s.m2, s.n2]),
        );
        return tf.mul(tf.sum(tf.square(y)), 0.5).dataSync()[0]!;
      });
    const analytic = tf.tidy(() =>
      tf
        .grads((a_, b_, x_) =>
          tf.mul(
            tf.sum(tf.square(kronMatmul(x_ as tf.Tensor2D, a_ as tf.Tensor3D, b_ as tf.Tensor3D))),
            0.5,
          ),
        )([
          tf.tensor3d(aData, [s.sums, s.m1, s.n1]),
          tf.tensor3d(bData, [s.sums, s.m2, s.n2]),
          tf.tensor2d(xData, [3, s.n1 * s.n2]),
        ])
        .map((g) => g.dataSync().slice()),
    );
    const inputs = [aData, bData, xData];
    const h = 1e-2;
    inputs.forEach((data, which) => {
      for (let i = 0; i < data.length; i++) {
        const plus = inputs.map((d) => d.slice());
        const minus = inputs.map((d) => d.slice());
        plus[which]![i]! += h;
        minus[which]![i]! -= h;
        const numeric =
          (loss(plus[0]!, plus[1]!, plus[2]!) - loss(minus[0]!, minus[1]!, minus[2]!)) / (2 * h);
        const exact = analytic[which]![i]!;
        expect(Math.abs(numeric - exact)).toBeLessThan(2e-2 * Math.max(1, Math.abs(exact)));
      }
    });
  });

  it('leaves no tensors behind inside tidy, and one outside', () => {
    const a = randn([2, 3, 4], 40) as tf.Tensor3D;
    const b = randn([2, 2, 2], 41) as tf.Tensor3D;
    const x = randn([5, 8], 42) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      kronMatmul(x, a, b, 'a-first');
      kronMatmul(x, a, b, 'b-first');
    });
    expect(tf.memory().numTensors).toBe(before);
    const y = kronMatmul(x, a, b);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([y, a, b, x]);
  });
});

describe('Eq. 7 FLOPs and the order choice', () => {
  it('counts both orders as the paper writes them', () => {
    const s = { m1: 384, n1: 48, m2: 2, n2: 16, sums: 1 }; // K21 attention
    expect(kronFlopsEq7(s)).toEqual({
      'b-first': 31 * 2 * 48 + 95 * 2 * 384,
      'a-first': 95 * 16 * 384 + 31 * 2 * 384,
    });
    expect(kronOrder(s)).toBe('b-first');
    // K21 FFN down-projection [768, 3072]: A 2×16, B 384×192 → A first is cheaper.
    expect(kronOrder(kronShapeFor(768, 3072, 2, 16))).toBe('a-first');
    expect(kronOrder(kronShapeFor(3072, 768, 16, 2))).toBe('b-first');
  });

  it('saves FLOPs against the dense layer at the paper shapes', () => {
    const dense = 2 * 768 * 768;
    expect(kronLinearFlops(kronShapeFor(768, 768, 384, 384))).toBe(
      2 * (2 * 2 * 384 + 384 * 2 * 384),
    );
    expect(kronLinearFlops(kronShapeFor(768, 768, 384, 48))).toBeLessThan(dense / 15);
    expect(kronLinearFlops(kronShapeFor(768, 768, 384, 48, 3))).toBe(
      3 * kronLinearFlops(kronShapeFor(768, 768, 384, 48)),
    );
  });
});

describe('kronLinear and linear dispatch', () => {
  it('linear uses the factors when the prefix has kron_a/kron_b, plus the bias', () => {
    const rng = makeRng(50);
    const arr = (shape: number[]) => ({
      shape,
      data: Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal()),
    });
    const p = Params.fromArrays(
      new Map([
        ['l.kron_a', arr([1, 3, 2])],
        ['l.kron_b', arr([1, 2, 4])],
        ['l.bias', arr([6])],
      ]),
    );
    tf.tidy(() => {
      const x = randn([4, 8], 51) as tf.Tensor2D;
      const w = kronSum(p.get('l.kron_a') as tf.Tensor3D, p.get('l.kron_b') as tf.Tensor3D);
      const expected = tf.add(tf.matMul(x, w, false, true), p.get('l.bias'));
      expect(maxAbsDiff(linear(p, 'l', x), expected)).toBeLessThan(1e-5);
      expect(maxAbsDiff(kronLinear(p, 'l', x), expected)).toBeLessThan(1e-5);
    });
    p.dispose();
  });
});

describe('kronEmbedding', () => {
  it('row i is flatten(outer(A[i], B)) (one product) and Σ_r of them (several)', () => {
    for (const r of [1, 3]) {
      tf.tidy(() => {
        const V = 6;
        const k = 4;
        const n = 3;
        const a = randn([r, V, k], 60 + r) as tf.Tensor3D;
        const b = randn([r, 1, n], 70 + r) as tf.Tensor3D;
        const ids = tf.tensor1d([5, 0, 2, 5], 'int32');
        const rows = kronEmbedding(a, b, (table) => tf.gather(table, ids));
        expect(rows.shape).toEqual([4, k * n]);
        const A = a.arraySync();
        const B = b.arraySync();
        const got = rows.arraySync();
        [5, 0, 2, 5].forEach((id, row) => {
          for (let j = 0; j < k; j++)
            for (let l = 0; l < n; l++) {
              let want = 0;
              for (let s = 0; s < r; s++) want += A[s]![id]![j]! * B[s]![0]![l]!;
              expect(got[row]![j * n + l]).toBeCloseTo(want, 5);
            }
        });
        // …and equals the rows of the materialised table Σ_r A_r ⊗ B_r.
        const table = kronSum(a, b); // [V, k·n]
        expect(maxAbsDiff(rows, tf.gather(table, ids))).toBeLessThan(1e-5);
      });
    }
  });
});

describe('wasm backend', () => {
  it('kronMatmul and its gradients agree with the cpu backend', async () => {
    const s: KronShape = { m1: 4, n1: 6, m2: 3, n2: 5, sums: 2 };
    const run = (): number[][] =>
      tf.tidy(() => {
        const a = randn([s.sums, s.m1, s.n1], 80) as tf.Tensor3D;
        const b = randn([s.sums, s.m2, s.n2], 81) as tf.Tensor3D;
        const x = randn([9, s.n1 * s.n2], 82) as tf.Tensor2D;
        const out: number[][] = [];
        for (const order of ['a-first', 'b-first'] as KronOrder[]) {
          const f = (x_: tf.Tensor, a_: tf.Tensor, b_: tf.Tensor) =>
            tf.sum(
              tf.square(kronMatmul(x_ as tf.Tensor2D, a_ as tf.Tensor3D, b_ as tf.Tensor3D, order)),
            );
          out.push([...kronMatmul(x, a, b, order).dataSync()]);
          for (const g of tf.grads(f)([x, a, b])) out.push([...g.dataSync()]);
        }
        return out;
      });
    const cpu = run();
    await useNodeBackend('wasm');
    try {
      const wasm = run();
      wasm.forEach((vals, i) =>
        vals.forEach((v, j) =>
          expect(Math.abs(v - cpu[i]![j]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(v))),
        ),
      );
    } finally {
      await useNodeBackend('cpu');
    }
  });
});
