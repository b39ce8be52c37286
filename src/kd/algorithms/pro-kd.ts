// Pro-KD (Rezagholizadeh et al., COLING 2022, arXiv:2110.08532): "follow the training footprints
// of the teacher" instead of distilling only from the final one. The paper's algorithm could not
// be read (dossier §5, §14.1); this is the dossier's reference interpretation (§5.1), with every
// choice a parameter: the teacher saves snapshots while it trains (kd.teacher.footprintEvery), and
// the student distils from K of them in training order, early to final, in equal segments, then
// (optionally) from the final teacher alone. The loss is vanilla KD's (or logit MSE) against the
// current footprint's cached logits.
import * as tf from '@tensorflow/tfjs';
import { footprintIndex, pickFootprints } from '../../config/kd-schedules';
import { logitMse } from '../losses';
import { singleStage, type MethodImpl } from '../method';
import type { ProKdSpec } from '../spec';
import { batchLogits } from '../teacher';
import { vanillaKdLoss } from './vanilla';
import { requireClassification, requireTeacherLogits } from './common';

// The footprint sequence is pure (shared with the UI's preview).
export { footprintIndex, pickFootprints } from '../../config/kd-schedules';

export const proKd: MethodImpl<ProKdSpec> = async (spec, env) => {
  if (spec.loss === 'kl') requireClassification(env.task, 'Pro-KD');
  const final = requireTeacherLogits(env, 'Pro-KD');
  const saved = env.teacher!.footprints.length;
  const picks = pickFootprints(saved, spec.checkpoints);
  // Cached logits of each followed footprint, then the final teacher's (computed once here).
  const sequence: Float32Array[] = [];
  for (const i of picks) sequence.push(await env.footprintLogits(i));
  sequence.push(final);
  const K = sequence.length;
  const C = env.task.kind === 'regression' ? 1 : env.task.numLabels;
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
    dispose: () => {},
  };
};
