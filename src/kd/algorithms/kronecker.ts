// KroneckerBERT's two-stage KD (Tahaei et al., NAACL 2022, arXiv:2109.06243, §3; dossier §1.3).
// Stage 1 ("KD at pre-training"): the layer-matching terms of Eq. 14 (L_Emb, Σ L_Att on the
// pre-softmax scores, Σ L_FFN, one-to-one layers) plus masked-LM, on the task's training text with
// the labels unread. Stage 2 ("task-specific KD"): Eq. 14 in full (the same terms + L_Logit + CE).
// A fresh optimiser and learning-rate schedule start at the boundary; stage 2 continues from
// stage 1's last weights (the paper initialises stage 2 from stage 1, not from a selected
// checkpoint). The paper's stage 1 runs on Wikipedia with MLM and NSP; ours runs on the task's
// own text (no NSP: the tasks have no sentence-order signal), so the split of one run's steps
// between the stages is a parameter (ours, [I]).
import * as tf from '@tensorflow/tfjs';
import {
  dropoutSeed,
  kronSum,
  oneHotFloat,
  type BertConfig,
  type ParamSource,
  type TokenBatch,
} from '../../model';
import { kroneckerStagePlan } from '../../config/kd-schedules';
import { makeRng } from '../../util/rng';
import { bertConfigOf } from '../bert';
import type { LossTerms, MethodEnv, MethodImpl, StagePlan, StepInputs } from '../method';
import {
  initMlmHeadArrays,
  maskedBatch,
  maskTokens,
  mlmLogits,
  MLM_HEAD_NAMES,
  selectRows,
} from '../mlm';
import type { KroneckerSpec } from '../spec';
import type { TeacherBundle } from '../teacher';
import { kdVariable, requireClassification, requireTeacherLogits, stateCount } from './common';
import { intermediateLoss, layerMatchSetup, layerMatchTerms } from './intermediate';

const METHOD = 'KroneckerBERT two-stage KD';
const WORD = 'bert.embeddings.word_embeddings';

/**
 * Stage 1 takes round(stage1Share · steps) steps (at least 1, leaving at least 1 for stage 2);
 * each stage starts a fresh optimiser; neither restores a best checkpoint (stage 1 has no
 * label-free selection criterion, and the paper starts stage 2 from where stage 1 ended). The plan
 * is pure (config/kd-schedules), shared with the UI's schedule preview.
 */
export function kroneckerStages(spec: KroneckerSpec, totalSteps: number): StagePlan[] {
  return kroneckerStagePlan(spec, totalSteps);
}

/**
 * The weight of every term a stage computes (terms it leaves out are not computed at all):
 * stage 0 → emb, hidden, att, and mlm when the teacher has an MLM head; stage 1 → emb, hidden,
 * att, logit, ce.
 */
export function kroneckerTermWeights(
  spec: KroneckerSpec,
  stage: number,
  withMlm: boolean,
): Record<string, number> {
  if (stage === 0) {
    const w = spec.stage1;
    return {
      emb: w.embedding,
      hidden: w.hidden,
      att: w.attention,
      ...(withMlm ? { mlm: w.mlm } : {}),
    };
  }
  const w = spec.stage2;
  return { emb: w.embedding, hidden: w.hidden, att: w.attention, logit: w.logits, ce: w.ce };
}

/** Whether a model's parameters hold a BERT MLM head (BertForMaskedLM's `cls.predictions.*`). */
export function hasMlmHead(params: ParamSource): boolean {
  return MLM_HEAD_NAMES.every((n) => params.has(n));
}

/**
 * The teacher's MLM head: the one its MLM pre-training left (TeacherBundle.mlmHead, from the
 * teacher recipe's kd.teacher.mlm), else one among its parameters (a model that carries
 * `cls.predictions.*`), else null.
 */
export function mlmHeadOf(teacher: TeacherBundle): ParamSource | null {
  const kept = teacher.mlmHead;
  if (kept && MLM_HEAD_NAMES.every((n) => kept.has(n))) {
    return { get: (n) => kept.get(n)!, has: (n) => kept.has(n) };
  }
  return hasMlmHead(teacher.model.params) ? teacher.model.params : null;
}

/**
 * The student's word-embedding matrix E [V, H] (the MLM decoder is tied to it): the dense table,
 * or Σ_r A_r ⊗ B_r of a Kronecker embedding (Eq. 8), materialised for the decoder only.
 */
export function wordEmbeddingMatrix(p: ParamSource): tf.Tensor2D {
  if (p.has(`${WORD}.weight`)) return p.get(`${WORD}.weight`) as tf.Tensor2D;
  if (p.has(`${WORD}.kron_a`)) {
    return kronSum(p.get(`${WORD}.kron_a`) as tf.Tensor3D, p.get(`${WORD}.kron_b`) as tf.Tensor3D);
  }
  throw new Error(`${METHOD}: the student has no word embedding to tie an MLM decoder to`);
}

/** The student's MLM head: a trainable copy of the teacher's, decoder tied to the student's E. */
interface StudentMlm {
  head: Map<string, tf.Variable>;
  config: BertConfig;
  maskProb: number;
}

/**
 * Mean MLM cross-entropy of the student on one masked copy of the step's batch (BERT's 80/10/10
 * masking; at least one masked token per batch). A separate training-mode forward of the student
 * on the masked ids; its last hidden states go through the copied head. Masks are seeded by
 * (run seed, step).
 */
