// Kronecker-factored linear layers and embeddings (KroneckerBERT, Tahaei et al., NAACL 2022,
// arXiv:2109.06243, §3 Eq. 6–8; algebra in ../shared/research/methods.md §1.1). W ≈ Σ_r A_r ⊗ B_r
// is never materialised in the forward pass: reshape + two matmuls, in the cheaper order (Eq. 7).
// Layout: W is [out, in] = [m1·m2, n1·n2] as our dense kernels, so y = x Wᵀ.
import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';
import { kronOrder, type KronOrder, type KronShape } from '../config/model-size';
import type { ParamSource } from './params';

// Factor shapes, parameter counts and Eq. 7 FLOPs are pure arithmetic (config/model-size, which
// the UI's size readout shares); re-exported here for the model code.
export {
  denseLinearFlops,
  kronFlopsEq7,
  kronLinearFlops,
  kronOrder,
  kronParamCount,
  kronShapeFor,
  type KronOrder,
  type KronShape,
} from '../config/model-size';

/**
 * The materialised product A ⊗ B, element (i·m2 + k, j·n2 + l) = A[i, j]·B[k, l].
 * a: [m1, n1], b: [m2, n2] → [m1·m2, n1·n2]. For tests, NKP checks and export, not the forward.
 */
export function kron(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [m1, n1] = a.shape;
    const [m2, n2] = b.shape;
    const outer = tf.mul(tf.reshape(a, [m1, 1, n1, 1]), tf.reshape(b, [1, m2, 1, n2])); // [m1, m2, n1, n2]
    return tf.reshape(outer, [m1 * m2, n1 * n2]);
  });
}

/** Σ_r A_r ⊗ B_r, materialised. a: [r, m1, n1], b: [r, m2, n2] → [m1·m2, n1·n2]. */
export function kronSum(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [r, m1, n1] = a.shape;
    const [, m2, n2] = b.shape;
    const outer = tf.mul(tf.reshape(a, [r, m1, 1, n1, 1]), tf.reshape(b, [r, 1, m2, 1, n2]));
    return tf.reshape(tf.sum(outer, 0), [m1 * m2, n1 * n2]); // [m1, m2, n1, n2] → [m, n]
  });
}

/**
 * y = x (Σ_r A_r ⊗ B_r)ᵀ without forming the product (row-major form of paper Eq. 6):
 * y[n, i·m2 + k] = Σ_r Σ_{j,l} A_r[i, j] · x[n, j·n2 + l] · B_r[k, l].
 * All r summands share two matmuls (the second batched over r).
 * x: [N, n1·n2], a: [r, m1, n1], b: [r, m2, n2] → [N, m1·m2]. Differentiable in x, a and b.
 */
export function kronMatmul(
  x: tf.Tensor2D,
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  order: KronOrder = kronOrder(shapeOf(a, b)),
): tf.Tensor2D {
  const s = shapeOf(a, b);
  if (x.shape[1] !== s.n1 * s.n2) {
    throw new Error(`kronMatmul: input width ${x.shape[1]} ≠ n1·n2 = ${s.n1}·${s.n2}`);
  }
  return tf.tidy(() => (order === 'b-first' ? bFirst : aFirst)(x, a, b, s));
}

/** X·Bᵀ over the n2 axis, then A over the n1 axis (see kronMatmul). */
function bFirst(x: tf.Tensor2D, a: tf.Tensor3D, b: tf.Tensor3D, s: KronShape): tf.Tensor2D {
  const { m1, n1, m2, n2, sums: r } = s;
  const N = x.shape[0];
  const xb = matMul(
    tf.reshape<tf.Rank.R2>(x, [N * n1, n2]),
    tf.reshape<tf.Rank.R2>(b, [r * m2, n2]),
    false,
    true,
  ); // [N·n1, n2]·[r·m2, n2]ᵀ → [N·n1, r·m2]
  const t = tf.reshape<tf.Rank.R3>(
    tf.transpose(tf.reshape(xb, [N, n1, r, m2]), [2, 0, 3, 1]), // → [r, N, m2, n1]
    [r, N * m2, n1],
  );
  const y = sumOverFirst(matMul(t, a, false, true)); // [r, N·m2, n1]·[r, m1, n1]ᵀ → Σ_r → [N·m2, m1]
  return tf.reshape(tf.transpose(tf.reshape(y, [N, m2, m1]), [0, 2, 1]), [N, m1 * m2]); // → [N, m1, m2] → [N, m]
}

