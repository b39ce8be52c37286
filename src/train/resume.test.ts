// Resume equivalence (wasm): a run stopped after a resume point and continued from it gives the
// same losses, evaluations, best point and final weights as the uninterrupted run, bit for bit.
// Plain training resumed mid-epoch; Annealing-KD resumed inside its first stage and exactly at the
// stage boundary (the second stage restarts from the first stage's best with a fresh optimiser);
// Universal-KD, whose projections are extra trainable variables; vanilla KD, Continuation-KD,
// intermediate-layer KD (projections too) and the two noisy-label methods (teacher-relabel, whose
// corrected labels come from the teacher's logits, and small-loss); RW-KD (held-out split and meta
// batches are functions of the seed); Glitter, the method and the add-on (the augmentation pool,
// its MLM generator and the teacher's logits on it are rebuilt from the seed); KroneckerBERT's
// two-stage KD on a factored student (projections and stages; its student MLM head resumed with a
// teacher that has none, as one reloaded from its checkpoint); the SWA add-on (its average θ̄ and
// count saved), alone and on Annealing-KD; Combined-KD (its generator's weights, optimiser and
// step count saved) and Pro-KD (the followed footprints' cached logits saved, resumed with a
// teacher that has no footprints, as one reloaded from its checkpoint). Points that do not fit
// fail with the reason.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import type { RunConfig } from '../config/run-config';
import {
  bertConfigOf,
  disposeTeacher,
  initMlmHeadArrays,
  kdDefaults,
  teacherBundle,
  type TeacherBundle,
} from '../kd';
import { glitterAddonDefaults } from '../config/kd-methods';
import { TOY_STUDENT, TOY_TEACHER, toyConfig, toyTask } from '../kd/testing';
import type { KronFactors } from '../config/student';
import { bertModel, Params, type ParamArray } from '../model';
import { RunControl } from './control';
import { runTraining, TrainingError, type ResumeState, type TrainResult } from './loop';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const data = toyTask(3, 400, 80);
let teacher: TeacherBundle;

beforeAll(async () => {
  const c = toyConfig(40);
  c.model = { ...TOY_TEACHER };
  const r = await runTraining(c, data, { backend: 'wasm' });
  teacher = teacherBundle(r.model);
});
afterAll(() => disposeTeacher(teacher));

function arrays(m: Map<string, ParamArray>): Record<string, number[]> {
  return Object.fromEntries([...m].map(([k, v]) => [k, [...v.data]]));
}

interface Outcome {
  result: TrainResult;
  best: Record<string, number[]>;
  final: Record<string, number[]> | null;
  points: ResumeState[];
}

async function run(
  c: RunConfig,
  o: { resumeFrom?: ResumeState; stopAt?: number; kd?: boolean | TeacherBundle } = {},
): Promise<Outcome> {
  const control = new RunControl();
  const points: ResumeState[] = [];
  const result = await runTraining(c, data, {
    backend: 'wasm',
    control,
    keepFinal: true,
    ...(o.kd ? { teacher: o.kd === true ? teacher : o.kd } : {}),
    ...(o.resumeFrom ? { resumeFrom: o.resumeFrom } : {}),
    onResumePoint: (s) => {
      points.push(s);
      if (s.step === o.stopAt) control.stop();
    },
  });
  const best = arrays(await result.model.params.toArrays());
  result.model.dispose();
  return {
    result,
    best,
    final: result.finalWeights ? arrays(result.finalWeights) : null,
    points,
  };
}

/**
 * Stops a run at `k`, resumes it from its point at `k`, and checks it against `full`. `kd`: the
 * teacher (true: the shared one), `resumeKd` the one the resumed run gets (default the same).
 */
