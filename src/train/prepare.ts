// From a RunConfig and loaded task data to what the loop needs: a tokenizer (the task's vocabulary
// or one built from its training text), encoded splits, length buckets and the encoder config.
import type { RunConfig } from '../config/run-config';
import { encodeSplit, lengthBuckets, type EncodedSplit } from '../data/batcher';
import { buildVocab, WordPieceTokenizer } from '../data/tokenizer';
import type { TaskData } from '../data/types';
import { bertConfig, type BertConfig } from '../model';

export interface PreparedData {
  tokenizer: WordPieceTokenizer;
  train: EncodedSplit;
  dev: EncodedSplit;
  buckets: number[];
  modelConfig: BertConfig;
}

/** Checks the data against the config; throws with an actionable message. */
function checkData(config: RunConfig, data: TaskData): void {
  const { spec } = data;
  if (data.train.length < config.train.batchSize) {
    throw new Error(
      `The training split has ${data.train.length} examples, fewer than one batch (${config.train.batchSize})`,
    );
  }
  if (data.dev.length === 0) throw new Error('The dev split is empty');
  if (spec.kind === 'classification') {
    for (const [name, split] of [
      ['train', data.train],
      ['dev', data.dev],
    ] as const) {
      const bad = split.findIndex(
        (e) => !Number.isInteger(e.label) || e.label < 0 || e.label >= spec.numLabels,
      );
      if (bad >= 0) {
        throw new Error(
          `${name} example ${bad + 1} has label ${split[bad]!.label}; expected 0..${spec.numLabels - 1}`,
        );
      }
    }
  }
  if (config.tokenizer.vocab === 'provided' && !data.vocab) {
    throw new Error('tokenizer.vocab is "provided" but the task came without a vocabulary');
  }
}

/** Tokenizes and encodes a task for a run. Pure CPU work; no tensors. */
export function prepareData(config: RunConfig, data: TaskData): PreparedData {
  checkData(config, data);
  const { lowercase, maxLen, vocabSize } = config.tokenizer;
  const vocab =
    config.tokenizer.vocab === 'provided' && data.vocab
      ? data.vocab
      : buildVocab(
          data.train.flatMap((e) => (e.b === undefined ? [e.a] : [e.a, e.b])),
          { vocabSize, lowercase },
        );
  const tokenizer = new WordPieceTokenizer(vocab, { lowercase });
  const train = encodeSplit(data.train, tokenizer, data.spec, maxLen);
  const dev = encodeSplit(data.dev, tokenizer, data.spec, maxLen);
  const numLabels = data.spec.kind === 'regression' ? 1 : data.spec.numLabels;
  const modelConfig = bertConfig(config.model, tokenizer.vocabSize, numLabels, {
    maxPositions: Math.max(512, maxLen),
    padTokenId: tokenizer.specialIds.pad,
  });
  return { tokenizer, train, dev, buckets: lengthBuckets(maxLen), modelConfig };
}
