// Nearest Kronecker product (Van Loan & Pitsianis 1993; KroneckerBERT §3.3 initialises its factors
// this way): min ‖W − Σ_r A_r ⊗ B_r‖_F is the rank-r truncated SVD of the rearranged matrix
// R = W.reshape(m1, m2, n1, n2).transpose(0, 2, 1, 3).reshape(m1·n1, m2·n2) (row-major; methods.md
// §1.1). CPU, Float64: the Gram matrix of R's smaller side is eigendecomposed exactly (Jacobi) when
// that side is small, else its top pairs come from subspace (block power) iteration, matrix-free.
import type { KronShape } from './kronecker';
import { orthonormalise, symmetricEigen } from './linalg';

/** The factors of the nearest sum of r Kronecker products, and how good it is. */
export interface NkpResult {
  /** [r, m1, n1] row-major. */
  a: Float32Array;
  /** [r, m2, n2] row-major. */
  b: Float32Array;
  /** The top r singular values of R, descending (0 past R's rank). */
  singularValues: number[];
  /** ‖W‖²_F. */
  frobenius2: number;
  /** ‖W − Σ_r A_r ⊗ B_r‖²_F = Σ_{i ≥ r} s_i² = ‖W‖²_F − Σ_{i < r} s_i² (R keeps W's norm). */
  residual2: number;
  /** Subspace iterations used; 0 when the Gram matrix was eigendecomposed exactly. */
  iterations: number;
}

export interface NkpOptions {
  /** Eigendecompose the Gram matrix exactly when R's smaller side is at most this (default 256). */
  exactLimit?: number;
  /** Subspace iteration: stop when the top r Ritz values move less than this, relatively (1e-12). */
  tol?: number;
  /** Subspace iteration: at most this many iterations (default 1000). */
  maxIter?: number;
  /** Seed of the subspace iteration's start block. */
  seed?: number;
}

type Mat = Float32Array | Float64Array;

function checkShape(w: Mat, s: KronShape): void {
  const size = s.m1 * s.m2 * s.n1 * s.n2;
  if (w.length !== size) {
    throw new Error(
      `NKP: W has ${w.length} entries, but A [${s.m1}, ${s.n1}] ⊗ B [${s.m2}, ${s.n2}] covers ${size}`,
    );
  }
}

/**
 * The Van Loan–Pitsianis rearrangement, materialised: R[i·n1 + j, k·n2 + l] = W[i·m2 + k, j·n2 + l],
 * so that vec(A) vec(B)ᵀ = R(A ⊗ B). w: [m1·m2, n1·n2] → [m1·n1, m2·n2]. For tests and small
 * matrices; the decomposition itself never forms R.
 */
export function rearrange(w: Mat, s: KronShape): Float64Array {
  checkShape(w, s);
  const { m1, n1, m2, n2 } = s;
  const out = new Float64Array(w.length);
  const cols = m2 * n2;
  for (let i = 0; i < m1; i++)
    for (let k = 0; k < m2; k++) {
      const row = (i * m2 + k) * n1 * n2;
      for (let j = 0; j < n1; j++)
        for (let l = 0; l < n2; l++) out[(i * n1 + j) * cols + k * n2 + l] = w[row + j * n2 + l]!;
    }
  return out;
}

/** R·v without forming R. v: [m2·n2] → [m1·n1]. */
function applyR(w: Mat, s: KronShape, v: Float64Array): Float64Array {
  const { m1, n1, m2, n2 } = s;
  const out = new Float64Array(m1 * n1);
  for (let i = 0; i < m1; i++)
    for (let k = 0; k < m2; k++) {
      const row = (i * m2 + k) * n1 * n2;
      for (let j = 0; j < n1; j++) {
        let acc = 0;
        for (let l = 0; l < n2; l++) acc += w[row + j * n2 + l]! * v[k * n2 + l]!;
        out[i * n1 + j]! += acc;
      }
    }
  return out;
}

/** Rᵀ·u without forming R. u: [m1·n1] → [m2·n2]. */
function applyRt(w: Mat, s: KronShape, u: Float64Array): Float64Array {
  const { m1, n1, m2, n2 } = s;
  const out = new Float64Array(m2 * n2);
  for (let i = 0; i < m1; i++)
    for (let k = 0; k < m2; k++) {
      const row = (i * m2 + k) * n1 * n2;
      for (let j = 0; j < n1; j++) {
        const uj = u[i * n1 + j]!;
        if (uj === 0) continue;
        for (let l = 0; l < n2; l++) out[k * n2 + l]! += w[row + j * n2 + l]! * uj;
      }
    }
  return out;
}

