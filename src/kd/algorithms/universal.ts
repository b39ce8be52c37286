// Universal-KD (Wu, Rezagholizadeh, Ghaddar, Haidar & Ghodsi, EMNLP 2021, 2021.emnlp-main.603):
// intermediate layers are matched in the OUTPUT space. Pseudo classifiers on every teacher and
// student layer turn states into logits; each student layer attends over the teacher layers
// (attention-based layer projection, as ALP-KD) and is distilled towards the attention-weighted
// mix of the teacher layers' pseudo logits. Because only logits are compared, the student may be a
// CNN or an LSTM. The paper's equations could not be read (dossier §7, §14.4); this follows the
// dossier's §7.1 reading, every unknown a parameter:
//   z^T_j = W^T_j h^T_j + b^T_j (teacher pseudo classifiers, trained first with CE, teacher frozen)
//   z^S_i = W^S_i h^S_i + b^S_i,  α_ij = softmax_j ⟨P_S h^S_i, P_T h^T_j⟩,  z̃_i = Σ_j α_ij z^T_j
//   L_ILD = Σ_i T²·KL(σ(z̃_i/T) ‖ σ(z^S_i/T));  stage 1: λ1·CE + λ2·KD + λ3·L_ILD; stage 2: CE (+KD)
// Teacher states h^T_j are each layer's [CLS] vector; student states are [CLS] for transformers
// and the mask-mean over time for CNN/LSTM layers [I]. The teacher's per-layer [CLS] states and
// pseudo logits are computed once and cached (n × N × (H + C) floats), so no live teacher runs.
import * as tf from '@tensorflow/tfjs';
import type { EncoderOutputs } from '../../model';
import { isNoDecay, matMul } from '../../model';
import { AdamW } from '../../train/optimizer';
import { makeRng } from '../../util/rng';
import { crossEntropy, softTargetKl } from '../losses';
import { universalStages } from '../../config/kd-schedules';
import type { LossTerms, MethodImpl } from '../method';
import type { UniversalSpec } from '../spec';
import { batchLogits, computeRows } from '../teacher';
import { kdVariable, requireClassification, requireTeacherLogits } from './common';

/**
 * Per-layer states of a model's outputs, layers 1..L: [CLS] rows for transformers (scores present),
 * the mask-mean over time otherwise. → L × [B, H].
 */
export function layerStates(o: EncoderOutputs): tf.Tensor2D[] {
  const transformer = o.scores.length > 0;
  return o.hidden.slice(1).map((h) => {
    const [B, T, H] = h.shape;
    if (transformer) return tf.reshape(tf.slice(h, [0, 0, 0], [B, 1, H]), [B, H]); // [B, 1, H] → [B, H]
    const m = tf.reshape(o.mask, [B, T, 1]);
    return tf.div(tf.sum(tf.mul(h, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor2D;
  });
}

/**
 * The attention-based output-space ILD loss.
 * zs: M × [B, C] student pseudo logits; q: M × [B, d] projected student states;
 * k: [B, N, d] projected teacher states; zt: [B, N, C] teacher pseudo logits.
 * Returns Σ_i mean_b T²·KL(σ(z̃_i/T) ‖ σ(z^S_i/T)) and α: [B, M, N] (rows sum to 1).
 */
export function universalIld(
  zs: tf.Tensor2D[],
  q: tf.Tensor2D[],
  k: tf.Tensor3D,
  zt: tf.Tensor3D,
  T: number,
): { loss: tf.Scalar; alpha: tf.Tensor3D } {
  const Q = tf.stack(q, 1) as tf.Tensor3D; // M × [B, d] → [B, M, d]
  const alpha = tf.softmax(matMul(Q, k, false, true)) as tf.Tensor3D; // [B, M, N]
  const mixed = matMul(alpha, zt); // [B, M, C]: z̃_i = Σ_j α_ij z^T_j
  const parts = zs.map((z, i) => {
    const [B, , C] = mixed.shape;
    const target = tf.reshape(tf.slice(mixed, [0, i, 0], [B, 1, C]), [B, C]) as tf.Tensor2D;
    return tf.mean(softTargetKl(z, target, T)) as tf.Scalar;
  });
  const loss = (parts.length > 0 ? tf.addN(parts) : tf.scalar(0)) as tf.Scalar;
  return { loss, alpha };
}

// The stage split is pure (shared with the UI's preview).
export { universalStages } from '../../config/kd-schedules';

/**
 * Trains linear pseudo classifiers (softmax regression) on cached per-layer features, full batch,
 * AdamW for `steps` steps; returns their logits [n·N·C] (row = example, then layer).
 */
async function trainPseudoClassifiers(
  feats: Float32Array,
  labels: Float32Array,
  n: number,
  N: number,
  H: number,
  C: number,
  steps: number,
  lr: number,
  seed: number,
): Promise<Float32Array> {
  const rng = makeRng(seed, 0x70736575);
  const vars = new Map<string, tf.Variable>();
  for (let j = 0; j < N; j++) {
    const w = Float32Array.from({ length: C * H }, () => rng.normal() * 0.02);
    vars.set(`w${j}`, kdVariable(`kd.pseudoT.${j}.weight`, tf.tensor2d(w, [C, H])));
    vars.set(`b${j}.bias`, kdVariable(`kd.pseudoT.${j}.bias`, tf.zeros([C])));
  }
  const opt = new AdamW(
    vars,
    { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 },
    isNoDecay,
  );
  const x = tf.tensor3d(feats, [n, N, H]);
  const y = tf.tensor1d(labels);
  const logitsOf = (): tf.Tensor3D =>
    tf.stack(
      Array.from({ length: N }, (_, j) => {
        const h = tf.reshape(tf.slice(x, [0, j, 0], [n, 1, H]), [n, H]) as tf.Tensor2D;
        return tf.add(
          matMul(h, vars.get(`w${j}`)! as tf.Tensor2D, false, true),
          vars.get(`b${j}.bias`)!,
        );
      }),
      1,
    ) as tf.Tensor3D; // [n, N, C]
  try {
    const list = [...vars.values()];
    for (let s = 0; s < steps; s++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const z = logitsOf();
          const per = Array.from({ length: N }, (_, j) =>
            tf.mean(
              crossEntropy(tf.reshape(tf.slice(z, [0, j, 0], [n, 1, C]), [n, C]) as tf.Tensor2D, y),
            ),
          );
          return tf.addN(per) as tf.Scalar;
        }, list);
        opt.apply(grads, lr).dispose();
      });
    }
    const z = tf.tidy(logitsOf);
    const out = Float32Array.from(await z.data()); // one readback
    z.dispose();
    return out;
  } finally {
    tf.dispose([x, y, ...vars.values()]);
    opt.dispose();
  }
}

