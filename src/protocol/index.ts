// The typed, versioned message protocol between the page and the training worker. Types and
// constants only: no tensors, no DOM. Both realms import this file and nothing else of the other.
import type { BackendName, BackendPref, RunConfig } from '../config/run-config';
import type { MetricName, TaskData } from '../data/types';

/**
 * Bumped on any incompatible change; the worker refuses messages of another version.
 * v2: saved checkpoints ('compare', 'predict' and their answers) and storage reports ('stored').
 * v3: a teacher from outside the run: 'start' may carry a Hugging Face teacher's picked files, an
 *   error may be `where: 'teacher'`, and RunPrepared.teacher names its source.
 * v4: 'resumeRun' continues an interrupted run from its resume point.
 */
export const PROTOCOL_VERSION = 4;

/** A picked file of a Hugging Face teacher (kd.teacher source 'hf', kind 'files'), as bytes. */
export interface TeacherFileBytes {
  /** Base name: config.json, model.safetensors, vocab.txt, tokenizer.json, tokenizer_config.json. */
  name: string;
  bytes: ArrayBuffer;
}

export type ToWorker =
  /** Pick a backend (or re-pick after an override); answered by 'ready' or 'error'. */
  | { type: 'init'; version: number; backend: BackendPref }
  /** Start a run on `data`; only one run at a time, a second start stops the first. */
  | {
      type: 'start';
      version: number;
      runId: string;
      config: RunConfig;
      data: TaskData;
      /** kd.teacher source 'hf' from picked files: their bytes (the worker cannot read the page's files). */
      teacherFiles?: TeacherFileBytes[];
    }
  /**
   * Continue an interrupted run (saved in IndexedDB) from its resume point on `data`, the task it
   * trained on; then as 'start' (a running run is stopped first). The first 'metrics' message
   * carries its stored metrics up to the resume step. Refused with the reason (an 'error' for the
   * run) when it cannot resume, and with a 'stored' error for the run this worker is training.
   */
  | { type: 'resumeRun'; version: number; runId: string; data: TaskData }
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'stop'; runId: string }
  /**
   * Evaluates saved checkpoints (IndexedDB keys) on `data`'s dev split; answered by
   * 'compareProgress' messages, then 'compared' (or 'requestError').
   */
  | {
      type: 'compare';
      version: number;
      requestId: string;
      keys: string[];
      data: TaskData;
      /** Batch-1 forward passes timed per checkpoint for its latency (median reported). */
      latencyRuns: number;
    }
  /** Runs saved checkpoints on one typed input (`b`: second sentence of a pair task). */
  | { type: 'predict'; version: number; requestId: string; keys: string[]; a: string; b?: string };

/** A saved checkpoint's dev evaluation, for comparison; `ok: false` names what went wrong. */
export type CheckpointEvaluation =
  | {
      key: string;
      ok: true;
      /** The task the checkpoint was trained on (its spec as saved). */
      task: string;
      kind: 'classification' | 'regression';
      labelNames: string[];
      mainMetric: MetricName;
      loss: number;
      metrics: Partial<Record<MetricName, number>>;
      main: number;
      /** Per dev example, in split order: predicted class (or score for regression). */
      predictions: number[];
      /** Per dev example: probability of the predicted class (classification) or the score. */
      confidence: number[];
      /** confusion[gold][predicted] counts (classification); null for regression. */
      confusion: number[][] | null;
      params: number;
      /** Forward FLOPs per token at the checkpoint's maximum sequence length. */
      flopsPerToken: number;
      /** Bytes of the stored weights (optimizer state not counted). */
      bytes: number;
      /** Batch-1 forward + readback times on dev examples, in this browser, milliseconds. */
      latencyMs: { median: number; runs: number[] };
      backend: BackendName;
    }
  | { key: string; ok: false; error: string };

/** A saved checkpoint's answer to one typed input. */
export type CheckpointPrediction =
  | {
      key: string;
      ok: true;
      /** Predicted class (classification) or score (regression). */
      prediction: number;
      /** Class probabilities (classification); [score] for regression. */
      probs: number[];
      labelNames: string[];
      /** Tokens the input became ([CLS] and [SEP] included, after truncation). */
      tokens: number;
      /** Forward + readback, milliseconds (median of a few runs). */
      latencyMs: number;
    }
  | { key: string; ok: false; error: string };

