// The embedded task: deterministic per seed, balanced, no train/dev duplicates, short sentences,
// labels that a hand-written compositional rule reproduces exactly, and a bag-of-words logistic
// regression held to chance-like accuracy (word order matters).
import { describe, expect, it } from 'vitest';
import { EMBEDDED_TASK_SPEC, generateEmbeddedTask } from './embedded';
import { CONCESSIVES, CONTRASTIVES, NEGATIVE, NEGATORS, POSITIVE } from './embedded-lexicon';
import type { Example } from './types';

const task = generateEmbeddedTask(1);

/**
 * The oracle: reads the sentence, finds the clause that decides (after ', but' / ', yet'; the
 * main clause around 'although'), and flips its adjective's polarity once per negator in it.
 */
function oracle(sentence: string): number {
  const s = sentence.replace(/\.$/, '');
  let decisive = s;
  const contrast = CONTRASTIVES.map((c) => s.indexOf(`, ${c} `)).find((k) => k >= 0);
  const lead = CONCESSIVES.find((c) => s.startsWith(`${c} `));
  const trail = CONCESSIVES.map((c) => s.indexOf(`, ${c} `)).find((k) => k >= 0);
  if (contrast !== undefined) decisive = s.slice(s.indexOf(' ', contrast + 2) + 1);
  else if (lead !== undefined) decisive = s.slice(s.indexOf(', ') + 2);
  else if (trail !== undefined) decisive = s.slice(0, trail);
  const words = decisive.split(/[\s,]+/);
  const adjectives = words.filter((w) => POSITIVE.includes(w) || NEGATIVE.includes(w));
  if (adjectives.length !== 1) throw new Error(`oracle: no single adjective in "${decisive}"`);
  const negations = words.filter((w) => NEGATORS.includes(w)).length;
  const positive = POSITIVE.includes(adjectives[0]!);
  return Number(positive !== (negations % 2 === 1));
}

const tokens = (s: string): string[] => s.split(/[\s.,]+/).filter((w) => w !== '');

/**
 * Unigram bag-of-words logistic regression, full-batch gradient descent (300 steps, rate 0.5,
 * L2 1e-4); returns its accuracy on each of `evalSets`.
 */
function bagOfWords(train: Example[], ...evalSets: Example[][]): number[] {
  const vocab = new Map<string, number>();
  for (const e of train) for (const w of tokens(e.a)) if (!vocab.has(w)) vocab.set(w, vocab.size);
  const featurise = (e: Example): number[] => tokens(e.a).flatMap((w) => vocab.get(w) ?? []);
  const X = train.map(featurise);
  const w = new Float64Array(vocab.size);
  let b = 0;
  const score = (x: number[]): number => x.reduce((z, k) => z + w[k]!, b);
  for (let epoch = 0; epoch < 300; epoch++) {
    const g = new Float64Array(vocab.size);
    let gb = 0;
    X.forEach((x, i) => {
      const d = 1 / (1 + Math.exp(-score(x))) - train[i]!.label;
      for (const k of x) g[k]! += d;
      gb += d;
    });
    for (let k = 0; k < w.length; k++) w[k]! -= 0.5 * (g[k]! / X.length + 1e-4 * w[k]!);
    b -= (0.5 * gb) / X.length;
  }
  const acc = (rows: Example[]): number =>
    rows.filter((e) => Number(score(featurise(e)) > 0) === e.label).length / rows.length;
  return evalSets.map(acc);
}

describe('generateEmbeddedTask', () => {
  it('has the documented sizes, spec and source', () => {
    expect(task.spec).toBe(EMBEDDED_TASK_SPEC);
    expect(task.spec).toMatchObject({ id: 'embedded', numLabels: 2, pair: false });
    expect([task.train.length, task.dev.length]).toEqual([8000, 800]);
    expect(task.source).toBe('embedded (seed 1)');
  });

  it('is balanced in both splits', () => {
    expect(task.train.filter((e) => e.label === 1)).toHaveLength(4000);
    expect(task.dev.filter((e) => e.label === 1)).toHaveLength(400);
  });

  it('has no duplicate sentence, within or across splits', () => {
    const all = [...task.train, ...task.dev].map((e) => e.a);
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps sentences at most 24 words, lower-case, ending with a period', () => {
    for (const e of [...task.train, ...task.dev]) {
      expect(e.a.split(' ').length).toBeLessThanOrEqual(24);
      expect(e.a).toMatch(/^[a-z][a-z ,]*\.$/);
    }
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(generateEmbeddedTask(1)).toEqual(task);
    const other = generateEmbeddedTask(2);
    expect(other.train.slice(0, 20)).not.toEqual(task.train.slice(0, 20));
    expect(generateEmbeddedTask(3, { trainSize: 10, devSize: 4 }).train).toHaveLength(10);
  });

  it('labels follow the compositional rules: the oracle scores 100 %', () => {
    for (const e of [...task.train, ...task.dev]) expect(oracle(e.a), e.a).toBe(e.label);
  });

  it('uses every construction: negation, contrast, both concession orders, double negation', () => {
    const has = (re: RegExp): number => task.train.filter((e) => re.test(e.a)).length;
    expect(has(/ (not|never) /)).toBeGreaterThan(1000);
    expect(has(/, (but|yet) /)).toBeGreaterThan(400);
    expect(has(/^(although|though|even though) /)).toBeGreaterThan(200);
    expect(has(/, (although|though|even though) /)).toBeGreaterThan(200);
    expect(has(/(true|say|think) that .* (not|never) /)).toBeGreaterThan(100);
  });

  it('defeats a bag of words: unigram logistic regression stays at or below 75 % on dev', () => {
    const [train, dev] = bagOfWords(task.train, task.train, task.dev);
    // Plain sentences: no negator, connective or frame, so the adjective alone decides. Trained
    // on those alone, the same model is near perfect: it can read words, not composition.
    const isPlain = (e: Example): boolean =>
      !/ (not|never|but|yet|although|though|that) /.test(` ${e.a}`);
    const [plainDev] = bagOfWords(task.train.filter(isPlain), task.dev.filter(isPlain));
    console.log(
      `bag-of-words LR: train ${train}, dev ${dev}; trained and tested on plain: ${plainDev}`,
    );
    expect(dev).toBeLessThanOrEqual(0.75);
    expect(task.dev.filter(isPlain).length).toBeGreaterThan(200);
    expect(plainDev).toBeGreaterThan(0.95);
  });
});
