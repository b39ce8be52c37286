// RW-KD (Lu, Ghaddar, Rashid, Rezagholizadeh, Ghodsi & Langlais, Findings of EMNLP 2021,
// 2021.findings-emnlp.270): per-sample weights between the label loss and the distillation loss,
// set by a meta-objective on a split held out of the training data. The paper's meta-learner could
// not be read (dossier §10, §14.2); we implement the look-ahead variant both third-party
// re-implementations use (Ren et al. 2018 "learning to re-weight" on the two loss terms), restricted
// to the classifier head as the dossier recommends for a transformer in TF.js:
//   ε_i = (ε_ce, ε_kd) = 0, θ' = θ − η ∇_θ Σ_i (ε_ce,i CE_i + ε_kd,i KD_i)/B,
//   u = max(−∂L_meta(θ')/∂ε, δ), w_i = u_i / (u_ce,i + u_kd,i),
//   L = mean_i (w_ce,i CE_i + w_kd,i KD_i),
// with θ the linear head on the pooled features. At ε = 0, −∂L_meta/∂ε_i = (η/B)·⟨∇L_meta, ∇ℓ_i⟩,
// and for a linear head z = W p + b both gradients are outer products (r ⊗ p, r), so the inner
// products need only the residuals r and the features p: no second-order autodiff.
import * as tf from '@tensorflow/tfjs';
import { makeBatch, type EncodedSplit } from '../../data/batcher';
import { oneHotFloat } from '../../model';
import { toTensors } from '../../train/step';
import { makeRng } from '../../util/rng';
import { constantOf, crossEntropy, softTargetKl } from '../losses';
import { singleStage, type LossTerms, type MethodImpl } from '../method';
import type { RwKdSpec } from '../spec';
import { batchLogits, computeLogits } from '../teacher';
import { requireClassification, requireTeacherLogits } from './common';

/** Residual of the CE gradient w.r.t. the logits: σ(z) − onehot(y). [B, C] → [B, C]. */
export function ceResidual(z: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor2D {
  return tf.sub(
    tf.softmax(z),
    oneHotFloat(tf.cast(labels, 'int32') as tf.Tensor1D, z.shape[1]),
  ) as tf.Tensor2D;
}

/** Residual of T²·KL(σ(z_T/T) ‖ σ(z/T)) w.r.t. z: T·(σ(z/T) − σ(z_T/T)). [B, C] → [B, C]. */
export function kdResidual(z: tf.Tensor2D, zt: tf.Tensor2D, T: number): tf.Tensor2D {
  return tf.mul(tf.sub(tf.softmax(tf.div(z, T)), tf.softmax(tf.div(zt, T))), T) as tf.Tensor2D;
}

/**
 * The per-sample weights [B, 2] = (w_ce, w_kd), each row summing to 1, from the head-gradient
 * inner products with the meta gradient: d_i = r_iᵀ(G_W p_i + g_b), G_W = mean_m r_m p_mᵀ,
 * g_b = mean_m r_m; u = max(d, floor) (the positive factor η/B cancels in the normalisation).
 * p: [B, H] features; rCe, rKd: [B, C]; pm: [M, H]; rm: [M, C] meta residuals.
 */
export function rwWeights(
  p: tf.Tensor2D,
  rCe: tf.Tensor2D,
  rKd: tf.Tensor2D,
  pm: tf.Tensor2D,
  rm: tf.Tensor2D,
  floor: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const M = pm.shape[0];
    const GW = tf.div(tf.matMul(rm, pm, true, false), M); // [C, H] = mean_m r_m p_mᵀ
    const gb = tf.mean(rm, 0); // [C]
    const a = tf.add(tf.matMul(p, GW, false, true), gb); // [B, C]: G_W p_i + g_b
    const dCe = tf.sum(tf.mul(rCe, a), -1); // [B]
    const dKd = tf.sum(tf.mul(rKd, a), -1);
    const u = tf.maximum(tf.stack([dCe, dKd], 1), floor); // [B, 2]
    return tf.div(u, tf.sum(u, -1, true)) as tf.Tensor2D;
  });
}

