// Annealing-KD (Jafari, Rezagholizadeh, Sharma & Ghodsi, EACL 2021, arXiv:2104.07163; official
// code huawei-noah/Efficient-NLP/Annealing_KD). Phase 1 regresses the student's logits onto the
// teacher's scaled by an annealing factor Φ that grows from 1/τ_max to 1; phase 2 restarts from the
// best phase-1 checkpoint with a new optimiser and trains on the hard labels alone.
import * as tf from '@tensorflow/tfjs';
import { squaredError } from '../losses';
import { annealingFactor, annealingStages, unitOf } from '../../config/kd-schedules';
import type { LossTerms, MethodImpl } from '../method';
import type { AnnealingSpec } from '../spec';
import type { ClassReduction } from '../losses';
import { requireTeacherLogits } from './common';

// The schedule (Φ per unit) and the phase split are pure (shared with the UI's preview).
export { annealingFactor, annealingStages, unitOf } from '../../config/kd-schedules';

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
