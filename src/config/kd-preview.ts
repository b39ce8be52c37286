// The schedule preview of a KD setup over a run's steps, for the Methods panel's plot: the stages
// (phases) the method lays out, and per step its temperature, loss weights and schedule factors
// (Annealing-KD's Φ, Continuation-KD's φ and ψ, Pro-KD's footprint, small-loss's forget rate) and
// the learning rate as a share of its peak (restarted per fresh-optimiser stage, flat under SWA).
// Built from the same pure functions the methods and the loop run (./kd-schedules), so it is the
// run's schedule, not a drawing of it; src/kd/preview.test.ts checks it against the methods.
import type { KdConfig, KdSpec } from './kd-methods';
import {
  annealingFactor,
  annealingStages,
  continuationPhi,
  continuationT,
  footprintIndex,
  footprintsSaved,
  forgetRate,
  kroneckerStagePlan,
  pickFootprints,
  psiSchedule,
  singleStage,
  stageClock,
  swaPlan,
  unitOf,
  universalStages,
  type StagePlan,
  type StepInfo,
} from './kd-schedules';
import type { TrainConfig } from './run-config';
import { buildSchedule } from './schedule';

/** One plotted quantity. */
export interface PreviewSeries {
  key: string;
  label: string;
}

/** A stage of the run: its name, first step (1-based) and length. */
export interface PreviewStage {
  name: string;
  start: number;
  steps: number;
}

/** One sampled step: `step` and the value of each series defined there. */
export type PreviewPoint = { step: number } & Record<string, number>;

export interface SchedulePreview {
  totalSteps: number;
  stages: PreviewStage[];
  series: PreviewSeries[];
  /** At most `maxPoints` steps (every stage's first and last step included). */
  points: PreviewPoint[];
  /** First step averaged by SWA, or null without SWA (or when it never starts). */
  swaStart: number | null;
  /** Why there is no preview (a setting the schedule cannot be built from), else null. */
  error: string | null;
}

/** Labels of the series the methods produce, in legend order. */
export const SERIES_LABELS: Readonly<Record<string, string>> = {
  lr: 'learning rate ÷ peak',
  T: 'temperature T',
  phi: 'teacher scale Φ / φ',
  psi: 'ψ (label weight)',
  footprint: 'teacher footprint',
  forget: 'forget rate',
  w_ce: 'weight: labels (CE)',
  w_kd: 'weight: KD',
  w_mse: 'weight: logit MSE',
  w_cnt: 'weight: continuation term',
  w_emb: 'weight: embeddings',
  w_hidden: 'weight: hidden states',
  w_att: 'weight: attention',
  w_logits: 'weight: logits',
  w_ild: 'weight: layer KD (ILD)',
  w_mlm: 'weight: student MLM',
  w_aug: 'weight: augmented KD',
  w_uda: 'weight: consistency (UDA)',
};

type Values = Record<string, number>;

/** A method's stage plan and its per-step values. */
interface MethodSchedule {
  stages: StagePlan[];
  at(info: StepInfo): Values;
}

/** Values of vanilla KD's mix: L = α·CE + (1 − α)·T²·KL. */
const kdMix = (T: number, alpha: number): Values => ({ T, w_ce: alpha, w_kd: 1 - alpha });

/**
 * The stages and per-step values of `spec` over `total` steps. `teacher` is the run's teacher
 * (Pro-KD's footprint count depends on how many it saves).
 */
