// Masked-language modelling on the task's own text: a BERT MLM head (Hugging Face's
// BertForMaskedLM names, decoder tied to the word embeddings; Devlin et al. 2019), token masking,
// and a small pre-training loop. Serves two users: Combined-KD's generator (a masked LM that
// proposes replacement tokens) and the teacher recipe "MLM pre-training on the task's text, then
// fine-tuning", which gives a from-scratch teacher a head start over the student.
import * as tf from '@tensorflow/tfjs';
import { epochBatches, makeBatch, type BatchArrays, type EncodedSplit } from '../data/batcher';
import {
  bertForward,
  gelu,
  initBertArrays,
  isNoDecay,
  layerNorm,
  linear,
  matMul,
  oneHotFloat,
  Params,
  type BertConfig,
  type EmbeddingGrad,
  type ParamArray,
  type ParamSource,
  type TokenBatch,
} from '../model';
import { makeRng, type Rng } from '../util/rng';
import { AdamW } from '../train/optimizer';
import { buildSchedule } from '../train/schedule';
import type { MlmSpec } from './spec';

const HEAD = 'cls.predictions';
const WORD = 'bert.embeddings.word_embeddings.weight';

/** Special token ids the masking must know. */
export interface SpecialIds {
  pad: number;
  cls: number;
  sep: number;
  mask: number;
}

/** The parameters of a BERT MLM head (BertForMaskedLM's names; the decoder is tied to E). */
export const MLM_HEAD_NAMES: readonly string[] = [
  `${HEAD}.transform.dense.weight`,
  `${HEAD}.transform.dense.bias`,
  `${HEAD}.transform.LayerNorm.weight`,
  `${HEAD}.transform.LayerNorm.bias`,
  `${HEAD}.bias`,
];

/** Initial MLM-head arrays (transform dense + LayerNorm, output bias) for width H, vocabulary V. */
export function initMlmHeadArrays(c: BertConfig, seed: number): Map<string, ParamArray> {
  const H = c.hiddenSize;
  const rng = makeRng(seed, 0x3a1f);
  const dense = Float32Array.from({ length: H * H }, () => rng.normal() * c.initializerRange);
  return new Map<string, ParamArray>([
    [`${HEAD}.transform.dense.weight`, { shape: [H, H], data: dense }],
    [`${HEAD}.transform.dense.bias`, { shape: [H], data: new Float32Array(H) }],
    [`${HEAD}.transform.LayerNorm.weight`, { shape: [H], data: new Float32Array(H).fill(1) }],
    [`${HEAD}.transform.LayerNorm.bias`, { shape: [H], data: new Float32Array(H) }],
    [`${HEAD}.bias`, { shape: [c.vocabSize], data: new Float32Array(c.vocabSize) }],
  ]);
}

/** A fresh encoder plus MLM head, trainable. */
export function initMlmParams(c: BertConfig, seed: number): Params {
  return Params.fromArrays(new Map([...initBertArrays(c, seed), ...initMlmHeadArrays(c, seed)]));
}

/**
 * MLM logits of hidden states: LayerNorm(gelu(h·W_tᵀ + b_t))·Eᵀ + b, with E the word embeddings
 * (tied decoder, as BERT). h: [N, H] → [N, V].
 */
export function mlmLogits(p: ParamSource, c: BertConfig, h: tf.Tensor2D): tf.Tensor2D {
  const t = gelu(linear(p, `${HEAD}.transform.dense`, h)); // [N, H]
  const normed = layerNorm(p, `${HEAD}.transform.LayerNorm`, t, c.layerNormEps);
  const E = p.get(WORD) as tf.Tensor2D; // [V, H]
  return tf.add(matMul(normed, E, false, true), p.get(`${HEAD}.bias`)) as tf.Tensor2D; // [N, V]
}

/** A batch with some tokens masked. */
export interface Masked {
  /** The input ids after masking, [B·T] row-major. */
  ids: Int32Array;
  /** Masked positions as flat indices b·T + t, ascending. */
  positions: Int32Array;
  /** The original ids at those positions. */
  targets: Int32Array;
}

/**
 * Masks each real token other than [CLS]/[SEP] with probability p (at least one per batch when
 * p > 0; none when p = 0).
 * 'bert': of the chosen, 80% become [MASK], 10% a random token, 10% stay (Devlin et al. 2019);
 * 'mask': all become [MASK] (Combined-KD's mask_tokens, p_value = 0.3, no 80/10/10).
 */
export function maskTokens(
  b: BatchArrays,
  special: SpecialIds,
  p: number,
  rng: Rng,
  mode: 'bert' | 'mask',
  vocabSize: number,
): Masked {
  const ids = Int32Array.from(b.ids);
  const candidates: number[] = [];
  const chosen: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (b.mask[i] === 0 || id === special.cls || id === special.sep || id === special.pad) continue;
    candidates.push(i);
    if (rng.next() < p) chosen.push(i);
  }
  if (p > 0 && chosen.length === 0 && candidates.length > 0) {
    chosen.push(candidates[rng.int(candidates.length)]!);
  }
  const targets = Int32Array.from(chosen, (i) => ids[i]!);
  for (const i of chosen) {
    const u = mode === 'mask' ? 0 : rng.next();
    if (u < 0.8) ids[i] = special.mask;
    else if (u < 0.9) ids[i] = rng.int(vocabSize);
  }
  return { ids, positions: Int32Array.from(chosen), targets };
}

