// One optimiser step and the task losses. Synchronous math inside tf.tidy; the only tensor that
// leaves a step is a [2] vector (loss, gradient norm) that the loop reads back in batches.
import * as tf from '@tensorflow/tfjs';
import type { BatchArrays } from '../data/batcher';
import { crossEntropy } from '../kd/losses';
import type { TokenBatch } from '../model';
import type { AdamW } from './optimizer';

/** A batch as tensors: the encoder inputs plus labels [B] (class index or target, float32). */
export interface TensorBatch extends TokenBatch {
  labels: tf.Tensor1D;
}

/** Uploads a batch. The caller disposes it with `disposeBatch`. */
export function toTensors(b: BatchArrays): TensorBatch {
  return {
    ids: tf.tensor2d(b.ids, [b.B, b.T], 'int32'),
    typeIds: tf.tensor2d(b.typeIds, [b.B, b.T], 'int32'),
    mask: tf.tensor2d(b.mask, [b.B, b.T], 'float32'),
    labels: tf.tensor1d(b.labels, 'float32'),
  };
}

export function disposeBatch(b: TensorBatch): void {
  tf.dispose([b.ids, b.typeIds, b.mask, b.labels]);
}

/**
 * Per-example task loss: cross-entropy −log softmax(z)[y] for classification, squared error
 * (z − y)² for regression (STS-B, as Hugging Face's BertForSequenceClassification with 1 label).
 * logits: [B, C], labels: [B] → [B].
 */
export function taskLossPerExample(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  kind: 'classification' | 'regression',
): tf.Tensor1D {
  return tf.tidy(() => {
    if (kind === 'regression') {
      return tf.square(tf.sub(tf.reshape(logits, [-1]), labels)) as tf.Tensor1D;
    }
    return crossEntropy(logits, labels);
  });
}

/** Batch-mean task loss. */
export function taskLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  kind: 'classification' | 'regression',
): tf.Scalar {
  return tf.mean(taskLossPerExample(logits, labels, kind));
}

/**
 * One step: gradients of `loss` with respect to `vars` (only those: a frozen teacher's variables
 * are never touched), an AdamW update at `lr`, and back [loss, gradNorm] as one kept tensor.
 */
export function trainStep(
  vars: tf.Variable[],
  optimizer: AdamW,
  loss: () => tf.Scalar,
  lr: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, vars);
    const norm = optimizer.apply(grads, lr);
    return tf.stack([value, norm]) as tf.Tensor1D;
  });
}

/** A loss with named parts (KD methods: total plus e.g. { ce, kd, hidden }). */
export interface LossParts {
  total: tf.Scalar;
  terms: Record<string, tf.Scalar>;
}

/**
 * One step like `trainStep`, for a loss with named terms: returns [loss, gradNorm, ...terms] as
 * one kept tensor (terms in `names` order) for the loop's batched readback. Gradients are taken
 * with respect to `vars` only, so a frozen teacher's variables are never touched.
 */
export function trainStepTerms(
  vars: tf.Variable[],
  optimizer: AdamW,
  loss: () => LossParts,
  lr: number,
): { values: tf.Tensor1D; names: string[] } {
  let names: string[] = [];
  const values = tf.tidy(() => {
    let terms: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const parts = loss();
      names = Object.keys(parts.terms);
      // Kept so they outlive variableGrads' own scope; disposed below once stacked.
      terms = names.map((n) => tf.keep(parts.terms[n]!));
      return parts.total;
    }, vars);
    const norm = optimizer.apply(grads, lr);
    const out = tf.stack([value, norm, ...terms]) as tf.Tensor1D;
    tf.dispose(terms);
    return out;
  });
  return { values, names };
}
