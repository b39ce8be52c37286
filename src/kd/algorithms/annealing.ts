// Annealing-KD (Jafari, Rezagholizadeh, Sharma & Ghodsi, EACL 2021, arXiv:2104.07163; official
// code huawei-noah/Efficient-NLP/Annealing_KD). Phase 1 regresses the student's logits onto the
// teacher's scaled by an annealing factor Φ that grows from 1/τ_max to 1; phase 2 restarts from the
// best phase-1 checkpoint with a new optimiser and trains on the hard labels alone.
import * as tf from '@tensorflow/tfjs';
import { squaredError } from '../losses';
import type { LossTerms, MethodImpl, StagePlan } from '../method';
import type { AnnealingSpec } from '../spec';
import type { ClassReduction } from '../losses';
import { requireTeacherLogits } from './common';

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

/**
 * Phase-1 loss: mean_b e_b with e_b the squared error between z_S,b and Φ·z_T,b reduced over
 * classes ('mean': the code's F.mse_loss(S(x), T(x)·Φ); 'sum': the paper's ‖·‖²₂).
 * student, teacher: [B, C] → scalar. Term: mse (and the factor, as a constant).
 */
export function annealingLoss(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  phi: number,
  reduce: ClassReduction,
): LossTerms {
  const mse = tf.mean(squaredError(student, tf.mul(teacher, phi), reduce)) as tf.Scalar;
  return { total: mse, terms: { mse, phi: tf.scalar(phi) } };
}

export const annealing: MethodImpl<AnnealingSpec> = async (spec, env) => {
  requireTeacherLogits(env, 'Annealing-KD');
  annealingFactor(0, spec.phase1Units, spec.tauMax); // fail early on n1 < τ_max
  const stages = annealingStages(env.totalSteps, spec.phase1Units, spec.phase2Units);
  return {
    stages,
    extraVars: new Map(),
    loss: (inp) => {
      if (inp.info.stage === 0) {
        const unit = unitOf(inp.info.stageStep, inp.info.stageSteps, spec.phase1Units);
        const phi = annealingFactor(unit, spec.phase1Units, spec.tauMax);
        return annealingLoss(inp.student.logits, inp.teacherLogits(), phi, spec.classReduction);
      }
      // Phase 2: the hard labels only; the teacher is not consulted.
      const ce = tf.mean(inp.taskLoss(inp.student.logits)) as tf.Scalar;
      return { total: ce, terms: { ce } };
    },
    dispose: () => {},
  };
};
