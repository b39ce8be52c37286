// Glitter (Kamalloo, Rezagholizadeh & Ghodsi, Findings of ACL 2022, arXiv:2203.09391; code
// huawei-noah/Efficient-NLP/Glitter): from a pool of K augmented candidates per example (made
// once, src/kd/augment.ts), each step keeps the k candidates the student currently gets most wrong
// (largest δ) and trains on them. Setups: 'kd' (δ = KL(σ(z_T(x̃)/τ) ‖ σ(z_S(x̃)/τ)); a teacher of the
// student's own architecture makes it self-distillation) and 'consistency' (no teacher,
// δ = KL(σ(z_S(x)) ‖ σ(z_S(x̃)/τ_uda)), UDA-style). Baselines: 'all' (vanilla augmentation) and
// 'random' (random selection), as the code's --vanilla_augment and --random_glitter.
// We use the code's single training-mode forward over all candidates (selection inside the
// graph, no readback); only selected candidates contribute to the loss.
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../../data/batcher';
import { bertConfig } from '../../model';
import { toTensors } from '../../train/step';
import { hash32 } from '../../util/rng';
import { buildPool, type AugmentPool } from '../augment';
import { constantOf, crossEntropy, softTargetKl } from '../losses';
import {
  singleStage,
  type LossTerms,
  type MethodEnv,
  type MethodImpl,
  type MethodRuntime,
  type StepInputs,
} from '../method';
import { initMlmParams, mlmPretrain } from '../mlm';
import type { GlitterAddonSpec, GlitterAugSpec, GlitterSpec } from '../spec';
import { batchLogits, computeLogits } from '../teacher';
import { requireClassification } from './common';

/**
 * The selection mask [B, K] (1 = trained on): 'worst' keeps, per row, the candidates with δ at
 * least the k-th largest valid δ (Glitter); 'random' the same on seeded random scores; 'all'
 * every valid candidate. Invalid candidates (duplicates) are never kept.
 * delta, valid: [B, K] → [B, K] (a constant: no gradient).
 */
export function glitterSelect(
  delta: tf.Tensor2D,
  valid: tf.Tensor2D,
  k: number,
  mode: GlitterSpec['selection'],
  seed: number,
): tf.Tensor2D {
  return constantOf(delta, (d) => {
    if (mode === 'all') return tf.clone(valid);
    const [B, K] = d.shape;
    const scores =
      mode === 'random'
        ? tf.tensor2d(
            Float32Array.from({ length: B * K }, (_, i) => hash32(seed, i, 0x726e64) / 2 ** 32),
            [B, K],
          )
        : d;
    const masked = tf.add(tf.mul(scores, valid), tf.mul(tf.sub(valid, 1), 1e9)); // invalid → −1e9
    const kth = tf.min(tf.topk(masked, Math.min(k, K)).values, -1, true); // [B, 1]
    return tf.mul(tf.cast(tf.greaterEqual(masked, kth), 'float32'), valid) as tf.Tensor2D;
  });
}

