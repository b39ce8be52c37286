// Combined-KD (Li, Rashid, Jafari, Sharma, Ghodsi & Rezagholizadeh, Findings of EMNLP 2021,
// arXiv:2109.05696; code huawei-noah/Efficient-NLP/Combined-KD): MATE-KD's adversarial text
// generator (Rashid et al., ACL 2021) plus Annealing-KD's two phases. A masked LM rewrites 30% of
// the tokens (straight-through Gumbel one-hots); in cycles of 110 batches it first takes 10 steps
// to maximise the student–teacher disagreement on the rewritten text, then the student takes 100
// annealed-MSE steps on both the rewritten and the original text. Phase 2: hard labels from the
// best phase-1 checkpoint.
// Our generator is a small BERT MLM pre-trained on the task's training text at the start of the
// run (the official one is a pre-trained BERT-Mini / DistilRoBERTa MLM, not available offline).
import * as tf from '@tensorflow/tfjs';
import type { BatchArrays } from '../../data/batcher';
import {
  bertConfig,
  bertForward,
  isNoDecay,
  KRON_EMBEDDING,
  matMul,
  oneHotFloat,
  type BertConfig,
  type EmbeddingGrad,
  type EncoderOutputs,
  type ParamSource,
  type Params,
  type TokenBatch,
} from '../../model';
import { AdamW } from '../../train/optimizer';
import { buildSchedule } from '../../train/schedule';
import { hash32, makeRng } from '../../util/rng';
import { bertConfigOf } from '../bert';
import { crossEntropy, logitMse } from '../losses';
import type { LossTerms, MethodImpl } from '../method';
import {
  initMlmParams,
  maskedBatch,
  maskTokens,
  mlmLogits,
  mlmPretrain,
  selectRows,
  type Masked,
} from '../mlm';
import type { CombinedSpec } from '../spec';
import {
  annealingFactor,
  annealingStages,
  isGeneratorStep,
  unitOf,
} from '../../config/kd-schedules';
import {
  readVars,
  requireClassification,
  requireTeacherLogits,
  stateArray,
  stateCount,
  writeVars,
} from './common';

const WORD = 'bert.embeddings.word_embeddings.weight';
const KRON_A = `${KRON_EMBEDDING}.kron_a`;

// The generator/student cycle is pure (shared with the UI's preview).
export { isGeneratorStep } from '../../config/kd-schedules';

/**
 * Straight-through Gumbel-softmax (Jang et al. 2017): the forward value is the one-hot argmax of
 * softmax((l + G)/τ) with G = −log(−log U) (U seeded uniform noise, given), the gradient that of
 * the soft sample (code: y_hard − y.detach() + y).
 * logits: [M, V], gumbel: [M, V] → [M, V] one-hot rows.
 */
export function gumbelSoftmaxST(
  logits: tf.Tensor2D,
  gumbel: tf.Tensor2D,
  tau: number,
): tf.Tensor2D {
  const V = logits.shape[1];
  const st = tf.customGrad((...args) => {
    const [l, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const soft = tf.softmax(tf.div(tf.add(l, gumbel), tau)) as tf.Tensor2D;
    save([soft]);
    return {
      value: oneHotFloat(tf.argMax(soft, -1) as tf.Tensor1D, V),
      // d softmax(u/τ)/du applied to dy: y ⊙ (dy − Σ_v dy·y) / τ.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const y = saved[0]!;
        const dot = tf.sum(tf.mul(dy, y), -1, true);
        return tf.div(tf.mul(y, tf.sub(dy, dot)), tau);
      },
    };
  });
  return st(logits) as tf.Tensor2D;
}

/** Seeded Gumbel noise −log(−log U), U ∈ (0, 1), as a [M, V] tensor (counter-based: hash32). */
export function gumbelNoise(seed: number, M: number, V: number): tf.Tensor2D {
  const g = new Float32Array(M * V);
  for (let i = 0; i < g.length; i++) {
    const u = (hash32(seed, i, 0x67756d) + 0.5) / 4294967296;
    g[i] = -Math.log(-Math.log(u));
  }
  return tf.tensor2d(g, [M, V]);
}

