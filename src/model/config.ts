// BertConfig: the full shape of an encoder (architecture + vocabulary + label space), derived from a
// RunConfig's ModelArch and the task at hand. Field names follow Hugging Face's config.json.
import { bertFlops, bertParamCount, type BertShape } from '../config/model-size';
import type { ModelArch } from '../config/run-config';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  /** Position-embedding rows: the longest sequence the model can read (BERT: 512). */
  maxPositionEmbeddings: number;
  /** Token-type (segment) embedding rows (BERT: 2). */
  typeVocabSize: number;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  layerNormEps: number;
  /** Std of the normal init for weights (BERT: 0.02). */
  initializerRange: number;
  /** Classes; 1 means a regression head (STS-B). */
  numLabels: number;
  padTokenId: number;
}

/** The encoder config for an architecture, a vocabulary size and a label count. */
export function bertConfig(
  arch: ModelArch,
  vocabSize: number,
  numLabels: number,
  opts: { maxPositions?: number; padTokenId?: number } = {},
): BertConfig {
  return {
    vocabSize,
    hiddenSize: arch.hidden,
    numHiddenLayers: arch.layers,
    numAttentionHeads: arch.heads,
    intermediateSize: arch.intermediate,
    maxPositionEmbeddings: opts.maxPositions ?? 512,
    typeVocabSize: 2,
    hiddenDropoutProb: arch.hiddenDropout,
    attentionProbsDropoutProb: arch.attentionDropout,
    layerNormEps: 1e-12,
    initializerRange: 0.02,
    numLabels,
    padTokenId: opts.padTokenId ?? 0,
  };
}

/** Shapes of every parameter, keyed by its Hugging Face name; kernels are [out, in] like PyTorch. */
export function bertParamShapes(c: BertConfig): Map<string, number[]> {
  const H = c.hiddenSize;
  const shapes = new Map<string, number[]>();
  const linear = (name: string, out: number, inp: number): void => {
    shapes.set(`${name}.weight`, [out, inp]);
    shapes.set(`${name}.bias`, [out]);
  };
  const layerNorm = (name: string): void => {
    shapes.set(`${name}.weight`, [H]);
    shapes.set(`${name}.bias`, [H]);
  };
  shapes.set('bert.embeddings.word_embeddings.weight', [c.vocabSize, H]);
  shapes.set('bert.embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, H]);
  shapes.set('bert.embeddings.token_type_embeddings.weight', [c.typeVocabSize, H]);
  layerNorm('bert.embeddings.LayerNorm');
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `bert.encoder.layer.${l}`;
    linear(`${p}.attention.self.query`, H, H);
    linear(`${p}.attention.self.key`, H, H);
    linear(`${p}.attention.self.value`, H, H);
    linear(`${p}.attention.output.dense`, H, H);
    layerNorm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, c.intermediateSize, H);
    linear(`${p}.output.dense`, H, c.intermediateSize);
    layerNorm(`${p}.output.LayerNorm`);
  }
  linear('bert.pooler.dense', H, H);
  linear('classifier', c.numLabels, H);
  return shapes;
}

/** Parameter count of an encoder config (what `bertParamShapes` allocates; config/model-size). */
export function countBertParams(c: BertConfig): number {
  return bertParamCount(archOf(c), {
    vocabSize: c.vocabSize,
    numLabels: c.numLabels,
    maxPositions: c.maxPositionEmbeddings,
  });
}

/** Forward FLOPs per token (multiply-adds × 2) of the encoder at sequence length `seqLen`. */
export function bertFlopsPerToken(c: BertConfig, seqLen: number): number {
  return bertFlops(archOf(c), seqLen);
}

/** The size-relevant architecture numbers of an encoder config. */
export function archOf(c: BertConfig): BertShape {
  return { layers: c.numHiddenLayers, hidden: c.hiddenSize, intermediate: c.intermediateSize };
}