export type RunPhase =
  | 'preparing' // tokenizing, building the model
  | 'compiling' // first step: kernels compile (10+ s on software WebGPU)
  | 'training'
  | 'paused'
  | 'done'
  | 'stopped'
  | 'failed';

/** One optimiser step's numbers, as read back in a batch. */
export interface TrainPoint {
  step: number;
  /** Total training loss of the step. */
  loss: number;
  lr: number;
  gradNorm: number;
  /** The loss's named terms when it has several (e.g. KD: { ce, kd, hidden }). */
  terms?: Record<string, number>;
  /** The method's stage at this step when it has stages (e.g. Annealing-KD: 'anneal', 'labels'). */
  stage?: string;
}

/** One dev evaluation. `main` is the task's main metric (selects the best checkpoint). */
export interface EvalPoint {
  step: number;
  loss: number;
  metrics: Partial<Record<MetricName, number>>;
  main: number;
  /** The method's stage when it has several (the best checkpoint is kept per stage). */
  stage?: string;
}

export interface Progress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Training throughput, measured after the first (compiling) step. */
  samplesPerSec: number;
  /** Estimated seconds left; null until a rate is known. */
  etaSec: number | null;
  elapsedSec: number;
  /** tf.memory() readings: live tensors and bytes the backend holds. */
  numTensors: number;
  numBytes: number;
}

export interface BackendInfo {
  name: BackendName;
  /** Adapter description for WebGPU (vendor, architecture), the renderer for WebGL. */
  adapter: string;
  /** Why a preferred backend was skipped, if one was. */
  note?: string;
}

/** What the worker reports once a run's data and model are ready. */
export interface RunPrepared {
  params: number;
  /** Forward FLOPs per token at seqLen (2 × multiply-adds). */
  flopsPerToken: number;
  /** The teacher's parameters ÷ the student's (a KroneckerBERT without one: its dense twin's). */
  compression?: number;
  vocabSize: number;
  seqLen: number;
  trainExamples: number;
  devExamples: number;
  totalSteps: number;
  stepsPerEpoch: number;
  /** Share of training examples cut by maxLen truncation. */
  truncated: number;
  /**
   * KD runs: the frozen teacher's size and dev evaluation; `source` names a teacher loaded from
   * outside the run (a saved checkpoint, a Hugging Face model), whose vocabulary the run adopted.
   */
  teacher?: { params: number; dev: EvalPoint | null; source?: string };
  /** KD runs: the method's kind and stages (name and steps), in order. */
  kd?: { method: string; stages: { name: string; steps: number }[] };
}

export type FromWorker =
  | { type: 'ready'; version: number; backend: BackendInfo; available: BackendName[] }
  | { type: 'prepared'; runId: string; info: RunPrepared }
  | { type: 'phase'; runId: string; phase: RunPhase; detail?: string }
  /** Batched, about every 100 ms: new train points, new eval points, latest progress. */
  | { type: 'metrics'; runId: string; train: TrainPoint[]; evals: EvalPoint[]; progress: Progress }
  | {
      type: 'done';
      runId: string;
      best: EvalPoint | null;
      final: EvalPoint | null;
      wallSec: number;
    }
  | {
      type: 'error';
      runId?: string;
      /** 'teacher': a saved or Hugging Face teacher could not be used (nothing started). */
      where: 'init' | 'config' | 'data' | 'teacher' | 'training';
      message: string;
    }
  /**
   * The worker wrote a run's record ('run'), a checkpoint ('checkpoint') or its final status
   * ('status') to IndexedDB, or failed to (`error`; the run itself goes on).
   */
  | { type: 'stored'; runId: string; what: 'run' | 'checkpoint' | 'status'; error?: string }
  | { type: 'compareProgress'; requestId: string; done: number; total: number; detail: string }
  | { type: 'compared'; requestId: string; results: CheckpointEvaluation[] }
  | { type: 'predicted'; requestId: string; results: CheckpointPrediction[] }
  /** A 'compare' or 'predict' that failed as a whole (bad version, no storage). */
  | { type: 'requestError'; requestId: string; message: string };

/** Exhaustiveness guard for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}