/**
 * Encoder inputs of x̃ for a model of vocabulary V: masked position j points at row V + j of the
 * extended table that `perturbedForward` builds. Build it outside tf.variableGrads (or hold it):
 * the embedding gradient reads the ids after the forward scope ends.
 */
export function perturbedInputs(b: BatchArrays, m: Masked, vocabSize: number): TokenBatch {
  const ids = Int32Array.from(b.ids);
  m.positions.forEach((pos, j) => (ids[pos] = vocabSize + j));
  return {
    ids: tf.tensor2d(ids, [b.B, b.T], 'int32'),
    typeIds: tf.tensor2d(b.typeIds, [b.B, b.T], 'int32'),
    mask: tf.tensor2d(b.mask, [b.B, b.T]),
  };
}

/**
 * A BERT forward on x̃: unmasked positions read their own word embeddings, masked position j reads
 * g_j·E (E this model's word embeddings), as the code builds inputs_embeds. Done by appending the
 * M rows g·E to the embedding table (ids from `perturbedInputs`), so the gradient reaches g (and
 * the generator) through the lookup.
 * A KroneckerBERT's table E = Σ_r A_r ⊗ B_r (A_r [V, H/n], B_r [1, n]) is linear in A, so
 * g·E = Σ_r (g·A_r) ⊗ B_r: the rows g·A_r are appended to each A_r instead, and E is never
 * materialised (the paper of Combined-KD distils dense students only; this extension is ours).
 * g: [M, V] → the model's outputs on x̃.
 */
export function perturbedForward(
  p: ParamSource,
  c: BertConfig,
  inputs: TokenBatch,
  g: tf.Tensor2D,
  opts: { training: boolean; dropoutSeed: number; embeddingGrad: EmbeddingGrad },
): EncoderOutputs {
  const M = g.shape[0];
  let name: string;
  let extended: tf.Tensor;
  if (p.has(WORD)) {
    const E = p.get(WORD) as tf.Tensor2D; // [V, H]
    name = WORD;
    extended = tf.concat([E, matMul(g, E)], 0); // [V + M, H]
  } else if (p.has(KRON_A)) {
    const a = p.get(KRON_A) as tf.Tensor3D; // [r, V, k]
    const [r, V, k] = a.shape;
    const flat = tf.reshape<tf.Rank.R2>(tf.transpose(a, [1, 0, 2]), [V, r * k]); // [V, r·k]
    const ga = tf.transpose(tf.reshape(matMul(g, flat), [M, r, k]), [1, 0, 2]); // [r, M, k]
    name = KRON_A;
    extended = tf.concat([a, ga], 1); // [r, V + M, k]
  } else {
    throw new Error('Combined-KD: the model has no word embedding to rewrite');
  }
  const src: ParamSource = {
    get: (n) => (n === name ? extended : p.get(n)),
    has: (n) => p.has(n),
  };
  return bertForward(src, { ...c, vocabSize: c.vocabSize + M }, inputs, opts);
}

/**
 * The generator's proposals at the masked positions: ST-Gumbel one-hots [M, V].
 * inputs: the masked batch (`maskedBatch`), built outside tf.variableGrads or held.
 */
export function propose(
  gen: Params,
  gc: BertConfig,
  inputs: TokenBatch,
  positions: Int32Array,
  opts: { training: boolean; dropoutSeed: number; embeddingGrad: EmbeddingGrad; tau: number },
): tf.Tensor2D {
  const [B, T] = inputs.ids.shape;
  const out = bertForward(gen, gc, inputs, opts);
  const last = tf.reshape(out.hidden[out.hidden.length - 1]!, [B * T, gc.hiddenSize]); // [B·T, H]
  const logits = mlmLogits(gen, gc, selectRows(last as tf.Tensor2D, positions)); // [M, V]
  return gumbelSoftmaxST(
    logits,
    gumbelNoise(opts.dropoutSeed, positions.length, gc.vocabSize),
    opts.tau,
  );
}

