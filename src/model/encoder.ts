// The BERT encoder as a functional forward over a parameter map: embeddings, L transformer layers,
// pooler and a classification or regression head. Returns every layer's hidden states and attention
// scores, which the KD methods match (STYLE R5).
import * as tf from '@tensorflow/tfjs';
import { selfAttention } from './attention';
import type { BertConfig } from './config';
import { bertEmbeddings, type EmbeddingGrad, type TokenBatch } from './embeddings';
import { Dropout, gelu, layerNorm, linear } from './layers';
import type { ParamSource } from './params';

/** What teacher and student models return; KD code sees nothing else. */
export interface EncoderOutputs {
  /** [B, C] (C = 1 for regression). */
  logits: tf.Tensor2D;
  /** L+1 × [B, T, H]; index 0 is the embedding output, l is layer l's output. */
  hidden: tf.Tensor3D[];
  /** L × [B, heads, T, T]: raw QKᵀ/√d_k before mask and softmax. */
  scores: tf.Tensor4D[];
  /** L × [B, heads, T, T]: attention probabilities after softmax. */
  attentions: tf.Tensor4D[];
  /** Pooled [CLS] representation, tanh(W h_CLS + b): [B, H]. */
  pooled: tf.Tensor2D;
  /** [B, T], 1 = real token. */
  mask: tf.Tensor2D;
}

export interface ForwardOptions {
  /** Dropout on (training) or off (eval). */
  training: boolean;
  /** Seed of this pass's dropout masks (see `dropoutSeed`). */
  dropoutSeed?: number;
  /** Gradient strategy of the word-embedding lookup. */
  embeddingGrad?: EmbeddingGrad;
}

/** The additive attention mask: 0 where mask = 1, −1e9 where mask = 0. [B, T] → [B, 1, 1, T]. */
export function attentionMaskBias(mask: tf.Tensor2D): tf.Tensor4D {
  const [B, T] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, T]);
}

/**
 * One transformer layer: attention block, then FFN (H → I → H, GELU) with residual + LayerNorm.
 * x: [B·T, H] → [B·T, H].
 */
function transformerLayer(
  p: ParamSource,
  c: BertConfig,
  l: number,
  x: tf.Tensor2D,
  maskBias: tf.Tensor4D,
  B: number,
  T: number,
  dropout: Dropout,
): { out: tf.Tensor2D; scores: tf.Tensor4D; probs: tf.Tensor4D } {
  const prefix = `bert.encoder.layer.${l}`;
  const att = selfAttention(p, c, prefix, x, maskBias, B, T, dropout);
  const inner = gelu(linear(p, `${prefix}.intermediate.dense`, att.out)); // [B·T, I]
  const ffn = dropout.apply(linear(p, `${prefix}.output.dense`, inner), c.hiddenDropoutProb);
  const out = layerNorm(
    p,
    `${prefix}.output.LayerNorm`,
    tf.add<tf.Tensor2D>(ffn, att.out),
    c.layerNormEps,
  );
  return { out, scores: att.scores, probs: att.probs };
}

/** Runs the encoder on a token batch. Call inside tf.tidy (or dispose the outputs). */
export function bertForward(
  p: ParamSource,
  c: BertConfig,
  batch: TokenBatch,
  opts: ForwardOptions,
): EncoderOutputs {
  const [B, T] = batch.ids.shape;
  const H = c.hiddenSize;
  const dropout = new Dropout(opts.training, opts.dropoutSeed ?? 0);
  const maskBias = attentionMaskBias(batch.mask);
  let x = bertEmbeddings(p, c, batch, dropout, opts.embeddingGrad ?? 'gather'); // [B·T, H]
  const hidden: tf.Tensor3D[] = [tf.reshape(x, [B, T, H])];
  const scores: tf.Tensor4D[] = [];
  const attentions: tf.Tensor4D[] = [];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const layer = transformerLayer(p, c, l, x, maskBias, B, T, dropout);
    x = layer.out;
    hidden.push(tf.reshape(x, [B, T, H]));
    scores.push(layer.scores);
    attentions.push(layer.probs);
  }
  const cls = tf.reshape<tf.Rank.R2>(tf.slice(tf.reshape(x, [B, T, H]), [0, 0, 0], [B, 1, H]), [
    B,
    H,
  ]); // [B, H]
  const pooled = tf.tanh(linear(p, 'bert.pooler.dense', cls));
  const logits = linear(p, 'classifier', dropout.apply(pooled, c.hiddenDropoutProb)); // [B, C]
  return { logits, hidden, scores, attentions, pooled, mask: batch.mask };
}
