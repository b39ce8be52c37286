// Distillation losses: pure tensor functions, shape-documented, each citing the paper whose
// equation it implements (STYLE R6). Per-example ([B]) where a method weights or filters examples,
// otherwise reduced exactly as the paper's official code reduces (stated per function).
// Used by every KD method in src/kd/algorithms and by KroneckerBERT's two-stage KD (L_Emb, L_Att,
// L_FFN, L_Logit of Tahaei et al., NAACL 2022, Eq. 14).
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../model';

/**
 * Soft-target KL(p_T ‖ p_S) at temperature T, scaled by T² (Hinton et al. 2015, arXiv:1503.02531,
 * §2: "multiply them by T²" so gradient magnitudes stay comparable across temperatures).
 *   p_T = softmax(z_T / T), log p_S = logSoftmax(z_S / T)
 *   ℓ_b = T² · Σ_c p_T[b,c] · (log p_T[b,c] − log p_S[b,c])
 * The vanilla baseline reduces this with a batch mean (PyTorch KLDivLoss(reduction='batchmean'),
 * as the Glitter code does); STYLE fixes that choice.
 * student, teacher: [B, C] logits → [B].
 */
export function softTargetKl(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  temperature: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const logPS = tf.logSoftmax(tf.div(student, temperature));
    const logPT = tf.logSoftmax(tf.div(teacher, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPT), tf.sub(logPT, logPS)), -1);
    return tf.mul(kl, temperature * temperature) as tf.Tensor1D;
  });
}

/**
 * Soft cross-entropy −Σ_c q[b,c] · log softmax(z_S)[b,c] against a target distribution q
 * (MATE-KD's generator divergence and Combined-KD's BERT variant `CE_soft(y, σ(z_S))`,
 * huawei-noah/Efficient-NLP). Equals KL(q ‖ p_S) plus the entropy of q.
 * student: [B, C] logits, target: [B, C] probabilities → [B].
 */
export function softCrossEntropy(student: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(student)), -1)) as tf.Tensor1D);
}

/**
 * Hard-label cross-entropy −log softmax(z)[b, y_b] (the task loss of classification).
 * logits: [B, C], labels: [B] class indices (float32 or int32) → [B].
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const C = logits.shape[1];
    // int32 one-hot, then cast: tfjs-wasm 4.22's OneHot ignores a float32 dtype (model/layers.ts).
    const onehot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), C), 'float32');
    return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1)) as tf.Tensor1D;
  });
}

/**
 * Logit MSE as PyTorch's `F.mse_loss(a, b)` computes it: the mean over all B·C elements.
 * Annealing-KD and Combined-KD use exactly this reduction in their official code; the papers
 * write ‖·‖²₂, which differs by the constant 1/(B·C) (absorbed by the learning rate).
 * a, b: [B, C] → scalar.
 */
export function logitMse(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

/** How a per-example squared error reduces over the class axis. */
export type ClassReduction = 'mean' | 'sum';

/**
 * Per-example squared logit error: 'sum' is the papers' ‖a_b − b_b‖²₂, 'mean' divides by C so
 * that the batch mean of it equals `logitMse` (F.mse_loss).
 * a, b: [B, C] → [B].
 */
export function squaredError(a: tf.Tensor2D, b: tf.Tensor2D, reduce: ClassReduction): tf.Tensor1D {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(a, b);
    return (reduce === 'sum' ? tf.sum(sq, -1) : tf.mean(sq, -1)) as tf.Tensor1D;
  });
}

/**
 * Hinge with margin: max(0, x − margin), elementwise (Continuation-KD, Jafari et al. 2022,
 * arXiv:2212.05998, Eq. 4: errors inside the margin are not penalised and get zero gradient).
 * x: any shape → same shape.
 */
export function hinge<T extends tf.Tensor>(x: T, margin: number): T {
  return tf.tidy(() => tf.relu(tf.sub(x, margin)) as T);
}

/**
 * Token-level MSE between hidden states (TinyBERT's L_hidn, Jiao et al. 2020; KroneckerBERT's
 * L_FFN and L_Emb, Tahaei et al. 2022, Eq. 14), averaged over real tokens and features:
 *   Σ_{b,t} m[b,t] · Σ_h (s − t)² / (H · Σ_{b,t} m[b,t])
 * With `mask` null every position counts (F.mse_loss over [B, T, H], as TinyBERT's code).
 * Widths must match: project the student first (see `linearProjection`).
 * student, teacher: [B, T, H]; mask: [B, T] (1 = real token) or null → scalar.
 */
