// Checks and small helpers shared by the method modules: what a method requires of the task and
// the teacher, with errors that say which method needs what.
import * as tf from '@tensorflow/tfjs';
import type { TaskSpec } from '../../data/types';
import type { MethodEnv } from '../method';

/** Throws unless the task is a classification (KL and soft targets need class probabilities). */
export function requireClassification(task: TaskSpec, method: string): void {
  if (task.kind !== 'classification') {
    throw new Error(
      `${method} needs a classification task (class probabilities); ${task.name} is a regression. ` +
        'Use Annealing-KD or Continuation-KD (logit MSE) instead.',
    );
  }
}

/** The cached teacher logits, or an error naming the method that needs a teacher. */
export function requireTeacherLogits(env: MethodEnv, method: string): Float32Array {
  if (!env.teacher || !env.teacherLogits) {
    throw new Error(`${method} needs a teacher: set kd.teacher in the run config`);
  }
  return env.teacherLogits;
}

let counter = 0;

/**
 * A trainable variable a method owns (projections, heads), initialised from `init` (which it
 * takes over). tfjs wants globally unique names; the readable name stays in front.
 */
export function kdVariable<R extends tf.Rank>(name: string, init: tf.Tensor<R>): tf.Variable<R> {
  counter += 1;
  const v = tf.variable(init, true, `${name}#kd${counter}`);
  init.dispose();
  return v;
}
