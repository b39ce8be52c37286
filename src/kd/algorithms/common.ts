// Checks and small helpers shared by the method modules: what a method requires of the task and
// the teacher, with errors that say which method needs what, and reading a resume point's state.
import * as tf from '@tensorflow/tfjs';
import type { TaskSpec } from '../../data/types';
import type { ParamArray } from '../../model';
import type { MethodEnv, MethodState } from '../method';

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

/**
 * Array `name` of a method's saved state (MethodEnv.resume), checked against `shape` when given.
 * Throws a message naming the method when it is missing or has another shape.
 */
export function stateArray(
  state: MethodState,
  name: string,
  method: string,
  shape?: readonly number[],
): ParamArray {
  const a = state.tensors.get(name);
  if (!a) throw new Error(`${method}: the resume point's method state lacks '${name}'`);
  if (shape && a.shape.join('x') !== shape.join('x')) {
    throw new Error(
      `${method}: the resume point's '${name}' has shape [${a.shape}], the run needs [${shape}]`,
    );
  }
  return a;
}

/** Counter `name` of a method's saved state (a non-negative integer), or a message naming the method. */
export function stateCount(state: MethodState, name: string, method: string): number {
  const n = state.numbers[name];
  if (n === undefined || !Number.isInteger(n) || n < 0) {
    throw new Error(`${method}: the resume point's method state has no count '${name}'`);
  }
  return n;
}

/** Variables read back as named arrays (a method's state for a resume point), names prefixed. */
export async function readVars(
  vars: Map<string, tf.Variable>,
  prefix: string,
): Promise<Map<string, ParamArray>> {
  const out = new Map<string, ParamArray>();
  for (const [name, v] of vars) {
    out.set(`${prefix}${name}`, {
      shape: v.shape.slice(),
      data: Float32Array.from(await v.data()),
    });
  }
  return out;
}

/** Writes saved arrays `${prefix}${name}` into `vars` (each must be there, same shape). */
export function writeVars(
  vars: Map<string, tf.Variable>,
  prefix: string,
  state: MethodState,
  method: string,
): void {
  const arrays = [...vars].map(
    ([name, v]) => [v, stateArray(state, `${prefix}${name}`, method, v.shape)] as const,
  );
  tf.tidy(() => arrays.forEach(([v, a]) => v.assign(tf.tensor(a.data, a.shape, 'float32'))));
}
