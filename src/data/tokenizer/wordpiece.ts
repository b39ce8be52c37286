// BERT WordPiece tokenizer (basic tokenization + greedy longest-match WordPiece + [CLS]/[SEP]
// encoding with longest_first truncation and padding), DOM-free for the worker, Node and tests.
// Behaviour, and where it matches Hugging Face (HF) BertTokenizer (Python, "slow") and
// BertTokenizerFast (Rust `tokenizers`), is listed in the block comment below; golden ids for
// bert-base-uncased are frozen in wordpiece.golden.test.ts.

/*
 * Behaviour choices
 * 1. Special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) are found in the raw text by exact,
 *    case-sensitive match before any normalization and are never split or lower-cased
 *    (`a[SEP]b` -> a, [SEP], b; `[sep]` is ordinary text). HF: same (slow: the added-token trie;
 *    fast: added tokens with normalized=false).
 * 2. Clean-up: NUL, U+FFFD and every category-C character (Cc, Cf, Cs, Co, Cn) except \t \n \r
 *    are dropped, so `a\u200bb` is one word `ab`; lone UTF-16 surrogates are Cs and are dropped too.
 *    \t \n \r, space, category Zs and U+2028/U+2029 are whitespace. HF slow and fast: same (slow
 *    drops C*, maps Zs to spaces, and str.split() also breaks at Zl/Zp).
 * 3. Each CJK ideograph in BERT's `_is_chinese_char` blocks (incl. the astral extensions B-E and
 *    the compatibility supplement) is its own word. Kana and Hangul are not CJK here, as in BERT.
 *    HF: same, by code point. (@huggingface/tokenizers 0.2 tests UTF-16 units, so it misses
 *    astral ideographs; we follow Python/Rust.)
 * 4. Uncased (lowercase: true): lower-case with String#toLowerCase, then, when stripAccents
 *    (default = lowercase), NFD and drop category Mn. Korean syllables therefore decompose into
 *    conjoining jamo, as in HF. Cased without stripping: NFC, as recent HF slow versions do; HF fast
 *    does not apply NFC, so decomposed accents (`e\u0301`) may differ from BertTokenizerFast.
 * 5. Punctuation = ASCII 33-47, 58-64, 91-96, 123-126 (so $ + < = > ^ | ~ and backquote count) or
 *    Unicode category P*; each such character is its own word. Other symbols (€, ©, emoji) stay in
 *    words. HF: same.
 * 6. WordPiece: greedy longest-match-first over code points with the `##` continuation prefix; a
 *    word of more than 100 code points, or one that cannot be covered, becomes a single [UNK].
 *    HF: same (max_input_chars_per_word = 100).
 * 7. Encoding: `[CLS] a [SEP]` / `[CLS] a [SEP] b [SEP]`, token types 0 up to and including the
 *    first [SEP], 1 after. `b === ''` still makes a pair. Truncation is longest_first: while too
 *    long, drop the last token of the longer segment, of the second one on a tie. HF slow loops the
 *    same way; HF fast computes the same final lengths in one step. Padding is on the right with
 *    [PAD], token type 0 and attention mask 0, as HF.
 * 8. decode drops [PAD], [CLS] and [SEP], keeps [UNK] and [MASK] (they hold a position), glues
 *    `##` pieces to the previous piece and separates the rest with single spaces. HF's decode
 *    additionally applies clean_up_tokenization (`do n't` -> `don't`, ` .` -> `.`); we do not.
 */

import { SPECIAL_TOKENS, normalizeRun, splitPunctuation, splitRuns, splitSpecials } from './basic';
import { parseVocab } from './vocab';

/** Model inputs for one example. All arrays have the same length. */
export interface Encoding {
  ids: number[];
  /** 0 for the first segment (with [CLS] and its [SEP]), 1 for the second segment and its [SEP]. */
  typeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
}

export interface TokenizerOptions {
  /** Lower-case the input (an uncased vocabulary such as bert-base-uncased). */
  lowercase: boolean;
  /** Strip accents (NFD, drop combining marks). Defaults to `lowercase`, as in HF. */
  stripAccents?: boolean;
}

