// Pro-KD (Rezagholizadeh et al., COLING 2022, arXiv:2110.08532): "follow the training footprints
// of the teacher" instead of distilling only from the final one. The paper's algorithm could not
// be read (dossier §5, §14.1); this is the dossier's reference interpretation (§5.1), with every
// choice a parameter: the teacher saves snapshots while it trains (kd.teacher.footprintEvery), and
// the student distils from K of them in training order, early to final, in equal segments, then
// (optionally) from the final teacher alone. The loss is vanilla KD's (or logit MSE) against the
// current footprint's cached logits. Those cached logits are the method's state in a resume point
// (a resumed run's teacher comes from its checkpoint, without the snapshots).
import * as tf from '@tensorflow/tfjs';
import { footprintIndex, pickFootprints } from '../../config/kd-schedules';
import { logitMse } from '../losses';
import { singleStage, type MethodEnv, type MethodImpl, type MethodState } from '../method';
import type { ProKdSpec } from '../spec';
import { batchLogits } from '../teacher';
import { vanillaKdLoss } from './vanilla';
import { requireClassification, requireTeacherLogits, stateArray, stateCount } from './common';

// The footprint sequence is pure (shared with the UI's preview).
export { footprintIndex, pickFootprints } from '../../config/kd-schedules';

export const proKd: MethodImpl<ProKdSpec> = async (spec, env) => {
  if (spec.loss === 'kl') requireClassification(env.task, 'Pro-KD');
  const final = requireTeacherLogits(env, 'Pro-KD');
  const C = env.task.kind === 'regression' ? 1 : env.task.numLabels;
  // Cached logits of each followed footprint, then the final teacher's (computed once here). On
  // resume they come from the resume point: the footprints are snapshots of the teacher's
  // training, which its checkpoint does not keep.
  const followed = env.resume
    ? savedFootprints(env.resume, env.train.n * C)
    : await footprintSequence(spec, env);
  const sequence = [...followed, final];
  const K = sequence.length;
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    loss: (inp) => {
      const j = footprintIndex(inp.info.step, env.totalSteps, K, spec.finalShare);
      const zt = batchLogits(sequence[j]!, C, inp.rows, inp.batch.labels.shape[0]);
      const zs = inp.student.logits;
      const r =
        spec.loss === 'kl'
          ? vanillaKdLoss(zs, zt, inp.batch.labels, spec.temperature, spec.alpha)
          : (() => {
              const ce = tf.mean(inp.taskLoss(zs)) as tf.Scalar;
              const kd = logitMse(zs, zt);
              const total = tf.add(tf.mul(ce, spec.alpha), tf.mul(kd, 1 - spec.alpha)) as tf.Scalar;
              return { total, terms: { ce, kd } };
            })();
      return { total: r.total, terms: { ...r.terms, footprint: tf.scalar(j) } };
    },
    saveState: async () => ({
      tensors: new Map(followed.map((z, i) => [`footprint.${i}`, { shape: [z.length], data: z }])),
      numbers: { footprints: followed.length },
    }),
    dispose: () => {},
  };
};

/** The cached logits of the footprints the student follows, from the teacher's snapshots. */
async function footprintSequence(spec: ProKdSpec, env: MethodEnv): Promise<Float32Array[]> {
  const picks = pickFootprints(env.teacher!.footprints.length, spec.checkpoints);
  const sequence: Float32Array[] = [];
  for (const i of picks) sequence.push(await env.footprintLogits(i));
  return sequence;
}

/** The followed footprints' logits of a resume point, each [n·C] (n training rows, C classes). */
function savedFootprints(state: MethodState, size: number): Float32Array[] {
  const count = stateCount(state, 'footprints', 'Pro-KD');
  return Array.from(
    { length: count },
    (_, i) => stateArray(state, `footprint.${i}`, 'Pro-KD', [size]).data,
  );
}