export const rwKd: MethodImpl<RwKdSpec> = async (spec, env) => {
  requireClassification(env.task, 'RW-KD');
  requireTeacherLogits(env, 'RW-KD');
  const meta = env.meta;
  if (!meta || meta.n === 0) throw new Error('RW-KD needs a held-out meta split (metaSize > 0)');
  const C = env.task.numLabels;
  const B = Math.min(env.batchSize, meta.n);
  // The teacher's logits on the meta split (for the 'mix' meta loss), once.
  const metaTeacher =
    spec.metaLoss === 'mix'
      ? (
          await computeLogits(
            env.teacher!.model,
            meta,
            env.batchSize,
            env.buckets,
            env.specialIds.pad,
          )
        ).logits
      : null;
  const student = env.student;
  const metaBatch = (step: number): Int32Array => {
    const rng = makeRng(env.seed, 0x6d657461 ^ step);
    return Int32Array.from({ length: B }, () => rng.int(meta.n));
  };
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    loss: (inp): LossTerms => {
      const zs = inp.student.logits;
      const zt = inp.teacherLogits();
      const y = inp.batch.labels;
      const ce = crossEntropy(zs, y); // [B]
      const kd = softTargetKl(zs, zt, spec.temperature); // [B]
      // The weights are constants of the step (no gradient flows through them).
      const w = constantOf(inp.student.pooled, (p) => {
        const rows = metaBatch(inp.info.step);
        const mb = toTensors(makeBatch(meta, rows, B, env.buckets, env.specialIds.pad));
        const mo = student.forward(mb, { training: false, embeddingGrad: env.embeddingGrad });
        let rm = ceResidual(mo.logits, mb.labels);
        if (metaTeacher) {
          const mt = batchLogits(metaTeacher, C, rows, B);
          rm = tf.add(rm, kdResidual(mo.logits, mt, spec.temperature)) as tf.Tensor2D; // CE + KD
        }
        const rCe = ceResidual(zs, y);
        const rKd = kdResidual(zs, zt, spec.temperature);
        return rwWeights(p, rCe, rKd, mo.pooled, rm, spec.floor);
      });
      const [wCe, wKd] = tf.unstack(w, 1) as [tf.Tensor1D, tf.Tensor1D];
      const total = tf.mean(tf.add(tf.mul(wCe, ce), tf.mul(wKd, kd))) as tf.Scalar;
      return {
        total,
        terms: {
          ce: tf.mean(ce) as tf.Scalar,
          kd: tf.mean(kd) as tf.Scalar,
          wce: tf.mean(wCe) as tf.Scalar,
        },
      };
    },
    dispose: () => {},
  };
};

/**
 * Splits `metaSize` rows (seeded) off a training split: the held-out meta split and the rows the
 * student trains on, both as encoded splits (copies).
 */
export function holdOut(
  split: EncodedSplit,
  metaSize: number,
  seed: number,
): { train: EncodedSplit; meta: EncodedSplit } {
  const k = Math.min(metaSize, split.n - 1);
  const order = Int32Array.from({ length: split.n }, (_, i) => i);
  const rng = makeRng(seed, 0x686f6c64);
  for (let i = split.n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const metaRows = order.slice(0, k).sort();
  const trainRows = order.slice(k).sort();
  return { train: subsetSplit(split, trainRows), meta: subsetSplit(split, metaRows) };
}

/** The rows `rows` of an encoded split as a new split (row i of the result = rows[i]). */
export function subsetSplit(split: EncodedSplit, rows: Int32Array): EncodedSplit {
  const L = split.maxLen;
  const ids = new Int32Array(rows.length * L);
  const typeIds = new Int32Array(rows.length * L);
  const lengths = new Int32Array(rows.length);
  const labels = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    ids.set(split.ids.subarray(r * L, r * L + L), i * L);
    typeIds.set(split.typeIds.subarray(r * L, r * L + L), i * L);
    lengths[i] = split.lengths[r]!;
    labels[i] = split.labels[r]!;
  });
  // Which rows were truncated is not recorded; keep the split's share.
  const truncated = Math.round((split.truncated * rows.length) / Math.max(1, split.n));
  return { n: rows.length, maxLen: L, ids, typeIds, lengths, labels, truncated };
}
