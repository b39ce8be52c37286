// Fixtures for the KD tests (not used by the app): a toy task a one-layer BERT learns in a few
// dozen steps, run configs for a tiny teacher and a tinier student, and a trained-teacher helper.
import * as tf from '@tensorflow/tfjs';
import { defaultRunConfig } from '../config/defaults';
import type { ModelArch, RunConfig, TrainConfig } from '../config/run-config';
import type { KronFactors } from '../config/student';
import { WordPieceTokenizer } from '../data/tokenizer';
import type { TaskData, TaskSpec } from '../data/types';
import type { Model, Params } from '../model';
import { runTraining } from '../train/loop';
import { makeRng } from '../util/rng';
import { crossEntropy } from './losses';
import type { MethodEnv, StepInfo, StepInputs } from './method';
import { teacherBundle, type TeacherBundle } from './teacher';

/** The toy tasks' spec: one sentence, labels bad (0) and good (1), scored by accuracy. */
export const TOY_SPEC: TaskSpec = {
  id: 'toy',
  name: 'Toy',
  kind: 'classification',
  numLabels: 2,
  labelNames: ['bad', 'good'],
  pair: false,
  metrics: ['accuracy'],
  mainMetric: 'accuracy',
};

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
    spec: { ...TOY_SPEC },
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

/**
 * TOY_TEACHER factored about 3× for a KroneckerBERT student of its shape (attention A 8×8, FFN A
 * 8×4 / 4×8, embedding n = 2).
 */
export const TOY_KRON_FACTORS: KronFactors = {
  embedding: { n: 2, sums: 1 },
  attention: { m1: 8, n1: 8, sums: 1 },
  ffnUp: { m1: 8, n1: 4, sums: 1 },
  ffnDown: { m1: 4, n1: 8, sums: 1 },
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

/**
 * The toy teacher (TOY_TEACHER, 60 toy steps on wasm) trained on `data`, frozen as a KD teacher;
 * with `dev` it keeps its best dev evaluation, as a teacher trained in the app does.
 */
export async function trainToyTeacher(
  data: TaskData,
  o: { dev?: boolean } = {},
): Promise<TeacherBundle> {
  const c = toyConfig(60);
  c.model = { ...TOY_TEACHER };
  const r = await runTraining(c, data, { backend: 'wasm' });
  const t = teacherBundle(r.model);
  if (o.dev) t.dev = r.best;
  return t;
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

/**
 * StepInputs for calling a method's loss directly: only logits are real; `teacherLogits` null
 * makes any teacher access throw (to prove a stage does not consult the teacher).
 */
export function fakeStepInputs(o: {
  logits: tf.Tensor2D;
  teacherLogits: tf.Tensor2D | null;
  labels: tf.Tensor1D;
  info: StepInfo;
}): StepInputs {
  const [B] = o.logits.shape;
  const mask = tf.ones([B, 1]) as tf.Tensor2D;
  return {
    info: o.info,
    batch: {
      ids: tf.zeros([B, 1], 'int32') as tf.Tensor2D,
      typeIds: tf.zeros([B, 1], 'int32') as tf.Tensor2D,
      mask,
      labels: o.labels,
    },
    arrays: {
      B,
      T: 1,
      ids: new Int32Array(B),
      typeIds: new Int32Array(B),
      mask: new Float32Array(B).fill(1),
      labels: Float32Array.from(o.labels.dataSync()),
      valid: B,
      index: Int32Array.from({ length: B }, (_, i) => i),
    },
    rows: Int32Array.from({ length: B }, (_, i) => i),
    student: { logits: o.logits, hidden: [], scores: [], attentions: [], pooled: o.logits, mask },
    teacherLogits: () => {
      if (!o.teacherLogits) throw new Error('teacher consulted');
      return o.teacherLogits;
    },
    teacherOutputs: () => {
      throw new Error('teacher consulted');
    },
    taskLoss: (logits) => crossEntropy(logits, o.labels),
    hold: (t) => t,
  };
}

/** A MethodEnv for building a method outside the loop (teacher logits given, no real models). */
export function fakeEnv(o: {
  totalSteps: number;
  teacherLogits?: Float32Array;
  /** Cached logits of each footprint (the teacher gets that many placeholder footprints). */
  footprints?: Float32Array[];
  seed?: number;
}): MethodEnv {
  const dummy = toyTask(1, 2, 2);
  const fps = o.footprints ?? [];
  const footprints = fps.map((_, i) => ({
    step: i + 1,
    weights: { kind: 'cpu' as const, arrays: new Map() },
  }));
  return {
    task: dummy.spec,
    teacher: o.teacherLogits ? { model: NO_MODEL, footprints, dev: null, cache: new Map() } : null,
    teacherLogits: o.teacherLogits ?? null,
    student: NO_MODEL,
    studentConfig: null,
    train: {
      n: 0,
      maxLen: 1,
      ids: new Int32Array(0),
      typeIds: new Int32Array(0),
      lengths: new Int32Array(0),
      labels: new Float32Array(0),
      truncated: 0,
    },
    meta: null,
    tokenizer: new WordPieceTokenizer(
      ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad'],
      {
        lowercase: true,
      },
    ),
    totalSteps: o.totalSteps,
    stepsPerEpoch: 1,
    batchSize: 1,
    seed: o.seed ?? 1,
    buckets: [16],
    specialIds: { pad: 0, cls: 2, sep: 3, mask: 4 },
    embeddingGrad: 'gather',
    footprintLogits: async (i) => {
      const f = fps[i];
      if (!f) throw new Error(`no footprint ${i}`);
      return f;
    },
  };
}

/** A Model placeholder for fakeEnv; any use throws. */
const NO_MODEL: Model = {
  kind: 'bert',
  get params(): Params {
    throw new Error('fake model');
  },
  forward: () => {
    throw new Error('fake model');
  },
  summary: () => {
    throw new Error('fake model');
  },
  dispose: () => {},
};
