// Fixtures for the KD tests (not used by the app): a toy task a one-layer BERT learns in a few
// dozen steps, run configs for a tiny teacher and a tinier student, and a trained-teacher helper.
import { defaultRunConfig } from '../config/defaults';
import type { ModelArch, RunConfig, TrainConfig } from '../config/run-config';
import type { TaskData } from '../data/types';
import { makeRng } from '../util/rng';

/** Label 1 iff "good" appears (anywhere) among filler words; 'bad' marks label 0. */
export function toyTask(seed: number, n: number, nDev: number): TaskData {
  const rng = makeRng(seed);
  const words = ['the', 'movie', 'was', 'plot', 'acting', 'a', 'very', 'film', 'story', 'and'];
  const make = (count: number) =>
    Array.from({ length: count }, () => {
      const good = rng.next() < 0.5;
      const toks = Array.from({ length: 3 + rng.int(5) }, () => words[rng.int(words.length)]!);
      toks.splice(rng.int(toks.length + 1), 0, good ? 'good' : 'bad');
      return { a: toks.join(' '), label: good ? 1 : 0 };
    });
  return {
    spec: {
      id: 'toy',
      name: 'Toy',
      kind: 'classification',
      numLabels: 2,
      labelNames: ['bad', 'good'],
      pair: false,
      metrics: ['accuracy'],
      mainMetric: 'accuracy',
    },
    train: make(n),
    dev: make(nDev),
    source: 'test',
  };
}

/** Two layers of width 32: the toy teacher. */
export const TOY_TEACHER: ModelArch = {
  layers: 2,
  hidden: 32,
  heads: 2,
  intermediate: 64,
  hiddenDropout: 0,
  attentionDropout: 0,
};

/** One layer, width 16: the toy student. */
export const TOY_STUDENT: ModelArch = {
  layers: 1,
  hidden: 16,
  heads: 2,
  intermediate: 32,
  hiddenDropout: 0.1,
  attentionDropout: 0,
};

/** Training settings for toy runs of `steps` steps. */
export function toyTrain(steps: number, seed = 1): TrainConfig {
  return {
    ...defaultRunConfig().train,
    seed,
    batchSize: 8,
    steps,
    evalEvery: Math.max(1, Math.floor(steps / 2)),
    lr: 1e-2,
    warmup: 0.1,
  };
}

/** A toy run config for the student; `kd` as given. */
export function toyConfig(steps: number, kd?: RunConfig['kd']): RunConfig {
  const c = defaultRunConfig();
  c.preset = 'custom';
  c.model = { ...TOY_STUDENT };
  c.tokenizer = { vocab: 'build', vocabSize: 120, lowercase: true, maxLen: 16 };
  c.train = toyTrain(steps);
  c.backend = 'wasm';
  if (kd) c.kd = kd;
  return c;
}