function methodSchedule(spec: KdSpec, total: number, teacher: KdConfig['teacher']): MethodSchedule {
  switch (spec.kind) {
    case 'none':
      return { stages: singleStage(total), at: () => ({ w_ce: 1 }) };
    case 'vanilla':
    case 'teacher-relabel':
      return { stages: singleStage(total), at: () => kdMix(spec.temperature, spec.alpha) };
    case 'small-loss':
      return {
        stages: singleStage(total),
        at: (i) => ({
          ...kdMix(spec.temperature, spec.alpha),
          forget: forgetRate(i.step, total, spec),
        }),
      };
    case 'intermediate': {
      const w = spec.weights;
      const values: Values = {
        T: spec.temperature,
        w_emb: w.embedding,
        w_hidden: w.hidden,
        w_att: w.attention,
        w_logits: w.logits,
        w_ce: w.ce,
      };
      return { stages: singleStage(total), at: () => values };
    }
    case 'kronecker': {
      const [a, b] = [spec.stage1, spec.stage2];
      return {
        stages: kroneckerStagePlan(spec, total),
        at: (i): Values =>
          i.stage === 0
            ? { w_emb: a.embedding, w_hidden: a.hidden, w_att: a.attention, w_mlm: a.mlm }
            : {
                T: spec.temperature,
                w_emb: b.embedding,
                w_hidden: b.hidden,
                w_att: b.attention,
                w_logits: b.logits,
                w_ce: b.ce,
              },
      };
    }
    case 'annealing':
    case 'combined': {
      annealingFactor(0, spec.phase1Units, spec.tauMax); // throws the method's own message
      return {
        stages: annealingStages(total, spec.phase1Units, spec.phase2Units),
        at: (i): Values => {
          if (i.stage !== 0) return { w_mse: 0, w_ce: 1 };
          // Combined-KD 'bert': ½CE + ½MSE(x); 'roberta' and Annealing-KD: MSE alone.
          const bert = spec.kind === 'combined' && spec.variant === 'bert';
          const unit = unitOf(i.stageStep, i.stageSteps, spec.phase1Units);
          return {
            phi: annealingFactor(unit, spec.phase1Units, spec.tauMax),
            w_mse: bert ? 0.5 : 1,
            w_ce: bert ? 0.5 : 0,
          };
        },
      };
    }
    case 'continuation': {
      continuationT(1, spec.units, spec.tMax); // throws the method's own message
      const psi = buildSchedule(psiSchedule(spec));
      return {
        stages: singleStage(total),
        at: (info) => {
          const i = unitOf(info.stageStep, info.stageSteps, spec.units) + 1;
          const T = continuationT(i, spec.units, spec.tMax);
          const p = psi(i);
          return { T, phi: continuationPhi(T, spec.tMax), psi: p, w_ce: p, w_cnt: 1 - p };
        },
      };
    }
    case 'pro-kd': {
      // The footprints the teacher will save decide K (the final teacher is always last).
      const saved =
        teacher?.source === 'train'
          ? footprintsSaved(teacher.train.steps, teacher.footprintEvery)
          : spec.checkpoints - 1;
      const K = pickFootprints(saved, spec.checkpoints).length + 1;
      return {
        stages: singleStage(total),
        at: (i) => ({
          ...kdMix(spec.temperature, spec.alpha),
          footprint: footprintIndex(i.step, total, K, spec.finalShare),
        }),
      };
    }
    case 'rw-kd':
      return { stages: singleStage(total), at: () => ({ T: spec.temperature }) };
    case 'universal': {
      const w = spec.weights;
      return {
        stages: universalStages(total, spec.stage2Share),
        at: (i) =>
          i.stage === 0
            ? { T: spec.temperature, w_ce: w.ce, w_kd: w.kd, w_ild: w.ild }
            : { T: spec.temperature, w_ce: w.ce, w_kd: spec.stage2Kd ? w.kd : 0, w_ild: 0 },
      };
    }
    case 'glitter': {
      const w = spec.weights;
      const values: Values =
        spec.setup === 'kd'
          ? { T: spec.temperature, w_ce: w.ce, w_kd: w.kd, w_aug: w.aug }
          : { T: spec.uda.temperature, w_ce: 1, w_uda: spec.uda.alpha };
      return { stages: singleStage(total), at: () => values };
    }
    default:
      // A kind this preview does not know yet: its stages are not drawn.
      return { stages: singleStage(total), at: () => ({}) };
  }
}

/**
 * The preview of `kd` (undefined = plain training) over a run of `train.steps` steps, sampled at
 * most `maxPoints` times. Settings the schedule cannot be built from give `error` and no points.
 */
export function schedulePreview(
  kd: KdConfig | undefined,
  train: Pick<TrainConfig, 'steps' | 'lr' | 'warmup'>,
  maxPoints = 240,
): SchedulePreview {
  const total = Math.floor(train.steps);
  const empty = (error: string): SchedulePreview => ({
    totalSteps: Math.max(0, total),
    stages: [],
    series: [],
    points: [],
    swaStart: null,
    error,
  });
  if (!Number.isFinite(total) || total < 1) return empty('the run needs at least one step');
  let plan: MethodSchedule;
  try {
    plan = methodSchedule(kd?.method ?? { kind: 'none' }, total, kd?.teacher);
  } catch (e) {
    return empty(e instanceof Error ? e.message : String(e));
  }
  const stages: PreviewStage[] = [];
  let start = 1;
  for (const st of plan.stages) {
    stages.push({ name: st.name, start, steps: st.steps });
    start += st.steps;
  }
  const peak = train.lr > 0 ? train.lr : 1;
  const clock = stageClock(plan.stages, peak, train.warmup);
  const lastStage = stages[stages.length - 1]!;
  const swa = kd?.swa ? swaPlan(kd.swa, lastStage.start, lastStage.steps, peak) : null;
  const swaStart = swa && swa.startStep <= total ? swa.startStep : null;

  const picks = sampleSteps(total, stages, swaStart, maxPoints);
  const keys = new Set<string>(['lr']);
  const points = picks.map((step) => {
    const values = plan.at(clock.at(step));
    Object.keys(values).forEach((k) => keys.add(k));
    const rate = swa && step >= swa.startStep ? swa.lr : clock.lr(step);
    return { step, lr: rate / peak, ...values };
  });
  const order = Object.keys(SERIES_LABELS);
  const series = [...keys]
    .sort((a, b) => order.indexOf(a) - order.indexOf(b))
    .map((key) => ({ key, label: SERIES_LABELS[key] ?? key }));
  return { totalSteps: total, stages, series, points, swaStart, error: null };
}

/**
 * Up to `maxPoints` steps of 1..total, evenly spread, always holding each stage's first and last
 * step and the SWA start (so every jump is drawn where it happens).
 */
export function sampleSteps(
  total: number,
  stages: readonly PreviewStage[],
  swaStart: number | null,
  maxPoints: number,
): number[] {
  const set = new Set<number>();
  const n = Math.max(2, maxPoints);
  for (let j = 0; j < n; j++) set.add(1 + Math.round((j * (total - 1)) / (n - 1)));
  for (const s of stages) {
    set.add(s.start);
    if (s.start > 1) set.add(s.start - 1);
    set.add(s.start + s.steps - 1);
  }
  if (swaStart !== null) {
    set.add(swaStart);
    if (swaStart > 1) set.add(swaStart - 1);
  }
  return [...set].filter((s) => s >= 1 && s <= total).sort((a, b) => a - b);
}
