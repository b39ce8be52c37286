// Intermediate-layer KD: match the teacher's embedding output, hidden states and pre-softmax
// attention scores layer by layer, plus its logits and the hard labels. The loss is KroneckerBERT's
// task-stage objective (Tahaei et al., NAACL 2022, Eq. 14: L_Emb + L_Att + L_FFN + L_Logit +
// L_Student, unit weights) with TinyBERT's layer map and width projection (Jiao et al. 2020,
// "TinyBERT", arXiv:1909.10351: student layer m ↔ teacher layer m·L_T/L_S; H^S·W_h).
import * as tf from '@tensorflow/tfjs';
import type { EncoderOutputs, Model } from '../../model';
import { makeRng } from '../../util/rng';
import {
  attentionScoreMse,
  crossEntropy,
  headMean,
  hiddenMse,
  linearProjection,
  softTargetKl,
} from '../losses';
import { singleStage, type LossTerms, type MethodEnv, type MethodImpl } from '../method';
import type { IntermediateSpec, LayerPair } from '../spec';
import { kdVariable, requireClassification, requireTeacherLogits } from './common';

/** Layer counts, widths and heads of a transformer, read from its outputs. */
export interface Shape {
  layers: number;
  hidden: number;
  heads: number;
}

/** Reads a model's shape with one tiny eval forward (2 tokens); works for any Model. */
export function probeShape(model: Model): Shape {
  return tf.tidy(() => {
    const o = model.forward(
      {
        ids: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
        typeIds: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
        mask: tf.ones([1, 2]) as tf.Tensor2D,
      },
      { training: false },
    );
    return {
      layers: o.hidden.length - 1,
      hidden: o.hidden[0]?.shape[2] ?? 0,
      heads: o.scores[0]?.shape[1] ?? 0,
    };
  });
}

/**
 * TinyBERT's uniform map over hidden-state indices: (0, 0) for the embeddings, then student
 * layer m ↔ teacher layer round(m·L_T/L_S) for m = 1..L_S (exact when L_S divides L_T).
 */
export function uniformLayerMap(teacherLayers: number, studentLayers: number): LayerPair[] {
  const map: LayerPair[] = [[0, 0]];
  for (let m = 1; m <= studentLayers; m++) {
    map.push([Math.round((m * teacherLayers) / studentLayers), m]);
  }
  return map;
}

/** Checks a layer map against the two models; throws naming the bad pair. */
export function checkLayerMap(map: LayerPair[], teacher: Shape, student: Shape): void {
  for (const [t, s] of map) {
    if (t < 0 || t > teacher.layers || s < 0 || s > student.layers) {
      throw new Error(
        `Layer pair [${t}, ${s}] is out of range: hidden-state indices go 0..${teacher.layers} ` +
          `for the teacher and 0..${student.layers} for the student (0 = embeddings)`,
      );
    }
    if ((t === 0) !== (s === 0)) {
      throw new Error(`Layer pair [${t}, ${s}] maps an embedding output to a transformer layer`);
    }
  }
}

/** What the layer-matching terms compare at one step. */
export interface LayerMatchInputs {
  student: EncoderOutputs;
  teacher: EncoderOutputs;
  map: LayerPair[];
  /** Projection of student states to the teacher's width for pair i, or null (equal widths). */
  project: (x: tf.Tensor3D, pair: number) => tf.Tensor3D;
  /** Padding mask [B, T] (1 = real token), or null to count every position. */
  mask: tf.Tensor2D | null;
}

/**
 * The label-free terms of KroneckerBERT Eq. 14 (Tahaei et al., NAACL 2022): L_Emb (`hiddenMse` of
 * the embedding outputs, pair (0, 0)), Σ_l L_FFN (`hiddenMse` of the mapped, projected layer
 * outputs) and Σ_l L_Att (`attentionScoreMse` of the same layers' pre-softmax scores,
 * head-averaged when head counts differ). Reads neither labels nor logits (KroneckerBERT's first
 * stage uses these alone). Terms: emb, hidden, att (unweighted).
 */
export function layerMatchTerms(x: LayerMatchInputs): {
  emb: tf.Scalar;
  hidden: tf.Scalar;
  att: tf.Scalar;
} {
  const zero = tf.scalar(0);
  let emb: tf.Scalar = zero;
  const hidden: tf.Scalar[] = [];
  const att: tf.Scalar[] = [];
  x.map.forEach(([t, s], i) => {
    const hs = x.project(x.student.hidden[s]!, i);
    const mse = hiddenMse(hs, x.teacher.hidden[t]!, x.mask);
    if (t === 0) {
      emb = mse;
      return;
    }
    hidden.push(mse);
    let sa = x.student.scores[s - 1]!;
    let ta = x.teacher.scores[t - 1]!;
    if (sa.shape[1] !== ta.shape[1]) {
      sa = headMean(sa);
      ta = headMean(ta);
    }
    att.push(attentionScoreMse(sa, ta, x.mask));
  });
  const sum = (xs: tf.Scalar[]): tf.Scalar => (xs.length > 0 ? (tf.addN(xs) as tf.Scalar) : zero);
  return { emb, hidden: sum(hidden), att: sum(att) };
}

