// Unit and property tests of WordPieceTokenizer on a small stub vocabulary (no shared data needed):
// longest-match WordPiece, [UNK] rules, pair encoding, longest_first truncation, padding, decode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basicTokenize } from './basic';
import { MAX_INPUT_CHARS_PER_WORD, WordPieceTokenizer } from './index';

// prettier-ignore
const STUB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
  'un', 'una', '##aff', '##able', '##ffa', 'aff', 'able', 'a', 'b', 'c', '##a', '##b', '##c',
  'hello', 'world', '##s', ',', '.', '!', 'cafe', 'café', 'e', '##\u0301', 'x', '##x', '中', '😀',
];
const uncased = new WordPieceTokenizer(STUB, { lowercase: true });
const cased = new WordPieceTokenizer(STUB, { lowercase: false });

describe('WordPiece', () => {
  it('takes the longest vocabulary match first, then continues with ## pieces', () => {
    expect(uncased.tokenize('unaffa')).toEqual(['una', '##ffa']); // 'una' beats 'un'
    expect(uncased.tokenize('affable')).toEqual(['aff', '##able']);
    // greedy, no backtracking: 'una' leaves '##ff', which is not coverable, although 'un ##aff' is
    expect(uncased.tokenize('unaff')).toEqual(['[UNK]']);
  });

  it('maps a word it cannot cover to one [UNK], not to partial pieces', () => {
    expect(uncased.tokenize('hellox worldz')).toEqual(['hello', '##x', '[UNK]']);
    expect(uncased.tokenize('abcabc')).toEqual(['a', '##b', '##c', '##a', '##b', '##c']);
  });

  it('makes words over 100 code points [UNK] and splits words of exactly 100', () => {
    expect(MAX_INPUT_CHARS_PER_WORD).toBe(100);
    expect(uncased.tokenize('x'.repeat(100))).toEqual(['x', ...new Array<string>(99).fill('##x')]);
    expect(uncased.tokenize('x'.repeat(101))).toEqual(['[UNK]']);
    // code points, not UTF-16 units: 60 emoji are 120 units but 60 characters
    const emoji = new WordPieceTokenizer([...STUB, '##😀'], { lowercase: true });
    expect(emoji.tokenize('😀'.repeat(60))).toEqual(['😀', ...new Array<string>(59).fill('##😀')]);
    expect(emoji.tokenize('😀'.repeat(101))).toEqual(['[UNK]']);
  });

  it('never cuts a surrogate pair when searching for pieces', () => {
    const v = [...STUB, '##\ud83d'];
    const t = new WordPieceTokenizer(v, { lowercase: true });
    expect(t.tokenize('x😀')).toEqual(['[UNK]']);
  });

  it('lower-cases and strips accents when uncased, keeps (NFC) accents when cased', () => {
    expect(uncased.tokenize('HELLO, Café!')).toEqual(['hello', ',', 'cafe', '!']);
    expect(cased.tokenize('Café')).toEqual(['[UNK]']); // 'C' is not in the stub
    expect(cased.tokenize('café cafe\u0301')).toEqual(['café', 'café']);
    const stripCased = new WordPieceTokenizer(STUB, { lowercase: false, stripAccents: true });
    expect(stripCased.tokenize('café')).toEqual(['cafe']);
    const keepUncased = new WordPieceTokenizer(STUB, { lowercase: true, stripAccents: false });
    expect(keepUncased.tokenize('CAFÉ')).toEqual(['café']);
  });

  it('keeps special tokens written in the text whole and gives them their ids', () => {
    expect(uncased.tokenize('hello[MASK]world [PAD]')).toEqual([
      'hello',
      '[MASK]',
      'world',
      '[PAD]',
    ]);
    expect(uncased.encode('[MASK]').ids).toEqual([2, 4, 3]);
  });
});

