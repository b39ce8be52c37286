// The Methods panel's schedule preview (config/kd-preview.ts) against the methods themselves: each
// method's runtime is built from its spec, its loss is run at every step, and the schedule terms it
// reports (Annealing-KD's Φ, Continuation-KD's φ and ψ, Pro-KD's footprint) and its stages must be
// the preview's. A short Annealing-KD + SWA run of the training loop checks the learning rate and
// the stage of every step against the preview too.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { schedulePreview, type PreviewPoint } from '../config/kd-preview';
import { kroneckerStagePlan, stageClock } from '../config/kd-schedules';
import { kroneckerStages } from './algorithms/kronecker';
import { runTraining } from '../train/loop';
import { kdDefaults } from './defaults';
import { createMethod } from './registry';
import type { KdConfig, KdSpec } from './spec';
import { disposeTeacher, teacherBundle, type TeacherBundle } from './teacher';
import { TOY_TEACHER, fakeEnv, fakeStepInputs, toyConfig, toyTask } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const TRAIN = { lr: 1e-3, warmup: 0.1 };

/** Every step of the preview (maxPoints ≥ steps), by step. */
function previewByStep(kd: KdConfig, steps: number): Map<number, PreviewPoint> {
  const p = schedulePreview(kd, { ...TRAIN, steps }, steps + 10);
  expect(p.error).toBeNull();
  expect(p.points.length).toBe(steps);
  return new Map(p.points.map((pt) => [pt.step, pt]));
}

/** Runs the method's loss at every step; returns its scalar terms by step. */
async function methodTerms(
  spec: KdSpec,
  steps: number,
  footprints = 0,
): Promise<{
  stages: { name: string; steps: number }[];
  terms: Map<number, Record<string, number>>;
}> {
  const C = 2;
  const B = 2;
  const teacherLogits = Float32Array.from({ length: B * C }, (_, i) => (i % 3) - 1);
  const rt = await createMethod(
    spec,
    fakeEnv({
      totalSteps: steps,
      teacherLogits,
      footprints: Array.from({ length: footprints }, () => teacherLogits),
    }),
  );
  const clock = stageClock(rt.stages, TRAIN.lr, TRAIN.warmup);
  const terms = new Map<number, Record<string, number>>();
  for (let step = 1; step <= steps; step++) {
    const info = clock.at(step);
    tf.tidy(() => {
      const r = rt.loss(
        fakeStepInputs({
          logits: tf.tensor2d([0.2, -0.1, 0.4, 0.3], [B, C]),
          teacherLogits: tf.tensor2d(teacherLogits, [B, C]),
          labels: tf.tensor1d([0, 1]),
          info,
        }),
      );
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(r.terms)) out[k] = v.dataSync()[0]!;
      terms.set(step, out);
    });
  }
  rt.dispose();
  return { stages: rt.stages.map((s) => ({ name: s.name, steps: s.steps })), terms };
}

