// The KD methods' schedules and stage plans as pure functions of the step (plain numbers, no
// tensors): Annealing-KD's factor and phases, Continuation-KD's T, φ and ψ, Pro-KD's footprint
// sequence, small-loss's forget rate, Universal-KD's stages, Combined-KD's generator cycle, SWA's
// averaging plan and the loop's per-stage learning rate. The methods in src/kd and the training
// loop use these very functions; the UI's schedule previews (./kd-preview) call them too.
import { buildSchedule, type Schedule, type ScheduleSpec } from './schedule';
import type { ContinuationSpec, KroneckerSpec, SmallLossSpec, SwaSpec } from '../kd/spec';

/** One stage (phase) of a method, in training order. */
export interface StagePlan {
  /** Shown in charts as TrainPoint.stage, e.g. 'anneal', 'labels'. */
  name: string;
  /** Optimiser steps in this stage, >= 1. The stages' steps sum to the run's steps. */
  steps: number;
  /** Start this stage from the best dev checkpoint of the previous one (weights restored). */
  fromBest: boolean;
  /** A new optimiser (fresh moments) and a new warm-up/decay learning-rate schedule. */
  freshOptimizer: boolean;
}

/** Where a step sits in the run. */
export interface StepInfo {
  /** Global optimiser step, 1-based. */
  step: number;
  /** Index into the method's stages. */
  stage: number;
  /** 1-based step within the stage. */
  stageStep: number;
  /** Length of the stage in steps. */
  stageSteps: number;
}

/** A single stage covering the whole run (methods without phases). */
export function singleStage(totalSteps: number, name = 'train'): StagePlan[] {
  return [{ name, steps: totalSteps, fromBest: false, freshOptimizer: true }];
}

/** Where each stage starts (1-based step) and its learning-rate schedule. */
export interface StageClock {
  starts: number[];
  /** Learning rate at a global 1-based step (a new warm-up/decay at every fresh-optimiser stage). */
  lr: Schedule;
  /** The stage of a global 1-based step. */
  at(step: number): StepInfo;
}

/** Lays the stages end to end; each fresh-optimiser stage restarts warm-up and linear decay. */
export function stageClock(stages: StagePlan[], peak: number, warmupFrac: number): StageClock {
  const starts: number[] = [];
  let s = 1;
  for (const st of stages) {
    starts.push(s);
    s += st.steps;
  }
  // Segments: a fresh-optimiser stage and the stages after it that keep its optimiser.
  const segStart = stages.map((_, i) => {
    let j = i;
    while (j > 0 && !stages[j]!.freshOptimizer) j--;
    return j;
  });
  const segSteps = stages.map((_, i) => {
    let n = 0;
    for (
      let j = segStart[i]!;
      j < stages.length && (j === segStart[i] || !stages[j]!.freshOptimizer);
      j++
    )
      n += stages[j]!.steps;
    return n;
  });
  const at = (step: number): StepInfo => {
    let k = 0;
    while (k + 1 < stages.length && step >= starts[k + 1]!) k++;
    return { step, stage: k, stageStep: step - starts[k]! + 1, stageSteps: stages[k]!.steps };
  };
  const schedules = stages.map((_, i) =>
    buildSchedule({
      kind: 'warmupLinear',
      peak,
      warmup: Math.round(warmupFrac * segSteps[i]!),
      total: segSteps[i]!,
    }),
  );
  const lr: Schedule = (step) => {
    const k = at(step).stage;
    const seg = segStart[k]!;
    return schedules[k]!(step - starts[seg]!);
  };
  return { starts, lr, at };
}

// --- Annealing-KD (Jafari et al., EACL 2021) ------------------------------------------------

/**
 * The official code's annealing factor for 0-based epoch (unit) i of phase 1:
 *   temp = 1 + ⌊i / k⌋ with k = ⌊n1 / τ_max⌋ (it increments temp when i % k == 0 and i > 0),
 *   Φ = temp / τ_max, clamped at 1.
 * Without the clamp, n1 not a multiple of τ_max overshoots (n1 = 10, τ_max = 7: temp reaches 10,
 * Φ = 10/7; dossier §8.1). Requires n1 ≥ τ_max (the code's CV script asserts it).
 * Equivalently Φ(T) = 1 − (T − 1)/τ_max with T = τ_max − temp + 1 (the paper's form).
 */
