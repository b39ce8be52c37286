// RunConfig: everything that defines a training run, as plain data (no functions, classes or
// tensors), so it can be structuredClone'd, posted to the worker, stored and encoded in a URL.
import type { KdConfig } from '../kd/spec';
import type { StudentSpec } from './student';

/** Compute backends, in the order the worker tries them under 'auto'. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPref = 'auto' | BackendName;

/** Where the task's data comes from. File uploads cannot be replayed from a config alone. */
export type TaskRef =
  | { source: 'embedded'; seed: number }
  | { source: 'file'; task: string; files: string[] }
  | { source: 'url'; task: string; trainUrl: string; devUrl: string }
  | { source: 'hub'; task: string; dataset: string; config: string };

export interface TokenizerConfig {
  /** 'build': learn a WordPiece vocabulary from the training text; 'provided': use the task's vocab. */
  vocab: 'build' | 'provided';
  /** Target vocabulary size when building (including special tokens), 100..60000. */
  vocabSize: number;
  /** Lower-case and strip accents (BERT uncased). */
  lowercase: boolean;
  /** Longest sequence in tokens, [CLS] and [SEP] included, 8..512. Longer inputs are truncated. */
  maxLen: number;
}

/** Encoder architecture. Vocabulary size and label count come from the task at start. */
export interface ModelArch {
  /** Transformer layers, 1..24. */
  layers: number;
  /** Hidden size, divisible by heads. */
  hidden: number;
  /** Attention heads. */
  heads: number;
  /** FFN inner size (4 × hidden for BERT). */
  intermediate: number;
  /** Dropout on embeddings, attention output and FFN output, [0, 0.9]. */
  hiddenDropout: number;
  /** Dropout on attention probabilities, [0, 0.9]. */
  attentionDropout: number;
}

export interface TrainConfig {
  /** Seed for init, shuffling and dropout: the same seed on the same backend gives the same curve. */
  seed: number;
  /** Examples per step, 1..512. Fixed: the last partial batch of an epoch is dropped. */
  batchSize: number;
  /** Optimiser steps in total, >= 1. */
  steps: number;
  /** Peak learning rate of AdamW. */
  lr: number;
  /** Fraction of `steps` spent in linear warm-up, [0, 1]. Then linear decay to 0. */
  warmup: number;
  /** Decoupled weight decay (AdamW); not applied to LayerNorm weights or biases. */
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Clip the global gradient norm to this value; 0 disables clipping. */
  clipNorm: number;
  /** Evaluate on dev every this many steps (and at the end), >= 1. */
  evalEvery: number;
  /**
   * Bit-reproducible kernels on WebGPU: the packed (atomics-free) matmul program and a one-hot
   * matmul embedding gradient. Slower; the CPU and wasm backends are deterministic anyway.
   */
  deterministic: boolean;
  /**
   * Sort rows by length inside windows of 50 batches before cutting batches (Hugging Face's
   * group_by_length): less padding, faster steps, but batches of similar sentences. Off by default:
   * on the embedded task, where length tracks sentence shape, it slowed learning (1,200 steps:
   * 74% dev accuracy against 89% without).
   */
  groupByLength: boolean;
}

export interface RunConfig {
  /** Schema version of this object; bump with a migration when fields change. */
  schema: 1;
  /** Display name of the run. */
  name: string;
  task: TaskRef;
  tokenizer: TokenizerConfig;
  /**
   * Name of the preset whose shape (layers, hidden, heads, FFN) the model has ('custom' after a
   * shape edit). Dropout is not part of it: the default run uses BERT-Tiny's shape without dropout.
   */
  preset: string;
  model: ModelArch;
  train: TrainConfig;
  backend: BackendPref;
  /** Knowledge distillation: method, teacher and add-ons (src/kd). Absent = plain training. */
  kd?: KdConfig;
  /** The model trained (./student): absent = the dense BERT of `model`. */
  student?: StudentSpec;
}

/** Deep partial, for presets and overrides. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