describe('schedule preview = the method’s own schedule', () => {
  it('Annealing-KD: phases and Φ at every step', async () => {
    const spec = { ...kdDefaults('annealing'), tauMax: 4, phase1Units: 5, phase2Units: 2 };
    const steps = 47;
    const { stages, terms } = await methodTerms(spec, steps);
    const preview = schedulePreview({ method: spec }, { ...TRAIN, steps });
    expect(preview.stages.map((s) => ({ name: s.name, steps: s.steps }))).toEqual(stages);
    const byStep = previewByStep({ method: spec }, steps);
    let phase1 = 0;
    for (const [step, t] of terms) {
      const p = byStep.get(step)!;
      if (t['phi'] !== undefined) {
        phase1++;
        expect(p['phi']).toBeCloseTo(t['phi'], 6);
        expect(p['w_mse']).toBe(1);
      } else {
        expect(p['phi']).toBeUndefined();
        expect(p['w_ce']).toBe(1);
      }
    }
    expect(phase1).toBe(stages[0]!.steps);
  });

  it('Continuation-KD: φ and ψ at every step', async () => {
    const spec = { ...kdDefaults('continuation'), tMax: 5, units: 12, psiRampUnits: 8 };
    const steps = 60;
    const { stages, terms } = await methodTerms(spec, steps);
    expect(stages).toEqual([{ name: 'train', steps }]);
    const byStep = previewByStep({ method: spec }, steps);
    const psis = new Set<number>();
    for (const [step, t] of terms) {
      const p = byStep.get(step)!;
      expect(p['phi']).toBeCloseTo(t['phi']!, 6);
      expect(p['psi']).toBeCloseTo(t['psi']!, 6);
      psis.add(Math.round(t['psi']! * 1e6));
    }
    expect(psis.size).toBeGreaterThan(5); // the schedule actually moves
  });

  it('Pro-KD: the footprint followed at every step, from the teacher’s footprint count', async () => {
    const spec = { ...kdDefaults('pro-kd'), checkpoints: 4, finalShare: 0.25 };
    const steps = 40;
    // A teacher of 90 steps saving every 30 keeps 3 footprints; K = 4 with the final teacher.
    const teacher = {
      source: 'train' as const,
      model: TOY_TEACHER,
      train: { ...toyConfig(90).train },
      footprintEvery: 30,
    };
    const { terms } = await methodTerms(spec, steps, 3);
    const byStep = previewByStep({ method: spec, teacher }, steps);
    for (const [step, t] of terms) expect(byStep.get(step)!['footprint']).toBe(t['footprint']);
    expect(byStep.get(steps)!['footprint']).toBe(3);
  });

  it('KroneckerBERT two-stage KD: the preview plans the method’s own stages', () => {
    for (const share of [0.01, 0.3, 0.5, 0.99]) {
      for (const steps of [2, 3, 17, 200]) {
        const spec = { ...kdDefaults('kronecker'), stage1Share: share };
        expect(kroneckerStagePlan(spec, steps)).toEqual(kroneckerStages(spec, steps));
        const p = schedulePreview({ method: spec }, { ...TRAIN, steps });
        expect(p.stages.map((s) => s.steps)).toEqual(
          kroneckerStages(spec, steps).map((s) => s.steps),
        );
      }
    }
    expect(
      schedulePreview({ method: kdDefaults('kronecker') }, { ...TRAIN, steps: 1 }).error,
    ).toMatch(/at least 2 steps/);
  });

  it('single-stage methods have one stage, as the runtime', async () => {
    for (const spec of [kdDefaults('vanilla'), kdDefaults('small-loss'), kdDefaults('none')]) {
      const { stages } = await methodTerms(spec, 20);
      const p = schedulePreview({ method: spec }, { ...TRAIN, steps: 20 });
      expect(p.stages.map((s) => ({ name: s.name, steps: s.steps }))).toEqual(stages);
    }
  });
});

describe('schedule preview = the training loop’s learning rate and stages (wasm)', () => {
  const data = toyTask(3, 200, 40);
  let teacher: TeacherBundle;

  beforeAll(async () => {
    const c = toyConfig(20);
    c.model = { ...TOY_TEACHER };
    const r = await runTraining(c, data, { backend: 'wasm' });
    teacher = teacherBundle(r.model);
  });
  afterAll(() => disposeTeacher(teacher));

  it('Annealing-KD with SWA: lr and stage of every step', async () => {
    const method = { ...kdDefaults('annealing'), tauMax: 2, phase1Units: 2, phase2Units: 1 };
    const swa = { start: 0.5, every: 2, lrScale: 0.5 };
    const steps = 24;
    const c = toyConfig(steps, { method, teacher: { source: 'provided' }, swa });
    c.train.evalEvery = 100;
    const r = await runTraining(c, data, { backend: 'wasm', teacher });
    const preview = schedulePreview({ method, swa }, { ...c.train }, steps + 10);
    expect(preview.points.length).toBe(steps);
    expect(preview.swaStart).toBe(21); // the labels stage is steps 17..24; half-way in: 17 + 4
    expect(r.train.length).toBe(steps);
    const stageOf = (step: number): string => {
      const s = preview.stages.find((st) => step >= st.start && step < st.start + st.steps)!;
      return s.name;
    };
    for (const p of r.train) {
      const pv = preview.points[p.step - 1]!;
      expect(pv.step).toBe(p.step);
      expect(pv['lr']! * c.train.lr).toBeCloseTo(p.lr, 9);
      expect(stageOf(p.step)).toBe(p.stage);
    }
    r.model.dispose();
  });
});