function studentMlmLoss(inp: StepInputs, env: MethodEnv, mlm: StudentMlm): tf.Scalar {
  const rng = makeRng(env.seed, 0x6b4d0000 + inp.info.step);
  const b = inp.arrays;
  const m = maskTokens(b, env.specialIds, mlm.maskProb, rng, 'bert', mlm.config.vocabSize);
  const masked = maskedBatch(b, m);
  // The embedding's custom gradient reads its ids in the backward pass (StepInputs.hold).
  const tb: TokenBatch = { ids: inp.hold(masked.ids), typeIds: masked.typeIds, mask: masked.mask };
  const out = env.student.forward(tb, {
    training: true,
    dropoutSeed: dropoutSeed(env.seed, 0x4d4c4d + inp.info.step),
    embeddingGrad: env.embeddingGrad,
  });
  const H = mlm.config.hiddenSize;
  const last = tf.reshape(out.hidden[out.hidden.length - 1]!, [b.B * b.T, H]) as tf.Tensor2D;
  const E = wordEmbeddingMatrix(env.student.params);
  const source: ParamSource = {
    get: (name) => {
      if (name === `${WORD}.weight`) return E;
      const v = mlm.head.get(name);
      if (!v) throw new Error(`${METHOD}: MLM head has no '${name}'`);
      return v;
    },
    has: (name) => name === `${WORD}.weight` || mlm.head.has(name),
  };
  const logits = mlmLogits(source, mlm.config, selectRows(last, m.positions)); // [M, V]
  const targets = oneHotFloat(tf.tensor1d(m.targets, 'int32'), mlm.config.vocabSize); // [M, V]
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/** Σ_k w_k·term_k over the terms of `weights`. */
function weighted(terms: Record<string, tf.Scalar>, weights: Record<string, number>): tf.Scalar {
  return tf.addN(Object.entries(weights).map(([k, w]) => tf.mul(terms[k]!, w))) as tf.Scalar;
}

export const kronecker: MethodImpl<KroneckerSpec> = async (spec, env) => {
  requireClassification(env.task, METHOD);
  requireTeacherLogits(env, METHOD);
  const stages = kroneckerStages(spec, env.totalSteps);
  const setup = layerMatchSetup(spec, env, METHOD);
  const extraVars = new Map(setup.extraVars);
  // The MLM term needs the teacher's MLM head (the student's starts as a copy of it, as the paper's
  // student starts from the pre-trained teacher) and a BERT config for its LayerNorm and sizes.
  const teacherHead = mlmHeadOf(env.teacher!);
  const teacherConfig = bertConfigOf(env.teacher!.model);
  // Resuming: whether the run had the head says whether to make it (its trained values come from
  // the resume point's weights). A teacher reloaded from its checkpoint has no MLM head, so the
  // head then starts from placeholders of the right shapes that the resume overwrites.
  const resumedHead = env.resume ? stateCount(env.resume, 'mlmHead', METHOD) === 1 : null;
  let mlm: StudentMlm | null = null;
  const wantHead = resumedHead ?? (spec.stage1.mlm > 0 && teacherHead !== null);
  if (wantHead) {
    if (!teacherConfig || spec.stage1.mlm <= 0) {
      setup.dispose();
      throw new Error(`${METHOD}: the resume point has a student MLM head this run cannot have`);
    }
    const placeholders = teacherHead ? null : initMlmHeadArrays(teacherConfig, 0);
    const start = (name: string): tf.Tensor => {
      if (teacherHead) return tf.clone(teacherHead.get(name));
      const a = placeholders!.get(name)!;
      return tf.tensor(a.data, a.shape, 'float32');
    };
    const head = new Map<string, tf.Variable>();
    for (const name of MLM_HEAD_NAMES) {
      const v = kdVariable(name, start(name));
      head.set(name, v);
      extraVars.set(name, v);
    }
    mlm = { head, config: teacherConfig, maskProb: spec.mlmMaskProb };
  }
  const weights0 = kroneckerTermWeights(spec, 0, mlm !== null);
  return {
    stages,
    extraVars,
    loss: (inp): LossTerms => {
      const teacher = inp.teacherOutputs();
      if (inp.info.stage === 0) {
        // Stage 1: label-free; neither inp.batch.labels nor the teacher's logits are read.
        const mask = spec.maskPadding ? inp.student.mask : null;
        const terms: Record<string, tf.Scalar> = layerMatchTerms({
          student: inp.student,
          teacher,
          map: setup.map,
          project: setup.project,
          mask,
        });
        if (mlm) terms['mlm'] = studentMlmLoss(inp, env, mlm);
        return { total: weighted(terms, weights0), terms };
      }
      return intermediateLoss(
        { weights: spec.stage2, temperature: spec.temperature, maskPadding: spec.maskPadding },
        {
          student: inp.student,
          teacher,
          teacherLogits: inp.teacherLogits(),
          labels: inp.batch.labels,
          map: setup.map,
          project: setup.project,
        },
      );
    },
    // Whether the student has an MLM head: a reloaded teacher cannot say (see resumedHead).
    saveState: async () => ({ tensors: new Map(), numbers: { mlmHead: mlm ? 1 : 0 } }),
    dispose: () => {
      setup.dispose();
      if (mlm) tf.dispose([...mlm.head.values()]);
    },
  };
};