export interface EncodeOptions {
  /** Total length including [CLS]/[SEP]; longer inputs are truncated longest_first. */
  maxLength?: number;
  /** Pad with [PAD] up to maxLength; defaults to true when maxLength is given. */
  pad?: boolean;
}

/** Words longer than this many code points become [UNK] (BERT's max_input_chars_per_word). */
export const MAX_INPUT_CHARS_PER_WORD = 100;
const CONTINUATION = '##';
/** Bound on the raw-run → ids cache; it is cleared when full (a corpus pass refills it). */
const CACHE_LIMIT = 1 << 17;

/** BERT WordPiece tokenizer over a fixed vocabulary (index = id). */
export class WordPieceTokenizer {
  readonly vocab: readonly string[];
  readonly vocabSize: number;
  readonly specialIds: { pad: number; unk: number; cls: number; sep: number; mask: number };
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  private readonly ids: Map<string, number>;
  /** Longest vocabulary piece in UTF-16 units (without `##`): bounds the longest-match search. */
  private readonly maxPieceUnits: number;
  private readonly cache = new Map<string, readonly number[]>();

  /**
   * @param vocab tokens, index = id; must hold the five BERT special tokens and no duplicates.
   * @throws Error naming the missing special tokens or the duplicate.
   */
  constructor(vocab: readonly string[], options: TokenizerOptions) {
    const ids = new Map<string, number>();
    let maxUnits = 1;
    vocab.forEach((tok, i) => {
      const first = ids.get(tok);
      if (first !== undefined) {
        throw new Error(
          `vocabulary: duplicate token ${JSON.stringify(tok)} at ids ${first} and ${i}`,
        );
      }
      ids.set(tok, i);
      const units = tok.startsWith(CONTINUATION) ? tok.length - CONTINUATION.length : tok.length;
      if (units > maxUnits) maxUnits = units;
    });
    const missing = SPECIAL_TOKENS.filter((t) => !ids.has(t));
    if (missing.length > 0) {
      throw new Error(`vocabulary: missing special token(s) ${missing.join(', ')}`);
    }
    const id = (t: string): number => ids.get(t) ?? -1;
    this.vocab = [...vocab];
    this.vocabSize = vocab.length;
    this.ids = ids;
    this.maxPieceUnits = maxUnits;
    this.specialIds = {
      pad: id('[PAD]'),
      unk: id('[UNK]'),
      cls: id('[CLS]'),
      sep: id('[SEP]'),
      mask: id('[MASK]'),
    };
    this.lowercase = options.lowercase;
    this.stripAccents = options.stripAccents ?? options.lowercase;
  }

  /** Parses vocab.txt text (see {@link parseVocab}) and builds a tokenizer on it. */
  static fromVocabText(text: string, options: TokenizerOptions): WordPieceTokenizer {
    return new WordPieceTokenizer(parseVocab(text), options);
  }

  /** The id of `token`, or the [UNK] id if it is not in the vocabulary. */
  idOf(token: string): number {
    return this.ids.get(token) ?? this.specialIds.unk;
  }

  /** The token with id `id`. @throws RangeError if `id` is not a valid id. */
  tokenOf(id: number): string {
    const tok = Number.isInteger(id) ? this.vocab[id] : undefined;
    if (tok === undefined) throw new RangeError(`token id ${id} is outside [0, ${this.vocabSize})`);
    return tok;
  }

  /** The word pieces of `text` (special tokens written in the text included, none added). */
  tokenize(text: string): string[] {
    return this.pieceIds(text).map((id) => this.tokenOf(id));
  }

  /** The ids of the word pieces of `text`, without added [CLS]/[SEP]. */
  pieceIds(text: string): number[] {
    const out: number[] = [];
    for (const seg of splitSpecials(text, SPECIAL_TOKENS)) {
      if (seg.special) {
        out.push(this.idOf(seg.token));
        continue;
      }
      for (const run of splitRuns(seg.text)) {
        for (const id of this.runIds(run)) out.push(id);
      }
    }
    return out;
  }