export function annealingFactor(unit: number, phase1Units: number, tauMax: number): number {
  const k = Math.floor(phase1Units / tauMax);
  if (k < 1) {
    throw new Error(`Annealing-KD needs phase-1 units (${phase1Units}) ≥ τ_max (${tauMax})`);
  }
  const temp = Math.min(tauMax, 1 + Math.floor(unit / k));
  return temp / tauMax;
}

/** 0-based unit (the code's epoch) of a 1-based stage step, with `units` equal units per stage. */
export function unitOf(stageStep: number, stageSteps: number, units: number): number {
  return Math.min(units - 1, Math.floor(((stageStep - 1) * units) / stageSteps));
}

/** Phase lengths in steps: the run's steps split n1 : n2 (each at least one step). */
export function annealingStages(totalSteps: number, n1: number, n2: number): StagePlan[] {
  const s1 = Math.min(totalSteps - 1, Math.max(1, Math.round((totalSteps * n1) / (n1 + n2))));
  return [
    { name: 'anneal', steps: s1, fromBest: false, freshOptimizer: true },
    { name: 'labels', steps: totalSteps - s1, fromBest: true, freshOptimizer: true },
  ];
}

// --- Continuation-KD (Jafari et al., Findings of EMNLP 2022) --------------------------------

/**
 * Algorithm 1's temperature at 1-based epoch i: T starts at T_max and drops by one whenever
 * i mod k = 0 with k = ⌊n/T_max⌋, so T_i = T_max − ⌊i/k⌋, clamped at 1 (the literal algorithm
 * reaches T = 0, φ = 1.1, at i = 30 for n = 30, T_max = 10; dossier §4.1).
 */
export function continuationT(i: number, units: number, tMax: number): number {
  const k = Math.floor(units / tMax);
  if (k < 1) throw new Error(`Continuation-KD needs units (${units}) ≥ T_max (${tMax})`);
  return Math.max(1, tMax - Math.floor(i / k));
}

/** φ(T) = 1 − (T − 1)/T_max (Eq. 5): 1/T_max at T = T_max, 1 at T = 1. */
export function continuationPhi(T: number, tMax: number): number {
  return 1 - (T - 1) / tMax;
}

/**
 * ψ as a schedule over the 1-based epoch i: the paper's GLUE setting ψ(i) = i/40 for i ≤ 20,
 * then 1 (a ramp to `psiRampTo` over `psiRampUnits` epochs, then a jump to 1).
 */
export function psiSchedule(
  spec: Pick<ContinuationSpec, 'psiRampUnits' | 'psiRampTo'>,
): ScheduleSpec {
  return {
    kind: 'join',
    parts: [
      { kind: 'linear', from: 0, to: spec.psiRampTo, steps: spec.psiRampUnits },
      { kind: 'constant', value: 1 },
    ],
    boundaries: [spec.psiRampUnits + 1],
  };
}

// --- Pro-KD (Rezagholizadeh et al., COLING 2022) ------------------------------------------

/**
 * Which saved footprints (0-based, of `saved`) the student follows: `want − 1` evenly spaced ones
 * ending at the last saved, so that with the final teacher appended the sequence has `want` items
 * (fewer when fewer were saved).
 */
export function pickFootprints(saved: number, want: number): number[] {
  const k = Math.min(saved, want - 1);
  return Array.from({ length: k }, (_, j) => Math.round(((j + 1) * saved) / k) - 1);
}

/**
 * The sequence index (0 = earliest footprint, K − 1 = final teacher) at 1-based step `step` of
 * `total`: the first (1 − finalShare)·total steps are cut into K equal segments, the rest use the
 * final teacher. Non-decreasing in the step.
 */
