// Tests of the corpus vocabulary builder: a hand-worked merge sequence, agreement with a naive
// recount-everything reference on random corpora, invariants, and SST-2 at 8,000 tokens.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA_MISSING, sharedDataFile } from '../../cli/shared-data';
import { basicTokenize } from './basic';
import { SPECIAL_TOKENS, WordPieceTokenizer, buildVocab } from './index';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** Share of [UNK] among the pieces of `texts`. */
function unkRate(vocab: string[], texts: readonly string[], lowercase: boolean): number {
  const tok = new WordPieceTokenizer(vocab, { lowercase });
  let unk = 0;
  let total = 0;
  for (const t of texts) {
    for (const id of tok.pieceIds(t)) {
      total++;
      if (id === tok.specialIds.unk) unk++;
    }
  }
  return total === 0 ? 0 : unk / total;
}

/**
 * The same training, written the slow obvious way: recount every pair before each merge and take
 * the highest count, ties to the smaller merged string, then the smaller left piece.
 */
function naiveBuildVocab(
  texts: readonly string[],
  vocabSize: number,
  lowercase: boolean,
  minCount: number,
): string[] {
  const words = new Map<string, number>();
  for (const t of texts)
    for (const w of basicTokenize(t, lowercase, lowercase)) words.set(w, (words.get(w) ?? 0) + 1);
  const chars = new Map<string, number>();
  for (const [w, n] of words) for (const c of w) chars.set(c, (chars.get(c) ?? 0) + n);
  const alphabet = [...chars]
    .filter(([, n]) => n >= minCount)
    .sort(([a, n], [b, m]) => m - n || (a < b ? -1 : 1))
    .slice(0, Math.floor((vocabSize - 5) / 2))
    .map(([c]) => c);
  const vocab = [...SPECIALS, ...alphabet, ...alphabet.map((c) => `##${c}`)];
  const segs: Array<{ syms: string[]; n: number }> = [];
  for (const [w, n] of words) {
    const cs = [...w];
    if (cs.length >= 2 && cs.every((c) => alphabet.includes(c)))
      segs.push({ syms: cs.map((c, i) => (i ? `##${c}` : c)), n });
  }
  while (vocab.length < vocabSize) {
    const counts = new Map<string, { a: string; b: string; n: number }>();
    for (const { syms, n } of segs) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const a = syms[i] ?? '';
        const b = syms[i + 1] ?? '';
        const e = counts.get(`${a}\u0001${b}`) ?? { a, b, n: 0 };
        e.n += n;
        counts.set(`${a}\u0001${b}`, e);
      }
    }
    const merged = (e: { a: string; b: string }): string => e.a + e.b.slice(2);
    const best = [...counts.values()].sort(
      (x, y) =>
        y.n - x.n || (merged(x) < merged(y) ? -1 : merged(x) > merged(y) ? 1 : x.a < y.a ? -1 : 1),
    )[0];
    if (!best || best.n < minCount) break;
    if (!vocab.includes(merged(best))) vocab.push(merged(best));
    for (const seg of segs) {
      const next: string[] = [];
      for (let i = 0; i < seg.syms.length; i++) {
        if (seg.syms[i] === best.a && seg.syms[i + 1] === best.b) {
          next.push(merged(best));
          i++;
        } else next.push(seg.syms[i] ?? '');
      }
      seg.syms = next;
    }
  }
  return vocab;
}

