// Building blocks shared by the encoder: linear (fused matmul + bias), LayerNorm, exact GELU and
// seeded dropout. Inputs are 2-D [N, features] wherever possible so no reshape is needed.
import * as tf from '@tensorflow/tfjs';
import { hash32 } from '../util/rng';
import { kronLinear } from './kronecker';
import { matMul } from './matmul';
import type { ParamSource } from './params';

export { matMul } from './matmul';

/**
 * y = x Wᵀ + b with W stored [out, in] (PyTorch layout): one fused kernel on WebGPU/WebGL/cpu,
 * transpose + plain matmul + add on wasm. When `prefix` holds Kronecker factors (`.kron_a`,
 * `.kron_b`) instead of `.weight`, W = Σ_r A_r ⊗ B_r is applied without materialising it.
 * x: [N, in] → [N, out].
 */
export function linear(p: ParamSource, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  if (p.has(`${prefix}.kron_a`)) return kronLinear(p, prefix, x); // KroneckerBERT's factored layers
  const w = p.get(`${prefix}.weight`) as tf.Tensor2D;
  const b = p.get(`${prefix}.bias`);
  if (tf.getBackend() === 'wasm') return tf.add(matMul(x, w, false, true), b);
  return tf.fused.matMul({ a: x, b: w, transposeB: true, bias: b }) as tf.Tensor2D;
}

/**
 * LayerNorm over the last axis: (x − μ) / √(σ² + eps) · γ + β (Ba et al. 2016).
 * x: [N, H] → [N, H].
 */
export function layerNorm(
  p: ParamSource,
  prefix: string,
  x: tf.Tensor2D,
  eps: number,
): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, p.get(`${prefix}.weight`)), p.get(`${prefix}.bias`)) as tf.Tensor2D;
}

/** Exact GELU, x · Φ(x) = ½x(1 + erf(x/√2)), as BERT and Hugging Face's "gelu". */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * Seeded inverted dropout. Each call site in a forward pass gets the next site index; the keep
 * mask of element i is hash32(seed, site, i) ≥ rate·2³², scaled by 1/(1 − rate). The mask is a pure
 * function of (seed, site, index), so it is the same on every backend, and a new seed per step
 * (see `dropoutSeed`) gives fresh masks. The mask is built on the CPU and uploaded: one buffer
 * per site per step (tf.dropout does the same with a slower generator).
 */
export class Dropout {
  private site = 0;

  constructor(
    readonly training: boolean,
    readonly seed: number,
  ) {}

  apply<T extends tf.Tensor>(x: T, rate: number): T {
    if (!this.training || rate <= 0) return x;
    const site = this.site++;
    const n = x.size;
    const mask = new Float32Array(n);
    const threshold = rate * 4294967296;
    const scale = 1 / (1 - rate);
    for (let i = 0; i < n; i++) mask[i] = hash32(this.seed, site, i) >= threshold ? scale : 0;
    return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
  }
}

/** The dropout seed of step `step` of a run seeded `seed`. */
export function dropoutSeed(seed: number, step: number): number {
  return hash32(seed, step, 0x64726f70);
}

/**
 * One-hot rows as float32: ids [N] int32 → [N, depth]. Built as int32 then cast, because
 * tfjs-backend-wasm 4.22's OneHot ignores a float32 dtype and writes integer bit patterns
 * (1 reads back as 1.4e-45).
 */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D;
}