export function footprintIndex(step: number, total: number, K: number, finalShare: number): number {
  const follow = Math.max(1, Math.round(total * (1 - finalShare)));
  if (step > follow) return K - 1;
  return Math.min(K - 1, Math.floor(((step - 1) * K) / follow));
}

/** Footprints a teacher trained for `steps` steps saves when it snapshots every `every` (0: none). */
export function footprintsSaved(steps: number, every: number): number {
  return every > 0 ? Math.floor(steps / every) : 0;
}

// --- Small-loss KD under noisy labels (ours; Co-teaching's ramp) ---------------------------

/** Co-teaching's forget rate at step t: r(t) = r_max · min(1, t / (rampShare · total)). */
export function forgetRate(step: number, total: number, spec: SmallLossSpec): number {
  const ramp = Math.max(1, spec.rampShare * total);
  return spec.forgetRate * Math.min(1, step / ramp);
}

// --- Universal-KD (Wu et al., EMNLP 2021) ---------------------------------------------------

/** Stage 1 (with ILD) then stage 2 (no ILD) for the last `stage2Share` of the run. */
export function universalStages(totalSteps: number, stage2Share: number): StagePlan[] {
  const s2 = Math.min(totalSteps - 1, Math.round(totalSteps * stage2Share));
  if (s2 <= 0) return [{ name: 'ild', steps: totalSteps, fromBest: false, freshOptimizer: true }];
  return [
    { name: 'ild', steps: totalSteps - s2, fromBest: false, freshOptimizer: true },
    { name: 'finetune', steps: s2, fromBest: true, freshOptimizer: true },
  ];
}

// --- KroneckerBERT two-stage KD (Tahaei et al., NAACL 2022) ---------------------------------

/**
 * Stage 1 takes round(stage1Share · steps) steps (at least 1, leaving at least 1 for stage 2);
 * each stage starts a fresh optimiser; neither restores a best checkpoint (kd/algorithms/
 * kronecker.kroneckerStages runs this plan).
 */
export function kroneckerStagePlan(
  spec: Pick<KroneckerSpec, 'stage1Share'>,
  totalSteps: number,
): StagePlan[] {
  if (!Number.isInteger(totalSteps) || totalSteps < 2) {
    throw new Error(
      `KroneckerBERT two-stage KD needs at least 2 steps (one per stage), got ${totalSteps}`,
    );
  }
  const s1 = Math.min(totalSteps - 1, Math.max(1, Math.round(spec.stage1Share * totalSteps)));
  return [
    { name: 'intermediate', steps: s1, fromBest: false, freshOptimizer: true },
    { name: 'task', steps: totalSteps - s1, fromBest: false, freshOptimizer: true },
  ];
}

// --- Combined-KD (Li et al., Findings of EMNLP 2021) ----------------------------------------

/**
 * Whether stage step `stageStep` (1-based) of phase 1 is a generator step: in every cycle of
 * g + s batches the first g train the generator and the next s the student (code: idx % 110 < 10).
 */
export function isGeneratorStep(stageStep: number, g: number, s: number): boolean {
  return (stageStep - 1) % (g + s) < g;
}

// --- SWA (Lu et al., Findings of EMNLP 2022) ------------------------------------------------

/** When averaging happens, for a last stage starting at `stageStart` (1-based) of `stageSteps`. */
export interface SwaPlan {
  /** First averaged step t_swa (1-based, global); > the run's last step means never. */
  startStep: number;
  /** Learning rate from t_swa on (constant). */
  lr: number;
  /** Whether θ̄ absorbs θ after step `step`: t ≥ t_swa and (t − t_swa) mod c = 0. */
  averagesAt(step: number): boolean;
}

/** The averaging plan of `spec` over a last stage; `peakLr` is the run's peak learning rate. */
export function swaPlan(
  spec: SwaSpec,
  stageStart: number,
  stageSteps: number,
  peakLr: number,
): SwaPlan {
  const startStep = stageStart + Math.floor(spec.start * stageSteps);
  return {
    startStep,
    lr: spec.lrScale * peakLr,
    averagesAt: (step) => step >= startStep && (step - startStep) % spec.every === 0,
  };
}
