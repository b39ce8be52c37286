// Golden tests against the real bert-base-uncased vocabulary: literal {text, tokens, ids} tables,
// each entry also cross-checked with @huggingface/tokenizers (an independent JS port of HF
// tokenizers) configured as BertTokenizerFast, so a drift in either implementation fails.
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA_MISSING, sharedDataFile } from '../../cli/shared-data';
import { WordPieceTokenizer, parseVocab } from './index';

const VOCAB_PATH = sharedDataFile('vocab', 'bert-base-uncased-vocab.txt');
if (!VOCAB_PATH) console.warn(`wordpiece.golden.test: skipped, ${SHARED_DATA_MISSING}`);

interface Golden {
  text: string;
  tokens: string[];
  ids: number[];
  /** Why @huggingface/tokenizers 0.2 gives other ids here (the table follows HF Python/Rust). */
  jsPortDiffers?: string;
}

// ids include [CLS] = 101 and [SEP] = 102. The first five sentences' ids also appear verbatim in
// published Hugging Face examples for bert-base-uncased (a third, independent check).
// prettier-ignore
const GOLDEN: Golden[] = [
  { text: 'how are you doing?', tokens: ['how', 'are', 'you', 'doing', '?'], ids: [101, 2129, 2024, 2017, 2725, 1029, 102] },
  { text: 'Hello, my dog is cute', tokens: ['hello', ',', 'my', 'dog', 'is', 'cute'], ids: [101, 7592, 1010, 2026, 3899, 2003, 10140, 102] },
  { text: 'The quick brown fox jumps over the lazy dog.', tokens: ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog', '.'], ids: [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102] },
  { text: 'In a hole in the ground there lived a hobbit.', tokens: ['in', 'a', 'hole', 'in', 'the', 'ground', 'there', 'lived', 'a', 'ho', '##bb', '##it', '.'], ids: [101, 1999, 1037, 4920, 1999, 1996, 2598, 2045, 2973, 1037, 7570, 10322, 4183, 1012, 102] },
  { text: 'Here is some text to encode', tokens: ['here', 'is', 'some', 'text', 'to', 'en', '##code'], ids: [101, 2182, 2003, 2070, 3793, 2000, 4372, 16044, 102] },
  // accents: lower-case, NFD, drop combining marks
  { text: 'Café naïve résumé; ÅNGSTRÖM über São Paulo', tokens: ['cafe', 'naive', 'resume', ';', 'ang', '##strom', 'uber', 'sao', 'paulo'], ids: [101, 7668, 15743, 13746, 1025, 17076, 15687, 19169, 7509, 9094, 102] },
  { text: 'İstanbul ΣΊΣΥΦΟΣ ß Œuvre', tokens: ['istanbul', 'σ', '##ι', '##σ', '##υ', '##φ', '##ος', 'ß', 'œ', '##u', '##vre'], ids: [101, 9960, 1173, 18199, 29733, 29735, 29736, 15297, 1096, 1107, 2226, 12229, 102] },
  // digits and ASCII punctuation, including the symbols BERT counts as punctuation ($ & % # @)
  { text: '$100,000.50 & 3.14% off!!! (call 555-0199) #1 @home', tokens: ['$', '100', ',', '000', '.', '50', '&', '3', '.', '14', '%', 'off', '!', '!', '!', '(', 'call', '555', '-', '01', '##9', '##9', ')', '#', '1', '@', 'home'], ids: [101, 1002, 2531, 1010, 2199, 1012, 2753, 1004, 1017, 1012, 2403, 1003, 2125, 999, 999, 999, 1006, 2655, 29541, 1011, 5890, 2683, 2683, 1007, 1001, 1015, 1030, 2188, 102] },
  { text: "don't stop-believing... it's <really> {great} [ok] a|b ~x^2 `q`", tokens: ['don', "'", 't', 'stop', '-', 'believing', '.', '.', '.', 'it', "'", 's', '<', 'really', '>', '{', 'great', '}', '[', 'ok', ']', 'a', '|', 'b', '~', 'x', '^', '2', '`', 'q', '`'], ids: [101, 2123, 1005, 1056, 2644, 1011, 8929, 1012, 1012, 1012, 2009, 1005, 1055, 1026, 2428, 1028, 1063, 2307, 1065, 1031, 7929, 1033, 1037, 1064, 1038, 1066, 1060, 1034, 1016, 1036, 1053, 1036, 102] },
  // unknown characters: an emoji inside a word makes the whole word [UNK]; €, ©, ™ are symbols, not punctuation
  { text: 'hello😀world 👍 ok € © ™', tokens: ['[UNK]', '[UNK]', 'ok', '€', '©', '™'], ids: [101, 100, 100, 7929, 1574, 1075, 1580, 102] },
  // rare scripts: Greek, Cyrillic, Devanagari (virama is Mn and is stripped), Runic (absent), Hebrew
  { text: 'Ελληνικά русский हिन्दी ᚠᚢᚦ עברית', tokens: ['ε', '##λ', '##λ', '##η', '##ν', '##ι', '##κ', '##α', 'р', '##у', '##с', '##с', '##к', '##ии', 'ह', '##ि', '##न', '##द', '##ी', '[UNK]', 'ע', '##ב', '##ר', '##י', '##ת'], ids: [101, 1159, 29727, 29727, 24824, 16177, 18199, 29726, 14608, 1195, 29748, 29747, 29747, 23925, 15414, 1339, 29877, 29863, 29861, 29878, 100, 1259, 29789, 29811, 29796, 29813, 102] },
  // CJK ideographs split one per token; kana are not CJK and stay one word
  { text: '我爱北京天安门 日本語のテキスト', tokens: ['我', '[UNK]', '北', '京', '天', '安', '[UNK]', '日', '本', '語', 'の', '##テ', '##キ', '##ス', '##ト'], ids: [101, 1855, 100, 1781, 1755, 1811, 1820, 100, 1864, 1876, 1950, 1671, 30239, 30227, 30233, 30240, 102] },
  // Hangul decomposes into conjoining jamo under NFD
  { text: '안녕하세요 세계', tokens: ['ᄋ', '##ᅡ', '##ᆫ', '##ᄂ', '##ᅧ', '##ᆼ', '##ᄒ', '##ᅡ', '##ᄉ', '##ᅦ', '##ᄋ', '##ᅭ', '[UNK]'], ids: [101, 1463, 30006, 30021, 29992, 30010, 30025, 30005, 30006, 29997, 30009, 29999, 30013, 100, 102] },
  // control characters: \t \n \r NBSP U+2028 separate words; NUL, ZWSP, BEL and U+FFFD vanish and join their neighbours
  { text: 'tab\there\nnew\r\nline\u0000nul\u200bzero\u00a0nbsp\u2028sep\u0007bell\ufffdrepl', tokens: ['tab', 'here', 'new', 'linen', '##ul', '##zer', '##o', 'n', '##bs', '##p', 'sep', '##bell', '##re', '##pl'], ids: [101, 21628, 2182, 2047, 17517, 5313, 6290, 2080, 1050, 5910, 2361, 19802, 17327, 2890, 24759, 102] },
  // long words: 100 characters are still split, 101 become [UNK]
  { text: `supercalifragilisticexpialidocious ${'a'.repeat(100)} ${'b'.repeat(101)}`, tokens: ['super', '##cal', '##if', '##rag', '##ilis', '##tic', '##ex', '##pia', '##lid', '##oc', '##ious', 'aaa', ...new Array<string>(48).fill('##aa'), '##a', '[UNK]'], ids: [101, 3565, 9289, 10128, 29181, 24411, 4588, 10288, 19312, 21273, 10085, 6313, 13360, ...new Array<number>(48).fill(11057), 2050, 100, 102] },
  // special tokens in the text are kept whole (also glued to words); lower-case [sep] is plain text
  { text: '[CLS] hello [MASK] world[SEP] [sep] [UNK]x', tokens: ['[CLS]', 'hello', '[MASK]', 'world', '[SEP]', '[', 'sep', ']', '[UNK]', 'x'], ids: [101, 101, 7592, 103, 2088, 102, 1031, 19802, 1033, 100, 1060, 102] },
  // full-width forms are not NFKC-folded
  { text: 'ＡＢＣ１２３ ｆｕｌｌｗｉｄｔｈ', tokens: ['[UNK]', '[UNK]'], ids: [101, 100, 100, 102] },
  { text: '', tokens: [], ids: [101, 102] },
  { text: '  \t\n ', tokens: [], ids: [101, 102] },
  // an astral CJK ideograph (Extension B) is its own word in HF Python/Rust
  { text: '\u{20000}ab', tokens: ['[UNK]', 'ab'], ids: [101, 100, 11113, 102], jsPortDiffers: 'it tests CJK per UTF-16 unit, so the ideograph is not split off' },
];

interface PairGolden {
  a: string;
  b?: string;
  maxLength?: number;
  pad?: boolean;
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
  truncated: boolean;
}

// a = how are you doing ? (5 pieces), b = i am fine , thanks . (6 pieces)
// prettier-ignore
const PAIRS: PairGolden[] = [
  { a: 'how are you doing?', b: 'i am fine, thanks.', ids: [101, 2129, 2024, 2017, 2725, 1029, 102, 1045, 2572, 2986, 1010, 4283, 1012, 102], typeIds: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1], attentionMask: new Array<number>(14).fill(1), truncated: false },
  // padded to 16: [PAD] = 0, type 0, mask 0
  { a: 'how are you doing?', b: 'i am fine, thanks.', maxLength: 16, ids: [101, 2129, 2024, 2017, 2725, 1029, 102, 1045, 2572, 2986, 1010, 4283, 1012, 102, 0, 0], typeIds: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0], attentionMask: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], truncated: false },
  // budget 7 = 10 - 3: (5,6) -> (5,5) -> tie, second -> (5,4) -> (4,4) -> tie, second -> (4,3)
  { a: 'how are you doing?', b: 'i am fine, thanks.', maxLength: 10, ids: [101, 2129, 2024, 2017, 2725, 102, 1045, 2572, 2986, 102], typeIds: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1], attentionMask: new Array<number>(10).fill(1), truncated: true },
  // a longer than b: only a shrinks until it is no longer the longer one
  { a: 'The quick brown fox jumps over the lazy dog.', b: 'how are you doing?', maxLength: 14, ids: [101, 1996, 4248, 2829, 4419, 14523, 2058, 102, 2129, 2024, 2017, 2725, 1029, 102], typeIds: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], attentionMask: new Array<number>(14).fill(1), truncated: true },
  // an empty second segment is still a pair: budget 3 goes to a
  { a: 'The quick brown fox jumps over the lazy dog.', b: '', maxLength: 6, ids: [101, 1996, 4248, 2829, 102, 102], typeIds: [0, 0, 0, 0, 0, 1], attentionMask: [1, 1, 1, 1, 1, 1], truncated: true },
  // single sentences: truncated to 5, padded to 9
  { a: 'The quick brown fox jumps over the lazy dog.', maxLength: 5, ids: [101, 1996, 4248, 2829, 102], typeIds: [0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 1, 1], truncated: true },
  { a: 'how are you doing?', maxLength: 9, ids: [101, 2129, 2024, 2017, 2725, 1029, 102, 0, 0], typeIds: [0, 0, 0, 0, 0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 1, 1, 1, 1, 0, 0], truncated: false },
  // pad: false leaves a short input short
  { a: 'Hello, my dog is cute', b: 'yes', maxLength: 32, pad: false, ids: [101, 7592, 1010, 2026, 3899, 2003, 10140, 102, 2748, 102], typeIds: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], attentionMask: new Array<number>(10).fill(1), truncated: false },
];

