// The frozen teacher: its variables are made non-trainable and never enter the student's gradient
// list; its eval-mode logits over the training split are computed once and cached on the CPU
// (dropout off, so they are deterministic), and its footprints (snapshots taken while it trained)
// are replayed for Pro-KD. Intermediate outputs (hidden states, attention scores) are NOT cached:
// that would take N·L·T·H floats (4,000 examples × 5 × 32 × 256 ≈ 164 M for a small teacher), so
// methods that match them run the teacher live inside the step's tidy.
import * as tf from '@tensorflow/tfjs';
import { evalBatches, type EncodedSplit } from '../data/batcher';
import type { EncoderOutputs, Model, ParamArray } from '../model';
import type { EvalPoint } from '../protocol';
import { hash32 } from '../util/rng';
import { disposeBatch, toTensors } from '../train/step';

/** Teacher weights at one point of its training (Pro-KD's "footprints"). */
export interface Footprint {
  /** The teacher's optimiser step when the snapshot was taken. */
  step: number;
  /** CPU arrays (one readback; survive anything) or GPU clones (no readback; caller disposes). */
  weights:
    | { kind: 'cpu'; arrays: Map<string, ParamArray> }
    | { kind: 'gpu'; tensors: Map<string, tf.Tensor> };
}

/** A teacher as the training loop receives it. */
export interface TeacherBundle {
  model: Model;
  /** Snapshots in training order, the last being the final weights' predecessor (may be empty). */
  footprints: Footprint[];
  /** Dev evaluation of the final teacher, when known. */
  dev: EvalPoint | null;
  /**
   * Cached eval-mode logits per training split (key: `splitKey`, plus '@step' for footprints).
   * Filled on first use; shared by every run that receives the same bundle.
   */
  cache: Map<string, Float32Array>;
  /**
   * The BERT MLM head (`cls.predictions.*`, frozen) of a teacher MLM-pre-trained before its
   * fine-tuning (kd.teacher.mlm), kept outside `model.params` so footprints and checkpoints see
   * the encoder alone. KroneckerBERT's stage 1 starts the student's MLM head from it.
   */
  mlmHead?: Map<string, tf.Tensor>;
  /**
   * A teacher ensemble trained in the run (kd.teacher.ensemble > 1): its members in order, each
   * with its own dev evaluation, so each can be saved as a checkpoint and the ensemble rebuilt on
   * resume. `model` owns them (its dispose frees them all).
   */
  members?: { model: Model; dev: EvalPoint | null }[];
}

/** Wraps a model as a teacher bundle, freezing its variables. */
export function teacherBundle(model: Model, footprints: Footprint[] = []): TeacherBundle {
  freeze(model);
  return { model, footprints, dev: null, cache: new Map() };
}

/** Marks every variable of `model` non-trainable (a frozen teacher). */
export function freeze(model: Model): void {
  for (const v of model.params.vars.values()) v.trainable = false;
}

/** Frees a bundle: the model and any GPU-held footprints. */
export function disposeTeacher(t: TeacherBundle): void {
  for (const f of t.footprints) {
    if (f.weights.kind === 'gpu') f.weights.tensors.forEach((x) => x.dispose());
  }
  t.model.dispose();
  t.mlmHead?.forEach((x) => x.dispose());
  t.cache.clear();
}

/** A key identifying an encoded split's inputs (size, length, token ids), for the logits cache. */
export function splitKey(split: EncodedSplit): string {
  let h = hash32(split.n, split.maxLen, 0x7e4c);
  for (let i = 0; i < split.ids.length; i++) h = hash32(h, split.ids[i]!, i);
  return `${split.n}x${split.maxLen}:${h.toString(16)}`;
}

/**
 * Eval-mode logits of `model` on every row of `split`: [n·C] row-major (row = split index).
 * One GPU→CPU readback for the whole split.
 */
