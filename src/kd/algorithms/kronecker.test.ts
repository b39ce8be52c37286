// KroneckerBERT's two-stage KD: the golden stage plan and term weights at chosen steps, stage 1
// blind to the labels (permuted training labels give bit-identical stage-1 losses and weights, and
// different stage-2 ones), the masked-LM term with a teacher that carries an MLM head (and its
// absence without one), all without tensor leaks, on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import type { RunConfig } from '../../config/run-config';
import type { TaskData } from '../../data/types';
import { bertModel, Params } from '../../model';
import { runTraining, stageClock, trainTeacher } from '../../train/loop';
import { bertConfigOf } from '../bert';
import { kdDefaults } from '../defaults';
import { initMlmHeadArrays, MLM_HEAD_NAMES } from '../mlm';
import { disposeTeacher, teacherBundle, type TeacherBundle } from '../teacher';
import {
  TOY_KRON_FACTORS,
  TOY_TEACHER,
  toyConfig,
  toyTask,
  toyTrain,
  trainToyTeacher,
} from '../testing';
import { kroneckerStages, kroneckerTermWeights } from './kronecker';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('stage plan and weights', () => {
  it('splits the run at stage1Share, fresh optimiser, no checkpoint restore', () => {
    const spec = kdDefaults('kronecker');
    expect(kroneckerStages(spec, 1000)).toEqual([
      { name: 'intermediate', steps: 500, fromBest: false, freshOptimizer: true },
      { name: 'task', steps: 500, fromBest: false, freshOptimizer: true },
    ]);
    const steps = (share: number, n: number) =>
      kroneckerStages({ ...spec, stage1Share: share }, n).map((s) => s.steps);
    expect(steps(0.3, 7)).toEqual([2, 5]); // round(2.1)
    expect(steps(0.01, 10)).toEqual([1, 9]); // at least one step each
    expect(steps(0.99, 10)).toEqual([9, 1]);
    expect(() => kroneckerStages(spec, 1)).toThrow(/at least 2 steps/);
  });

  it('golden term weights and learning rate at chosen steps (1000 steps, 10% warm-up)', () => {
    const spec = {
      ...kdDefaults('kronecker'),
      stage1Share: 0.4,
      stage1: { embedding: 1, hidden: 2, attention: 3, mlm: 0.5 },
      stage2: { embedding: 0.1, hidden: 0.2, attention: 0.3, logits: 4, ce: 5 },
    };
    const plan = kroneckerStages(spec, 1000);
    const clock = stageClock(plan, 1e-3, 0.1);
    const at = (step: number, mlm: boolean) => {
      const info = clock.at(step);
      return {
        stage: info.stage,
        stageStep: info.stageStep,
        w: kroneckerTermWeights(spec, info.stage, mlm),
      };
    };
    const s1 = { emb: 1, hidden: 2, att: 3 };
    const s2 = { emb: 0.1, hidden: 0.2, att: 0.3, logit: 4, ce: 5 };
    expect(at(1, false)).toEqual({ stage: 0, stageStep: 1, w: s1 });
    expect(at(1, true)).toEqual({ stage: 0, stageStep: 1, w: { ...s1, mlm: 0.5 } });
    expect(at(400, true)).toEqual({ stage: 0, stageStep: 400, w: { ...s1, mlm: 0.5 } });
    expect(at(401, true)).toEqual({ stage: 1, stageStep: 1, w: s2 });
    expect(at(1000, false)).toEqual({ stage: 1, stageStep: 600, w: s2 });
    // A fresh warm-up at the boundary: 40 steps in stage 1, 60 in stage 2; peak at each's end.
    expect(clock.lr(1)).toBeCloseTo(0, 12);
    expect(clock.lr(41)).toBeCloseTo(1e-3, 12);
    expect(clock.lr(401)).toBeCloseTo(0, 12);
    expect(clock.lr(461)).toBeCloseTo(1e-3, 12);
  });
});

function kronConfig(steps: number): RunConfig {
  const c = toyConfig(steps, { method: kdDefaults('kronecker'), teacher: { source: 'provided' } });
  c.model = { ...TOY_TEACHER };
  c.student = { kind: 'kron-bert', factors: structuredClone(TOY_KRON_FACTORS), init: 'nkp' };
  c.train.evalEvery = 1000; // evaluations at the two stage ends only
  return c;
}

/** The same task with the training labels permuted (a seeded derangement-ish shuffle). */
function permuteLabels(data: TaskData): TaskData {
  const labels = data.train.map((e) => e.label);
  const n = labels.length;
  const shifted = labels.map((_, i) => labels[(i * 7 + 3) % n]!);
  return { ...data, train: data.train.map((e, i) => ({ ...e, label: shifted[i]! })) };
}

