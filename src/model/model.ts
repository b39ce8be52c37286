// The one shape every trainable model has (teacher, BERT student, KroneckerBERT, CNN, LSTM): its
// parameters, a forward pass that returns EncoderOutputs, and a summary (size, FLOPs). The
// training loop and the KD code see models only through this interface (STYLE R5).
import type * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './config';
import { bertFlopsPerToken, countBertParams } from './config';
import type { TokenBatch } from './embeddings';
import { bertForward, type EncoderOutputs, type ForwardOptions } from './encoder';
import type { Params } from './params';

/** Model families. Each adds its own config; see `ModelSummary.config`. */
export type ModelKind = 'bert' | 'kron-bert' | 'textcnn' | 'bilstm';

export interface ModelSummary {
  kind: ModelKind;
  /** Scalar parameters. */
  params: number;
  /** Forward FLOPs per token at sequence length `seqLen` (2 × multiply-adds). */
  flopsPerToken(seqLen: number): number;
  /** Plain-data description of the architecture (for export, the UI and checkpoints). */
  config: Record<string, unknown>;
}

export interface Model {
  readonly kind: ModelKind;
  readonly params: Params;
  /** Outputs for a token batch. Call inside tf.tidy (or dispose the outputs). */
  forward(batch: TokenBatch, opts: ForwardOptions): EncoderOutputs;
  summary(): ModelSummary;
  /** Frees the parameters. */
  dispose(): void;
}

/** A BERT encoder as a Model. */
export function bertModel(config: BertConfig, params: Params): Model {
  return {
    kind: 'bert',
    params,
    forward: (batch, opts) => bertForward(params, config, batch, opts),
    summary: () => ({
      kind: 'bert',
      params: countBertParams(config),
      flopsPerToken: (seqLen) => bertFlopsPerToken(config, seqLen),
      config: { ...config },
    }),
    dispose: () => params.dispose(),
  };
}

/** Eval-mode logits of a model: [B, C]. Call inside tf.tidy. */
export function evalLogits(model: Model, batch: TokenBatch): tf.Tensor2D {
  return model.forward(batch, { training: false }).logits;
}
