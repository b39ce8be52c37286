// Combined-KD (§9.4 properties): the 10:100 alternation, straight-through Gumbel one-hots with a
// gradient, x̃ equal to x off the masked positions (and p = 0 giving Annealing-KD's loss), a
// generator step that is −MSE and leaves student and teacher alone, and a run (wasm).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { encodeSplit, lengthBuckets, makeBatch } from '../../data/batcher';
import { buildVocab, WordPieceTokenizer } from '../../data/tokenizer';
import {
  bertConfig,
  bertForward,
  bertModel,
  initBertParams,
  initKronBert,
  KRON_EMBEDDING,
  kronSum,
  type ParamSource,
} from '../../model';
import { runTraining } from '../../train/loop';
import { prepareData } from '../../train/prepare';
import { disposeBatch, toTensors } from '../../train/step';
import { createMethod } from '../registry';
import { makeRng } from '../../util/rng';
import { kdDefaults } from '../defaults';
import { maskTokens } from '../mlm';
import type { CombinedSpec } from '../spec';
import { disposeTeacher, teacherBundle, type TeacherBundle } from '../teacher';
import {
  TOY_KRON_FACTORS,
  TOY_STUDENT,
  TOY_TEACHER,
  toyConfig,
  toyTask,
  trainToyTeacher,
} from '../testing';
import {
  gumbelNoise,
  gumbelSoftmaxST,
  isGeneratorStep,
  perturbedForward,
  perturbedInputs,
} from './combined';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('alternation', () => {
  it('is exactly 10 generator then 100 student steps per 110 batches', () => {
    const roles = Array.from({ length: 220 }, (_, i) => isGeneratorStep(i + 1, 10, 100));
    expect(roles.filter(Boolean).length).toBe(20);
    expect(roles.slice(0, 10).every(Boolean)).toBe(true);
    expect(roles.slice(10, 110).some(Boolean)).toBe(false);
    expect(roles.slice(110, 120).every(Boolean)).toBe(true);
  });
});

describe('straight-through Gumbel-softmax', () => {
  it('is exactly one-hot forward and has a non-zero gradient to the logits', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d([
        [0.1, 2, -1, 0.5],
        [1, 1, 1, 1],
        [3, 0, 0, 0],
      ]);
      const noise = gumbelNoise(7, 3, 4);
      const y = gumbelSoftmaxST(logits, noise, 1);
      const rows = y.arraySync();
      for (const r of rows) {
        expect(r.filter((v) => v === 1).length).toBe(1);
        expect(r.filter((v) => v === 0).length).toBe(3);
      }
      const w = tf.tensor2d([
        [1, 2, 3, 4],
        [4, 3, 2, 1],
        [0, 1, 0, 1],
      ]);
      const g = tf.grad((l: tf.Tensor) =>
        tf.sum(tf.mul(gumbelSoftmaxST(l as tf.Tensor2D, noise, 1), w)),
      )(logits);
      expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(1e-3);
    });
  });
});

