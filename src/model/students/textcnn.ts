// TextCNN student (Kim 2014, "Convolutional Neural Networks for Sentence Classification",
// arXiv:1408.5882): token embeddings → parallel 1-D convolutions of several widths ('same'
// padding) with ReLU → max over the real tokens → dense. For cross-architecture KD it returns the
// encoder's output contract: logits, per-layer [B, T, ·] representations, no attention maps.
// Convolutions run as one matmul over stacked shifted copies (im2col): wasm has no Conv2D filter
// gradient, and matmuls take the fast path on every backend.
import * as tf from '@tensorflow/tfjs';
import { textCnnFlops, textCnnParamCount } from '../../config/model-size';
import { hashString, makeRng } from '../../util/rng';
import { embeddingLookup, type TokenBatch } from '../embeddings';
import type { EncoderOutputs, ForwardOptions } from '../encoder';
import { Dropout, linear, matMul } from '../layers';
import type { Model } from '../model';
import { Params, type ParamArray, type ParamSource } from '../params';

export interface TextCnnConfig {
  vocabSize: number;
  /** Embedding width E. */
  embed: number;
  /** Filters F per window width. */
  filters: number;
  /** Window widths in tokens, e.g. [3, 4, 5]. */
  widths: number[];
  numLabels: number;
  /** Dropout on the embeddings and the pooled features. */
  dropout: number;
  padTokenId: number;
}

/**
 * Parameter shapes by name, in PyTorch layouts: `embeddings.weight` [V, E], `convs.{i}.weight`
 * [F, E, w_i] (nn.Conv1d), `convs.{i}.bias` [F], `classifier.weight` [C, F·n] and `.bias` [C].
 */
export function textCnnParamShapes(c: TextCnnConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>([['embeddings.weight', [c.vocabSize, c.embed]]]);
  c.widths.forEach((w, i) => {
    shapes.set(`convs.${i}.weight`, [c.filters, c.embed, w]);
    shapes.set(`convs.${i}.bias`, [c.filters]);
  });
  shapes.set('classifier.weight', [c.numLabels, c.filters * c.widths.length]);
  shapes.set('classifier.bias', [c.numLabels]);
  return shapes;
}

/**
 * Seeded initial values: embeddings ~ N(0, 0.1²) with the padding row 0; convolution and classifier
 * weights and biases ~ U(−1/√fan_in, 1/√fan_in) as PyTorch's defaults.
 */
export function initTextCnnArrays(c: TextCnnConfig, seed: number): Map<string, ParamArray> {
  const out = new Map<string, ParamArray>();
  for (const [name, shape] of textCnnParamShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const rng = makeRng(seed, hashString(name));
    const data = new Float32Array(size);
    if (name === 'embeddings.weight') {
      for (let i = 0; i < size; i++) data[i] = rng.normal() * 0.1;
      data.fill(0, c.padTokenId * c.embed, (c.padTokenId + 1) * c.embed);
    } else {
      const conv = /^convs\.(\d+)\./.exec(name);
      const fanIn = conv ? c.embed * (c.widths[Number(conv[1])] ?? 1) : c.filters * c.widths.length;
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < size; i++) data[i] = (2 * rng.next() - 1) * bound;
    }
    out.set(name, { shape, data });
  }
  return out;
}

/**
 * One convolution of width w with 'same' padding (pad ⌊(w−1)/2⌋ before, the rest after, as
 * PyTorch's padding='same'), ReLU, zeroed on padding positions.
 * x: [B, T, E] (zero on padding), mask: [B·T, 1] → [B·T, F].
 */
function convRelu(
  p: ParamSource,
  i: number,
  w: number,
  x: tf.Tensor3D,
  mask: tf.Tensor2D,
): tf.Tensor2D {
  const [B, T, E] = x.shape;
  const before = Math.floor((w - 1) / 2);
  const padded = tf.pad(x, [
    [0, 0],
    [before, w - 1 - before],
    [0, 0],
  ]); // [B, T + w − 1, E]
  const windows = Array.from({ length: w }, (_, o) => tf.slice(padded, [0, o, 0], [B, T, E]));
  const cols = tf.reshape<tf.Rank.R2>(w === 1 ? windows[0]! : tf.concat(windows, 2), [
    B * T,
    w * E,
  ]); // [B·T, w·E], feature o·E + e
  const kernel = p.get(`convs.${i}.weight`) as tf.Tensor3D; // [F, E, w]
  const F = kernel.shape[0];
  const flat = tf.reshape<tf.Rank.R2>(tf.transpose(kernel, [0, 2, 1]), [F, w * E]); // [F, w, E] → [F, w·E]
  const y = tf.add(matMul(cols, flat, false, true), p.get(`convs.${i}.bias`)); // [B·T, F]
  return tf.mul(tf.relu(y), mask);
}

/** The TextCNN forward. Call inside tf.tidy (or dispose the outputs). */
export function textCnnForward(
  p: ParamSource,
  c: TextCnnConfig,
  batch: TokenBatch,
  opts: ForwardOptions,
): EncoderOutputs {
  const [B, T] = batch.ids.shape;
  const E = c.embed;
  const dropout = new Dropout(opts.training, opts.dropoutSeed ?? 0);
  const mask = tf.reshape<tf.Rank.R2>(batch.mask, [B * T, 1]);
  const ids = tf.reshape<tf.Rank.R1>(batch.ids, [B * T]);
  const table = p.get('embeddings.weight') as tf.Tensor2D;
  const emb = tf.mul(embeddingLookup(table, ids, opts.embeddingGrad ?? 'gather'), mask); // [B·T, E]
  const x = tf.reshape<tf.Rank.R3>(dropout.apply(emb, c.dropout), [B, T, E]);
  const maps = c.widths.map((w, i) => convRelu(p, i, w, x, mask));
  const feats = maps.length === 1 ? maps[0]! : tf.concat(maps, 1); // [B·T, F·n]
  const width = c.filters * c.widths.length;
  const feats3 = tf.reshape<tf.Rank.R3>(feats, [B, T, width]);
  // Max over time: padding positions hold 0 and ReLU outputs are ≥ 0, so they never win.
  const pooled = tf.max(feats3, 1) as tf.Tensor2D; // [B, F·n]
  const logits = linear(p, 'classifier', dropout.apply(pooled, c.dropout)); // [B, C]
  return {
    logits,
    hidden: [tf.reshape(emb, [B, T, E]), feats3],
    scores: [],
    attentions: [],
    pooled,
    mask: batch.mask,
  };
}

/** Forward FLOPs per token (2 × multiply-adds): Σ_w 2·w·E·F for the convolutions. */
export function textCnnFlopsPerToken(c: TextCnnConfig): number {
  return textCnnFlops(c);
}

/** A TextCNN as a Model. */
export function textCnnModel(c: TextCnnConfig, params: Params): Model {
  const count = textCnnParamCount(c, c); // config/model-size: the UI's readout counts the same way
  return {
    kind: 'textcnn',
    params,
    forward: (batch, opts) => textCnnForward(params, c, batch, opts),
    summary: () => ({
      kind: 'textcnn',
      params: count,
      flopsPerToken: () => textCnnFlopsPerToken(c),
      config: { ...c, widths: [...c.widths] },
    }),
    dispose: () => params.dispose(),
  };
}

/** A freshly initialised, trainable TextCNN. */
export function initTextCnn(c: TextCnnConfig, seed: number): Model {
  return textCnnModel(c, Params.fromArrays(initTextCnnArrays(c, seed)));
}
