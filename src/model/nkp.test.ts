// Nearest Kronecker product (methods.md §1.6, items 2–4): R(A⊗B) is rank one, NKP is exact on an
// exact product, the residual equals the tail singular values (computed independently from the
// materialised R), a full-rank sum reconstructs W, n1 = m2 = 1 is the truncated SVD, the iterative
// path agrees with the exact one, and the kernel-layout transpose rule holds for the factors.
import { describe, expect, it } from 'vitest';
import { makeRng } from '../util/rng';
import type { KronShape } from './kronecker';
import { symmetricEigen } from './linalg';
import { kronReconstruct, nearestKronecker, rearrange } from './nkp';

function randn(n: number, seed: number): Float64Array {
  const rng = makeRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

function sqDist(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d += (x[i]! - y[i]!) ** 2;
  return d;
}

function sq(x: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d += x[i]! ** 2;
  return d;
}

/** All singular values of R(W), descending, from the materialised R (independent of nkp's path). */
function allSingularValues(w: Float64Array, s: KronShape): number[] {
  const R = rearrange(w, s);
  const rows = s.m1 * s.n1;
  const cols = s.m2 * s.n2;
  const g = new Float64Array(cols * cols);
  for (let p = 0; p < rows; p++)
    for (let q = 0; q < cols; q++)
      for (let q2 = 0; q2 < cols; q2++) g[q * cols + q2]! += R[p * cols + q]! * R[p * cols + q2]!;
  return Array.from(symmetricEigen(g, cols).values, (l) => Math.sqrt(Math.max(l, 0)));
}

describe('rearrangement', () => {
  it('maps A ⊗ B to the rank-one vec(A)·vec(B)ᵀ', () => {
    const s: KronShape = { m1: 2, n1: 3, m2: 4, n2: 2, sums: 1 };
    const a = randn(6, 1);
    const b = randn(8, 2);
    const R = rearrange(kronReconstruct(a, b, s), s);
    for (let p = 0; p < 6; p++)
      for (let q = 0; q < 8; q++) expect(R[p * 8 + q]).toBeCloseTo(a[p]! * b[q]!, 12);
  });

  it('rejects a W of the wrong size', () => {
    expect(() => rearrange(new Float64Array(10), { m1: 2, n1: 2, m2: 2, n2: 2, sums: 1 })).toThrow(
      /W has 10 entries, but A \[2, 2\] ⊗ B \[2, 2\] covers 16/,
    );
  });
});

describe('nearestKronecker', () => {
  it('is exact on an exact product: zero residual, W rebuilt, σ₀ = ‖A‖‖B‖', () => {
    const s: KronShape = { m1: 3, n1: 4, m2: 5, n2: 2, sums: 1 };
    const a = randn(12, 3);
    const b = randn(10, 4);
    const w = kronReconstruct(a, b, s);
    const r = nearestKronecker(w, s);
    expect(r.residual2).toBeLessThan(1e-9 * r.frobenius2);
    expect(sqDist(kronReconstruct(r.a, r.b, s), w)).toBeLessThan(1e-10 * sq(w));
    expect(r.singularValues[0]).toBeCloseTo(Math.sqrt(sq(a) * sq(b)), 8);
    // rank(R) = 1: the other singular values vanish.
    expect(
      allSingularValues(w, s)
        .slice(1)
        .every((x) => x < 1e-6),
    ).toBe(true);
  });

  it.each([1, 2, 3])('with %i sums leaves ‖W − Σ A⊗B‖² = Σ of the tail σ²', (sums) => {
    const s: KronShape = { m1: 4, n1: 3, m2: 2, n2: 5, sums };
    const w = randn(4 * 2 * 3 * 5, 10 + sums);
    const r = nearestKronecker(w, s);
    const sv = allSingularValues(w, s);
    const tail = sv.slice(sums).reduce((acc, x) => acc + x * x, 0);
    const direct = sqDist(kronReconstruct(r.a, r.b, s), w);
    expect(direct).toBeCloseTo(tail, 8);
    expect(r.residual2).toBeCloseTo(tail, 8);
    r.singularValues.forEach((x, i) => expect(x).toBeCloseTo(sv[i]!, 8));
    // Optimal: a random other pair of factors does worse.
    expect(
      sqDist(kronReconstruct(randn(r.a.length, 99), randn(r.b.length, 98), s), w),
    ).toBeGreaterThan(direct);
  });

  it('a full-rank sum (min(m1n1, m2n2) products) reconstructs W', () => {
    for (const s of [
      { m1: 3, n1: 2, m2: 2, n2: 4, sums: 6 },
      { m1: 2, n1: 2, m2: 3, n2: 3, sums: 4 },
    ]) {
      const w = randn(s.m1 * s.m2 * s.n1 * s.n2, 20);
      const r = nearestKronecker(w, s);
      expect(sqDist(kronReconstruct(r.a, r.b, s), w)).toBeLessThan(1e-18 * 1e6 * sq(w));
      expect(r.residual2).toBeLessThan(1e-10 * r.frobenius2);
    }
  });

  it('with n1 = 1 and m2 = 1 is the rank-one truncated SVD of W', () => {
    const m = 6;
    const n = 9;
    const s: KronShape = { m1: m, n1: 1, m2: 1, n2: n, sums: 1 };
    const w = randn(m * n, 30);
    const r = nearestKronecker(w, s);
    // Reference: top eigenpair of W·Wᵀ → σ, u; v = Wᵀu / σ.
    const wwt = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++)
        for (let k = 0; k < n; k++) wwt[i * m + j]! += w[i * n + k]! * w[j * n + k]!;
    const { values, vectors } = symmetricEigen(wwt, m);
    const sigma = Math.sqrt(values[0]!);
    const u = Array.from({ length: m }, (_, i) => vectors[i * m]!);
    const v = Array.from(
      { length: n },
      (_, k) => u.reduce((acc, ui, i) => acc + ui * w[i * n + k]!, 0) / sigma,
    );
    const rank1 = Float64Array.from(
      { length: m * n },
      (_, idx) => sigma * u[Math.floor(idx / n)]! * v[idx % n]!,
    );
    expect(r.singularValues[0]).toBeCloseTo(sigma, 6);
    expect(sqDist(kronReconstruct(r.a, r.b, s), rank1)).toBeLessThan(1e-10 * sq(w));
  });

  it('the subspace iteration agrees with the exact eigendecomposition', () => {
    // Smaller side 24 > exactLimit 8 forces the iterative path; a decaying spectrum keeps it quick.
    const s: KronShape = { m1: 6, n1: 4, m2: 5, n2: 6, sums: 3 };
    const base = randn(s.m1 * s.m2 * s.n1 * s.n2, 40);
    const w = Float64Array.from(base);
    for (let t = 0; t < 3; t++) {
      const a = randn(24, 50 + t);
      const b = randn(30, 60 + t);
      const k = kronReconstruct(a, b, { ...s, sums: 1 });
      for (let i = 0; i < w.length; i++) w[i]! = 0.05 * base[i]! + (3 - t) * k[i]!;
    }
    const exact = nearestKronecker(w, s);
    const iter = nearestKronecker(w, s, { exactLimit: 8, seed: 3 });
    expect(exact.iterations).toBe(0);
    expect(iter.iterations).toBeGreaterThan(1);
    iter.singularValues.forEach((x, i) => expect(x).toBeCloseTo(exact.singularValues[i]!, 6));
    const recE = kronReconstruct(exact.a, exact.b, s);
    const recI = kronReconstruct(iter.a, iter.b, s);
    expect(sqDist(recE, recI)).toBeLessThan(1e-8 * sq(w));
  });

  it('summands past the rank multiply to zero but keep a unit factor (trainable)', () => {
    const s: KronShape = { m1: 2, n1: 2, m2: 2, n2: 2, sums: 3 };
    const w = kronReconstruct(randn(4, 70), randn(4, 71), { ...s, sums: 1 });
    const r = nearestKronecker(w, s);
    expect(sqDist(kronReconstruct(r.a, r.b, s), w)).toBeLessThan(1e-12 * sq(w));
    for (const rr of [1, 2]) {
      const aPart = r.a.slice(rr * 4, rr * 4 + 4);
      const bPart = r.b.slice(rr * 4, rr * 4 + 4);
      expect(sq(aPart) * sq(bPart)).toBe(0);
      expect(sq(aPart) + sq(bPart)).toBeCloseTo(1, 5);
    }
  });

  it('transpose rule: NKP of Wᵀ with (n1, m1, n2, m2) gives Aᵀ and Bᵀ', () => {
    const s: KronShape = { m1: 3, n1: 2, m2: 4, n2: 5, sums: 1 };
    const m = s.m1 * s.m2;
    const n = s.n1 * s.n2;
    const w = randn(m * n, 80);
    const wt = Float64Array.from(
      { length: m * n },
      (_, idx) => w[(idx % m) * n + Math.floor(idx / m)]!,
    );
    const r = nearestKronecker(w, s);
    const rt = nearestKronecker(wt, { m1: s.n1, n1: s.m1, m2: s.n2, n2: s.m2, sums: 1 });
    const recT = kronReconstruct(rt.a, rt.b, { m1: s.n1, n1: s.m1, m2: s.n2, n2: s.m2, sums: 1 });
    const rec = kronReconstruct(r.a, r.b, s);
    const recTransposed = Float64Array.from(
      { length: m * n },
      (_, idx) => rec[(idx % m) * n + Math.floor(idx / m)]!,
    );
    expect(sqDist(recT, recTransposed)).toBeLessThan(1e-9 * sq(w));
    expect(rt.singularValues[0]).toBeCloseTo(r.singularValues[0]!, 8);
  });
});

describe('symmetricEigen', () => {
  it('returns A·v = λ·v with orthonormal v, λ descending', () => {
    const n = 7;
    const x = randn(n * n, 90);
    const a = Float64Array.from(
      { length: n * n },
      (_, i) => x[i]! + x[(i % n) * n + Math.floor(i / n)]!,
    );
    const { values, vectors } = symmetricEigen(a, n);
    for (let c = 0; c < n; c++) {
      if (c > 0) expect(values[c]!).toBeLessThanOrEqual(values[c - 1]!);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k]! * vectors[k * n + c]!;
        expect(av).toBeCloseTo(values[c]! * vectors[i * n + c]!, 10);
      }
      for (let d = 0; d < n; d++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + c]! * vectors[i * n + d]!;
        expect(dot).toBeCloseTo(c === d ? 1 : 0, 10);
      }
    }
  });
});
