// BERT self-attention block: multi-head scaled dot-product attention over the padding mask, output
// projection, residual and LayerNorm (Vaswani et al. 2017; Devlin et al. 2019).
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './config';
import { layerNorm, linear, matMul, type Dropout } from './layers';
import type { ParamSource } from './params';

export interface AttentionOut {
  /** Block output after residual + LayerNorm: [B·T, H]. */
  out: tf.Tensor2D;
  /** Raw scores QKᵀ/√d_k before the mask and softmax: [B, heads, T, T]. */
  scores: tf.Tensor4D;
  /** Attention probabilities after masking and softmax (before dropout): [B, heads, T, T]. */
  probs: tf.Tensor4D;
}

/** [B·T, H] → [B, heads, T, d] */
function splitHeads(x: tf.Tensor2D, B: number, T: number, heads: number): tf.Tensor4D {
  const d = x.shape[1] / heads;
  return tf.transpose(tf.reshape(x, [B, T, heads, d]), [0, 2, 1, 3]);
}

/**
 * Self-attention of layer `prefix` (e.g. 'bert.encoder.layer.0').
 * x: [B·T, H]; maskBias: [B, 1, 1, T], 0 for real keys and a large negative for padding.
 */
export function selfAttention(
  p: ParamSource,
  c: BertConfig,
  prefix: string,
  x: tf.Tensor2D,
  maskBias: tf.Tensor4D,
  B: number,
  T: number,
  dropout: Dropout,
): AttentionOut {
  const heads = c.numAttentionHeads;
  const d = c.hiddenSize / heads;
  const q = splitHeads(linear(p, `${prefix}.attention.self.query`, x), B, T, heads); // [B, h, T, d]
  const k = splitHeads(linear(p, `${prefix}.attention.self.key`, x), B, T, heads);
  const v = splitHeads(linear(p, `${prefix}.attention.self.value`, x), B, T, heads);
  const scores = tf.mul(matMul(q, k, false, true), 1 / Math.sqrt(d)) as tf.Tensor4D; // [B, h, T, T]
  const probs = tf.softmax(tf.add(scores, maskBias)) as tf.Tensor4D;
  const context = matMul(dropout.apply(probs, c.attentionProbsDropoutProb), v); // [B, h, T, d]
  const merged = tf.reshape<tf.Rank.R2>(tf.transpose(context, [0, 2, 1, 3]), [B * T, c.hiddenSize]); // [B·T, H]
  const projected = dropout.apply(
    linear(p, `${prefix}.attention.output.dense`, merged),
    c.hiddenDropoutProb,
  );
  const out = layerNorm(
    p,
    `${prefix}.attention.output.LayerNorm`,
    tf.add<tf.Tensor2D>(projected, x),
    c.layerNormEps,
  );
  return { out, scores, probs };
}