describe('encode', () => {
  const { pad, cls, sep } = uncased.specialIds;
  const h = uncased.idOf('hello');
  const w = uncased.idOf('world');

  it('frames single and pair inputs with [CLS]/[SEP] and token types 0/1', () => {
    expect(uncased.encode('hello world')).toEqual({
      ids: [cls, h, w, sep],
      typeIds: [0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1],
      truncated: false,
    });
    expect(uncased.encode('hello', 'world')).toEqual({
      ids: [cls, h, sep, w, sep],
      typeIds: [0, 0, 0, 1, 1],
      attentionMask: [1, 1, 1, 1, 1],
      truncated: false,
    });
  });

  // [lenA, lenB, maxLength] → kept [lenA, lenB], by HF's longest_first loop
  // prettier-ignore
  const TRUNCATION: Array<[number, number | null, number, number, number]> = [
    [5, 6, 10, 4, 3], [6, 5, 10, 4, 3], [4, 4, 9, 3, 3], [4, 4, 8, 3, 2], [10, 1, 8, 4, 1],
    [1, 10, 8, 1, 4], [0, 9, 5, 0, 2], [3, 3, 3, 0, 0], [3, 2, 8, 3, 2], [7, null, 5, 3, 0],
  ];
  it.each(TRUNCATION)(
    'longest_first: a=%i b=%s maxLength=%i keeps (%i, %i)',
    (la, lb, max, ka, kb) => {
      const a = new Array<string>(la).fill('a').join(' ');
      const b = lb === null ? undefined : new Array<string>(lb).fill('b').join(' ');
      const enc = uncased.encode(a, b, { maxLength: max, pad: false });
      const idA = uncased.idOf('a');
      const idB = uncased.idOf('b');
      expect(enc.ids.filter((i) => i === idA).length).toBe(ka);
      expect(enc.ids.filter((i) => i === idB).length).toBe(kb);
      expect(enc.truncated).toBe(ka < la || kb < (lb ?? 0));
      expect(enc.ids.length).toBe(ka + kb + (lb === null ? 2 : 3));
    },
  );

  it('truncates the end of a segment, not the start', () => {
    expect(uncased.encode('a b c', undefined, { maxLength: 4 }).ids).toEqual([cls, 12, 13, sep]);
  });

  it('pads to maxLength with [PAD], type 0, mask 0, unless pad is false', () => {
    expect(uncased.encode('hello', 'world', { maxLength: 8 })).toEqual({
      ids: [cls, h, sep, w, sep, pad, pad, pad],
      typeIds: [0, 0, 0, 1, 1, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 0, 0, 0],
      truncated: false,
    });
    expect(uncased.encode('hello', undefined, { maxLength: 8, pad: false }).ids).toEqual([
      cls,
      h,
      sep,
    ]);
    expect(uncased.encode('hello', undefined, { pad: true }).ids).toEqual([cls, h, sep]);
  });

  it('rejects a maxLength that cannot hold the special tokens', () => {
    expect(() => uncased.encode('a', undefined, { maxLength: 1 })).toThrow(
      /maxLength 1 must be an integer ≥ 2/,
    );
    expect(() => uncased.encode('a', 'b', { maxLength: 2 })).toThrow(/≥ 3/);
    expect(() => uncased.encode('a', undefined, { maxLength: 3.5 })).toThrow(RangeError);
    expect(uncased.encode('a', 'b', { maxLength: 3 }).ids).toEqual([cls, sep, sep]);
  });
});

