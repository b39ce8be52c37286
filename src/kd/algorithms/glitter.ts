// Glitter (Kamalloo, Rezagholizadeh & Ghodsi, Findings of ACL 2022, arXiv:2203.09391; code
// huawei-noah/Efficient-NLP/Glitter): from a pool of K augmented candidates per example (made
// once, src/kd/augment.ts), each step keeps the k candidates the student currently gets most wrong
// (largest δ) and trains on them. Setups: 'kd' (δ = KL(σ(z_T(x̃)/τ) ‖ σ(z_S(x̃)/τ)); a teacher of the
// student's own architecture makes it self-distillation) and 'consistency' (no teacher,
// δ = KL(σ(z_S(x)) ‖ σ(z_S(x̃)/τ_uda)), UDA-style). Baselines: 'all' (vanilla augmentation) and
// 'random' (random selection), as the code's --vanilla_augment and --random_glitter.
// By default we use the code's single training-mode forward over all candidates (selection inside
// the graph, no readback); only selected candidates contribute to the loss. `pass: 'two'` picks
// the k with a gradient-free evaluation-mode forward first and trains on those k alone (the
// dossier's [I] two-pass reading; the same choice up to dropout noise, less backward work).
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
 * The selection mask [B, K] (1 = trained on): 'worst' keeps, per row, the k valid candidates with
 * the largest δ (Glitter); 'random' the same on seeded random scores; 'all' every valid candidate.
 * Invalid candidates (duplicates of the original) are never kept, so a row with fewer than k
 * valid ones keeps fewer. Exactly k, as the code's repeated scatter_max (each pick masked before
 * the next): two candidates with the same δ (identical token rows) are not both kept because of
 * the tie; the earlier one goes first. (Before 2026-11-24 ties at the k-th δ were all kept.)
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
    const K = d.shape[1];
    const chosen = tf.sum(tf.oneHot(topPicks(d, valid, k, mode, seed), K), 1); // [B, K], 0/1
    return tf.mul(tf.cast(chosen, 'float32'), valid) as tf.Tensor2D;
  });
}

/**
 * Column indices [B, min(k, K)] of each row's picks: the largest δ ('worst') or the largest seeded
 * random score ('random'), invalid candidates last. Ties go to the earlier column (tf.topk).
 * No gradient: call inside constantOf.
 */
function topPicks(
  delta: tf.Tensor2D,
  valid: tf.Tensor2D,
  k: number,
  mode: 'worst' | 'random',
  seed: number,
): tf.Tensor2D {
  const [B, K] = delta.shape;
  const scores =
    mode === 'random'
      ? tf.tensor2d(
          Float32Array.from({ length: B * K }, (_, i) => hash32(seed, i, 0x726e64) / 2 ** 32),
          [B, K],
        )
      : delta;
  const masked = tf.add(tf.mul(scores, valid), tf.mul(tf.sub(valid, 1), 1e9)); // invalid → −1e9
  return tf.topk(masked, Math.min(k, K)).indices as tf.Tensor2D;
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
  /** The batch's B·K candidate rows (row b·K + j), their validity and the step's seed. */
  const candidatesOf = (inp: StepInputs) => {
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
    return { B, cand, cb, valid, seed: hash32(env.seed, inp.info.step, 0x676c74) };
  };
  const twoPass = spec.pass === 'two' && spec.selection !== 'all';
  return {
    term: (inp) => {
      if (twoPass) return twoPassTerm(inp);
      const { B, cand, cb, valid, seed } = candidatesOf(inp);
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

  /**
   * pass 'two': δ on all B·K candidates from an evaluation-mode forward off the gradient tape,
   * the k picks per row by top-k (as glitterSelect), then a training forward on the B·k picked
   * rows only. A pick that is an invalid (duplicate) candidate, which happens only when a row has
   * fewer than k valid ones, weighs 0.
   */
  function twoPassTerm(inp: StepInputs): { aug: tf.Scalar; picked: tf.Scalar } {
    const { B, cand, cb, valid, seed } = candidatesOf(inp);
    const k = Math.min(spec.select, K);
    const zt = spec.setup === 'kd' ? batchLogits(poolTeacher!, C, cand, B * K) : null; // [B·K, C]
    // δ's target rows (all B·K, or the picked ones): the teacher's cached logits ('kd'), or
    // z_S(x) repeated per candidate as a constant (the code's fixed_copy; 'consistency'). The
    // gather happens inside constantOf so no gradient is asked of it (wasm has no gather grad).
    const target = (rows: tf.Tensor1D | null): tf.Tensor2D => {
      if (zt) return rows ? (tf.gather(zt, rows) as tf.Tensor2D) : zt;
      return constantOf(inp.student.logits, (z) => {
        const rep = tf.reshape(tf.tile(tf.expandDims(z, 1), [1, K, 1]), [B * K, C]) as tf.Tensor2D;
        return rows ? (tf.gather(rep, rows) as tf.Tensor2D) : rep;
      });
    };
    const deltaOf = (z: tf.Tensor2D, rows: tf.Tensor1D | null): tf.Tensor1D =>
      zt
        ? softTargetKl(z, target(rows), spec.temperature)
        : softTargetKl(tf.div(z, spec.uda.temperature) as tf.Tensor2D, target(rows), 1);
    // Flat indices b·K + j of the picks, [B·k], computed off the tape (customGrad hands its value
    // back as float32: exact for these small integers, cast back for gather).
    const flat = constantOf(cb.ids, (ids) => {
      const z = student.forward(
        { ids, typeIds: cb.typeIds, mask: cb.mask },
        { training: false, dropoutSeed: seed, embeddingGrad: env.embeddingGrad },
      ).logits;
      const delta = tf.reshape(deltaOf(z, null), [B, K]) as tf.Tensor2D;
      const mode = spec.selection === 'random' ? 'random' : 'worst';
      const indices = topPicks(delta, valid, k, mode, seed); // [B, k]
      const rowBase = tf.mul(tf.range(0, B, 1, 'int32'), K).reshape([B, 1]);
      return tf.reshape(tf.add(indices, rowBase), [B * k]) as tf.Tensor1D;
    });
    const chosen = tf.cast(flat, 'int32') as tf.Tensor1D;
    const picked = {
      ids: tf.gather(cb.ids, chosen) as tf.Tensor2D,
      typeIds: tf.gather(cb.typeIds, chosen) as tf.Tensor2D,
      mask: tf.gather(cb.mask, chosen) as tf.Tensor2D,
    };
    inp.hold(picked.ids);
    inp.hold(picked.typeIds);
    inp.hold(picked.mask);
    const z = student.forward(picked, {
      training: true,
      dropoutSeed: seed,
      embeddingGrad: env.embeddingGrad,
    }).logits; // [B·k, C]
    const weight = tf.reshape(tf.gather(tf.reshape(valid, [B * K]), chosen), [B, k]) as tf.Tensor2D;
    return {
      aug: selectedMean(deltaOf(z, chosen), weight),
      picked: tf.div(tf.sum(weight), B) as tf.Scalar,
    };
  }
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
