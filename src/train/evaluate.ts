// Dev-set evaluation: forward passes in eval mode over fixed-shape batches, one readback at the
// end, then the task's metrics on the CPU.
import * as tf from '@tensorflow/tfjs';
import type { BatchArrays } from '../data/batcher';
import { computeMetrics } from '../data/metrics';
import type { MetricName, TaskSpec } from '../data/types';
import type { TokenBatch } from '../model';
import { disposeBatch, taskLossPerExample, toTensors } from './step';

/** Eval-mode logits of a model for a token batch: [B, C]. Called inside tf.tidy. */
export type LogitsFn = (batch: TokenBatch) => tf.Tensor2D;

export interface EvalResult {
  /** Mean task loss over the split. */
  loss: number;
  /** Per example, in split order: the predicted class, or the predicted score for regression. */
  predictions: Float32Array;
  /** Per example, in split order, [n × C]: softmax probabilities (classification) or the score. */
  outputs: Float32Array;
  metrics: Partial<Record<MetricName, number>>;
  /** The task's main metric. */
  main: number;
}

/**
 * Evaluates a model (its eval-mode `logits`) on pre-cut evaluation batches of a split of `n`
 * examples with `labels`.
 */
export async function evaluate(
  logitsOf: LogitsFn,
  spec: TaskSpec,
  batches: readonly BatchArrays[],
  n: number,
  labels: Float32Array,
): Promise<EvalResult> {
  const C = spec.kind === 'regression' ? 1 : spec.numLabels;
  const parts: tf.Tensor2D[] = [];
  const losses: tf.Tensor1D[] = [];
  for (const b of batches) {
    const t = toTensors(b);
    const [out, loss] = tf.tidy(() => {
      const logits = logitsOf(t);
      const valid = tf.slice(logits, [0, 0], [b.valid, C]);
      const lossSum = tf.sum(
        taskLossPerExample(valid, tf.slice(t.labels, [0], [b.valid]), spec.kind),
      );
      const probs = spec.kind === 'regression' ? valid : tf.softmax(valid);
      return [probs as tf.Tensor2D, tf.reshape(lossSum, [1]) as tf.Tensor1D];
    });
    disposeBatch(t);
    parts.push(out);
    losses.push(loss);
  }
  const all = tf.tidy(() => tf.concat([tf.reshape(tf.concat(parts), [-1]), tf.concat(losses)]));
  const values = await all.data(); // one GPU→CPU sync for the whole split
  tf.dispose([all, ...parts, ...losses]);
  const outputs = new Float32Array(n * C);
  const predictions = new Float32Array(n);
  let row = 0;
  for (const b of batches) {
    for (let r = 0; r < b.valid; r++, row++) {
      const i = b.index[r]!;
      const src = values.subarray(row * C, row * C + C);
      outputs.set(src, i * C);
      predictions[i] = spec.kind === 'regression' ? src[0]! : argmax(src);
    }
  }
  let lossTotal = 0;
  for (let k = 0; k < losses.length; k++) lossTotal += values[n * C + k]!;
  const metrics = computeMetrics(spec, predictions, labels);
  return {
    loss: lossTotal / n,
    predictions,
    outputs,
    metrics,
    main: metrics[spec.mainMetric] ?? NaN,
  };
}

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}