  /**
   * Encodes one sentence or a pair as `[CLS] a [SEP] (b [SEP])`. With `maxLength` (specials
   * included) the pieces are truncated longest_first and, unless `pad: false`, padded with [PAD].
   * @throws RangeError if maxLength is not an integer ≥ the number of special tokens (2 or 3).
   */
  encode(a: string, b?: string, opts: EncodeOptions = {}): Encoding & { truncated: boolean } {
    const idsA = this.pieceIds(a);
    const idsB = b === undefined ? null : this.pieceIds(b);
    const nSpecial = idsB === null ? 2 : 3;
    const { maxLength } = opts;
    let lenA = idsA.length;
    let lenB = idsB?.length ?? 0;
    if (maxLength !== undefined) {
      if (!Number.isInteger(maxLength) || maxLength < nSpecial) {
        throw new RangeError(
          `maxLength ${maxLength} must be an integer ≥ ${nSpecial} (the special tokens)`,
        );
      }
      const budget = maxLength - nSpecial;
      // longest_first: drop from the longer segment, from the second one on a tie.
      while (lenA + lenB > budget) {
        if (idsB === null || lenA > lenB) lenA--;
        else lenB--;
      }
    }
    const truncated = lenA < idsA.length || lenB < (idsB?.length ?? 0);
    const { cls, sep, pad } = this.specialIds;
    const ids = [cls, ...idsA.slice(0, lenA), sep];
    const typeIds = new Array<number>(ids.length).fill(0);
    if (idsB !== null) {
      for (let i = 0; i < lenB; i++) ids.push(idsB[i] ?? pad);
      ids.push(sep);
      while (typeIds.length < ids.length) typeIds.push(1);
    }
    const attentionMask = new Array<number>(ids.length).fill(1);
    if (maxLength !== undefined && (opts.pad ?? true)) {
      while (ids.length < maxLength) {
        ids.push(pad);
        typeIds.push(0);
        attentionMask.push(0);
      }
    }
    return { ids, typeIds, attentionMask, truncated };
  }

  /**
   * Turns ids back into text: drops [PAD], [CLS] and [SEP], joins `##` pieces to the previous
   * piece and the rest with single spaces. @throws RangeError on an invalid id.
   */
  decode(ids: readonly number[]): string {
    const { pad, cls, sep } = this.specialIds;
    let out = '';
    for (const id of ids) {
      const tok = this.tokenOf(id);
      if (id === pad || id === cls || id === sep) continue;
      if (tok.startsWith(CONTINUATION)) out += tok.slice(CONTINUATION.length);
      else out += out.length > 0 ? ` ${tok}` : tok;
    }
    return out;
  }

  /** Ids for one whitespace run of raw text (normalize, split punctuation, WordPiece), cached. */
  private runIds(run: string): readonly number[] {
    const hit = this.cache.get(run);
    if (hit !== undefined) return hit;
    const ids: number[] = [];
    for (const word of splitPunctuation(normalizeRun(run, this.lowercase, this.stripAccents))) {
      this.wordPiece(word, ids);
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(run, ids);
    return ids;
  }

  /** Greedy longest-match-first WordPiece of one word, appended to `out`. */
  private wordPiece(word: string, out: number[]): void {
    const unk = this.specialIds.unk;
    if (word.length > MAX_INPUT_CHARS_PER_WORD && codePointCount(word) > MAX_INPUT_CHARS_PER_WORD) {
      out.push(unk);
      return;
    }
    const mark = out.length;
    for (let start = 0; start < word.length;) {
      let end = Math.min(word.length, start + this.maxPieceUnits);
      let found = -1;
      for (; end > start; end--) {
        // never cut a surrogate pair: a piece ends before a high surrogate's low half
        if (end < word.length && isLowSurrogate(word.charCodeAt(end))) continue;
        const piece = word.slice(start, end);
        const id = this.ids.get(start > 0 ? CONTINUATION + piece : piece);
        if (id !== undefined) {
          found = id;
          break;
        }
      }
      if (found < 0) {
        out.length = mark;
        out.push(unk);
        return;
      }
      out.push(found);
      start = end;
    }
  }
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function codePointCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (!isLowSurrogate(s.charCodeAt(i))) n++;
  return n;
}
