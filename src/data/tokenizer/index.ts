// Public surface of the tokenizer: BERT WordPiece tokenization and encoding, vocab.txt parsing and
// loading, and a corpus vocabulary builder. Other folders import only from here.
export {
  WordPieceTokenizer,
  MAX_INPUT_CHARS_PER_WORD,
  type Encoding,
  type EncodeOptions,
  type TokenizerOptions,
} from './wordpiece';
export { buildVocab, type BuildVocabOptions } from './build-vocab';
export { loadVocabFromUrl, parseVocab } from './vocab';
export { SPECIAL_TOKENS } from './basic';
