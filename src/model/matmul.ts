// The matmul every model file uses: tf.matMul, except on tfjs-backend-wasm, where transposed
// operands are routed through explicit transposes (wasm multiplies them 10–30× slower). Its own
// module so that layers.ts and kronecker.ts can both use it without importing each other.
import * as tf from '@tensorflow/tfjs';

/** Swaps the last two axes: [..., m, n] → [..., n, m]. */
function transposeLast2<T extends tf.Tensor>(x: T): T {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(x, perm);
}

/**
 * A plain matmul whose gradients are plain matmuls of explicitly transposed operands:
 * dA = dy·Bᵀ, dB = Aᵀ·dy. tfjs-backend-wasm 4.22 multiplies transposed operands without XNNPACK,
 * 10–30× slower (measured: [1024,128]·[512,128]ᵀ 50 ms against 6 ms untransposed), and tfjs's own
 * matmul gradient uses exactly those transposed forms.
 */
const matMulNoTranspose = tf.customGrad((...args) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, transposeLast2(sb)), tf.matMul(transposeLast2(sa), dy)];
    },
  };
});

/**
 * tf.matMul, routed through explicit transposes on the wasm backend (see matMulNoTranspose).
 * Operands have equal batch dimensions (no broadcasting).
 */
export function matMul<T extends tf.Tensor>(a: T, b: T, transposeA = false, transposeB = false): T {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB) as T;
  return matMulNoTranspose(
    transposeA ? transposeLast2(a) : a,
    transposeB ? transposeLast2(b) : b,
  ) as T;
}
