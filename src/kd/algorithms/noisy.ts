// Two mitigations for KD under label noise. The W-NUT 2021 paper (Bhardwaj et al.,
// arXiv:2109.10147) presents two methods whose text could not be read (dossier §6, §14.3); these
// are NOT the paper's methods, but two well-founded ones from the noisy-label literature, each on
// top of vanilla KD:
// - teacher-relabel: teacher-guided label correction. A label the teacher confidently contradicts
//   (p_T(c) ≥ θ for some c ≠ y) is replaced by the teacher's class, once, before training
//   (in the spirit of Reed et al. 2015 "bootstrapping" and Li et al. 2017, arXiv:1703.02391).
// - small-loss: the cross-entropy term keeps only the (1 − r(t)) share of each batch with the
//   smallest loss, r ramping to the forget rate (Han et al. 2018, Co-teaching; Jiang et al. 2018,
//   MentorNet); the distillation term keeps every example.
import * as tf from '@tensorflow/tfjs';
import { forgetRate } from '../../config/kd-schedules';
import { constantOf, crossEntropy, softTargetKl } from '../losses';
import { singleStage, type LossTerms, type MethodImpl } from '../method';
import type { SmallLossSpec, TeacherRelabelSpec } from '../spec';
import { requireClassification, requireTeacherLogits } from './common';

/** How a relabelling fared against the labels before injected noise (counts of examples). */
export interface RelabelAudit {
  /** Changed labels that the teacher set back to the clean label. */
  restored: number;
  /** Changed labels that were clean before: the teacher broke them. */
  broken: number;
  /** Labels that differ from the clean one before relabelling, and after it. */
  wrongBefore: number;
  wrongAfter: number;
}

/**
 * Relabels every example whose teacher probability of some other class is ≥ `threshold`
 * (softmax at T = 1 of the cached logits [n·C]). Returns the new labels and how many changed;
 * given the labels before injected noise (`clean`, [n]), also how the changes fared.
 */
export function teacherRelabel(
  labels: Float32Array,
  logits: Float32Array,
  C: number,
  threshold: number,
  clean?: Float32Array | null,
): { labels: Float32Array; changed: number; audit: RelabelAudit | null } {
  if (clean && clean.length !== labels.length) {
    throw new Error(`clean labels: ${clean.length}, labels: ${labels.length}`);
  }
  const out = Float32Array.from(labels);
  let changed = 0;
  for (let i = 0; i < labels.length; i++) {
    const z = logits.subarray(i * C, i * C + C);
    let best = 0;
    for (let c = 1; c < C; c++) if (z[c]! > z[best]!) best = c;
    let denom = 0;
    for (let c = 0; c < C; c++) denom += Math.exp(z[c]! - z[best]!);
    const pBest = 1 / denom;
    if (best !== labels[i] && pBest >= threshold) {
      out[i] = best;
      changed += 1;
    }
  }
  if (!clean) return { labels: out, changed, audit: null };
  const audit: RelabelAudit = { restored: 0, broken: 0, wrongBefore: 0, wrongAfter: 0 };
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== clean[i]) audit.wrongBefore += 1;
    if (out[i] !== clean[i]) audit.wrongAfter += 1;
    if (out[i] === labels[i]) continue;
    if (out[i] === clean[i]) audit.restored += 1;
    else if (labels[i] === clean[i]) audit.broken += 1;
  }
  return { labels: out, changed, audit };
}

export const teacherRelabelKd: MethodImpl<TeacherRelabelSpec> = async (spec, env) => {
  requireClassification(env.task, 'Teacher-relabel KD');
  const logits = requireTeacherLogits(env, 'Teacher-relabel KD');
  const fixed = teacherRelabel(
    env.train.labels,
    logits,
    env.task.numLabels,
    spec.threshold,
    env.cleanLabels,
  );
  const n = Math.max(1, env.train.n);
  // Constant terms, so the run's log and charts carry them: the share relabelled and, where the
  // noise was injected here, the share of the changes that were right and the noise left after.
  const audit = fixed.audit;
  const constants: Record<string, number> = { relabelled: fixed.changed / n };
  if (audit) {
    if (fixed.changed > 0) constants['relabelRight'] = audit.restored / fixed.changed;
    constants['noiseBefore'] = audit.wrongBefore / n;
    constants['noiseAfter'] = audit.wrongAfter / n;
  }
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    labels: fixed.labels, // the loop feeds these to every batch instead of the noisy ones
    loss: (inp) => {
      const zs = inp.student.logits;
      const ce = tf.mean(crossEntropy(zs, inp.batch.labels)) as tf.Scalar;
      const kd = tf.mean(softTargetKl(zs, inp.teacherLogits(), spec.temperature)) as tf.Scalar;
      const total = tf.add(tf.mul(ce, spec.alpha), tf.mul(kd, 1 - spec.alpha)) as tf.Scalar;
      const terms: Record<string, tf.Scalar> = { ce, kd };
      for (const [k, v] of Object.entries(constants)) terms[k] = tf.scalar(v);
      return { total, terms };
    },
    dispose: () => {},
  };
};

