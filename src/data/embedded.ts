// The embedded default task: short film-review sentences whose sentiment hinges on negation
// ("not bad at all"), contrast ("great, but the story was dull" follows the clause after "but"),
// concession ("although A, B" and "B, although A" both follow B) and negating frames (double
// negation). Generated from word lists with the seeded RNG, so it needs no download and repeats
// exactly. A bag of words cannot tell most of these apart; a model that reads word order can.
import {
  CONCESSIVES,
  CONTRASTIVES,
  FILLERS,
  INTENSIFIERS,
  MODIFIERS,
  NEGATING_FRAMES,
  NEGATIVE,
  NEGATORS,
  POSITIVE,
  SUBJECTS,
  type Subject,
} from './embedded-lexicon';
import type { Example, TaskData, TaskSpec } from './types';
import { makeRng, permutation, pick, type Rng } from '../util/rng';

/** The embedded task's spec: binary sentiment, label 1 = positive. */
export const EMBEDDED_TASK_SPEC: TaskSpec = {
  id: 'embedded',
  name: 'Negation & contrast sentiment',
  kind: 'classification',
  numLabels: 2,
  labelNames: ['negative', 'positive'],
  pair: false,
  metrics: ['accuracy', 'f1', 'mcc'],
  mainMetric: 'accuracy',
};

export interface EmbeddedOptions {
  /** Train examples (default 8000), half of each label. */
  trainSize?: number;
  /** Dev examples (default 800), half of each label, none equal to a train sentence. */
  devSize?: number;
}

/** Sentence shapes and how often each is drawn. */
const SHAPES = [
  ['plain', 0.35], // the plot was great                    → its adjective
  ['negated', 0.15], // the plot was not great at all       → flipped
  ['contrast', 0.2], // A, but B                            → B
  ['concessiveFirst', 0.1], // although A, B                → B
  ['concessiveLast', 0.1], // B, although A                 → B
  ['frame', 0.1], // it is not true that (not) A             → flipped once more
] as const;
type Shape = (typeof SHAPES)[number][0];

function drawShape(rng: Rng): Shape {
  let u = rng.next();
  for (const [shape, p] of SHAPES) {
    if (u < p) return shape;
    u -= p;
  }
  return 'plain';
}

/**
 * One clause whose effective polarity is `positive`: subject, copula, optional negator and
 * intensifier, adjective. With `negate` the adjective has the opposite polarity.
 */
function clause(
  rng: Rng,
  positive: boolean,
  negate: boolean,
  past: boolean,
  subj: Subject,
): string {
  const adjPositive = negate ? !positive : positive;
  const adjective = pick(adjPositive ? POSITIVE : NEGATIVE, rng);
  const verb = past ? (subj.plural ? 'were' : 'was') : subj.plural ? 'are' : 'is';
  const intensifier = rng.next() < 0.3 ? pick(INTENSIFIERS, rng) : '';
  const negator = negate ? (rng.next() < 0.75 ? NEGATORS[0]! : NEGATORS[1]!) : '';
  const atAll = negator === 'not' && intensifier === '' && rng.next() < 0.3 ? 'at all' : '';
  const modifier = subj.aspect === false ? '' : pick(MODIFIERS, rng);
  const words = [subj.np, modifier, verb, negator, intensifier, adjective, atAll];
  return words.filter((w) => w !== '').join(' ');
}

/** Two different subjects, for the two clauses of a contrast. */
function twoSubjects(rng: Rng): [Subject, Subject] {
  const first = pick(SUBJECTS, rng);
  let second = pick(SUBJECTS, rng);
  while (second === first) second = pick(SUBJECTS, rng);
  return [first, second];
}

