// Tests of BERT's basic tokenization steps: clean-up, whitespace, CJK, punctuation, accents and
// the special-token split, each as a table of inputs and expected words.
import { describe, expect, it } from 'vitest';
import {
  SPECIAL_TOKENS,
  basicTokenize,
  isCjkCodePoint,
  isPunctuation,
  splitRuns,
  splitSpecials,
} from './basic';

describe('splitRuns (clean-up, whitespace, CJK)', () => {
  // prettier-ignore
  const CASES: Array<[string, string[]]> = [
    ['', []],
    ['  a  b ', ['a', 'b']],
    ['a\tb\nc\rd\r\ne', ['a', 'b', 'c', 'd', 'e']],
    ['a\u00a0b\u3000c\u2028d\u2029e\u2003f', ['a', 'b', 'c', 'd', 'e', 'f']], // Zs, Zl, Zp
    ['a\u0000b\ufffdc\u200bd\u0007e\u007ff\u0085g', ['abcdefg']], // dropped: they join neighbours
    ['a\u000bb\u000cc', ['abc']], // \v \f are Cc (dropped), not whitespace, as in BERT
    ['x\ud800y\udc00z', ['xyz']], // lone surrogates (Cs) are dropped
    ['😀a\u{e0001}b', ['😀ab']], // astral: emoji kept, TAG (Cf) dropped
    ['ab中文cd', ['ab', '中', '文', 'cd']],
    ['\u{20000}\u{2a700}x\uf900', ['\u{20000}', '\u{2a700}', 'x', '\uf900']],
    ['ひらがなカタカナ한국', ['ひらがなカタカナ한국']], // kana and Hangul are not CJK ideographs
    ['Ab,Cd', ['Ab,Cd']], // runs are raw: no lower-casing or punctuation split yet
  ];
  it.each(CASES)('%j → %j', (text, runs) => {
    expect(splitRuns(text)).toEqual(runs);
  });
});

describe('character classes', () => {
  it('counts BERT’s ASCII ranges and Unicode P* as punctuation, other symbols not', () => {
    const ascii = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
    for (const c of ascii) expect(isPunctuation(c.charCodeAt(0)), c).toBe(true);
    for (const c of [...'aZ09 \t']) expect(isPunctuation(c.charCodeAt(0)), c).toBe(false);
    for (const c of [...'¡¿«»—‘’“”…、。「」'])
      expect(isPunctuation(c.codePointAt(0) ?? 0), c).toBe(true);
    for (const c of [...'€£©®™°±×÷😀']) expect(isPunctuation(c.codePointAt(0) ?? 0), c).toBe(false);
  });

  it('knows the CJK block edges', () => {
    // prettier-ignore
    const edges: Array<[number, boolean]> = [
      [0x4dff, false], [0x4e00, true], [0x9fff, true], [0xa000, false], [0x3400, true], [0x33ff, false],
      [0xf900, true], [0xfaff, true], [0xfb00, false], [0x20000, true], [0x2a6df, true], [0x2a6e0, false],
      [0x2a700, true], [0x2ceaf, true], [0x2ceb0, false], [0x2f800, true], [0x2fa1f, true], [0x2fa20, false],
      [0x3042, false], [0xac00, false],
    ];
    for (const [cp, cjk] of edges) expect(isCjkCodePoint(cp), cp.toString(16)).toBe(cjk);
  });
});

describe('basicTokenize', () => {
  // prettier-ignore
  const CASES: Array<[string, boolean, boolean, string[]]> = [
    ['Hello, World!', true, true, ['hello', ',', 'world', '!']],
    ['Hello, World!', false, false, ['Hello', ',', 'World', '!']],
    ["don't...", true, true, ['don', "'", 't', '.', '.', '.']],
    ['Café Noël', true, true, ['cafe', 'noel']],
    ['Café Noël', false, false, ['Café', 'Noël']],
    ['cafe\u0301', false, false, ['café']], // cased: NFC composes
    ['cafe\u0301', true, true, ['cafe']],
    ['ÀÉÎÕÜ', false, true, ['AEIOU']], // strip without lower-casing
    ['a$b+c=d|e~f^g`h', true, true, ['a', '$', 'b', '+', 'c', '=', 'd', '|', 'e', '~', 'f', '^', 'g', '`', 'h']],
    ['5€ ©2024', true, true, ['5€', '©2024']],
    ['«quoted»—dash', true, true, ['«', 'quoted', '»', '—', 'dash']],
    ['ΟΔΥΣΣΕΥΣ', true, true, ['οδυσσευς']], // final sigma, then accents (none) stripped
  ];
  it.each(CASES)('%j (lowercase %s, strip %s) → %j', (text, lower, strip, words) => {
    expect(basicTokenize(text, lower, strip)).toEqual(words);
  });
});

describe('splitSpecials', () => {
  it('splits exact special tokens out of the raw text, anywhere', () => {
    expect(splitSpecials('a[SEP]b [CLS][MASK] [sep] [UNK', SPECIAL_TOKENS)).toEqual([
      { special: false, text: 'a' },
      { special: true, token: '[SEP]' },
      { special: false, text: 'b ' },
      { special: true, token: '[CLS]' },
      { special: true, token: '[MASK]' },
      { special: false, text: ' [sep] [UNK' },
    ]);
    expect(splitSpecials('no brackets', SPECIAL_TOKENS)).toEqual([
      { special: false, text: 'no brackets' },
    ]);
    expect(splitSpecials('[[PAD]]', SPECIAL_TOKENS)).toEqual([
      { special: false, text: '[' },
      { special: true, token: '[PAD]' },
      { special: false, text: ']' },
    ]);
  });
});
