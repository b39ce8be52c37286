// No distillation: the batch-mean task loss alone (the "student trained alone" baseline).
import * as tf from '@tensorflow/tfjs';
import { singleStage, type MethodImpl } from '../method';
import type { NoneSpec } from '../spec';

/** The task loss alone: L = mean_b CE(y_b, σ(z_S,b)) (or squared error for regression). */
export const none: MethodImpl<NoneSpec> = async (_spec, env) => ({
  stages: singleStage(env.totalSteps),
  extraVars: new Map(),
  loss: (inp) => {
    const ce = tf.mean(inp.taskLoss(inp.student.logits)) as tf.Scalar;
    return { total: ce, terms: {} };
  },
  dispose: () => {},
});