describe.skipIf(!VOCAB_PATH)('bert-base-uncased goldens', () => {
  let ours: WordPieceTokenizer;
  let hf: Tokenizer;

  beforeAll(() => {
    const vocab = parseVocab(readFileSync(VOCAB_PATH ?? '', 'utf8'), VOCAB_PATH ?? '');
    ours = new WordPieceTokenizer(vocab, { lowercase: true });
    hf = referenceTokenizer(vocab);
  });

  it('has ≥ 12 sentence goldens and 30,522 tokens with BERT special ids', () => {
    expect(GOLDEN.length).toBeGreaterThanOrEqual(12);
    expect(ours.vocabSize).toBe(30522);
    expect(ours.specialIds).toEqual({ pad: 0, unk: 100, cls: 101, sep: 102, mask: 103 });
  });

  it.each(GOLDEN.map((g) => [JSON.stringify(g.text).slice(0, 48), g] as const))(
    'single %s',
    (_name, g) => {
      expect(ours.tokenize(g.text)).toEqual(g.tokens);
      const enc = ours.encode(g.text);
      expect(enc.ids).toEqual(g.ids);
      expect(enc.typeIds).toEqual(g.ids.map(() => 0));
      expect(enc.attentionMask).toEqual(g.ids.map(() => 1));
      // the golden's own consistency: ids are the tokens' ids framed by [CLS]/[SEP]
      expect(g.ids).toEqual([101, ...g.tokens.map((t) => ours.idOf(t)), 102]);
      const ref = hf.encode(g.text).ids;
      if (g.jsPortDiffers) expect(ref).not.toEqual(g.ids);
      else expect(ref).toEqual(g.ids);
    },
  );

  it.each(PAIRS.map((p, i) => [i, p] as const))('encode #%i', (_i, p) => {
    const enc = ours.encode(p.a, p.b, { maxLength: p.maxLength, pad: p.pad });
    expect(enc).toEqual({
      ids: p.ids,
      typeIds: p.typeIds,
      attentionMask: p.attentionMask,
      truncated: p.truncated,
    });
    // The reference has no truncation: our segments must be prefixes of its full segments.
    // (it also treats an empty `b` as absent, which gives an empty reference B here too)
    const full = hf.encode(p.a, { text_pair: p.b ?? null, return_token_type_ids: true });
    const sep1 = full.ids.indexOf(102);
    const refA = full.ids.slice(1, sep1);
    const refB = full.ids.slice(sep1 + 1, -1);
    const real = enc.ids.filter((_, i) => enc.attentionMask[i] === 1);
    const ourSep1 = real.indexOf(102);
    if (p.b === undefined) expect(real.lastIndexOf(102)).toBe(ourSep1);
    const ourA = real.slice(1, ourSep1);
    const ourB = real.slice(ourSep1 + 1, -1);
    expect(ourA).toEqual(refA.slice(0, ourA.length));
    expect(ourB).toEqual(refB.slice(0, ourB.length));
    if (!p.truncated) expect(real).toEqual(full.ids);
    if (!p.truncated) expect(enc.typeIds.slice(0, real.length)).toEqual(full.token_type_ids);
  });

  it('agrees with the reference on 5,000 SST-2 training sentences when the data is present', () => {
    const sst = sharedDataFile('glue', 'SST-2', 'train.tsv');
    if (!sst) {
      console.warn(`wordpiece.golden.test: SST-2 part skipped, ${SHARED_DATA_MISSING}`);
      return;
    }
    const lines = readFileSync(sst, 'utf8').split('\n').slice(1, 5001);
    let checked = 0;
    for (const line of lines) {
      const text = line.split('\t')[0] ?? '';
      expect(ours.encode(text).ids, text).toEqual(hf.encode(text).ids);
      checked++;
    }
    expect(checked).toBe(5000);
  });
});

/**
 * The independent reference: @huggingface/tokenizers with the tokenizer.json that HF ships for
 * bert-base-uncased (BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing), built here.
 */
function referenceTokenizer(vocab: readonly string[]): Tokenizer {
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => {
    ids[t] = i;
  });
  const special = (content: string): Record<string, unknown> => ({
    id: ids[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const json = {
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'BertProcessing',
      sep: ['[SEP]', ids['[SEP]']],
      cls: ['[CLS]', ids['[CLS]']],
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
  return new Tokenizer(json, {});
}
