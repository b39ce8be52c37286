// BiLSTM student (Hochreiter & Schmidhuber 1997; as the distillation target of Tang et al. 2019,
// "Distilling Task-Specific Knowledge from BERT into Simple Neural Networks", arXiv:1903.12136):
// token embeddings → one bidirectional LSTM layer, unrolled over the batch's fixed length and
// masked (padding carries the state unchanged) → both directions' final states → dense. Returns
// the encoder's output contract for cross-architecture KD. Parameter names and gate order (i, f,
// g, o) follow PyTorch's nn.LSTM.
import * as tf from '@tensorflow/tfjs';
import { biLstmFlops, biLstmParamCount } from '../../config/model-size';
import { hashString, makeRng } from '../../util/rng';
import { embeddingLookup, type TokenBatch } from '../embeddings';
import type { EncoderOutputs, ForwardOptions } from '../encoder';
import { Dropout, linear, matMul } from '../layers';
import type { Model } from '../model';
import { Params, type ParamArray, type ParamSource } from '../params';

export interface BiLstmConfig {
  vocabSize: number;
  /** Embedding width E. */
  embed: number;
  /** State size H per direction. */
  hidden: number;
  numLabels: number;
  /** Dropout on the embeddings and the final states. */
  dropout: number;
  padTokenId: number;
}

const DIRECTIONS = ['', '_reverse'] as const;

/**
 * Parameter shapes by name (nn.LSTM's, one layer, both directions): `lstm.weight_ih_l0{,_reverse}`
 * [4H, E], `lstm.weight_hh_l0…` [4H, H], `lstm.bias_ih_l0…` and `lstm.bias_hh_l0…` [4H], plus
 * `embeddings.weight` [V, E] and `classifier.weight` [C, 2H], `classifier.bias` [C].
 */
export function biLstmParamShapes(c: BiLstmConfig): Map<string, number[]> {
  const H = c.hidden;
  const shapes = new Map<string, number[]>([['embeddings.weight', [c.vocabSize, c.embed]]]);
  for (const d of DIRECTIONS) {
    shapes.set(`lstm.weight_ih_l0${d}`, [4 * H, c.embed]);
    shapes.set(`lstm.weight_hh_l0${d}`, [4 * H, H]);
    shapes.set(`lstm.bias_ih_l0${d}`, [4 * H]);
    shapes.set(`lstm.bias_hh_l0${d}`, [4 * H]);
  }
  shapes.set('classifier.weight', [c.numLabels, 2 * H]);
  shapes.set('classifier.bias', [c.numLabels]);
  return shapes;
}

/**
 * Seeded initial values: embeddings ~ N(0, 0.1²) with the padding row 0; LSTM weights and biases
 * ~ U(−1/√H, 1/√H) as PyTorch's, plus 1 on the forget-gate half of `bias_hh` (Jozefowicz et al.
 * 2015) so early gradients pass through time; classifier ~ U(−1/√(2H), 1/√(2H)).
 */
export function initBiLstmArrays(c: BiLstmConfig, seed: number): Map<string, ParamArray> {
  const H = c.hidden;
  const out = new Map<string, ParamArray>();
  for (const [name, shape] of biLstmParamShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const rng = makeRng(seed, hashString(name));
    const data = new Float32Array(size);
    if (name === 'embeddings.weight') {
      for (let i = 0; i < size; i++) data[i] = rng.normal() * 0.1;
      data.fill(0, c.padTokenId * c.embed, (c.padTokenId + 1) * c.embed);
    } else {
      const bound = 1 / Math.sqrt(name.startsWith('classifier') ? 2 * H : H);
      for (let i = 0; i < size; i++) data[i] = (2 * rng.next() - 1) * bound;
      if (name.startsWith('lstm.bias_hh')) for (let i = H; i < 2 * H; i++) data[i]! += 1;
    }
    out.set(name, { shape, data });
  }
  return out;
}

/**
 * One direction over time. xProj: T × [B, 4H] input projections (biases included), masks: T × [B, 1].
 * Per step: [i, f, g, o] = xProj_t + h·W_hhᵀ; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c');
 * on padding (mask 0) the state is carried unchanged. Returns per-step outputs (0 on padding) and
 * the final state.
 */
