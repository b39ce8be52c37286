// The exhaustive registry of KD methods (STYLE R4): one entry per KdSpec kind, so adding a kind
// without its module fails to compile, and there is no string lookup that can miss at runtime.
import { annealing } from './algorithms/annealing';
import { combined } from './algorithms/combined';
import { continuation } from './algorithms/continuation';
import { glitter, withGlitter } from './algorithms/glitter';
import { intermediate } from './algorithms/intermediate';
import { kronecker } from './algorithms/kronecker';
import { none } from './algorithms/none';
import { smallLoss, teacherRelabelKd } from './algorithms/noisy';
import { proKd } from './algorithms/pro-kd';
import { rwKd } from './algorithms/rw-kd';
import { universal } from './algorithms/universal';
import { vanilla } from './algorithms/vanilla';
import type { MethodEnv, MethodImpl, MethodRuntime } from './method';
import type { KdConfig, KdKind, KdSpec } from './spec';

/** The spec type of each kind. */
export type SpecOf = { [K in KdKind]: Extract<KdSpec, { kind: K }> };

export const KD_ALGORITHMS: { [K in KdKind]: MethodImpl<SpecOf[K]> } = {
  none,
  vanilla,
  intermediate,
  kronecker,
  annealing,
  continuation,
  'pro-kd': proKd,
  'teacher-relabel': teacherRelabelKd,
  'small-loss': smallLoss,
  combined,
  'rw-kd': rwKd,
  universal,
  glitter,
};

/** Training examples a method holds out of the student's training split (RW-KD's meta split). */
export function heldOutSize(spec: KdSpec): number {
  return spec.kind === 'rw-kd' ? spec.metaSize : 0;
}

/** Builds the runtime of a method spec (a correlated lookup: the kind picks its own module). */
export function createMethod<K extends KdKind>(
  spec: { [P in K]: SpecOf[P] }[K],
  env: MethodEnv,
): Promise<MethodRuntime> {
  const impl: MethodImpl<SpecOf[K]> = KD_ALGORITHMS[spec.kind];
  return impl(spec, env);
}

/** The runtime of a whole KD config: its method, with the Glitter add-on on top when set. */
export async function createKdRuntime(
  kd: Pick<KdConfig, 'method' | 'glitter'>,
  env: MethodEnv,
): Promise<MethodRuntime> {
  const base = await createMethod(kd.method, env);
  if (!kd.glitter) return base;
  try {
    return await withGlitter(base, kd.glitter, env);
  } catch (e) {
    base.dispose();
    throw e;
  }
}

/** Whether a method distils from a teacher ('none' and Glitter's consistency setup do not). */
export { methodNeedsTeacher as needsTeacher, kdNeedsTeacher } from '../config/kd-methods';
