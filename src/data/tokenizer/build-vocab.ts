// Builds a WordPiece vocabulary from a corpus, for the embedded task and for user data that comes
// without a vocab.txt. Training is frequency-based pair merging (BPE-style, as HF tokenizers'
// WordPieceTrainer does), over the words our own BasicTokenizer produces, with `##` continuations.

import { SPECIAL_TOKENS, basicTokenize, splitSpecials } from './basic';

export interface BuildVocabOptions {
  /** Upper bound on the vocabulary size, specials included (≥ 5). */
  vocabSize: number;
  /** Train for an uncased tokenizer (lower-case and strip accents, as `{ lowercase: true }`). */
  lowercase: boolean;
  /**
   * Characters seen fewer times than this are left out (they tokenize to [UNK]), and merging stops
   * when the most frequent pair occurs fewer times than this. Default 2.
   */
  minCount?: number;
}

const CONT = '##';

/**
 * Builds a WordPiece vocabulary (index = id) from `texts`:
 * 1. `[PAD] [UNK] [CLS] [SEP] [MASK]` at ids 0..4;
 * 2. every character seen at least `minCount` times, most frequent first (ties: code-unit order),
 *    then the `##` form of each in the same order — so any word made of these characters can be
 *    covered by WordPiece;
 * 3. merged pieces in merge order: repeatedly the most frequent adjacent pair of symbols over the
 *    word counts (ties: the merged string, then the left symbol, in code-unit order) is merged
 *    everywhere; `x` + `##y` → `xy`, `##x` + `##y` → `##xy`. Frequent whole words and frequent
 *    subwords both arise this way.
 * Stops at `vocabSize` entries or when no pair reaches `minCount`. Deterministic: the same texts
 * in the same order give the same vocabulary. If the alphabet alone exceeds the budget, the most
 * frequent characters that fit are kept.
 * Cost: one basic-tokenization pass, then per merge work proportional to the words that contain
 * the merged pair (an indexed, lazily-updated max-heap of pair counts).
 * @throws RangeError on a vocabSize below 5 or a minCount below 1.
 */
export function buildVocab(texts: Iterable<string>, options: BuildVocabOptions): string[] {
  const { vocabSize, lowercase } = options;
  const minCount = options.minCount ?? 2;
  if (!Number.isInteger(vocabSize) || vocabSize < SPECIAL_TOKENS.length) {
    throw new RangeError(`vocabSize ${vocabSize} must be an integer ≥ ${SPECIAL_TOKENS.length}`);
  }
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`minCount ${minCount} must be an integer ≥ 1`);
  }
  const wordCounts = countWords(texts, lowercase);
  const vocab: string[] = [...SPECIAL_TOKENS];
  const alphabet = chooseAlphabet(wordCounts, minCount, vocabSize - vocab.length);
  for (const c of alphabet) vocab.push(c);
  for (const c of alphabet) vocab.push(CONT + c);
  if (vocab.length < vocabSize) new Merger(vocab, wordCounts, minCount).run(vocabSize);
  return vocab;
}