/** Mean of a per-candidate loss [B·K] over the selected candidates (mask [B, K]); 0 if none. */
export function selectedMean(loss: tf.Tensor1D, mask: tf.Tensor2D): tf.Scalar {
  const m = tf.reshape(mask, [-1]);
  return tf.div(tf.sum(tf.mul(loss, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
}

/**
 * The augmentation part of Glitter, shared by the method ('glitter') and the add-on (kd.glitter):
 * the candidate pool (made once), the teacher's logits on it (KD setup), and the per-step term.
 */
export interface GlitterAugmentation {
  /**
   * Mean δ over the candidates selected at this step ('kd': T²-scaled KL from the teacher on x̃;
   * 'consistency': KL(σ(z_S(x)) ‖ σ(z_S(x̃)/τ_uda)) against a fixed copy of the student on x), and
   * how many candidates per example were picked. Valid inside the step's tidy.
   */
  term(inp: StepInputs): { aug: tf.Scalar; picked: tf.Scalar };
}

/** Builds the pool and the term. `who` names the caller in error messages. */
export async function glitterAugmentation(
  spec: GlitterAugSpec,
  env: MethodEnv,
  who: string,
): Promise<GlitterAugmentation> {
  requireClassification(env.task, who);
  if (spec.setup === 'kd' && !env.teacher) {
    throw new Error(
      `${who}: the 'kd' setup needs a teacher: set kd.teacher (or use setup 'consistency')`,
    );
  }
  const C = env.task.numLabels;
  const K = spec.candidates;
  const pad = env.specialIds.pad;
  // A masked LM for MLM candidates: a small BERT pre-trained on the task's training text.
  let gen: Parameters<typeof buildPool>[4] = null;
  if (spec.augment !== 'eda') {
    const sc = env.studentConfig;
    const vocab = env.tokenizer.vocabSize;
    const gc = bertConfig(spec.generator.model, vocab, 2, {
      maxPositions: sc?.maxPositionEmbeddings ?? 512,
      padTokenId: pad,
    });
    const params = initMlmParams(gc, hash32(env.seed, 0x676c67));
    await mlmPretrain({
      params,
      config: gc,
      split: env.train,
      buckets: env.buckets,
      special: env.specialIds,
      spec: spec.generator.mlm,
      seed: hash32(env.seed, 0x676d6c),
      embeddingGrad: env.embeddingGrad,
    });
    gen = { params, config: gc, embeddingGrad: env.embeddingGrad };
  }
  let pool: AugmentPool;
  try {
    pool = await buildPool(
      env.train,
      (id) => env.tokenizer.tokenOf(id).startsWith('##'),
      env.specialIds,
      {
        K,
        augment: spec.augment,
        edaSwaps: spec.eda.swaps,
        edaDelete: spec.eda.deleteProb,
        mlmProb: spec.mlm.prob,
        mlmTopK: spec.mlm.topK,
        seed: env.seed,
      },
      gen,
    );
  } finally {
    gen?.params.dispose();
  }
  // The teacher's logits on every candidate, once (Glitter's code caches them the same way).
  const poolTeacher =
    spec.setup === 'kd'
      ? (await computeLogits(env.teacher!.model, pool.split, env.batchSize, env.buckets, pad))
          .logits
      : null;
  const student = env.student;
  return {
    term: (inp) => {
      const B = inp.rows.length;
      const cand = Int32Array.from(
        { length: B * K },
        (_, j) => inp.rows[Math.floor(j / K)]! * K + (j % K),
      );
      const cb = toTensors(makeBatch(pool.split, cand, B * K, env.buckets, pad));
      inp.hold(cb.ids);
      inp.hold(cb.typeIds);
      inp.hold(cb.mask);
      const valid = tf.tensor2d(
        Float32Array.from(cand, (r) => pool.valid[r]!),
        [B, K],
      );
      const seed = hash32(env.seed, inp.info.step, 0x676c74);
      const zAug = student.forward(cb, {
        training: true,
        dropoutSeed: seed,
        embeddingGrad: env.embeddingGrad,
      }).logits; // [B·K, C]
      let delta: tf.Tensor1D;
      if (spec.setup === 'consistency') {
        // δ = KL(σ(z_S(x)) ‖ σ(z_S(x̃)/τ_uda)), z_S(x) a fixed copy (the code's fixed_copy).
        const anchor = constantOf(inp.student.logits, (z) => tf.clone(z));
        const rep = tf.reshape(tf.tile(tf.expandDims(anchor, 1), [1, K, 1]), [
          B * K,
          C,
        ]) as tf.Tensor2D;
        // KL(p ‖ q) with p = σ(anchor), q = σ(zAug/τ): softTargetKl at T = 1 on (zAug/τ, anchor).
        delta = softTargetKl(tf.div(zAug, spec.uda.temperature) as tf.Tensor2D, rep, 1);
      } else {
        const zt = batchLogits(poolTeacher!, C, cand, B * K);
        delta = softTargetKl(zAug, zt, spec.temperature); // [B·K], T²-scaled (the code's KD)
      }
      const mask = glitterSelect(
        tf.reshape(delta, [B, K]) as tf.Tensor2D,
        valid,
        spec.select,
        spec.selection,
        seed,
      );
      return { aug: selectedMean(delta, mask), picked: tf.div(tf.sum(mask), B) as tf.Scalar };
    },
  };
}

export const glitter: MethodImpl<GlitterSpec> = async (spec, env) => {
  if (spec.setup === 'kd' && (!env.teacher || !env.teacherLogits)) {
    throw new Error(
      "Glitter's 'kd' setup needs a teacher: set kd.teacher (or use setup 'consistency')",
    );
  }
  const g = await glitterAugmentation(spec, env, 'Glitter');
  return {
    stages: singleStage(env.totalSteps),
    extraVars: new Map(),
    loss: (inp): LossTerms => {
      const zs = inp.student.logits;
      const ce = tf.mean(crossEntropy(zs, inp.batch.labels)) as tf.Scalar;
      const { aug, picked } = g.term(inp);
      if (spec.setup === 'consistency') {
        const total = tf.add(ce, tf.mul(aug, spec.uda.alpha)) as tf.Scalar;
        return { total, terms: { ce, uda: aug, picked } };
      }
      const kd = tf.mean(softTargetKl(zs, inp.teacherLogits(), spec.temperature)) as tf.Scalar;
      const w = spec.weights;
      const total = tf.addN([tf.mul(kd, w.kd), tf.mul(ce, w.ce), tf.mul(aug, w.aug)]) as tf.Scalar;
      return { total, terms: { ce, kd, aug, picked } };
    },
    dispose: () => {},
  };
};

/**
 * Glitter as an add-on (kd.glitter) to any other method: the method's own loss on the batch plus
 * `weight` × Glitter's augmentation term on the worst-case k of K candidates per example.
 * Choices where the paper is silent (it pairs Glitter with plain KD and consistency training
 * only): the term is added at every step the student trains (every stage of a multi-stage method,
 * not the steps a method spends on its own updates, such as Combined-KD's generator); in the 'kd'
 * setup δ uses the final teacher at τ = `temperature`, whatever schedule the base method follows
 * for its own terms; its chart terms are 'glitter' and 'picked'.
 */
export async function withGlitter(
  base: MethodRuntime,
  spec: GlitterAddonSpec,
  env: MethodEnv,
): Promise<MethodRuntime> {
  const g = await glitterAugmentation(spec, env, 'The Glitter add-on');
  return {
    ...base,
    loss: (inp): LossTerms => {
      const b = base.loss(inp);
      const { aug, picked } = g.term(inp);
      const total = tf.add(b.total, tf.mul(aug, spec.weight)) as tf.Scalar;
      return { total, terms: { ...b.terms, glitter: aug, picked } };
    },
  };
}