async function checkResume(
  c: RunConfig,
  full: Outcome,
  k: number,
  kd: boolean | TeacherBundle = false,
  resumeKd = kd,
): Promise<void> {
  const cut = await run(c, { stopAt: k, kd });
  expect(cut.result.stopped).toBe(true);
  expect(cut.result.finalStep).toBe(k);
  const point = cut.points.find((p) => p.step === k)!;
  expect(point).toBeDefined();
  // The interrupted run saved the same point as the uninterrupted one.
  const same = full.points.find((p) => p.step === k)!;
  expect(arrays(point.weights)).toEqual(arrays(same.weights));
  expect([...point.optimizer.m]).toEqual([...same.optimizer.m]);
  expect(point.method && arrays(point.method.tensors)).toEqual(
    same.method && arrays(same.method.tensors),
  );
  expect(point.method?.numbers).toEqual(same.method?.numbers);
  expect(point.swa?.count).toEqual(same.swa?.count);
  expect(point.swa && arrays(point.swa.average)).toEqual(same.swa && arrays(same.swa.average));

  const tensors = tf.memory().numTensors;
  const resumed = await run(c, { resumeFrom: point, kd: resumeKd });
  expect(tf.memory().numTensors).toBe(tensors);
  const after = full.result.train.filter((p) => p.step > k);
  expect(resumed.result.train.map((p) => p.step)[0]).toBe(k + 1);
  expect(resumed.result.train).toEqual(after);
  expect(resumed.result.evals).toEqual(full.result.evals.filter((e) => e.step > k));
  expect(resumed.result.best).toEqual(full.result.best);
  expect(resumed.result.finalStep).toBe(c.train.steps);
  expect(resumed.best).toEqual(full.best);
  expect(resumed.final).toEqual(full.final);
  // Its own later resume points match too.
  expect(resumed.points.map((p) => p.step)).toEqual(
    full.points.filter((p) => p.step > k).map((p) => p.step),
  );
}

/** The 2×32 toy teacher factored about 3× (as in kronecker.test.ts). */
const KRON_FACTORS: KronFactors = {
  embedding: { n: 2, sums: 1 },
  attention: { m1: 8, n1: 8, sums: 1 },
  ffnUp: { m1: 8, n1: 4, sums: 1 },
  ffnDown: { m1: 4, n1: 8, sums: 1 },
};

