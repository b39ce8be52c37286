// BERT embeddings: word + position + token-type, then LayerNorm and dropout (Devlin et al. 2019).
// The word lookup has a selectable gradient, because tfjs's default (UnsortedSegmentSum) is missing
// on wasm and uses float atomics (run-to-run differences) on WebGPU.
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './config';
import { kronEmbedding } from './kronecker';
import { layerNorm, matMul, oneHotFloat, type Dropout } from './layers';
import type { ParamSource } from './params';

/**
 * How the gradient of an embedding lookup is computed:
 * - 'gather': tfjs's own (UnsortedSegmentSum); fast on cpu/webgl, atomics on webgpu, absent on wasm.
 * - 'scatter': ScatterNd of the output gradient into a zero table; works on wasm.
 * - 'onehot': onehot(ids)ᵀ · dy as a matmul; deterministic everywhere, O(N·V·H) work.
 */
export type EmbeddingGrad = 'gather' | 'scatter' | 'onehot';

/**
 * Rows `ids` of `table`. table: [V, H], ids: [N] int32 → [N, H].
 * The gradient flows to `table` only, by the chosen strategy.
 */
export function embeddingLookup(
  table: tf.Tensor2D,
  ids: tf.Tensor1D,
  grad: EmbeddingGrad,
): tf.Tensor2D {
  if (grad === 'gather') return tf.gather(table, ids);
  const [V, H] = table.shape;
  const lookup = tf.customGrad((...inputs) => ({
    value: tf.gather(inputs[0] as tf.Tensor2D, ids),
    gradFunc: (dy: tf.Tensor) =>
      grad === 'scatter'
        ? tf.scatterND(tf.expandDims(ids, 1), dy, [V, H]) // duplicates accumulate
        : matMul(oneHotFloat(ids, V), dy as tf.Tensor2D, true, false), // [V, N]·[N, H]
  }));
  return lookup(table) as tf.Tensor2D;
}

/** Token batch as the encoder reads it. All tensors are [B, T] int32 except the mask (float32). */
export interface TokenBatch {
  ids: tf.Tensor2D;
  typeIds: tf.Tensor2D;
  /** 1 for real tokens, 0 for padding. float32. */
  mask: tf.Tensor2D;
}

/**
 * Embedding output, flattened: [B·T, H] (row b·T + t).
 * word[ids] + position[t] + tokenType[typeIds], LayerNorm, dropout. The word table is dense
 * (`word_embeddings.weight`) or Kronecker-factored (`word_embeddings.kron_a` / `.kron_b`).
 */
export function bertEmbeddings(
  p: ParamSource,
  c: BertConfig,
  batch: TokenBatch,
  dropout: Dropout,
  grad: EmbeddingGrad,
): tf.Tensor2D {
  const [B, T] = batch.ids.shape;
  const H = c.hiddenSize;
  if (T > c.maxPositionEmbeddings) {
    throw new Error(
      `Sequence length ${T} exceeds the model's ${c.maxPositionEmbeddings} positions`,
    );
  }
  const pre = 'bert.embeddings';
  const ids = tf.reshape<tf.Rank.R1>(batch.ids, [B * T]);
  const word = p.has(`${pre}.word_embeddings.kron_a`)
    ? kronEmbedding(
        p.get(`${pre}.word_embeddings.kron_a`) as tf.Tensor3D,
        p.get(`${pre}.word_embeddings.kron_b`) as tf.Tensor3D,
        (table) => embeddingLookup(table, ids, grad),
      ) // KroneckerBERT: row i = A[i] ⊗ B
    : embeddingLookup(p.get(`${pre}.word_embeddings.weight`) as tf.Tensor2D, ids, grad); // [B·T, H]
  const positions = tf.slice(p.get(`${pre}.position_embeddings.weight`), [0, 0], [T, H]); // [T, H]
  // Token types through a one-hot matmul: the table has 2 rows, so this is tiny and needs no gather.
  const types = matMul(
    oneHotFloat(tf.reshape(batch.typeIds, [B * T]), c.typeVocabSize),
    p.get(`${pre}.token_type_embeddings.weight`) as tf.Tensor2D,
  ); // [B·T, H]
  const summed = tf.reshape<tf.Rank.R2>(
    tf.add(tf.reshape(tf.add(word, types), [B, T, H]), positions), // [B, T, H] + [T, H]
    [B * T, H],
  );
  return dropout.apply(
    layerNorm(p, `${pre}.LayerNorm`, summed, c.layerNormEps),
    c.hiddenDropoutProb,
  );
}
