// Vanilla KD (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a Neural Network",
// arXiv:1503.02531): hard-label cross-entropy mixed with the T²-scaled soft-target KL.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, softTargetKl } from '../losses';
import { singleStage, type LossTerms, type MethodImpl } from '../method';
import type { VanillaSpec } from '../spec';
import { requireClassification, requireTeacherLogits } from './common';

/**
 * L = α·mean_b CE(y_b, σ(z_S,b)) + (1 − α)·mean_b T²·KL(σ(z_T,b/T) ‖ σ(z_S,b/T))
 * (Continuation-KD Eq. 1 with Hinton's T²; KLDivLoss 'batchmean' as in the Glitter code).
 * student, teacher: [B, C] logits; labels: [B] class indices. Terms: ce, kd.
 */
export function vanillaKdLoss(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  labels: tf.Tensor1D,
  temperature: number,
  alpha: number,
): LossTerms {
  const ce = tf.mean(crossEntropy(student, labels)) as tf.Scalar;
  const kd = tf.mean(softTargetKl(student, teacher, temperature)) as tf.Scalar;
  const total = tf.add(tf.mul(ce, alpha), tf.mul(kd, 1 - alpha)) as tf.Scalar;
  return { total, terms: { ce, kd } };
}

export const vanilla: MethodImpl<VanillaSpec> = async (spec, env) => {
  requireClassification(env.task, 'Vanilla KD');
  requireTeacherLogits(env, 'Vanilla KD');
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    loss: (inp) =>
      vanillaKdLoss(
        inp.student.logits,
        inp.teacherLogits(),
        inp.batch.labels,
        spec.temperature,
        spec.alpha,
      ),
    dispose: () => {},
  };
};