export const combined: MethodImpl<CombinedSpec> = async (spec, env) => {
  requireClassification(env.task, 'Combined-KD');
  requireTeacherLogits(env, 'Combined-KD');
  const sc = env.studentConfig;
  const teacher = env.teacher!.model;
  const tc = bertConfigOf(teacher);
  if (!sc || !tc) {
    throw new Error(
      'Combined-KD rewrites BERT inputs: the teacher must be a BERT and the student a BERT or a KroneckerBERT',
    );
  }
  annealingFactor(0, spec.phase1Units, spec.tauMax); // fail early on n1 < τ_max
  const stages = annealingStages(env.totalSteps, spec.phase1Units, spec.phase2Units);
  const { generatorSteps: G, studentSteps: S } = spec;
  // The generator: a small BERT + MLM head, pre-trained with MLM on the task's training text.
  const gc = bertConfig(spec.generator.model, sc.vocabSize, 2, {
    maxPositions: sc.maxPositionEmbeddings,
    padTokenId: sc.padTokenId,
  });
  const gen = initMlmParams(gc, hash32(env.seed, 0x6e6e));
  // Resuming: the generator as it was at the resume point (trained past its pre-training).
  const resumed = env.resume ?? null;
  try {
    if (resumed) {
      writeVars(gen.vars, 'generator.', resumed, 'Combined-KD');
    } else {
      await mlmPretrain({
        params: gen,
        config: gc,
        split: env.train,
        buckets: env.buckets,
        special: env.specialIds,
        spec: spec.generator.mlm,
        seed: hash32(env.seed, 0x6d6c),
        embeddingGrad: env.embeddingGrad,
      });
    }
  } catch (e) {
    gen.dispose();
    throw e;
  }
  const genVars = [...gen.vars.values()];
  const genOpt = new AdamW(
    gen.vars,
    { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: spec.generatorClip },
    isNoDecay,
  );
  let genStep = 0;
  if (resumed) {
    try {
      const P = genOpt.names.reduce((n, name) => n + gen.vars.get(name)!.size, 0);
      genOpt.setState({
        step: stateCount(resumed, 'optimizerStep', 'Combined-KD'),
        names: genOpt.names,
        m: stateArray(resumed, 'optimizer.m', 'Combined-KD', [P]).data,
        v: stateArray(resumed, 'optimizer.v', 'Combined-KD', [P]).data,
      });
      genStep = stateCount(resumed, 'generatorStep', 'Combined-KD');
    } catch (e) {
      genOpt.dispose();
      gen.dispose();
      throw e;
    }
  }
  let genCount = 0;
  for (let s = 1; s <= stages[0]!.steps; s++) if (isGeneratorStep(s, G, S)) genCount++;
  const genLr = buildSchedule({
    kind: 'warmupLinear',
    peak: spec.generatorLr,
    warmup: 0,
    total: genCount,
  });
  const student = env.student;
  const mask = (b: BatchArrays, step: number) =>
    maskTokens(
      b,
      env.specialIds,
      spec.maskProb,
      makeRng(env.seed, hash32(step, 0x6d61736b)),
      'mask',
      sc.vocabSize,
    );
  const grad = env.embeddingGrad;

  return {
    stages,
    extraVars: new Map(),
    aux: {
      name: 'generator',
      owns: (info) => info.stage === 0 && isGeneratorStep(info.stageStep, G, S),
      run: ({ info, arrays }) => {
        const m = mask(arrays, info.step);
        const seed = hash32(env.seed, info.step, 0x67656e);
        const rate = genLr(genStep++);
        // Nothing to rewrite (p = 0 or an all-special batch): the generator has no gradient.
        if (m.positions.length === 0) return { values: tf.tensor1d([0, 0]), names: [] };
        const values = tf.tidy(() => {
          // Inputs built outside variableGrads (see perturbedInputs).
          const genIn = maskedBatch(arrays, m);
          const sIn = perturbedInputs(arrays, m, sc.vocabSize);
          const tIn = perturbedInputs(arrays, m, tc.vocabSize);
          const eval0 = { training: false, dropoutSeed: seed, embeddingGrad: grad };
          // L_gen = −MSE(z_S(x̃), z_T(x̃)): the generator looks for text they disagree on.
          const { value, grads } = tf.variableGrads(() => {
            const g = propose(gen, gc, genIn, m.positions, {
              ...eval0,
              training: true,
              tau: spec.gumbelTau,
            });
            const zs = perturbedForward(student.params, sc, sIn, g, eval0).logits;
            const zt = perturbedForward(teacher.params, tc, tIn, g, eval0).logits;
            return tf.neg(logitMse(zs, zt)) as tf.Scalar;
          }, genVars);
          const norm = genOpt.apply(grads, rate);
          return tf.stack([value, norm]) as tf.Tensor1D;
        });
        return { values, names: [] };
      },
    },
    loss: (inp): LossTerms => {
      const zs = inp.student.logits;
      if (inp.info.stage === 1) {
        const ce = tf.mean(crossEntropy(zs, inp.batch.labels)) as tf.Scalar;
        return { total: ce, terms: { ce } };
      }
      const unit = unitOf(inp.info.stageStep, inp.info.stageSteps, spec.phase1Units);
      const phi = annealingFactor(unit, spec.phase1Units, spec.tauMax);
      const clean = logitMse(zs, tf.mul(inp.teacherLogits(), phi) as tf.Tensor2D);
      if (spec.variant === 'bert') {
        // As released for BERT: ½·CE_soft(y, σ(z_S(x))) + ½·MSE(z_S(x), Φ·z_T(x)); x̃ unused.
        const ce = tf.mean(crossEntropy(zs, inp.batch.labels)) as tf.Scalar;
        const total = tf.mul(tf.add(ce, clean), 0.5) as tf.Scalar;
        return { total, terms: { ce, clean, phi: tf.scalar(phi) } };
      }
      const m = mask(inp.arrays, inp.info.step);
      const seed = hash32(env.seed, inp.info.step, 0x737464);
      const hold = (b: TokenBatch): TokenBatch => ({
        ids: inp.hold(b.ids),
        typeIds: inp.hold(b.typeIds),
        mask: inp.hold(b.mask),
      });
      const off = { training: false, dropoutSeed: seed, embeddingGrad: grad };
      if (m.positions.length === 0) {
        // x̃ = x (p = 0): the "augmented" pass is a second training-mode pass on x.
        const zsX = student.forward(inp.batch, { ...off, training: true }).logits;
        const aug = logitMse(zsX, tf.mul(inp.teacherLogits(), phi) as tf.Tensor2D);
        return {
          total: tf.mul(tf.add(aug, clean), 0.5) as tf.Scalar,
          terms: { aug, clean, phi: tf.scalar(phi) },
        };
      }
      const g = propose(gen, gc, hold(maskedBatch(inp.arrays, m)), m.positions, {
        ...off,
        tau: spec.gumbelTau,
      });
      const sIn = hold(perturbedInputs(inp.arrays, m, sc.vocabSize));
      const zsAug = perturbedForward(student.params, sc, sIn, g, { ...off, training: true }).logits;
      const tIn = hold(perturbedInputs(inp.arrays, m, tc.vocabSize));
      const ztAug = perturbedForward(teacher.params, tc, tIn, g, off).logits;
      const aug = logitMse(zsAug, tf.mul(ztAug, phi) as tf.Tensor2D);
      // ½·[MSE(z_S(x̃), Φ·z_T(x̃)) + MSE(z_S(x), Φ·z_T(x))] (RoBERTa script).
      const total = tf.mul(tf.add(aug, clean), 0.5) as tf.Scalar;
      return { total, terms: { aug, clean, phi: tf.scalar(phi) } };
    },
    // The generator trains on its own steps: its weights, optimiser and step count are state.
    saveState: async () => {
      const tensors = await readVars(gen.vars, 'generator.');
      const o = await genOpt.getState();
      tensors.set('optimizer.m', { shape: [o.m.length], data: o.m });
      tensors.set('optimizer.v', { shape: [o.v.length], data: o.v });
      return { tensors, numbers: { optimizerStep: o.step, generatorStep: genStep } };
    },
    dispose: () => {
      genOpt.dispose();
      gen.dispose();
    },
  };
};