/**
 * Gram matrix of R's smaller side: RᵀR [m2n2, m2n2] when side = 'cols', RRᵀ [m1n1, m1n1] when
 * 'rows'. Cost (larger side)·(smaller side)², no copy of R.
 */
function gram(w: Mat, s: KronShape, side: 'rows' | 'cols'): Float64Array {
  const { m1, n1, m2, n2 } = s;
  const small = side === 'cols' ? m2 * n2 : m1 * n1;
  const g = new Float64Array(small * small);
  const vec = new Float64Array(small);
  const outerCount = side === 'cols' ? m1 * n1 : m2 * n2;
  for (let o = 0; o < outerCount; o++) {
    // side 'cols': row o = (i, j) of R over q = (k, l); side 'rows': column o = (k, l) over p = (i, j).
    if (side === 'cols') {
      const i = Math.floor(o / n1);
      const j = o % n1;
      for (let k = 0; k < m2; k++) {
        const base = (i * m2 + k) * n1 * n2 + j * n2;
        for (let l = 0; l < n2; l++) vec[k * n2 + l] = w[base + l]!;
      }
    } else {
      const k = Math.floor(o / n2);
      const l = o % n2;
      for (let i = 0; i < m1; i++)
        for (let j = 0; j < n1; j++) vec[i * n1 + j] = w[(i * m2 + k) * n1 * n2 + j * n2 + l]!;
    }
    for (let p = 0; p < small; p++) {
      const vp = vec[p]!;
      if (vp === 0) continue;
      const rowOff = p * small;
      for (let q = p; q < small; q++) g[rowOff + q]! += vp * vec[q]!;
    }
  }
  for (let p = 0; p < small; p++) for (let q = 0; q < p; q++) g[p * small + q] = g[q * small + p]!;
  return g;
}

/** Top-k eigenpairs of the Gram operator of R's smaller side. */
interface Eigenpairs {
  values: number[];
  /** Unit eigenvectors (length = the smaller side). */
  vectors: Float64Array[];
  iterations: number;
}

function exactPairs(w: Mat, s: KronShape, side: 'rows' | 'cols', k: number): Eigenpairs {
  const small = side === 'cols' ? s.m2 * s.n2 : s.m1 * s.n1;
  const { values, vectors } = symmetricEigen(gram(w, s, side), small);
  const out: Eigenpairs = { values: [], vectors: [], iterations: 0 };
  for (let c = 0; c < k; c++) {
    out.values.push(values[c]!);
    out.vectors.push(Float64Array.from({ length: small }, (_, i) => vectors[i * small + c]!));
  }
  return out;
}

/**
 * Subspace iteration with Rayleigh–Ritz on G = RᵀR (or RRᵀ), applied matrix-free as two passes
 * over W, with p = k + 8 columns; stops when the top-k Ritz values settle to `tol`.
 */
function iterativePairs(
  w: Mat,
  s: KronShape,
  side: 'rows' | 'cols',
  k: number,
  opts: NkpOptions,
): Eigenpairs {
  const small = side === 'cols' ? s.m2 * s.n2 : s.m1 * s.n1;
  const p = Math.min(small, k + 8);
  const applyG = (x: Float64Array) =>
    side === 'cols' ? applyRt(w, s, applyR(w, s, x)) : applyR(w, s, applyRt(w, s, x));
  let seed = (opts.seed ?? 1) >>> 0 || 1;
  const rand = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296 - 0.5;
  };
  let q = Array.from({ length: p }, () => Float64Array.from({ length: small }, rand));
  orthonormalise(q);
  let prev: number[] = [];
  const tol = opts.tol ?? 1e-12;
  const maxIter = opts.maxIter ?? 1000;
  for (let it = 1; ; it++) {
    const z = q.map(applyG);
    // Rayleigh–Ritz: H = Qᵀ G Q (p×p), rotate Q and GQ onto H's eigenvectors.
    const h = new Float64Array(p * p);
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        let dot = 0;
        for (let i = 0; i < small; i++) dot += q[a]![i]! * z[b]![i]!;
        h[a * p + b] = dot;
      }
    for (let a = 0; a < p; a++)
      for (let b = 0; b < a; b++) h[a * p + b] = h[b * p + a] = (h[a * p + b]! + h[b * p + a]!) / 2;
    const { values, vectors } = symmetricEigen(h, p);
    const rotate = (basis: Float64Array[]) =>
      Array.from({ length: p }, (_, c) => {
        const col = new Float64Array(small);
        for (let a = 0; a < p; a++) {
          const coef = vectors[a * p + c]!;
          for (let i = 0; i < small; i++) col[i]! += coef * basis[a]![i]!;
        }
        return col;
      });
    const ritz = Array.from(values.slice(0, k));
    const settled =
      prev.length === k &&
      ritz.every((x, i) => Math.abs(x - prev[i]!) <= tol * Math.max(Math.abs(ritz[0]!), 1e-300));
    if (settled || it >= maxIter) {
      const vecs = rotate(q).slice(0, k);
      return { values: ritz, vectors: vecs, iterations: it };
    }
    prev = ritz;
    q = rotate(z); // the next block: G·(Ritz vectors), re-orthonormalised
    orthonormalise(q);
  }
}