export const universal: MethodImpl<UniversalSpec> = async (spec, env) => {
  requireClassification(env.task, 'Universal-KD');
  requireTeacherLogits(env, 'Universal-KD');
  const teacher = env.teacher!.model;
  const C = env.task.numLabels;
  const pad = env.specialIds.pad;
  // Teacher per-layer [CLS] states, cached: [n, N, H_T].
  const probe = tf.tidy(() => {
    const o = teacher.forward(
      {
        ids: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
        typeIds: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
        mask: tf.ones([1, 2]) as tf.Tensor2D,
      },
      { training: false },
    );
    return {
      N: o.hidden.length - 1,
      H: o.hidden[0]?.shape[2] ?? 0,
      attention: o.scores.length > 0,
    };
  });
  if (probe.N < 1 || !probe.attention) {
    throw new Error('Universal-KD needs a transformer teacher (per-layer [CLS] states)');
  }
  const { N, H: Ht } = probe;
  const feats = await computeRows(
    teacher,
    env.train,
    env.batchSize,
    env.buckets,
    pad,
    (o) => tf.concat(layerStates(o), 1) as tf.Tensor2D,
  ); // [n, N·H_T]
  const pseudo = await trainPseudoClassifiers(
    feats.values,
    env.train.labels,
    env.train.n,
    N,
    Ht,
    C,
    spec.pseudoSteps,
    spec.pseudoLr,
    env.seed,
  );
  // Student pseudo classifiers (one per student layer) and the two attention projections.
  const sProbe = tf.tidy(() => {
    const o = env.student.forward(
      {
        ids: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
        typeIds: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
        mask: tf.ones([1, 2]) as tf.Tensor2D,
      },
      { training: false },
    );
    return layerStates(o).map((h) => h.shape[1]);
  });
  if (sProbe.length < 1) throw new Error('Universal-KD needs a student with intermediate layers');
  const rng = makeRng(env.seed, 0x756e69);
  const normal = (rows: number, cols: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * cols }, () => rng.normal() * 0.02),
      [rows, cols],
    );
  const d = spec.attentionDim;
  const extraVars = new Map<string, tf.Variable>();
  const ws = sProbe.map((h, i) => {
    const w = kdVariable(`kd.pseudoS.${i}.weight`, normal(C, h));
    const b = kdVariable(`kd.pseudoS.${i}.bias`, tf.zeros([C]));
    extraVars.set(`kd.pseudoS.${i}.weight`, w);
    extraVars.set(`kd.pseudoS.${i}.bias`, b);
    return { w, b };
  });
  const ps = sProbe.map((h, i) => {
    const p = kdVariable(`kd.attnS.${i}.weight`, normal(d, h));
    extraVars.set(`kd.attnS.${i}.weight`, p);
    return p;
  });
  const pt = kdVariable('kd.attnT.weight', normal(d, Ht));
  extraVars.set('kd.attnT.weight', pt);
  const stages = universalStages(env.totalSteps, spec.stage2Share);
  return {
    stages,
    extraVars,
    loss: (inp): LossTerms => {
      const zs = inp.student.logits;
      const B = zs.shape[0];
      const ce = tf.mean(crossEntropy(zs, inp.batch.labels)) as tf.Scalar;
      const kd = tf.mean(softTargetKl(zs, inp.teacherLogits(), spec.temperature)) as tf.Scalar;
      const w = spec.weights;
      if (inp.info.stage === 1) {
        const total = spec.stage2Kd
          ? (tf.add(tf.mul(ce, w.ce), tf.mul(kd, w.kd)) as tf.Scalar)
          : ce;
        return { total, terms: { ce, kd } };
      }
      const hs = layerStates(inp.student);
      const zsi = hs.map(
        (h, i) => tf.add(matMul(h, ws[i]!.w, false, true), ws[i]!.b) as tf.Tensor2D,
      );
      const q = hs.map((h, i) => matMul(h, ps[i]!, false, true)); // [B, d]
      const htFlat = batchLogits(feats.values, N * Ht, inp.rows, B); // [B, N·H_T]
      const k = tf.reshape(matMul(tf.reshape(htFlat, [B * N, Ht]), pt, false, true), [
        B,
        N,
        d,
      ]) as tf.Tensor3D;
      const zt = tf.reshape(batchLogits(pseudo, N * C, inp.rows, B), [B, N, C]) as tf.Tensor3D;
      const ild = universalIld(zsi, q, k, zt, spec.temperature).loss;
      const total = tf.addN([tf.mul(ce, w.ce), tf.mul(kd, w.kd), tf.mul(ild, w.ild)]) as tf.Scalar;
      return { total, terms: { ce, kd, ild } };
    },
    dispose: () => tf.dispose([...extraVars.values()]),
  };
};