export function hiddenMse(
  student: tf.Tensor3D,
  teacher: tf.Tensor3D,
  mask: tf.Tensor2D | null,
): tf.Scalar {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(student, teacher); // [B, T, H]
    if (mask === null) return tf.mean(sq) as tf.Scalar;
    const H = student.shape[2];
    const perToken = tf.sum(sq, -1); // [B, T]
    const real = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.sum(tf.mul(perToken, mask)), tf.mul(real, H)) as tf.Scalar;
  });
}

/**
 * MSE between attention scores, the pre-softmax QKᵀ/√d_k maps (KroneckerBERT Eq. 9, O = QKᵀ/√d_k;
 * TinyBERT's L_attn on unnormalised scores), averaged over heads and real (query, key) pairs:
 *   Σ m_q m_k (s − t)² / (heads · Σ m_q m_k)
 * The papers do not say how padding is handled (dossier §1.3 [U]); with a mask, pairs that touch
 * padding are left out, with `mask` null every pair counts.
 * When head counts differ the caller compares head-averaged maps ([B, 1, T, T]; see
 * `headMean`).
 * student, teacher: [B, heads, T, T]; mask: [B, T] or null → scalar.
 */
export function attentionScoreMse(
  student: tf.Tensor4D,
  teacher: tf.Tensor4D,
  mask: tf.Tensor2D | null,
): tf.Scalar {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(student, teacher); // [B, h, T, T]
    if (mask === null) return tf.mean(sq) as tf.Scalar;
    const [B, heads, T] = student.shape;
    const pairs = tf.mul(tf.reshape(mask, [B, 1, T, 1]), tf.reshape(mask, [B, 1, 1, T])); // [B, 1, T, T]
    const denom = tf.mul(tf.maximum(tf.sum(pairs), 1), heads);
    return tf.div(tf.sum(tf.mul(sq, pairs)), denom) as tf.Scalar;
  });
}

/** Mean over the head axis: [B, heads, T, T] → [B, 1, T, T]. */
export function headMean(x: tf.Tensor4D): tf.Tensor4D {
  return tf.mean(x, 1, true) as tf.Tensor4D;
}

/**
 * Learned linear projection of student states to the teacher's width, x·Wᵀ with W: [H_t, H_s]
 * (TinyBERT's W_h, "H^S W_h"; no bias).
 * x: [B, T, H_s], w: [H_t, H_s] → [B, T, H_t].
 */
export function linearProjection(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, Hs] = x.shape;
    const Ht = w.shape[0];
    const flat = tf.reshape(x, [B * T, Hs]); // [B, T, Hs] → [B·T, Hs]
    const y = matMul(flat, w, false, true); // [B·T, Hs]·[Hs, Ht] (wasm-safe, see model/layers.ts)
    return tf.reshape(y, [B, T, Ht]); // [B·T, Ht] → [B, T, Ht]
  });
}

/**
 * Weighted batch mean Σ_b w_b ℓ_b / B of a per-example loss (w = 1 gives the plain mean).
 * loss: [B], weights: [B] or null → scalar.
 */
export function batchMean(loss: tf.Tensor1D, weights: tf.Tensor1D | null = null): tf.Scalar {
  return tf.tidy(() => tf.mean(weights === null ? loss : tf.mul(loss, weights)) as tf.Scalar);
}

/**
 * `fn(x)` as a constant: its value in the forward pass, zero gradient to x in the backward pass
 * (PyTorch's `fn(x.detach())`). For values a loss uses but must not differentiate through:
 * selection masks and thresholds. The ops inside `fn` are not recorded on the gradient tape.
 */
export function constantOf<T extends tf.Tensor, R extends tf.Tensor>(x: T, fn: (x: T) => R): R {
  const f = tf.customGrad((...args) => {
    const input = args[0] as T;
    return { value: fn(input), gradFunc: () => tf.zerosLike(input) };
  });
  return f(x) as R;
}

/** Identity in the forward pass, zero gradient in the backward pass (PyTorch's `.detach()`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return constantOf(x, (v) => tf.clone(v));
}