/** One draw of a sentence with label `label`, of any length (see embeddedSentence). */
function composeSentence(rng: Rng, label: 0 | 1): string {
  const pos = label === 1;
  const past = rng.next() < 0.7;
  const coin = (): boolean => rng.next() < 0.5;
  const filler = rng.next() < 0.2 ? `${pick(FILLERS, rng)}, ` : '';
  const [s1, s2] = twoSubjects(rng);
  let body: string;
  switch (drawShape(rng)) {
    case 'plain':
      body = filler + clause(rng, pos, false, past, s1);
      break;
    case 'negated':
      body = filler + clause(rng, pos, true, past, s1);
      break;
    case 'contrast': {
      const a = clause(rng, !pos, coin(), past, s1);
      const b = clause(rng, pos, coin(), past, s2);
      body = `${filler}${a}, ${pick(CONTRASTIVES, rng)} ${b}`;
      break;
    }
    case 'concessiveFirst': {
      const a = clause(rng, !pos, coin(), past, s1);
      const b = clause(rng, pos, coin(), past, s2);
      body = `${pick(CONCESSIVES, rng)} ${a}, ${b}`;
      break;
    }
    case 'concessiveLast': {
      const b = clause(rng, pos, coin(), past, s1);
      const a = clause(rng, !pos, coin(), past, s2);
      body = `${b}, ${pick(CONCESSIVES, rng)} ${a}`;
      break;
    }
    case 'frame':
      body = `${filler}${pick(NEGATING_FRAMES, rng)} ${clause(rng, !pos, coin(), past, s1)}`;
      break;
  }
  return `${body}.`;
}

/** Most words in an embedded sentence, so that maxLen 32 holds every one with [CLS] and [SEP]. */
export const EMBEDDED_MAX_WORDS = 24;

/**
 * A sentence whose label is `label` (1 positive, 0 negative), by the rules: negators flip the
 * clause they are in; 'A, but B' and 'although A, B' and 'B, although A' take B's polarity, with
 * A's opposite; a negating frame flips its clause once more. Longer draws than
 * EMBEDDED_MAX_WORDS are redrawn.
 */
export function embeddedSentence(rng: Rng, label: 0 | 1): string {
  for (;;) {
    const s = composeSentence(rng, label);
    if (s.split(' ').length <= EMBEDDED_MAX_WORDS) return s;
  }
}

/** `count` new sentences, alternating labels from 0, none already in `seen` (which grows). */
function drawUnique(rng: Rng, count: number, seen: Set<string>): Example[] {
  const out: Example[] = [];
  let misses = 0;
  while (out.length < count) {
    const label = out.length % 2 === 0 ? 0 : 1;
    const a = embeddedSentence(rng, label);
    if (seen.has(a)) {
      // The sentence space is in the millions; thousands of misses in a row means a bug.
      if (++misses > 10_000) throw new Error('generateEmbeddedTask: sentence space exhausted');
      continue;
    }
    misses = 0;
    seen.add(a);
    out.push({ a, label });
  }
  const order = permutation(count, rng);
  return Array.from(order, (i) => out[i]!);
}

/**
 * Generates the embedded task for `seed`: balanced train and dev splits (default 8000 / 800) of
 * distinct sentences (no sentence in both splits), each at most 24 words. The same seed gives
 * identical data. Label rules: see embeddedSentence.
 */
export function generateEmbeddedTask(seed: number, opts: EmbeddedOptions = {}): TaskData {
  const trainSize = opts.trainSize ?? 8000;
  const devSize = opts.devSize ?? 800;
  if (!(
    Number.isInteger(trainSize) &&
    trainSize >= 2 &&
    Number.isInteger(devSize) &&
    devSize >= 2
  )) {
    throw new RangeError(
      `generateEmbeddedTask: sizes must be integers ≥ 2 (${trainSize}, ${devSize})`,
    );
  }
  const rng = makeRng(seed, 0xe3bed);
  const seen = new Set<string>();
  const dev = drawUnique(rng, devSize, seen);
  const train = drawUnique(rng, trainSize, seen);
  return { spec: EMBEDDED_TASK_SPEC, train, dev, source: `embedded (seed ${seed})` };
}