/**
 * Rows `positions` of x via a one-hot matmul (its gradient is a matmul too; tfjs-wasm has no
 * gather gradient). x: [N, H] → [M, H].
 */
export function selectRows(x: tf.Tensor2D, positions: Int32Array): tf.Tensor2D {
  const idx = tf.tensor1d(positions, 'int32');
  return matMul(oneHotFloat(idx, x.shape[0]), x); // [M, N]·[N, H]
}

/**
 * Mean MLM cross-entropy of one masked batch: −log softmax(mlmLogits(h_pos))[target].
 * `tb` holds the masked ids (`maskedBatch`); build it outside tf.variableGrads, whose forward
 * scope would free it before the embedding gradient reads it.
 */
export function mlmLoss(
  p: ParamSource,
  c: BertConfig,
  b: BatchArrays,
  m: Masked,
  tb: TokenBatch,
  opts: { training: boolean; dropoutSeed: number; embeddingGrad: EmbeddingGrad },
): tf.Scalar {
  const out = bertForward(p, c, tb, opts);
  const last = tf.reshape(out.hidden[out.hidden.length - 1]!, [b.B * b.T, c.hiddenSize]); // [B·T, H]
  const logits = mlmLogits(p, c, selectRows(last as tf.Tensor2D, m.positions)); // [M, V]
  const targets = oneHotFloat(tf.tensor1d(m.targets, 'int32'), c.vocabSize);
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/** The masked batch as encoder inputs. */
export function maskedBatch(b: BatchArrays, m: Masked): TokenBatch {
  return {
    ids: tf.tensor2d(m.ids, [b.B, b.T], 'int32'),
    typeIds: tf.tensor2d(b.typeIds, [b.B, b.T], 'int32'),
    mask: tf.tensor2d(b.mask, [b.B, b.T]),
  };
}

/** Pre-trains `params` (encoder + MLM head) with MLM on the split's text. Returns the losses. */
export async function mlmPretrain(o: {
  params: Params;
  config: BertConfig;
  split: EncodedSplit;
  buckets: readonly number[];
  special: SpecialIds;
  spec: MlmSpec;
  seed: number;
  embeddingGrad: EmbeddingGrad;
  /** Called after each readback with the step reached (progress). */
  onStep?: (step: number) => void;
  /** Polled between steps; true stops early. */
  stopped?: () => boolean;
}): Promise<number[]> {
  const { params, config, split, spec } = o;
  const B = Math.min(spec.batchSize, split.n);
  const perEpoch = Math.floor(split.n / B);
  const optimizer = new AdamW(
    params.vars,
    { beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01, clipNorm: 1 },
    isNoDecay,
  );
  const lr = buildSchedule({
    kind: 'warmupLinear',
    peak: spec.lr,
    warmup: Math.round(0.1 * spec.steps),
    total: spec.steps,
  });
  const vars = [...params.vars.values()];
  const rng = makeRng(o.seed, 0x6d6c6d);
  const losses: number[] = [];
  const pending: tf.Tensor[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const all = tf.tidy(() => tf.concat(pending.map((t) => tf.reshape(t, [1]))));
    losses.push(...(await all.data())); // GPU→CPU sync point, every 20 steps
    tf.dispose([all, ...pending.splice(0)]);
  };
  let order: Int32Array[] = [];
  try {
    for (let step = 1; step <= spec.steps; step++) {
      if (o.stopped?.()) break;
      const within = (step - 1) % perEpoch;
      if (within === 0) order = epochBatches(split, B, makeRng(o.seed, 2000 + step), 1);
      const b = makeBatch(split, order[within]!, B, o.buckets, o.special.pad);
      const m = maskTokens(b, o.special, spec.maskProb, rng, 'bert', config.vocabSize);
      const loss = tf.tidy(() => {
        const tb = maskedBatch(b, m); // outside variableGrads: see mlmLoss
        const opts = { training: true, dropoutSeed: rng.nextU32(), embeddingGrad: o.embeddingGrad };
        const { value, grads } = tf.variableGrads(
          () => mlmLoss(params, config, b, m, tb, opts),
          vars,
        );
        optimizer.apply(grads, lr(step - 1)).dispose();
        return value;
      });
      pending.push(loss);
      if (step % 20 === 0) {
        await flush();
        o.onStep?.(step);
      }
    }
    await flush();
  } finally {
    tf.dispose(pending);
    optimizer.dispose();
  }
  return losses;
}

/** The MLM head of MLM-pretrained weights (`cls.predictions.*`; the decoder is tied to E). */
export async function mlmHeadWeights(params: Params): Promise<Map<string, ParamArray>> {
  const all = await params.toArrays();
  return new Map([...all].filter(([name]) => MLM_HEAD_NAMES.includes(name)));
}

/** The encoder part of MLM-pretrained weights (what fine-tuning starts from; head and pooler out). */
export async function encoderWeights(params: Params): Promise<Map<string, ParamArray>> {
  const all = await params.toArrays();
  return new Map(
    [...all].filter(
      ([name]) => name.startsWith('bert.embeddings') || name.startsWith('bert.encoder'),
    ),
  );
}