export async function computeLogits(
  model: Model,
  split: EncodedSplit,
  batchSize: number,
  buckets: readonly number[],
  padId: number,
): Promise<{ logits: Float32Array; C: number }> {
  const r = await computeRows(model, split, batchSize, buckets, padId, (o) => o.logits);
  return { logits: r.values, C: r.width };
}

/**
 * Any per-example eval-mode output of `model` on every row of `split`: `pick` maps a batch's
 * outputs to [B, K]; returns [n·K] row-major (row = split index). One readback for the split.
 */
export async function computeRows(
  model: Model,
  split: EncodedSplit,
  batchSize: number,
  buckets: readonly number[],
  padId: number,
  pick: (o: EncoderOutputs) => tf.Tensor2D,
): Promise<{ values: Float32Array; width: number }> {
  const batches = evalBatches(split, batchSize, buckets, padId);
  const parts: tf.Tensor2D[] = [];
  for (const b of batches) {
    const t = toTensors(b);
    parts.push(tf.tidy(() => pick(model.forward(t, { training: false }))));
    disposeBatch(t);
  }
  const K = parts[0]?.shape[1] ?? 0;
  const all = tf.concat(parts); // [batches·B, K]
  const data = await all.data(); // GPU→CPU sync point, once per split
  tf.dispose([all, ...parts]);
  const values = new Float32Array(split.n * K);
  let row = 0;
  for (const b of batches) {
    for (let r = 0; r < b.B; r++, row++) {
      if (r < b.valid) values.set(data.subarray(row * K, row * K + K), b.index[r]! * K);
    }
  }
  return { values, width: K };
}

/**
 * The teacher's cached logits for `split` (computed on first use), or, with `footprint`, those of
 * that snapshot: its weights are written into the teacher, the logits computed, and the final
 * weights put back.
 */
export async function cachedLogits(
  teacher: TeacherBundle,
  split: EncodedSplit,
  batchSize: number,
  buckets: readonly number[],
  padId: number,
  footprint?: Footprint,
): Promise<Float32Array> {
  const key = footprint ? `${splitKey(split)}@${footprint.step}` : splitKey(split);
  const hit = teacher.cache.get(key);
  if (hit) return hit;
  const run = () => computeLogits(teacher.model, split, batchSize, buckets, padId);
  const out = footprint ? await withWeights(teacher.model, footprint, run) : await run();
  teacher.cache.set(key, out.logits);
  return out.logits;
}

/** Runs `fn` with a footprint's weights in `model`, then restores the weights it had. */
export async function withWeights<R>(
  model: Model,
  footprint: Footprint,
  fn: () => Promise<R>,
): Promise<R> {
  const saved = model.params.snapshot();
  try {
    if (footprint.weights.kind === 'gpu') model.params.restore(footprint.weights.tensors);
    else {
      const arrays = footprint.weights.arrays;
      tf.tidy(() => {
        const tensors = new Map<string, tf.Tensor>();
        for (const [name, a] of arrays) tensors.set(name, tf.tensor(a.data, a.shape, 'float32'));
        model.params.restore(tensors);
      });
    }
    return await fn();
  } finally {
    model.params.restore(saved);
    saved.forEach((t) => t.dispose());
  }
}

/**
 * Rows `rows` of a cached [n·C] logits array as a [B, C] tensor; rows past rows.length (padding
 * of a short batch) are zeros. Call inside the step's tidy.
 */
export function batchLogits(
  cache: Float32Array,
  C: number,
  rows: Int32Array,
  B: number,
): tf.Tensor2D {
  const out = new Float32Array(B * C);
  rows.forEach((row, r) => out.set(cache.subarray(row * C, row * C + C), r * C));
  return tf.tensor2d(out, [B, C]);
}

/** Takes a snapshot of a model's weights for a footprint. */
export async function takeFootprint(
  model: Model,
  step: number,
  store: 'cpu' | 'gpu',
): Promise<Footprint> {
  if (store === 'gpu') return { step, weights: { kind: 'gpu', tensors: model.params.snapshot() } };
  return { step, weights: { kind: 'cpu', arrays: await model.params.toArrays() } };
}