describe('two-stage KD in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    teacher = await trainToyTeacher(data, { dev: true });
  });
  afterAll(() => disposeTeacher(teacher));

  it('stage 1 ignores the labels: permuted labels give identical stage-1 losses and weights', async () => {
    const tensors = tf.memory().numTensors;
    const permuted = permuteLabels(data);
    expect(
      permuted.train.filter((e, i) => e.label !== data.train[i]!.label).length,
    ).toBeGreaterThan(100);
    const a = await runTraining(kronConfig(40), data, { backend: 'wasm', teacher });
    const b = await runTraining(kronConfig(40), permuted, { backend: 'wasm', teacher });
    a.model.dispose();
    b.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    const stage = (r: typeof a, name: string) => r.train.filter((p) => p.stage === name);
    expect(stage(a, 'intermediate').length).toBe(20);
    expect(stage(a, 'task').length).toBe(20);
    expect(Object.keys(stage(a, 'intermediate')[0]!.terms!)).toEqual(['emb', 'hidden', 'att']);
    expect(Object.keys(stage(a, 'task')[0]!.terms!)).toEqual([
      'emb',
      'hidden',
      'att',
      'logit',
      'ce',
    ]);
    // Every stage-1 step (loss, gradient norm, terms) is bit-identical, and so is the dev
    // evaluation at the stage boundary (a function of the weights reached).
    expect(stage(b, 'intermediate')).toEqual(stage(a, 'intermediate'));
    const boundary = (r: typeof a) => r.evals.find((e) => e.step === 20)!;
    expect(boundary(b)).toEqual(boundary(a));
    // Stage 2 reads the labels: its CE differs from its first step on.
    expect(stage(b, 'task')[0]!.terms!['ce']).not.toBe(stage(a, 'task')[0]!.terms!['ce']);
    // Layer matching learns in stage 1.
    const s1 = stage(a, 'intermediate');
    expect(s1[s1.length - 1]!.terms!['hidden']!).toBeLessThan(s1[0]!.terms!['hidden']!);
  });

  it("'none' with an NKP-initialised KroneckerBERT still gets the teacher (for the init only)", async () => {
    const tensors = tf.memory().numTensors;
    const c = kronConfig(4);
    c.kd = { method: kdDefaults('none'), teacher: { source: 'provided' } };
    // Before the loop handed NKP students a teacher under 'none', buildStudent threw here.
    const r = await runTraining(c, data, { backend: 'wasm', teacher });
    expect(r.model.kind).toBe('kron-bert');
    expect(r.teacher).toEqual(teacher.dev);
    expect(r.train.every((p) => p.terms === undefined)).toBe(true); // CE alone, no KD terms
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('takes the MLM head of the teacher recipe (kd.teacher.mlm) into stage 1', async () => {
    const tensors = tf.memory().numTensors;
    const c = kronConfig(8);
    c.kd = {
      method: kdDefaults('kronecker'),
      teacher: {
        source: 'train',
        model: { ...TOY_TEACHER },
        train: toyTrain(20, 9),
        footprintEvery: 10,
        mlm: { steps: 20, lr: 1e-3, batchSize: 8, maskProb: 0.15 },
      },
    };
    const recipe = await trainTeacher(c, data, { backend: 'wasm' });
    // The head stays beside the model: footprints and checkpoints hold the encoder alone.
    expect([...recipe.mlmHead!.keys()].sort()).toEqual([...MLM_HEAD_NAMES].sort());
    expect(MLM_HEAD_NAMES.some((n) => recipe.model.params.has(n))).toBe(false);
    expect(recipe.footprints.map((f) => f.step)).toEqual([10, 20]);
    const r = await runTraining({ ...c, kd: { ...c.kd, teacher: { source: 'provided' } } }, data, {
      backend: 'wasm',
      teacher: recipe,
    });
    r.model.dispose();
    disposeTeacher(recipe);
    expect(tf.memory().numTensors).toBe(tensors);
    const s1 = r.train.filter((p) => p.stage === 'intermediate');
    expect(Object.keys(s1[0]!.terms!)).toEqual(['emb', 'hidden', 'att', 'mlm']);
    expect(s1.every((p) => Number.isFinite(p.terms!['mlm']!))).toBe(true);
  });

  it('adds the masked-LM term when the teacher carries an MLM head, leaving the teacher as it was', async () => {
    // A teacher with a BertForMaskedLM head (cls.predictions.*), frozen like any teacher.
    const cfg = bertConfigOf(teacher.model)!;
    const head = Params.fromArrays(initMlmHeadArrays(cfg, 5), false);
    const withHead = teacherBundle(
      bertModel(cfg, new Params(new Map([...teacher.model.params.vars, ...head.vars]))),
    );
    withHead.dev = teacher.dev;
    const before = await head.vars.get(MLM_HEAD_NAMES[0]!)!.data();
    const tensors = tf.memory().numTensors;
    const r = await runTraining(kronConfig(30), data, { backend: 'wasm', teacher: withHead });
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    const s1 = r.train.filter((p) => p.stage === 'intermediate');
    expect(Object.keys(s1[0]!.terms!)).toEqual(['emb', 'hidden', 'att', 'mlm']);
    // Cross-entropy over the task's vocabulary: near ln V at the start (a random head), then lower.
    const mlm = s1.map((p) => p.terms!['mlm']!);
    expect(mlm.every(Number.isFinite)).toBe(true);
    expect(mlm[0]!).toBeGreaterThan(2);
    const total = s1[0]!.loss;
    const t = s1[0]!.terms!;
    expect(total).toBeCloseTo(t['emb']! + t['hidden']! + t['att']! + t['mlm']!, 4);
    // The student trained its own copy; the teacher's head is untouched.
    expect(await head.vars.get(MLM_HEAD_NAMES[0]!)!.data()).toEqual(before);
    expect(r.train.filter((p) => p.stage === 'task')[0]!.terms!['mlm']).toBeUndefined();
    head.dispose();
  });
});