describe('vocabulary access and decode', () => {
  it('maps tokens and ids both ways, unknown tokens to [UNK]', () => {
    expect(uncased.vocabSize).toBe(STUB.length);
    expect(uncased.specialIds).toEqual({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
    expect(uncased.idOf('hello')).toBe(18);
    expect(uncased.idOf('nope')).toBe(1);
    expect(uncased.tokenOf(18)).toBe('hello');
    expect(() => uncased.tokenOf(STUB.length)).toThrow(/outside \[0, 32\)/);
    expect(() => uncased.tokenOf(-1)).toThrow(RangeError);
    expect(() => uncased.tokenOf(1.5)).toThrow(RangeError);
  });

  it('decode glues ## pieces, drops [CLS]/[SEP]/[PAD] and keeps [UNK]/[MASK]', () => {
    const enc = uncased.encode('hellos, unaffa [MASK] zzz', 'world', { maxLength: 16 });
    expect(uncased.decode(enc.ids)).toBe('hellos , unaffa [MASK] [UNK] world');
    expect(uncased.decode([])).toBe('');
    expect(() => uncased.decode([999])).toThrow(/token id 999/);
  });

  it('finds special tokens wherever the vocabulary puts them', () => {
    const t = new WordPieceTokenizer(['x', '[MASK]', '[SEP]', '[CLS]', '[UNK]', '[PAD]'], {
      lowercase: true,
    });
    expect(t.specialIds).toEqual({ pad: 5, unk: 4, cls: 3, sep: 2, mask: 1 });
    expect(t.encode('x y', undefined, { maxLength: 5 }).ids).toEqual([3, 0, 4, 2, 5]);
  });

  it('rejects vocabularies without the special tokens or with duplicates', () => {
    expect(() => new WordPieceTokenizer(['[PAD]', '[UNK]', 'a'], { lowercase: true })).toThrow(
      'vocabulary: missing special token(s) [CLS], [SEP], [MASK]',
    );
    expect(() => new WordPieceTokenizer([...STUB, 'hello'], { lowercase: true })).toThrow(
      'vocabulary: duplicate token "hello" at ids 18 and 32',
    );
  });

  it('fromVocabText parses vocab.txt text', () => {
    const t = WordPieceTokenizer.fromVocabText(`${STUB.join('\r\n')}\r\n`, { lowercase: true });
    expect(t.vocab).toEqual(STUB);
  });
});

// Strings with lone surrogates, controls, specials, CJK, accents, emoji and punctuation mixed in.
const nastyChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom(
    '\ud800',
    '\udfff',
    '\u0000',
    '\ufffd',
    '\u200b',
    '\t',
    '\n',
    ' ',
    '\u00a0',
    '\u2028',
  ),
  fc.constantFrom(
    '[CLS]',
    '[SEP]',
    '[PAD]',
    '[MASK]',
    '[UNK]',
    '[',
    ']',
    '##',
    '中',
    '😀',
    'é',
    'e\u0301',
  ),
  fc.constantFrom(
    'a',
    'b',
    'c',
    'x',
    'hello',
    'world',
    'un',
    'aff',
    'able',
    ',',
    '.',
    '!',
    'A',
    'É',
  ),
);
const nastyText = fc.string({ unit: nastyChar, maxLength: 40 });
// The stub plus every missing letter and its ## form, so most lower-case words are coverable.
const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
const bigStub = new WordPieceTokenizer(
  [...STUB, ...[...letters, ...letters.map((c) => `##${c}`)].filter((t) => !STUB.includes(t))],
  { lowercase: true },
);

describe('properties', () => {
  it('encode never throws, respects maxLength and pads consistently', () => {
    fc.assert(
      fc.property(
        nastyText,
        fc.option(nastyText),
        fc.integer({ min: 3, max: 24 }),
        fc.boolean(),
        (a, b, max, pad) => {
          const enc = uncased.encode(a, b ?? undefined, { maxLength: max, pad });
          const n = enc.ids.length;
          expect(enc.typeIds.length).toBe(n);
          expect(enc.attentionMask.length).toBe(n);
          expect(n).toBeLessThanOrEqual(max);
          if (pad) expect(n).toBe(max);
          const real = enc.attentionMask.indexOf(0) < 0 ? n : enc.attentionMask.indexOf(0);
          // mask = 1…1 0…0, zeros exactly on [PAD] positions after the last [SEP]
          expect(enc.attentionMask).toEqual(enc.ids.map((_, i) => (i < real ? 1 : 0)));
          expect(enc.ids.slice(real).every((id) => id === uncased.specialIds.pad)).toBe(true);
          expect(enc.ids[0]).toBe(uncased.specialIds.cls);
          expect(enc.ids[real - 1]).toBe(uncased.specialIds.sep);
          expect(enc.typeIds.slice(real).every((t) => t === 0)).toBe(true);
          expect(
            enc.ids.every((id) => Number.isInteger(id) && id >= 0 && id < uncased.vocabSize),
          ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('without maxLength, encode is [CLS] + tokenize(a) + [SEP] (+ tokenize(b) + [SEP])', () => {
    fc.assert(
      fc.property(nastyText, nastyText, (a, b) => {
        const ids = (s: string): number[] => uncased.tokenize(s).map((t) => uncased.idOf(t));
        const { cls, sep } = uncased.specialIds;
        expect(uncased.encode(a).ids).toEqual([cls, ...ids(a), sep]);
        expect(uncased.encode(a, b).ids).toEqual([cls, ...ids(a), sep, ...ids(b), sep]);
      }),
      { numRuns: 300 },
    );
  });

  it('the pieces of every word re-join to the normalized word (or are one [UNK])', () => {
    fc.assert(
      fc.property(nastyText, fc.boolean(), (text, lower) => {
        const tok = lower ? bigStub : new WordPieceTokenizer(bigStub.vocab, { lowercase: false });
        for (const word of basicTokenize(text, lower, lower)) {
          const pieces = tok.tokenize(word);
          if (pieces.length === 1 && pieces[0] === '[UNK]') continue;
          expect(pieces.slice(1).every((p) => p.startsWith('##'))).toBe(true);
          expect(pieces[0]?.startsWith('##')).toBe(false);
          expect(pieces.map((p) => p.replace(/^##/, '')).join('')).toBe(word);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same answer from the cache as from a fresh tokenizer', () => {
    fc.assert(
      fc.property(fc.array(nastyText, { maxLength: 8 }), (texts) => {
        const fresh = (): WordPieceTokenizer => new WordPieceTokenizer(STUB, { lowercase: true });
        const warm = fresh();
        for (const t of texts) warm.tokenize(t);
        for (const t of texts) expect(warm.tokenize(t)).toEqual(fresh().tokenize(t));
      }),
      { numRuns: 100 },
    );
  });
});