describe('perturbed inputs', () => {
  const data = toyTask(4, 64, 10);
  const vocab = buildVocab(
    data.train.map((e) => e.a),
    { vocabSize: 120, lowercase: true },
  );
  const tok = new WordPieceTokenizer(vocab, { lowercase: true });
  const split = encodeSplit(data.train, tok, data.spec, 16);
  const c = bertConfig({ ...TOY_STUDENT, hiddenDropout: 0 }, tok.vocabSize, 2);
  const model = bertModel(c, initBertParams(c, 2));
  const b = makeBatch(
    split,
    Int32Array.from({ length: 8 }, (_, i) => i),
    8,
    lengthBuckets(16),
    tok.specialIds.pad,
  );
  afterAll(() => model.dispose());

  it('equal the original embeddings bit-exactly off the masked positions', () => {
    const m = maskTokens(b, tok.specialIds, 0.3, makeRng(5), 'mask', c.vocabSize);
    expect(m.positions.length).toBeGreaterThan(0);
    tf.tidy(() => {
      const g = tf
        .oneHot(
          tf.tensor1d(
            Array.from(m.positions, () => 7),
            'int32',
          ),
          c.vocabSize,
        )
        .toFloat() as tf.Tensor2D;
      const opts = { training: false, dropoutSeed: 1, embeddingGrad: 'gather' as const };
      const pert = perturbedForward(
        model.params,
        c,
        perturbedInputs(b, m, c.vocabSize),
        g,
        opts,
      ).hidden[0]!.dataSync();
      const clean = bertForward(
        model.params,
        c,
        {
          ids: tf.tensor2d(b.ids, [8, b.T], 'int32'),
          typeIds: tf.tensor2d(b.typeIds, [8, b.T], 'int32'),
          mask: tf.tensor2d(b.mask, [8, b.T]),
        },
        opts,
      ).hidden[0]!.dataSync();
      const H = c.hiddenSize;
      const masked = new Set(m.positions);
      let same = 0;
      for (let pos = 0; pos < 8 * b.T; pos++) {
        const a = pert.subarray(pos * H, pos * H + H);
        const e = clean.subarray(pos * H, pos * H + H);
        if (masked.has(pos)) expect(Array.from(a)).not.toEqual(Array.from(e));
        else {
          expect(Array.from(a)).toEqual(Array.from(e));
          same++;
        }
      }
      expect(same).toBe(8 * b.T - m.positions.length);
    });
  });

  it('on a KroneckerBERT equal those of its dense twin (E = Σ A_r ⊗ B_r), gradient to g too', () => {
    // Two sums in the embedding, so the [r, V, k] reshapes are exercised; soft rows of g, so the
    // appended rows g·A_r are combinations, not copies.
    const kron = initKronBert(
      { bert: c, factors: { ...TOY_KRON_FACTORS, embedding: { n: 2, sums: 2 } } },
      3,
    );
    const m = maskTokens(b, tok.specialIds, 0.3, makeRng(5), 'mask', c.vocabSize);
    const word = `${KRON_EMBEDDING}.weight`;
    const isFactor = (n: string) => n.startsWith(`${KRON_EMBEDDING}.kron_`);
    tf.tidy(() => {
      const p = kron.params;
      const E = kronSum(
        p.get(`${KRON_EMBEDDING}.kron_a`) as tf.Tensor3D,
        p.get(`${KRON_EMBEDDING}.kron_b`) as tf.Tensor3D,
      );
      // The same model with its word embedding materialised (the rest stays factored).
      const dense: ParamSource = {
        get: (n) => (n === word ? E : p.get(n)),
        has: (n) => n === word || (!isFactor(n) && p.has(n)),
      };
      const g0 = tf.softmax(tf.randomNormal([m.positions.length, c.vocabSize], 0, 2, 'float32', 4));
      const inputs = perturbedInputs(b, m, c.vocabSize);
      const opts = { training: false, dropoutSeed: 1, embeddingGrad: 'onehot' as const };
      // A random projection of the last layer's states (the fresh classifier's logits are tiny).
      const w = tf.randomNormal([8 * b.T, c.hiddenSize], 0, 1, 'float32', 5);
      const run = (src: ParamSource) => {
        const f = (g: tf.Tensor) => {
          const h = perturbedForward(src, c, inputs, g as tf.Tensor2D, opts).hidden.at(-1)!;
          return tf.sum(tf.mul(tf.reshape(h, w.shape), w));
        };
        return { value: f(g0).dataSync()[0]!, grad: tf.grad(f)(g0).dataSync() };
      };
      const k = run(p);
      const d = run(dense);
      expect(k.value).toBeCloseTo(d.value, 4);
      expect(Math.abs(k.value)).toBeGreaterThan(1e-3);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < d.grad.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(k.grad[i]! - d.grad[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(d.grad[i]!));
      }
      expect(maxAbs).toBeGreaterThan(1e-4);
      expect(maxDiff).toBeLessThan(1e-5 + 1e-4 * maxAbs);
    });
    kron.dispose();
  });
});