function runDirection(
  p: ParamSource,
  suffix: string,
  xProj: tf.Tensor2D[],
  masks: tf.Tensor2D[],
  order: number[],
): { outputs: tf.Tensor2D[]; last: tf.Tensor2D } {
  const whh = p.get(`lstm.weight_hh_l0${suffix}`) as tf.Tensor2D; // [4H, H]
  const H = whh.shape[1];
  const B = xProj[0]!.shape[0];
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const outputs: tf.Tensor2D[] = new Array<tf.Tensor2D>(xProj.length);
  for (const t of order) {
    const gates = tf.add(xProj[t]!, matMul(h, whh, false, true)); // [B, 4H]
    const [i, f, g, o] = tf.split(gates, 4, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const cNew = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const hNew = tf.mul(tf.sigmoid(o), tf.tanh(cNew));
    const m = masks[t]!; // [B, 1]
    const keep = tf.sub(1, m);
    c = tf.add(tf.mul(m, cNew), tf.mul(keep, c));
    h = tf.add(tf.mul(m, hNew), tf.mul(keep, h));
    outputs[t] = tf.mul(hNew, m);
  }
  return { outputs, last: h };
}

/** The BiLSTM forward. Call inside tf.tidy (or dispose the outputs). */
export function biLstmForward(
  p: ParamSource,
  c: BiLstmConfig,
  batch: TokenBatch,
  opts: ForwardOptions,
): EncoderOutputs {
  const [B, T] = batch.ids.shape;
  const { embed: E, hidden: H } = c;
  const dropout = new Dropout(opts.training, opts.dropoutSeed ?? 0);
  const maskCol = tf.reshape<tf.Rank.R2>(batch.mask, [B * T, 1]);
  const ids = tf.reshape<tf.Rank.R1>(batch.ids, [B * T]);
  const table = p.get('embeddings.weight') as tf.Tensor2D;
  const emb = tf.mul(embeddingLookup(table, ids, opts.embeddingGrad ?? 'gather'), maskCol); // [B·T, E]
  const x = dropout.apply(emb, c.dropout);
  const masks = tf.unstack(tf.reshape(batch.mask, [B, T, 1]), 1) as tf.Tensor2D[]; // T × [B, 1]
  const forwardOrder = Array.from({ length: T }, (_, t) => t);
  const dirs = DIRECTIONS.map((d, k) => {
    const proj = tf.add(
      tf.add(
        matMul(x, p.get(`lstm.weight_ih_l0${d}`) as tf.Tensor2D, false, true),
        p.get(`lstm.bias_ih_l0${d}`),
      ),
      p.get(`lstm.bias_hh_l0${d}`),
    ); // [B·T, 4H], all steps in one matmul
    const steps = tf.unstack(tf.reshape(proj, [B, T, 4 * H]), 1) as tf.Tensor2D[]; // T × [B, 4H]
    return runDirection(p, d, steps, masks, k === 0 ? forwardOrder : [...forwardOrder].reverse());
  });
  const [fwd, bwd] = dirs as [(typeof dirs)[0], (typeof dirs)[0]];
  const seq = tf.concat([tf.stack(fwd.outputs, 1), tf.stack(bwd.outputs, 1)], 2) as tf.Tensor3D; // [B, T, 2H]
  const pooled = tf.concat([fwd.last, bwd.last], 1); // [B, 2H]: state after the last real token / after token 0
  const logits = linear(p, 'classifier', dropout.apply(pooled, c.dropout)); // [B, C]
  return {
    logits,
    hidden: [tf.reshape(emb, [B, T, E]), seq],
    scores: [],
    attentions: [],
    pooled,
    mask: batch.mask,
  };
}

/** Forward FLOPs per token (2 × multiply-adds), both directions: 2 · (2·4H·E + 2·4H·H). */
export function biLstmFlopsPerToken(c: BiLstmConfig): number {
  return biLstmFlops(c);
}

/** A BiLSTM as a Model. */
export function biLstmModel(c: BiLstmConfig, params: Params): Model {
  const count = biLstmParamCount(c, c); // config/model-size: the UI's readout counts the same way
  return {
    kind: 'bilstm',
    params,
    forward: (batch, opts) => biLstmForward(params, c, batch, opts),
    summary: () => ({
      kind: 'bilstm',
      params: count,
      flopsPerToken: () => biLstmFlopsPerToken(c),
      config: { ...c },
    }),
    dispose: () => params.dispose(),
  };
}

/** A freshly initialised, trainable BiLSTM. */
export function initBiLstm(c: BiLstmConfig, seed: number): Model {
  return biLstmModel(c, Params.fromArrays(initBiLstmArrays(c, seed)));
}