// The forget-rate ramp is pure (shared with the UI's preview).
export { forgetRate } from '../../config/kd-schedules';

/**
 * α·CE over the ⌈(1 − r)·B⌉ smallest-CE examples (the selection is a constant: no gradient flows
 * through it; ties at the threshold are all kept) + (1 − α)·T²·KL over all examples.
 * student, teacher: [B, C]; labels: [B]. Terms: ce, kd, kept (share of the batch in the CE).
 * Given `noisy` ([B], 1 where the label differs from the one before injected noise; read only
 * for these terms), also batchNoisy (share of the batch with a noisy label) and, on steps that
 * drop any example, droppedNoisy (share of the dropped examples with a noisy label: how well the
 * small loss finds the noise; dropping at random gives batchNoisy on average).
 */
export function smallLossKd(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  labels: tf.Tensor1D,
  rate: number,
  temperature: number,
  alpha: number,
  noisy?: tf.Tensor1D,
): LossTerms {
  const B = student.shape[0];
  const ce = crossEntropy(student, labels); // [B]
  const keep = Math.max(1, Math.ceil((1 - rate) * B));
  // [B], 1 = in the CE term: CE ≤ the keep-th smallest CE. A constant (no gradient through it).
  const mask = constantOf(ce, (v) => {
    const kth = tf.max(tf.neg(tf.topk(tf.neg(v), keep).values));
    return tf.cast(tf.lessEqual(v, kth), 'float32');
  });
  const count = tf.sum(mask);
  const ceKept = tf.div(tf.sum(tf.mul(ce, mask)), count) as tf.Scalar;
  const kd = tf.mean(softTargetKl(student, teacher, temperature)) as tf.Scalar;
  const total = tf.add(tf.mul(ceKept, alpha), tf.mul(kd, 1 - alpha)) as tf.Scalar;
  const terms: Record<string, tf.Scalar> = { ce: ceKept, kd, kept: tf.div(count, B) as tf.Scalar };
  if (noisy) {
    terms['batchNoisy'] = tf.mean(noisy) as tf.Scalar;
    if (keep < B) {
      // Ties at the threshold could keep the whole batch: then 0, not 0/0.
      const dropped = tf.sub(1, mask);
      const n = tf.maximum(tf.sum(dropped), 1);
      terms['droppedNoisy'] = tf.div(tf.sum(tf.mul(dropped, noisy)), n) as tf.Scalar;
    }
  }
  return { total, terms };
}

export const smallLoss: MethodImpl<SmallLossSpec> = async (spec, env) => {
  requireClassification(env.task, 'Small-loss KD');
  requireTeacherLogits(env, 'Small-loss KD');
  const clean = env.cleanLabels ?? null;
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    loss: (inp) => {
      // Under noise injected here, which batch rows carry a noisy label (for the terms only).
      let noisy: tf.Tensor1D | undefined;
      if (clean) {
        const { labels, B } = inp.arrays;
        const flags = new Float32Array(B);
        for (let i = 0; i < B; i++) flags[i] = labels[i] !== clean[inp.rows[i]!] ? 1 : 0;
        noisy = tf.tensor1d(flags);
      }
      return smallLossKd(
        inp.student.logits,
        inp.teacherLogits(),
        inp.batch.labels,
        forgetRate(inp.info.step, env.totalSteps, spec),
        spec.temperature,
        spec.alpha,
        noisy,
      );
    },
    dispose: () => {},
  };
};