/** Inputs of the intermediate loss for one step. */
export interface IntermediateInputs {
  student: EncoderOutputs;
  teacher: EncoderOutputs;
  teacherLogits: tf.Tensor2D;
  labels: tf.Tensor1D;
  map: LayerPair[];
  /** Projection of student states to the teacher's width for pair i, or null (equal widths). */
  project: (x: tf.Tensor3D, pair: number) => tf.Tensor3D;
}

/** The parameters of `intermediateLoss` (IntermediateSpec's, or a stage's of KroneckerSpec). */
export type IntermediateLossSpec = Pick<
  IntermediateSpec,
  'weights' | 'temperature' | 'maskPadding'
>;

/**
 * L = w_emb·L_Emb + w_hid·Σ_l L_FFN,l + w_att·Σ_l L_Att,l + w_log·T²·KL(z_T/T ‖ z_S/T) + w_ce·CE
 * (KroneckerBERT Eq. 14 with its weights as parameters). L_Emb, L_FFN and L_Att are
 * `layerMatchTerms`. Terms: emb, hidden, att, logit, ce.
 */
export function intermediateLoss(spec: IntermediateLossSpec, x: IntermediateInputs): LossTerms {
  const mask = spec.maskPadding ? x.student.mask : null;
  const layers = layerMatchTerms({ ...x, mask });
  const terms = {
    ...layers,
    logit: tf.mean(softTargetKl(x.student.logits, x.teacherLogits, spec.temperature)) as tf.Scalar,
    ce: tf.mean(crossEntropy(x.student.logits, x.labels)) as tf.Scalar,
  };
  const w = spec.weights;
  const total = tf.addN([
    tf.mul(terms.emb, w.embedding),
    tf.mul(terms.hidden, w.hidden),
    tf.mul(terms.att, w.attention),
    tf.mul(terms.logit, w.logits),
    tf.mul(terms.ce, w.ce),
  ]) as tf.Scalar;
  return { total, terms };
}

/** The layer map and width projections a layer-matching method trains with. */
export interface LayerMatchSetup {
  map: LayerPair[];
  project: (x: tf.Tensor3D, pair: number) => tf.Tensor3D;
  /** The projections W [H_T, H_S] by name (empty when the widths agree). */
  extraVars: Map<string, tf.Variable>;
  dispose(): void;
}

/**
 * Probes teacher and student, resolves the layer map (TinyBERT's uniform map, or the given pairs)
 * and makes the projections W: [H_T, H_S] (TinyBERT's W_h) when the widths differ, N(0, 0.02²),
 * seeded. `method` names the caller in errors.
 */
export function layerMatchSetup(
  spec: Pick<IntermediateSpec, 'layerMap' | 'projection'>,
  env: MethodEnv,
  method: string,
): LayerMatchSetup {
  const teacherModel = env.teacher!.model;
  const ts = probeShape(teacherModel);
  const ss = probeShape(env.student);
  if (ss.layers < 1 || ts.layers < 1 || ss.heads < 1 || ts.heads < 1) {
    throw new Error(
      `${method} needs transformer teacher and student (hidden states and attention scores)`,
    );
  }
  const map = spec.layerMap === 'uniform' ? uniformLayerMap(ts.layers, ss.layers) : spec.layerMap;
  checkLayerMap(map, ts, ss);
  const extraVars = new Map<string, tf.Variable>();
  const needed = ss.hidden !== ts.hidden;
  const count = !needed ? 0 : spec.projection === 'shared' ? 1 : map.length;
  const weights: tf.Variable<tf.Rank.R2>[] = [];
  for (let i = 0; i < count; i++) {
    const rng = makeRng(env.seed, 0x9e0 + i);
    const data = Float32Array.from({ length: ts.hidden * ss.hidden }, () => rng.normal() * 0.02);
    const v = kdVariable(`kd.proj.${i}.weight`, tf.tensor2d(data, [ts.hidden, ss.hidden]));
    extraVars.set(`kd.proj.${i}.weight`, v);
    weights.push(v);
  }
  const project = (x: tf.Tensor3D, pair: number): tf.Tensor3D => {
    if (!needed) return x;
    const w = weights[spec.projection === 'shared' ? 0 : pair]!;
    return linearProjection(x, w);
  };
  return { map, project, extraVars, dispose: () => tf.dispose(weights) };
}

export const intermediate: MethodImpl<IntermediateSpec> = async (spec, env) => {
  requireClassification(env.task, 'Intermediate-layer KD');
  requireTeacherLogits(env, 'Intermediate-layer KD');
  const { map, project, extraVars, dispose } = layerMatchSetup(spec, env, 'Intermediate-layer KD');
  return {
    stages: singleStage(env.totalSteps),
    extraVars,
    loss: (inp) =>
      intermediateLoss(spec, {
        student: inp.student,
        teacher: inp.teacherOutputs(),
        teacherLogits: inp.teacherLogits(),
        labels: inp.batch.labels,
        map,
        project,
      }),
    dispose,
  };
};