describe('resume equivalence (wasm)', () => {
  it('plain training: resumed mid-epoch, same losses, evaluations and weights as uninterrupted', async () => {
    const c = toyConfig(60);
    c.train.evalEvery = 20; // 400 / 8 = 50 steps an epoch: the resume at 20 and 40 is mid-epoch
    c.model = { ...c.model, hiddenDropout: 0.1, attentionDropout: 0.1 }; // dropout is seeded per step
    const full = await run(c);
    expect(full.points.map((p) => p.step)).toEqual([20, 40]);
    await checkResume(c, full, 20);
    await checkResume(c, full, 40);
  });

  it('Annealing-KD: resumed inside stage 1 and at the stage boundary', async () => {
    const spec = { ...kdDefaults('annealing'), tauMax: 4, phase1Units: 4, phase2Units: 2 };
    const c = toyConfig(60, { method: spec, teacher: { source: 'provided' } });
    c.train.evalEvery = 20; // stages: anneal 1..40, labels 41..60
    const full = await run(c, { kd: true });
    expect(full.result.evals.map((e) => [e.step, e.stage])).toEqual([
      [20, 'anneal'],
      [40, 'anneal'],
      [60, 'labels'],
    ]);
    await checkResume(c, full, 20, true);
    await checkResume(c, full, 40, true);
  });

  it('Universal-KD: its projections (extra variables) are part of the resume point', async () => {
    const c = toyConfig(40, { method: kdDefaults('universal'), teacher: { source: 'provided' } });
    c.train.evalEvery = 10;
    const full = await run(c, { kd: true });
    const names = [...full.points[0]!.weights.keys()];
    expect(names.some((n) => n.startsWith('kd.'))).toBe(true);
    await checkResume(c, full, 20, true);
  });

  for (const kind of [
    'vanilla',
    'continuation',
    'intermediate',
    'teacher-relabel',
    'small-loss',
  ] as const) {
    it(`${kind}: resumed mid-run, the same losses and weights`, async () => {
      const c = toyConfig(40, { method: kdDefaults(kind), teacher: { source: 'provided' } });
      c.train.evalEvery = 10;
      const full = await run(c, { kd: true });
      await checkResume(c, full, 20, true);
    });
  }

  it("RW-KD: the held-out split and each step's meta batch are rebuilt from the seed", async () => {
    const spec = { ...kdDefaults('rw-kd'), metaSize: 80, metaLoss: 'mix' as const };
    const c = toyConfig(40, { method: spec, teacher: { source: 'provided' } });
    c.train.evalEvery = 10; // 320 rows left to train on: 40 steps an epoch, resumed mid-epoch
    const full = await run(c, { kd: true });
    await checkResume(c, full, 20, true);
  });

  it('Glitter: the augmentation pool (EDA and a pre-trained MLM) is rebuilt the same on resume', async () => {
    const spec = {
      ...kdDefaults('glitter'),
      candidates: 3,
      select: 1,
      augment: 'both' as const,
      generator: {
        model: { ...TOY_STUDENT, hiddenDropout: 0.1, attentionDropout: 0.1 },
        mlm: { steps: 8, lr: 1e-3, batchSize: 16, maskProb: 0.15 },
      },
    };
    const c = toyConfig(30, { method: spec, teacher: { source: 'provided' } });
    c.train.evalEvery = 10;
    const full = await run(c, { kd: true });
    await checkResume(c, full, 20, true);
  });

  it('the Glitter add-on (consistency setup, random selection) on Annealing-KD', async () => {
    const c = toyConfig(40, {
      method: { ...kdDefaults('annealing'), tauMax: 2, phase1Units: 2, phase2Units: 2 },
      teacher: { source: 'provided' },
      glitter: {
        ...glitterAddonDefaults(),
        setup: 'consistency',
        selection: 'random',
        augment: 'eda',
        candidates: 3,
      },
    });
    c.train.evalEvery = 10; // stages 1..20 and 21..40
    const full = await run(c, { kd: true });
    await checkResume(c, full, 10, true);
    await checkResume(c, full, 20, true);
  });

  it('KroneckerBERT two-stage KD: resumed inside stage 1 and at the stage boundary', async () => {
    const c = toyConfig(40, { method: kdDefaults('kronecker'), teacher: { source: 'provided' } });
    c.model = { ...TOY_TEACHER };
    c.student = { kind: 'kron-bert', factors: structuredClone(KRON_FACTORS), init: 'nkp' };
    c.train.evalEvery = 10; // stage 1 (intermediate) 1..20, stage 2 (task) 21..40
    const full = await run(c, { kd: true });
    expect(full.result.evals.map((e) => e.stage)).toEqual([
      'intermediate',
      'intermediate',
      'task',
      'task',
    ]);
    await checkResume(c, full, 10, true);
    await checkResume(c, full, 20, true);
  });

  it("Combined-KD: the generator's weights, optimiser and step count are in the resume point", async () => {
    const spec = {
      ...kdDefaults('combined'),
      tauMax: 2,
      phase1Units: 2,
      phase2Units: 1,
      generatorSteps: 2,
      studentSteps: 3,
      generatorLr: 1e-3, // large enough that the generator moves visibly in a few steps
      generator: {
        model: { ...TOY_STUDENT },
        mlm: { steps: 8, lr: 5e-3, batchSize: 16, maskProb: 0.15 },
      },
    };
    const c = toyConfig(30, { method: spec, teacher: { source: 'provided' } });
    c.train.evalEvery = 5; // phase 1 (cycles of 2 generator + 3 student steps) 1..20, phase 2 21..30
    const full = await run(c, { kd: true });
    const at = (k: number) => full.points.find((p) => p.step === k)!.method!;
    expect(at(10).numbers).toEqual({ optimizerStep: 4, generatorStep: 4 });
    expect(arrays(at(10).tensors)).not.toEqual(arrays(at(5).tensors)); // the generator trained
    await checkResume(c, full, 10, true); // mid phase 1, after a student step
    await checkResume(c, full, 20, true); // at the phase boundary
    // A point without the generator's state, or with part of it, does not resume.
    const point = full.points.find((p) => p.step === 10)!;
    await expect(run(c, { resumeFrom: { ...point, method: null }, kd: true })).rejects.toThrow(
      /does not fit this run: it lacks the method's own state/,
    );
    const tensors = new Map(point.method!.tensors);
    tensors.delete('optimizer.v');
    const partial = { ...point, method: { ...point.method!, tensors } };
    const before = tf.memory().numTensors;
    await expect(run(c, { resumeFrom: partial, kd: true })).rejects.toThrow(
      /Combined-KD: the resume point's method state lacks 'optimizer.v'/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("Pro-KD: the followed footprints' logits are in the resume point (a reloaded teacher has none)", async () => {
    const tc = toyConfig(40);
    tc.model = { ...TOY_TEACHER };
    const r = await runTraining(tc, data, {
      backend: 'wasm',
      footprints: { every: 10, store: 'cpu' },
    });
    const trained = teacherBundle(r.model, r.footprints);
    try {
      expect(trained.footprints.length).toBe(4);
      // On resume the teacher comes from its checkpoint: the same weights, no footprints.
      const reloaded: TeacherBundle = { ...trained, footprints: [], cache: new Map() };
      const spec = { ...kdDefaults('pro-kd'), checkpoints: 3, finalShare: 0.25 };
      const c = toyConfig(40, { method: spec, teacher: { source: 'provided' } });
      c.train.evalEvery = 10; // the 2nd and 4th footprints (steps 20, 40), then the final teacher
      const full = await run(c, { kd: trained });
      expect(full.points[0]!.method!.numbers).toEqual({ footprints: 2 });
      expect(new Set(full.result.train.map((p) => p.terms!['footprint']))).toEqual(
        new Set([0, 1, 2]),
      );
      await checkResume(c, full, 10, trained, reloaded);
      await checkResume(c, full, 30, trained, reloaded);
      // Without its point's state the reloaded teacher would give Pro-KD no footprints at all.
      const point = full.points.find((p) => p.step === 10)!;
      await expect(
        run(c, { resumeFrom: { ...point, method: null }, kd: reloaded }),
      ).rejects.toThrow(/lacks the method's own state/);
    } finally {
      disposeTeacher(trained);
    }
  });

  it("KroneckerBERT's stage-1 MLM term: the student's head resumes without the teacher's", async () => {
    // A teacher carrying an MLM head (as one MLM-pretrained in the run); on resume the teacher
    // comes from its checkpoint, which keeps the encoder and classifier but not that head.
    const cfg = bertConfigOf(teacher.model)!;
    const head = Params.fromArrays(initMlmHeadArrays(cfg, 5), false);
    const withHead = teacherBundle(
      bertModel(cfg, new Params(new Map([...teacher.model.params.vars, ...head.vars]))),
    );
    try {
      const c = toyConfig(20, { method: kdDefaults('kronecker'), teacher: { source: 'provided' } });
      c.model = { ...TOY_TEACHER };
      c.student = { kind: 'kron-bert', factors: structuredClone(KRON_FACTORS), init: 'nkp' };
      c.train.evalEvery = 5; // stage 1 (with the MLM term) 1..10, stage 2 11..20
      const full = await run(c, { kd: withHead });
      expect(Object.keys(full.result.train[0]!.terms!)).toContain('mlm');
      expect(full.points[0]!.method!.numbers).toEqual({ mlmHead: 1 });
      await checkResume(c, full, 5, withHead, teacher);
      await checkResume(c, full, 10, withHead, teacher);
    } finally {
      head.dispose();
    }
  });

  it('SWA add-on: its running average and count are in the resume point', async () => {
    // Plain SWA fine-tuning: θ̄ from step 21 (start 0.5 of 40), every 3 steps, evaluations on θ̄.
    const c = toyConfig(40);
    c.kd = { method: { kind: 'none' }, swa: { start: 0.5, every: 3, lrScale: 2 } };
    c.train.evalEvery = 10;
    const full = await run(c);
    expect(full.points.map((p) => p.swa?.count ?? 0)).toEqual([0, 0, 4]); // 21, 24, 27, 30
    expect(full.result.evals.map((e) => e.stage)).toEqual([undefined, undefined, 'swa', 'swa']);
    await checkResume(c, full, 20);
    await checkResume(c, full, 30);
  });

  it('SWA on a two-stage method (Annealing-KD): averaging in the last stage', async () => {
    const spec = { ...kdDefaults('annealing'), tauMax: 2, phase1Units: 2, phase2Units: 2 };
    const c = toyConfig(40, {
      method: spec,
      teacher: { source: 'provided' },
      swa: { start: 0.25, every: 2, lrScale: 1 },
    });
    c.train.evalEvery = 10; // stages 1..20, 21..40; θ̄ from step 26
    const full = await run(c, { kd: true });
    expect(full.points.map((p) => p.swa?.count ?? 0)).toEqual([0, 0, 3]);
    await checkResume(c, full, 30, true);
  });

  it('refuses a point that does not fit the run, with the reason and without leaks', async () => {
    const c = toyConfig(40);
    c.train.evalEvery = 20;
    const full = await run(c);
    const point = full.points[0]!;
    // An SWA run whose point lacks the average it should hold by then, and the other way round.
    const swa = toyConfig(40);
    swa.kd = { method: { kind: 'none' }, swa: { start: 0.25, every: 5, lrScale: 1 } };
    await expect(run(swa, { resumeFrom: point })).rejects.toThrow(
      /SWA average holds 0 snapshots, the run takes 2 by then/,
    );
    const average = new Map([...point.weights].map(([n, a]) => [n, a]));
    await expect(run(c, { resumeFrom: { ...point, swa: { count: 1, average } } })).rejects.toThrow(
      /this run has no SWA/,
    );
    await expect(
      run(c, { resumeFrom: { ...point, method: { tensors: new Map(), numbers: {} } } }),
    ).rejects.toThrow(/holds method state this method does not keep/);
    const tensors = tf.memory().numTensors;
    const wrong = { ...point, weights: new Map([...point.weights].slice(1)) };
    const err = await run(c, { resumeFrom: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect(String(err)).toMatch(/does not fit this run: its weights lack 1/);
    expect(tf.memory().numTensors).toBe(tensors);
    await expect(run(c, { resumeFrom: { ...point, step: 40 } })).rejects.toThrow(/outside/);
  });
});
