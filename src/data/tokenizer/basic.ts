// BERT's basic (pre-WordPiece) tokenization: text clean-up, CJK splitting, whitespace split,
// lower-casing and accent stripping, punctuation splitting, and splitting out special tokens.
// Written from the algorithm of Devlin et al.'s BasicTokenizer; see wordpiece.ts for the list of
// behaviour choices and how they compare with Hugging Face's Python and Rust tokenizers.

/** The five BERT special tokens, in BERT's vocabulary order ([PAD] first). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Character classes for the clean-up scan. */
const enum CharClass {
  Unknown = 0,
  /** An ordinary character: part of a word. */
  Word = 1,
  /** Whitespace: ends a word. */
  Space = 2,
  /** NUL, U+FFFD, control and other category-C characters (incl. lone surrogates): dropped. */
  Drop = 3,
  /** A CJK ideograph: a word of its own. */
  Cjk = 4,
}

// Category tests on single code points. `\p{C}` = Cc | Cf | Cs | Co | Cn, as Python's
// `unicodedata.category(c).startswith('C')`; Zl/Zp are whitespace for Python's str.split().
const CONTROL_RE = /^\p{C}$/u;
const SPACE_RE = /^[\p{Zs}\u2028\u2029]$/u;
const PUNCT_RE = /^\p{P}$/u;

/** BMP class cache (0 = not yet classified); astral code points go through the Map. */
const bmpClass = new Uint8Array(0x10000);
const astralClass = new Map<number, CharClass>();

/** Whether `cp` lies in one of BERT's CJK Unified Ideograph blocks (as in BERT's `_is_chinese_char`). */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function classifyUncached(cp: number): CharClass {
  if (cp === 9 || cp === 10 || cp === 13 || cp === 32) return CharClass.Space;
  if (cp === 0 || cp === 0xfffd) return CharClass.Drop;
  if (cp >= 0xd800 && cp <= 0xdfff) return CharClass.Drop; // lone surrogate (Cs)
  const ch = String.fromCodePoint(cp);
  if (CONTROL_RE.test(ch)) return CharClass.Drop;
  if (SPACE_RE.test(ch)) return CharClass.Space;
  if (isCjkCodePoint(cp)) return CharClass.Cjk;
  return CharClass.Word;
}

function classify(cp: number): CharClass {
  if (cp < 0x10000) {
    let c = bmpClass[cp] ?? CharClass.Unknown;
    if (c === CharClass.Unknown) {
      c = classifyUncached(cp);
      bmpClass[cp] = c;
    }
    return c;
  }
  let c = astralClass.get(cp);
  if (c === undefined) {
    c = classifyUncached(cp);
    astralClass.set(cp, c);
  }
  return c;
}

const punctCache = new Map<number, boolean>();

/**
 * BERT's punctuation test: the ASCII ranges 33–47, 58–64, 91–96 and 123–126 (which include
 * symbols such as `$`, `+`, `^`, `|`) or any Unicode category starting with P.
 */
export function isPunctuation(cp: number): boolean {
  if (cp < 128) {
    return (
      (cp >= 33 && cp <= 47) ||
      (cp >= 58 && cp <= 64) ||
      (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)
    );
  }
  let p = punctCache.get(cp);
  if (p === undefined) {
    p = PUNCT_RE.test(String.fromCodePoint(cp));
    punctCache.set(cp, p);
  }
  return p;
}

/**
 * Splits `text` into the maximal runs BERT treats as one whitespace token, after clean-up:
 * control characters are dropped (so `a\u0000b` is one run `ab`), whitespace separates runs, and
 * each CJK ideograph is a run of its own. Runs are returned raw (not lower-cased).
 */
export function splitRuns(text: string): string[] {
  const runs: string[] = [];
  let buf = ''; // pieces of the current run when it contains dropped characters
  let start = -1; // start of the current clean stretch inside `text`, or -1
  const flush = (end: number): void => {
    if (start >= 0) buf += text.slice(start, end);
    start = -1;
  };
  const endRun = (end: number): void => {
    flush(end);
    if (buf.length > 0) runs.push(buf);
    buf = '';
  };
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const cls = cp < 128 ? asciiClass(cp) : classify(cp);
    if (cls === CharClass.Word) {
      if (start < 0) start = i;
    } else if (cls === CharClass.Drop) {
      flush(i);
    } else if (cls === CharClass.Space) {
      endRun(i);
    } else {
      endRun(i);
      runs.push(text.slice(i, i + width));
    }
    i += width;
  }
  endRun(text.length);
  return runs;
}

function asciiClass(cp: number): CharClass {
  if (cp === 9 || cp === 10 || cp === 13 || cp === 32) return CharClass.Space;
  if (cp < 32 || cp === 127) return CharClass.Drop;
  return CharClass.Word;
}

const COMBINING_MARK_RE = /\p{Mn}/gu;

/** Lower-cases and/or strips accents (NFD, then drop category Mn) as BERT does per token. */
export function normalizeRun(run: string, lowercase: boolean, stripAccents: boolean): string {
  let s = lowercase ? run.toLowerCase() : run;
  if (!isAscii(s)) {
    // Python's BasicTokenizer applies NFC to the whole text before splitting; for stripped text
    // NFD below makes that a no-op, for unstripped cased text it composes `e\u0301` into `é`.
    s = stripAccents ? s.normalize('NFD').replace(COMBINING_MARK_RE, '') : s.normalize('NFC');
  }
  return s;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

/** Splits a normalized run at punctuation: each punctuation character becomes its own word. */
export function splitPunctuation(word: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < word.length;) {
    const cp = word.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    if (isPunctuation(cp)) {
      if (i > start) out.push(word.slice(start, i));
      out.push(word.slice(i, i + width));
      start = i + width;
    }
    i += width;
  }
  if (start < word.length) out.push(start === 0 ? word : word.slice(start));
  return out;
}

/** One piece of the input: literal text, or a special token that must not be split. */
export type Segment = { special: false; text: string } | { special: true; token: string };

/**
 * Splits raw text at exact (case-sensitive) occurrences of the special tokens, before any
 * normalization, so `hello[SEP]world` yields `hello`, `[SEP]`, `world` (never_split).
 */
export function splitSpecials(text: string, specials: readonly string[]): Segment[] {
  if (!text.includes('[')) return [{ special: false, text }];
  const out: Segment[] = [];
  let start = 0;
  let i = text.indexOf('[');
  while (i >= 0) {
    const hit = specials.find((s) => text.startsWith(s, i));
    if (hit !== undefined) {
      if (i > start) out.push({ special: false, text: text.slice(start, i) });
      out.push({ special: true, token: hit });
      start = i + hit.length;
      i = text.indexOf('[', start);
    } else {
      i = text.indexOf('[', i + 1);
    }
  }
  if (start < text.length) out.push({ special: false, text: text.slice(start) });
  return out;
}

/**
 * The full basic tokenizer for text without special tokens: clean-up, CJK split, whitespace split,
 * optional lower-casing and accent stripping, punctuation split. Returns BERT "words".
 */
export function basicTokenize(text: string, lowercase: boolean, stripAccents: boolean): string[] {
  const out: string[] = [];
  for (const run of splitRuns(text)) {
    for (const w of splitPunctuation(normalizeRun(run, lowercase, stripAccents))) out.push(w);
  }
  return out;
}