describe('buildVocab', () => {
  it('follows the hand-worked merge sequence on a tiny corpus', () => {
    // words aab×2, ab×1; chars a:5 b:3. Pairs (a,##a):2 (##a,##b):2 (a,##b):1; the tie goes to
    // '##ab' < 'aa'; then (a,##ab):2 → 'aab'; then (a,##b):1 → 'ab' (only with minCount 1).
    // prettier-ignore
    expect(buildVocab(['aab aab ab'], { vocabSize: 12, lowercase: true, minCount: 1 })).toEqual(
      [...SPECIALS, 'a', 'b', '##a', '##b', '##ab', 'aab', 'ab']);
    expect(buildVocab(['aab aab ab'], { vocabSize: 12, lowercase: true, minCount: 2 })).toEqual([
      ...SPECIALS,
      'a',
      'b',
      '##a',
      '##b',
      '##ab',
      'aab',
    ]);
    expect(buildVocab(['aab aab ab'], { vocabSize: 10, lowercase: true, minCount: 1 })).toEqual([
      ...SPECIALS,
      'a',
      'b',
      '##a',
      '##b',
      '##ab',
    ]);
  });

  it('puts the specials first, then characters by frequency, then their ## forms', () => {
    const v = buildVocab(['Hello, hello; HELP!'], { vocabSize: 100, lowercase: true, minCount: 1 });
    expect(SPECIAL_TOKENS).toEqual(SPECIALS);
    expect(v.slice(0, 5)).toEqual(SPECIALS);
    // l:5, e:3 h:3, o:2, then ! , ; p with 1 each; ties in code-unit order
    expect(v.slice(5, 13)).toEqual(['l', 'e', 'h', 'o', '!', ',', ';', 'p']);
    expect(v.slice(13, 21)).toEqual(['##l', '##e', '##h', '##o', '##!', '##,', '##;', '##p']);
    expect(v).toContain('hello');
  });

  it('keeps case when cased and leaves rare characters out (they become [UNK])', () => {
    const texts = ['Big big BIG', 'big Big BIG', 'zebra'];
    const cased = buildVocab(texts, { vocabSize: 60, lowercase: false });
    expect(cased).toContain('B');
    expect(cased).not.toContain('z'); // seen once < minCount 2
    const tok = new WordPieceTokenizer(cased, { lowercase: false });
    // '##ig' (in Big and big, count 4) was merged before (b,##i), so 'bi' never became a piece
    expect(tok.tokenize('Big BIG biG zebra')).toEqual(['Big', 'BIG', 'b', '##i', '##G', '[UNK]']);
  });

  it('cuts the alphabet to the most frequent characters when the budget is tiny', () => {
    expect(buildVocab(['aaa b'], { vocabSize: 5, lowercase: true })).toEqual(SPECIALS);
    expect(buildVocab(['aaa bb c'], { vocabSize: 8, lowercase: true, minCount: 1 })).toEqual([
      ...SPECIALS,
      'a',
      '##a',
      '##aa', // (a,##a) and (##a,##a) tie at 1: '##aa' < 'aa'
    ]);
  });

  it('rejects impossible options', () => {
    expect(() => buildVocab([], { vocabSize: 4, lowercase: true })).toThrow(
      'vocabSize 4 must be an integer ≥ 5',
    );
    expect(() => buildVocab([], { vocabSize: 10.5, lowercase: true })).toThrow(RangeError);
    expect(() => buildVocab([], { vocabSize: 10, lowercase: true, minCount: 0 })).toThrow(
      'minCount 0',
    );
    expect(buildVocab([], { vocabSize: 10, lowercase: true })).toEqual(SPECIALS);
  });

  it('matches the naive recount-everything trainer on random corpora', () => {
    const word = fc.string({
      unit: fc.constantFrom('a', 'b', 'c', 'd', 'é', 'A', '!', '中'),
      minLength: 1,
      maxLength: 7,
    });
    const corpus = fc.array(
      fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' ')),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(
        corpus,
        fc.integer({ min: 5, max: 60 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        (texts, size, lower, minCount) => {
          const v = buildVocab(texts, { vocabSize: size, lowercase: lower, minCount });
          expect(v).toEqual(naiveBuildVocab(texts, size, lower, minCount));
          expect(v.length).toBeLessThanOrEqual(size);
          expect(new Set(v).size).toBe(v.length);
          // every word made only of characters seen ≥ minCount times is covered without [UNK]
          const tok = new WordPieceTokenizer(v, { lowercase: lower });
          const alphabet = new Set(v.filter((t) => [...t].length === 1));
          for (const t of texts) {
            for (const w of basicTokenize(t, lower, lower)) {
              if ([...w].every((c) => alphabet.has(c)))
                expect(tok.tokenize(w)).not.toContain('[UNK]');
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  const sst = sharedDataFile('glue', 'SST-2', 'train.tsv');
  if (!sst) console.warn(`build-vocab.test: SST-2 test skipped, ${SHARED_DATA_MISSING}`);
  it.skipIf(!sst)(
    'builds 8,000 tokens from SST-2 train quickly, deterministically, with almost no [UNK]',
    () => {
      const lines = readFileSync(sst ?? '', 'utf8')
        .split('\n')
        .slice(1)
        .filter((l) => l.length > 0);
      const texts = lines.map((l) => l.split('\t')[0] ?? '');
      expect(texts.length).toBe(67349);
      const t0 = performance.now();
      const v = buildVocab(texts, { vocabSize: 8000, lowercase: true });
      const ms = performance.now() - t0;
      console.log(
        `buildVocab: SST-2 train (67,349 sentences) → ${v.length} tokens in ${ms.toFixed(0)} ms`,
      );
      expect(ms).toBeLessThan(10_000);
      expect(v.length).toBe(8000);
      expect(v.slice(0, 5)).toEqual(SPECIALS);
      expect(new Set(v).size).toBe(8000);
      for (const w of ['the', 'movie', 'film', 'good', 'bad', '##s', '##ing'])
        expect(v).toContain(w);
      expect(unkRate(v, texts, true)).toBeLessThan(1e-3);
      expect(buildVocab(texts.slice(0, 5000), { vocabSize: 2000, lowercase: true })).toEqual(
        buildVocab(texts.slice(0, 5000), { vocabSize: 2000, lowercase: true }),
      );
    },
  );
});