/** A over the n1 axis, then ·Bᵀ over the n2 axis (see kronMatmul). */
function aFirst(x: tf.Tensor2D, a: tf.Tensor3D, b: tf.Tensor3D, s: KronShape): tf.Tensor2D {
  const { m1, n1, m2, n2, sums: r } = s;
  const N = x.shape[0];
  const xt = tf.reshape<tf.Rank.R2>(
    tf.transpose(tf.reshape(x, [N, n1, n2]), [0, 2, 1]), // [N, n1, n2] → [N, n2, n1]
    [N * n2, n1],
  );
  const xa = matMul(xt, tf.reshape<tf.Rank.R2>(a, [r * m1, n1]), false, true); // → [N·n2, r·m1]
  const t = tf.reshape<tf.Rank.R3>(
    tf.transpose(tf.reshape(xa, [N, n2, r, m1]), [2, 0, 3, 1]), // → [r, N, m1, n2]
    [r, N * m1, n2],
  );
  const y = sumOverFirst(matMul(t, b, false, true)); // [r, N·m1, n2]·[r, m2, n2]ᵀ → Σ_r → [N·m1, m2]
  return tf.reshape(y, [N, m1 * m2]); // [N, m1, m2] → [N, m]
}

/** Σ over the leading (summand) axis; a free reshape when there is one summand. [r, p, q] → [p, q] */
function sumOverFirst(t: tf.Tensor3D): tf.Tensor2D {
  const [r, p, q] = t.shape;
  return r === 1 ? tf.reshape(t, [p, q]) : tf.sum(t, 0);
}

function shapeOf(a: tf.Tensor3D, b: tf.Tensor3D): KronShape {
  const [sums, m1, n1] = a.shape;
  const [, m2, n2] = b.shape;
  return { m1, n1, m2, n2, sums };
}

/**
 * The Kronecker-factored counterpart of `linear`: y = x (Σ_r A_r ⊗ B_r)ᵀ + bias, with the factors
 * `${prefix}.kron_a` [r, m1, n1], `${prefix}.kron_b` [r, m2, n2] and `${prefix}.bias` [m1·m2].
 * x: [N, n1·n2] → [N, m1·m2].
 */
export function kronLinear(p: ParamSource, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  const a = p.get(`${prefix}.kron_a`) as tf.Tensor3D;
  const b = p.get(`${prefix}.kron_b`) as tf.Tensor3D;
  return tf.add(kronMatmul(x, a, b), p.get(`${prefix}.bias`));
}

/**
 * Kronecker embedding rows (paper Eq. 8): row i of the table X = Σ_r A_r ⊗ B_r is
 * Σ_r A_r[i] ⊗ B_r, with A_r a [V, d/n] lookup table and B_r a shared [1, n] row; element
 * j·n + l of a row is A[i, j]·B[0, l]. `lookup` gathers rows of a [V, k] table for the batch's ids
 * (so the caller keeps its choice of embedding gradient).
 * a: [r, V, d/n], b: [r, 1, n] → [N, d].
 */
export function kronEmbedding(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  lookup: (table: tf.Tensor2D) => tf.Tensor2D,
): tf.Tensor2D {
  const [r, V, k] = a.shape;
  const n = b.shape[2];
  if (b.shape[1] !== 1) throw new Error(`kronEmbedding: B must be [r, 1, n], got [${b.shape}]`);
  return tf.tidy(() => {
    const table =
      r === 1
        ? tf.reshape<tf.Rank.R2>(a, [V, k])
        : tf.reshape<tf.Rank.R2>(tf.transpose(a, [1, 0, 2]), [V, r * k]); // [r, V, k] → [V, r·k]
    const rows = lookup(table); // [N, r·k]
    const N = rows.shape[0];
    const outer = tf.mul(tf.reshape(rows, [N, r, k, 1]), tf.reshape(b, [1, r, 1, n])); // [N, r, k, n]
    return tf.reshape(r === 1 ? outer : tf.sum(outer, 1), [N, k * n]);
  });
}