/** Word → count over the corpus, words as the tokenizer's basic tokenization yields them. */
function countWords(texts: Iterable<string>, lowercase: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const seg of splitSpecials(text, SPECIAL_TOKENS)) {
      if (seg.special) continue; // specials are in the vocabulary already
      for (const w of basicTokenize(seg.text, lowercase, lowercase)) {
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Characters with count ≥ minCount, most frequent first, as many as fit (two entries each). */
function chooseAlphabet(words: Map<string, number>, minCount: number, budget: number): string[] {
  const chars = new Map<string, number>();
  for (const [w, n] of words) for (const c of w) chars.set(c, (chars.get(c) ?? 0) + n);
  const kept = [...chars].filter(([, n]) => n >= minCount);
  kept.sort(([c1, n1], [c2, n2]) => n2 - n1 || (c1 < c2 ? -1 : c1 > c2 ? 1 : 0));
  return kept.slice(0, Math.max(0, Math.floor(budget / 2))).map(([c]) => c);
}

/** Pair-merge training state. Symbols are vocabulary indices. */
class Merger {
  private readonly index = new Map<string, number>();
  /** Each trainable word as a symbol sequence, and its corpus count. */
  private readonly words: number[][] = [];
  private readonly freq: number[] = [];
  private readonly pairCount = new Map<number, number>();
  /** Words that (may) contain each pair; stale entries are skipped when scanned. */
  private readonly pairWords = new Map<number, number[]>();
  private readonly heap: PairHeap;
  private readonly tieKeys = new Map<number, string>();
  /** Key multiplier: symbol ids stay below it, so `a * K + b` is a unique, exact pair key. */
  private readonly K: number;

  constructor(
    private readonly vocab: string[],
    wordCounts: Map<string, number>,
    private readonly minCount: number,
  ) {
    vocab.forEach((t, i) => this.index.set(t, i));
    this.K = 2 ** 26;
    this.heap = new PairHeap((key) => this.tieKey(key));
    for (const [w, n] of wordCounts) {
      const syms: number[] = [];
      for (const c of w) {
        const id = this.index.get(syms.length === 0 ? c : CONT + c);
        if (id === undefined) break; // a character outside the alphabet: the word is [UNK]
        syms.push(id);
      }
      if (syms.length !== [...w].length || syms.length < 2) continue;
      const wi = this.words.length;
      this.words.push(syms);
      this.freq.push(n);
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = this.key(syms[i] ?? 0, syms[i + 1] ?? 0);
        this.pairCount.set(key, (this.pairCount.get(key) ?? 0) + n);
        this.addWhere(key, wi);
      }
    }
    for (const [key, n] of this.pairCount) if (n >= minCount) this.heap.push(n, key);
  }

  /** Merges until the vocabulary has `vocabSize` entries or no pair reaches minCount. */
  run(vocabSize: number): void {
    const stamp = new Int32Array(this.words.length).fill(-1);
    for (let step = 0; this.vocab.length < vocabSize; step++) {
      const top = this.popValid();
      if (top === null) return;
      const a = this.left(top);
      const b = top % this.K;
      const merged = this.mergedString(top);
      let m = this.index.get(merged);
      if (m === undefined) {
        m = this.vocab.length;
        if (m >= this.K) return;
        this.vocab.push(merged);
        this.index.set(merged, m);
      }
      const delta = new Map<number, number>();
      for (const wi of this.pairWords.get(top) ?? []) {
        if (stamp[wi] === step) continue;
        stamp[wi] = step;
        this.mergeInWord(wi, a, b, m, delta);
      }
      this.pairWords.delete(top);
      for (const [key, d] of delta) {
        if (d === 0) continue;
        const n = (this.pairCount.get(key) ?? 0) + d;
        if (n > 0) this.pairCount.set(key, n);
        else this.pairCount.delete(key);
        if (d > 0 && n >= this.minCount) this.heap.push(n, key);
      }
    }
  }

  /** Pops heap entries until one matches its pair's current count (≥ minCount), or null. */
  private popValid(): number | null {
    for (;;) {
      const e = this.heap.pop();
      if (e === null) return null;
      const now = this.pairCount.get(e.key) ?? 0;
      if (now === e.count) return now >= this.minCount ? e.key : null;
      // Stale (the count fell since the push): re-queue at the current count.
      if (now >= this.minCount) this.heap.push(now, e.key);
    }
  }

  /** Replaces every `a b` in word `wi` by `m`, recording pair-count changes in `delta`. */
  private mergeInWord(
    wi: number,
    a: number,
    b: number,
    m: number,
    delta: Map<number, number>,
  ): void {
    const syms = this.words[wi];
    const n = this.freq[wi] ?? 0;
    if (syms === undefined) return;
    let hit = false;
    for (let i = 0; i + 1 < syms.length; i++) if (syms[i] === a && syms[i + 1] === b) hit = true;
    if (!hit) return;
    const next: number[] = [];
    for (let i = 0; i < syms.length; i++) {
      const s = syms[i] ?? 0;
      if (s === a && i + 1 < syms.length && syms[i + 1] === b) {
        next.push(m);
        i++;
      } else next.push(s);
    }
    this.addPairs(syms, -n, delta);
    this.addPairs(next, n, delta);
    for (let i = 0; i + 1 < next.length; i++) {
      if (next[i] === m || next[i + 1] === m)
        this.addWhere(this.key(next[i] ?? 0, next[i + 1] ?? 0), wi);
    }
    this.words[wi] = next;
  }

  private addPairs(syms: readonly number[], n: number, delta: Map<number, number>): void {
    for (let i = 0; i + 1 < syms.length; i++) {
      const key = this.key(syms[i] ?? 0, syms[i + 1] ?? 0);
      delta.set(key, (delta.get(key) ?? 0) + n);
    }
  }

  private addWhere(key: number, wi: number): void {
    const list = this.pairWords.get(key);
    if (list === undefined) this.pairWords.set(key, [wi]);
    else if (list[list.length - 1] !== wi) list.push(wi);
  }

  private key(a: number, b: number): number {
    return a * this.K + b;
  }

  private left(key: number): number {
    return Math.floor(key / this.K);
  }

  /** The heap's tie-break string: merged piece, NUL, left piece (NUL never occurs in words). */
  private tieKey(key: number): string {
    let s = this.tieKeys.get(key);
    if (s === undefined) {
      s = `${this.mergedString(key)}\u0000${this.vocab[this.left(key)] ?? ''}`;
      this.tieKeys.set(key, s);
    }
    return s;
  }

  private mergedString(key: number): string {
    const a = this.vocab[this.left(key)] ?? '';
    const b = this.vocab[key % this.K] ?? '';
    return a + b.slice(CONT.length);
  }
}

/** Max-heap of (count, pair key); equal counts go to the smaller tie-break string first. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  constructor(private readonly tieKey: (key: number) => string) {}

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): { count: number; key: number } | null {
    const n = this.keys.length;
    if (n === 0) return null;
    const top = { count: this.counts[0] ?? 0, key: this.keys[0] ?? 0 };
    this.swap(0, n - 1);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n - 1 && this.before(l, best)) best = l;
      if (r < n - 1 && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }

  /** Whether entry i ranks above entry j. */
  private before(i: number, j: number): boolean {
    const ci = this.counts[i] ?? 0;
    const cj = this.counts[j] ?? 0;
    if (ci !== cj) return ci > cj;
    const ki = this.keys[i] ?? 0;
    const kj = this.keys[j] ?? 0;
    if (ki === kj) return false;
    return this.tieKey(ki) < this.tieKey(kj);
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i] ?? 0;
    this.counts[i] = this.counts[j] ?? 0;
    this.counts[j] = c;
    const k = this.keys[i] ?? 0;
    this.keys[i] = this.keys[j] ?? 0;
    this.keys[j] = k;
  }
}
