// Continuation-KD (Jafari, Kobyzev, Rezagholizadeh, Poupart & Ghodsi, Findings of EMNLP 2022,
// arXiv:2212.05998). A continuation-optimisation view of distillation: the objective moves from a
// smoothed one (match a shrunken teacher, φ·z_T with φ small, inside a margin) to the full one
// (hard labels), through ψ (label weight) and φ (teacher scale) schedules over the epochs.
import * as tf from '@tensorflow/tfjs';
import { continuationPhi, continuationT, psiSchedule, unitOf } from '../../config/kd-schedules';
import { buildSchedule } from '../../train/schedule';
import { crossEntropy, hinge, squaredError, type ClassReduction } from '../losses';
import { singleStage, type LossTerms, type MethodImpl } from '../method';
import type { ContinuationSpec } from '../spec';
import { requireClassification, requireTeacherLogits } from './common';

// T_i, φ(T) and ψ(i) are pure (shared with the UI's preview).
export { continuationPhi, continuationT, psiSchedule } from '../../config/kd-schedules';

/**
 * L = ψ·mean_b CE_b + (1 − ψ)·mean_b max(0, e_b − m·φ), e_b = squared error of z_S,b and φ·z_T,b
 * over classes (Eq. 3–4). The hinge acts per sample (the paper does not say; [I]); 'mean' class
 * reduction makes m = 0 give exactly Annealing-KD's F.mse_loss.
 * student, teacher: [B, C]; labels: [B]. Terms: ce, cnt.
 */
export function continuationLoss(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  labels: tf.Tensor1D,
  phi: number,
  psi: number,
  margin: number,
  reduce: ClassReduction,
): LossTerms {
  const ce = tf.mean(crossEntropy(student, labels)) as tf.Scalar;
  const err = squaredError(student, tf.mul(teacher, phi), reduce);
  const cnt = tf.mean(hinge(err, margin * phi)) as tf.Scalar;
  const total = tf.add(tf.mul(ce, psi), tf.mul(cnt, 1 - psi)) as tf.Scalar;
  return { total, terms: { ce, cnt } };
}

export const continuation: MethodImpl<ContinuationSpec> = async (spec, env) => {
  requireClassification(env.task, 'Continuation-KD');
  requireTeacherLogits(env, 'Continuation-KD');
  continuationT(1, spec.units, spec.tMax); // fail early on units < T_max
  const psi = buildSchedule(psiSchedule(spec));
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    loss: (inp) => {
      const i = unitOf(inp.info.stageStep, inp.info.stageSteps, spec.units) + 1;
      const phi = continuationPhi(continuationT(i, spec.units, spec.tMax), spec.tMax);
      const p = psi(i);
      const r = continuationLoss(
        inp.student.logits,
        inp.teacherLogits(),
        inp.batch.labels,
        phi,
        p,
        spec.margin,
        spec.classReduction,
      );
      return { total: r.total, terms: { ...r.terms, phi: tf.scalar(phi), psi: tf.scalar(p) } };
    },
    dispose: () => {},
  };
};
