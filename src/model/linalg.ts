// Small dense linear algebra on the CPU in Float64, for the nearest-Kronecker-product initialiser
// (nkp.ts): a cyclic Jacobi eigensolver for symmetric matrices and block orthonormalisation.
// Sizes here are tens to a few hundred; nothing runs on the GPU.

/**
 * Eigendecomposition of a symmetric n×n matrix by cyclic Jacobi rotations (Float64).
 * Returns eigenvalues descending and the matching unit eigenvectors as columns of `vectors`
 * (row-major n×n: vectors[i·n + c] is component i of eigenvector c). The input is not modified.
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        // Rotation in the (p, q) plane that zeroes a_pq: cot 2φ = (a_qq − a_pp) / (2 a_pq).
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - sn * akq;
          a[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - sn * aqk;
          a[q * n + k] = sn * apk + c * aqk;
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => a[y * n + y]! - a[x * n + x]!,
  );
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let i = 0; i < n; i++) vectors[i * n + dst] = v[i * n + src]!;
  });
  return { values, vectors };
}

/**
 * Orthonormalises a block of columns in place (block[c] is column c): modified Gram–Schmidt, two
 * passes. A column that collapses (linearly dependent) is replaced by a pseudo-random one.
 */
export function orthonormalise(block: Float64Array[]): void {
  let salt = 0x9e3779b9;
  for (let pass = 0; pass < 2; pass++)
    for (let c = 0; c < block.length; c++) {
      const col = block[c]!;
      for (let attempt = 0; attempt < 8; attempt++) {
        for (let d = 0; d < c; d++) {
          const prev = block[d]!;
          let dot = 0;
          for (let i = 0; i < col.length; i++) dot += col[i]! * prev[i]!;
          for (let i = 0; i < col.length; i++) col[i]! -= dot * prev[i]!;
        }
        let norm = 0;
        for (let i = 0; i < col.length; i++) norm += col[i]! * col[i]!;
        norm = Math.sqrt(norm);
        if (norm > 1e-150) {
          for (let i = 0; i < col.length; i++) col[i]! /= norm;
          break;
        }
        for (let i = 0; i < col.length; i++) {
          salt = (Math.imul(salt, 1664525) + 1013904223) >>> 0;
          col[i] = salt / 4294967296 - 0.5;
        }
      }
    }
}