describe('Combined-KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;
  const small = (over: Partial<CombinedSpec>): CombinedSpec => ({
    ...kdDefaults('combined'),
    tauMax: 4,
    phase1Units: 4,
    phase2Units: 1,
    generatorSteps: 1,
    studentSteps: 9,
    generatorLr: 5e-7, // the code's; at 1e-3 the adversary derails this tiny student
    generator: {
      model: { ...TOY_STUDENT },
      mlm: { steps: 20, lr: 5e-3, batchSize: 16, maskProb: 0.15 },
    },
    ...over,
  });

  beforeAll(async () => {
    teacher = await trainToyTeacher(data);
  });
  afterAll(() => disposeTeacher(teacher));

  it('alternates generator and student steps, never moves the teacher, learns, leaks nothing', async () => {
    const name = [...teacher.model.params.vars.keys()][3]!;
    const before = teacher.model.params.vars.get(name)!.dataSync().slice();
    const tensors = tf.memory().numTensors;
    // The toy student needs ~50 annealing steps (Annealing-KD alone learns it at step 48 of 60);
    // with 2 generator steps in 10 it takes ~70 (measured), so 1 in 10 here.
    const r = await runTraining(
      toyConfig(100, { method: small({}), teacher: { source: 'provided' } }),
      data,
      { backend: 'wasm', teacher },
    );
    // Phase 1 = 80 steps: cycles of 1 generator + 9 student steps; phase 2 = 20 CE steps.
    const gen = r.train.filter((p) => p.stage === 'generator');
    expect(gen.map((p) => p.step)).toEqual([1, 11, 21, 31, 41, 51, 61, 71]);
    // The generator maximises disagreement: its loss is −MSE ≤ 0.
    expect(gen.every((p) => p.loss <= 0)).toBe(true);
    expect(r.train.filter((p) => p.stage === 'anneal').length).toBe(72);
    expect(Object.keys(r.train[1]!.terms!)).toEqual(['aug', 'clean', 'phi']);
    expect(r.train.filter((p) => p.stage === 'labels').length).toBe(20);
    expect(teacher.model.params.vars.get(name)!.dataSync()).toEqual(before);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('trains a KroneckerBERT student NKP-started from the teacher: both step kinds, no leak', async () => {
    const name = [...teacher.model.params.vars.keys()][3]!;
    const before = teacher.model.params.vars.get(name)!.dataSync().slice();
    const tensors = tf.memory().numTensors;
    const c = toyConfig(20, { method: small({}), teacher: { source: 'provided' } });
    c.model = { ...TOY_TEACHER };
    c.student = { kind: 'kron-bert', factors: structuredClone(TOY_KRON_FACTORS), init: 'nkp' };
    const r = await runTraining(c, data, { backend: 'wasm', teacher });
    expect(r.model.kind).toBe('kron-bert');
    expect(r.model.params.has(`${KRON_EMBEDDING}.kron_a`)).toBe(true);
    // Phase 1 = 16 steps (generator at 1 and 11), phase 2 = 4 CE steps.
    const gen = r.train.filter((p) => p.stage === 'generator');
    expect(gen.map((p) => p.step)).toEqual([1, 11]);
    expect(gen.every((p) => p.loss < 0)).toBe(true); // −MSE on rewritten text: they disagree
    const anneal = r.train.filter((p) => p.stage === 'anneal');
    expect(anneal.length).toBe(14);
    for (const p of anneal) {
      expect(Object.keys(p.terms!)).toEqual(['aug', 'clean', 'phi']);
      expect(Number.isFinite(p.terms!['aug'])).toBe(true);
    }
    expect(teacher.model.params.vars.get(name)!.dataSync()).toEqual(before);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('with p = 0 (nothing rewritten) its phase-1 loss is Annealing-KD’s', async () => {
    // Student without dropout so x̃ = x gives identical logits on both passes.
    const noDrop = (kd: Parameters<typeof toyConfig>[1]) => {
      const c = toyConfig(10, kd);
      c.model = { ...c.model, hiddenDropout: 0 };
      return c;
    };
    const comb = await runTraining(
      noDrop({
        method: small({ maskProb: 0, generatorSteps: 0, phase1Units: 4, phase2Units: 1 }),
        teacher: { source: 'provided' },
      }),
      data,
      { backend: 'wasm', teacher },
    );
    const ann = await runTraining(
      noDrop({
        method: {
          kind: 'annealing',
          tauMax: 4,
          phase1Units: 4,
          phase2Units: 1,
          classReduction: 'mean',
        },
        teacher: { source: 'provided' },
      }),
      data,
      { backend: 'wasm', teacher },
    );
    const phase1 = comb.train.filter((p) => p.stage === 'anneal');
    expect(phase1.length).toBe(8);
    phase1.forEach((p, i) => {
      expect(p.terms!['aug']).toBeCloseTo(p.terms!['clean']!, 6);
      expect(p.loss).toBeCloseTo(ann.train[i]!.loss, 5);
    });
    comb.model.dispose();
    ann.model.dispose();
  });
});

describe('generator step', () => {
  it('raises the student–teacher disagreement on x̃ and touches neither model', async () => {
    const data = toyTask(3, 64, 10);
    const c = toyConfig(10);
    const prep = prepareData(c, data);
    const student = bertModel(prep.modelConfig, initBertParams(prep.modelConfig, 1));
    const tcfg = { ...prep.modelConfig, hiddenSize: 32, numHiddenLayers: 2, intermediateSize: 64 };
    const teacher = teacherBundle(bertModel(tcfg, initBertParams(tcfg, 2)));
    const spec = {
      ...kdDefaults('combined'),
      tauMax: 1,
      phase1Units: 1,
      phase2Units: 1,
      generatorLr: 3e-2,
      generator: {
        model: { ...TOY_STUDENT },
        mlm: { steps: 1, lr: 1e-3, batchSize: 16, maskProb: 0.15 },
      },
    };
    const m = await createMethod(spec, {
      task: data.spec,
      teacher,
      teacherLogits: new Float32Array(128),
      student,
      studentConfig: prep.modelConfig,
      train: prep.train,
      meta: null,
      tokenizer: prep.tokenizer,
      totalSteps: 100,
      stepsPerEpoch: 8,
      batchSize: 8,
      seed: 1,
      buckets: prep.buckets,
      specialIds: prep.tokenizer.specialIds,
      embeddingGrad: 'scatter',
      footprintLogits: async () => new Float32Array(0),
    });
    const snap = (x: typeof student) =>
      [...x.params.vars.values()].map((v) => Array.from(v.dataSync()));
    const s0 = snap(student);
    const t0 = snap(teacher.model);
    const arrays = makeBatch(
      prep.train,
      Int32Array.from({ length: 8 }, (_, i) => i),
      8,
      prep.buckets,
      0,
    );
    const tb = toTensors(arrays);
    const tensors = tf.memory().numTensors;
    // The same step (same masks and Gumbel noise) 12 times: only the generator moves.
    const losses: number[] = [];
    for (let k = 0; k < 12; k++) {
      const out = m.aux!.run({
        info: { step: 1, stage: 0, stageStep: 1, stageSteps: 90 },
        batch: tb,
        arrays,
        rows: arrays.index,
      });
      losses.push(out.values.dataSync()[0]!);
      out.values.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(losses.every((l) => l <= 0)).toBe(true);
    expect(losses[11]!).toBeLessThan(losses[0]!); // −MSE fell: the disagreement rose
    expect(snap(student)).toEqual(s0);
    expect(snap(teacher.model)).toEqual(t0);
    disposeBatch(tb);
    m.dispose();
    student.dispose();
    disposeTeacher(teacher);
  });
});
