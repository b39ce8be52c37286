// Recovers the BertConfig of a BERT Model from its plain-data summary, for KD code that must
// rebuild a BERT's inputs (Combined-KD's perturbed embeddings) or check vocabularies match.
import type { BertConfig, Model } from '../model';

class MissingField extends Error {}

/** The model's BertConfig, or null when it is not a BERT or its summary lacks a field. */
export function bertConfigOf(model: Model): BertConfig | null {
  if (model.kind !== 'bert') return null;
  const c = model.summary().config;
  const n = (k: keyof BertConfig): number => {
    const v = c[k];
    if (typeof v !== 'number') throw new MissingField(k);
    return v;
  };
  try {
    return {
      vocabSize: n('vocabSize'),
      hiddenSize: n('hiddenSize'),
      numHiddenLayers: n('numHiddenLayers'),
      numAttentionHeads: n('numAttentionHeads'),
      intermediateSize: n('intermediateSize'),
      maxPositionEmbeddings: n('maxPositionEmbeddings'),
      typeVocabSize: n('typeVocabSize'),
      hiddenDropoutProb: n('hiddenDropoutProb'),
      attentionProbsDropoutProb: n('attentionProbsDropoutProb'),
      layerNormEps: n('layerNormEps'),
      initializerRange: n('initializerRange'),
      numLabels: n('numLabels'),
      padTokenId: n('padTokenId'),
    };
  } catch (e) {
    if (e instanceof MissingField) return null;
    throw e;
  }
}