/**
 * Nearest Σ_{r<s.sums} A_r ⊗ B_r to W in the Frobenius norm: A_r = √σ_r·u_r as [m1, n1],
 * B_r = √σ_r·v_r as [m2, n2], (σ_r, u_r, v_r) the top singular triplets of R (row-major
 * rearrangement, see `rearrange`). Summands past R's rank (σ ≈ 0) get a unit vector on one side and
 * zeros on the other, so their product is 0 yet both factors still receive gradients.
 * w: [m1·m2, n1·n2] row-major ([out, in] like our kernels).
 */
export function nearestKronecker(w: Mat, s: KronShape, opts: NkpOptions = {}): NkpResult {
  checkShape(w, s);
  const { m1, n1, m2, n2, sums } = s;
  const rows = m1 * n1;
  const cols = m2 * n2;
  const side: 'rows' | 'cols' = cols <= rows ? 'cols' : 'rows';
  const small = Math.min(rows, cols);
  const k = Math.min(sums, small);
  const pairs =
    small <= (opts.exactLimit ?? 256)
      ? exactPairs(w, s, side, k)
      : iterativePairs(w, s, side, k, opts);
  let frobenius2 = 0;
  for (let i = 0; i < w.length; i++) frobenius2 += w[i]! * w[i]!;
  const a = new Float32Array(sums * rows);
  const b = new Float32Array(sums * cols);
  const singularValues: number[] = [];
  let captured = 0;
  for (let r = 0; r < sums; r++) {
    const sigma = r < k ? Math.sqrt(Math.max(pairs.values[r]!, 0)) : 0;
    singularValues.push(sigma);
    // Gram eigenvalues carry absolute error ~ε·σ₀², so σ below ~√ε·σ₀ is indistinguishable from 0.
    const lost = r >= k || sigma <= 1e-7 * Math.max(Math.sqrt(frobenius2), 1e-300);
    if (lost) {
      // Zero product, trainable factors: a unit vector on the known side (or a basis vector).
      const unit =
        r < k
          ? pairs.vectors[r]!
          : Float64Array.from({ length: small }, (_, i) => (i === r % small ? 1 : 0));
      const target = side === 'cols' ? b : a;
      const len = side === 'cols' ? cols : rows;
      for (let i = 0; i < len; i++) target[r * len + i] = unit[i]!;
      continue;
    }
    captured += sigma * sigma;
    const known = pairs.vectors[r]!;
    const other = side === 'cols' ? applyR(w, s, known) : applyRt(w, s, known); // σ·u or σ·v
    const root = Math.sqrt(sigma);
    const [u, v] = side === 'cols' ? [other, known] : [known, other];
    for (let i = 0; i < rows; i++) a[r * rows + i] = side === 'cols' ? u[i]! / root : u[i]! * root;
    for (let i = 0; i < cols; i++) b[r * cols + i] = side === 'cols' ? v[i]! * root : v[i]! / root;
  }
  return {
    a,
    b,
    singularValues,
    frobenius2,
    residual2: Math.max(frobenius2 - captured, 0),
    iterations: pairs.iterations,
  };
}

/** Σ_r A_r ⊗ B_r as a dense [m1·m2, n1·n2] Float64Array (CPU; tests and diagnostics). */
export function kronReconstruct(a: Mat, b: Mat, s: KronShape): Float64Array {
  const { m1, n1, m2, n2, sums } = s;
  const n = n1 * n2;
  const out = new Float64Array(m1 * m2 * n);
  for (let r = 0; r < sums; r++)
    for (let i = 0; i < m1; i++)
      for (let j = 0; j < n1; j++) {
        const aij = a[(r * m1 + i) * n1 + j]!;
        if (aij === 0) continue;
        for (let k = 0; k < m2; k++)
          for (let l = 0; l < n2; l++)
            out[(i * m2 + k) * n + j * n2 + l]! += aij * b[(r * m2 + k) * n2 + l]!;
      }
  return out;
}
