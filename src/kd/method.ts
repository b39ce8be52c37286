// The runtime shape of a KD method, as the training loop drives it: its stages (phases with their
// own optimiser), the loss it adds at each step (with named terms for the charts), the extra
// trainable variables it owns (projections, ...), optional updates of its own (a generator) and
// the state it frees. A method is built from its spec by the registry (./registry).
import type * as tf from '@tensorflow/tfjs';
import type { BatchArrays, EncodedSplit } from '../data/batcher';
import type { WordPieceTokenizer } from '../data/tokenizer';
import type { TaskSpec } from '../data/types';
import type { BertConfig, EmbeddingGrad, EncoderOutputs, Model, ParamArray } from '../model';
import type { TensorBatch } from '../train/step';
import type { StagePlan, StepInfo } from '../config/kd-schedules';
import type { TeacherBundle } from './teacher';

// Stages and step positions are plain data shared with the UI's previews (config/kd-schedules).
export { singleStage, type StagePlan, type StepInfo } from '../config/kd-schedules';

/** What a method's loss sees at one step. Everything is valid inside the step's tidy only. */
export interface StepInputs {
  info: StepInfo;
  batch: TensorBatch;
  /** The same batch on the CPU (token ids for methods that rewrite inputs). */
  arrays: BatchArrays;
  /** Training-split indices of the batch rows (for per-example state such as cached logits). */
  rows: Int32Array;
  /** The student's training-mode outputs on the batch (gradients flow through them). */
  student: EncoderOutputs;
  /** The teacher's cached eval-mode logits for the batch, [B, C]; throws without a teacher. */
  teacherLogits(): tf.Tensor2D;
  /** The teacher's live eval-mode outputs (hidden states, scores), computed once per step. */
  teacherOutputs(): EncoderOutputs;
  /** Per-example task loss: CE for classification, squared error for regression. [B, C] → [B]. */
  taskLoss(logits: tf.Tensor2D): tf.Tensor1D;
  /**
   * Keeps a tensor made inside the loss alive until the step's gradients are applied. Needed for
   * token ids a method builds itself: the embedding lookup's custom gradient reads its ids tensor
   * in the backward pass without saving it (model/embeddings.ts), and tf.variableGrads frees the
   * forward pass's tensors before that.
   */
  hold<T extends tf.Tensor>(t: T): T;
}

/** A step's loss: the total that is differentiated, and its named parts (for the charts). */
export interface LossTerms {
  total: tf.Scalar;
  terms: Record<string, tf.Scalar>;
}

/** A method's own update on a batch that the student does not train on (e.g. a generator). */
export interface AuxUpdate {
  /** Stage label of its steps in the charts, e.g. 'generator'. */
  readonly name: string;
  /** Whether the step `info` belongs to the method rather than the student. */
  owns(info: StepInfo): boolean;
  /** Runs the update; returns [loss, gradNorm, ...terms] as one kept tensor, and the term names. */
  run(inputs: AuxInputs): { values: tf.Tensor1D; names: string[] };
}

export interface AuxInputs {
  info: StepInfo;
  batch: TensorBatch;
  arrays: BatchArrays;
  rows: Int32Array;
}

export interface MethodRuntime {
  readonly stages: StagePlan[];
  /** Loss of the step. Runs inside tf.variableGrads (gradients w.r.t. student + extraVars). */
  loss(inputs: StepInputs): LossTerms;
  /** Trainable variables the method owns (trained with the student's optimiser). */
  readonly extraVars: Map<string, tf.Variable>;
  /** Replaces the labels of the training split the student sees, if the method corrects them. */
  readonly labels?: Float32Array;
  readonly aux?: AuxUpdate;
  /**
   * The method's state beyond its trainable variables (a generator and its optimiser, footprint
   * logits), read back for a resume point; absent for methods that keep none. Building the method
   * with this state as `MethodEnv.resume` continues it exactly.
   */
  saveState?(): Promise<MethodState>;
  dispose(): void;
}

/** A method's own state in a resume point: named float arrays and named counters. */
export interface MethodState {
  tensors: Map<string, ParamArray>;
  numbers: Record<string, number>;
}

/** What a method is built from. */
export interface MethodEnv {
  task: TaskSpec;
  /** The frozen teacher, or null for methods that need none. */
  teacher: TeacherBundle | null;
  /** Cached teacher logits of the training split, [n·C], or null without a teacher. */
  teacherLogits: Float32Array | null;
  student: Model;
  /**
   * The student's BERT config when it is a BERT or a KroneckerBERT (the BERT it factors), else
   * null (methods that rebuild its inputs need it).
   */
  studentConfig: BertConfig | null;
  train: EncodedSplit;
  /** Rows held out of the training split for a meta objective (see registry.heldOutSize). */
  meta: EncodedSplit | null;
  /**
   * The training labels before injected noise (kd.labelNoise), row-aligned with `train`: known
   * only because the noise was ours, and read only to report how a correction fared (never to
   * train). Absent or null without injected noise, or when rows were held out of `train`.
   */
  cleanLabels?: Float32Array | null;
  /** Total optimiser steps of the run. */
  totalSteps: number;
  stepsPerEpoch: number;
  batchSize: number;
  seed: number;
  /** The run's tokenizer (methods that rewrite text: word boundaries, vocabulary). */
  tokenizer: WordPieceTokenizer;
  /** Length buckets and special token ids of the run's tokenizer (methods that batch or mask). */
  buckets: readonly number[];
  specialIds: { pad: number; cls: number; sep: number; mask: number };
  /** The embedding-gradient strategy of the backend, for forwards a method runs itself. */
  embeddingGrad: EmbeddingGrad;
  /** Computes cached logits of the teacher's footprints (Pro-KD); see kd/teacher.cachedLogits. */
  footprintLogits(index: number): Promise<Float32Array>;
  /**
   * Resuming a run: the state `saveState` returned at the resume point, which the method takes
   * instead of building it afresh (absent or null: a fresh run, or a method that keeps none).
   */
  resume?: MethodState | null;
}

/** Builds a method's runtime from its spec. */
export type MethodImpl<S> = (spec: S, env: MethodEnv) => Promise<MethodRuntime>;
