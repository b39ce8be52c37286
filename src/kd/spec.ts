// KD configuration as plain data (STYLE R2, R4): the method (a discriminated union, one member per
// paper), where the teacher comes from, and the add-ons that combine with any method. No functions
// or tensors, so it lives inside RunConfig, crosses the worker boundary and is encoded in URLs.
// Each member's doc names the paper; the defaults (KD_DEFAULTS in ./defaults) are the paper's.
import type { ModelArch, TrainConfig } from '../config/run-config';
import type { ClassReduction } from './losses';

/** No distillation: the task loss alone. The baseline every comparison table starts from. */
export interface NoneSpec {
  kind: 'none';
}

/**
 * Vanilla KD (Hinton et al. 2015, arXiv:1503.02531), in the form of Continuation-KD Eq. 1 with
 * Hinton's T² factor: L = α·CE(y, σ(z_S)) + (1 − α)·T²·KL(σ(z_T/T) ‖ σ(z_S/T)), batch mean.
 */
export interface VanillaSpec {
  kind: 'vanilla';
  /** Softmax temperature T of both sides, > 0. */
  temperature: number;
  /** Weight α of the hard-label cross-entropy, [0, 1]; the KL gets 1 − α. */
  alpha: number;
}

/** A hidden-state pair [teacher index, student index]; index 0 is the embedding output. */
export type LayerPair = [teacher: number, student: number];

/**
 * Intermediate-layer KD: KroneckerBERT's task-stage loss (Tahaei et al., NAACL 2022, Eq. 14:
 * L_Emb + L_Att + L_FFN + L_Logit + L_Student) with TinyBERT's layer map and width projection
 * (Jiao et al. 2020). Attention is matched on the pre-softmax scores QKᵀ/√d_k (Eq. 9).
 */
export interface IntermediateSpec {
  kind: 'intermediate';
  /** Pairs of hidden-state indices, or TinyBERT's uniform map (m ↔ m·L_T/L_S, and 0 ↔ 0). */
  layerMap: 'uniform' | LayerPair[];
  /** Weights of the five terms (KroneckerBERT: all 1). */
  weights: { embedding: number; hidden: number; attention: number; logits: number; ce: number };
  /** Temperature of L_Logit = T²·KL (KroneckerBERT does not give L_Logit's form; [I]). */
  temperature: number;
  /** Leave padding out of the hidden and attention MSEs (not described by the papers; [I]). */
  maskPadding: boolean;
  /** One W_h for every layer (TinyBERT's code) or one per mapped pair; used when widths differ. */
  projection: 'shared' | 'per-layer';
}

/**
 * KroneckerBERT's two-stage KD (Tahaei et al., NAACL 2022, arXiv:2109.06243; dossier §1.3).
 * Stage 1, label-free: L_Emb + Σ L_Att (pre-softmax scores, Eq. 9) + Σ L_FFN with one-to-one
 * layers, plus the student's masked-LM loss when the teacher has an MLM head (the one the teacher
 * recipe's kd.teacher.mlm pre-training leaves, or `cls.predictions.*` among a provided model's
 * parameters; otherwise the term is skipped). Stage 2: Eq. 14 in full (the same terms + L_Logit +
 * CE). A fresh optimiser at the boundary. The paper's stage 1 is a separate pre-training run on
 * Wikipedia from the pre-trained teacher; here both stages share one run on the task's text and
 * the fine-tuned teacher, split by `stage1Share` (ours, [I]).
 */
export interface KroneckerSpec {
  kind: 'kronecker';
  /** Share of the run's steps in stage 1, (0, 1) (paper: a separate run; ours 0.5 [I]). */
  stage1Share: number;
  /** Hidden-state pairs; 'uniform' is one-to-one when the depths agree (KroneckerBERT's case). */
  layerMap: 'uniform' | LayerPair[];
  /** Width projections, used only when student and teacher widths differ (never for KroneckerBERT). */
  projection: 'shared' | 'per-layer';
  /** Stage-1 weights: Eq. 14's layer terms (paper: 1) and MLM (paper: unweighted sum [I]: 1). */
  stage1: { embedding: number; hidden: number; attention: number; mlm: number };
  /** Stage-2 weights of Eq. 14 (paper: all 1). */
  stage2: { embedding: number; hidden: number; attention: number; logits: number; ce: number };
  /** Temperature of L_Logit = T²·KL (the paper does not give L_Logit's form; [I]). */
  temperature: number;
  /** Leave padding out of the hidden and attention MSEs (not described by the paper; [I]). */
  maskPadding: boolean;
  /** Share of real tokens masked for the MLM term (BERT's 0.15, with 80/10/10). */
  mlmMaskProb: number;
}

/**
 * Annealing-KD (Jafari et al., EACL 2021, arXiv:2104.07163; code huawei-noah/Efficient-NLP).
 * Phase 1: MSE between z_S and Φ·z_T, Φ growing 1/τ_max → 1 by the code's epoch schedule
 * (clamped at 1); phase 2: hard labels from the best phase-1 checkpoint with a new optimiser.
 * The run's steps are split n1 : n2 and each phase into its units (the code's epochs).
 */
export interface AnnealingSpec {
  kind: 'annealing';
  /** τ_max, the number of annealing levels (code default 10; README GLUE run 7). */
  tauMax: number;
  /** n1, phase-1 length in units (code default 10); must be ≥ τ_max. */
  phase1Units: number;
  /** n2, phase-2 length in units (code default 3). */
  phase2Units: number;
  /** Squared error over classes: 'mean' = the code's F.mse_loss, 'sum' = the paper's ‖·‖²₂. */
  classReduction: ClassReduction;
}

/**
 * Continuation-KD (Jafari et al., Findings of EMNLP 2022, arXiv:2212.05998):
 * L = ψ(i)·CE + (1 − ψ(i))·max(0, ‖z_S − φ(T_i)·z_T‖² − m·φ(T_i)) with Algorithm 1's T schedule
 * over the run's `units` (the paper's epochs, n = 30), T clamped at 1.
 */
export interface ContinuationSpec {
  kind: 'continuation';
  /** T_max (paper: 10). */
  tMax: number;
  /** n, the run split into this many units, the paper's epochs (30); must be ≥ T_max. */
  units: number;
  /** Margin m of the hinge (not reported by the paper; ours [I]), in the class reduction's units. */
  margin: number;
  /** ψ ramps linearly to `psiRampTo` over this many units, then jumps to 1 (paper: 20, 0.5). */
  psiRampUnits: number;
  psiRampTo: number;
  /** Squared error over classes ('mean' matches Annealing-KD's code; 'sum' the paper's ‖·‖²₂). */
  classReduction: ClassReduction;
}

/**
 * Pro-KD (Rezagholizadeh et al., COLING 2022, arXiv:2110.08532), in the dossier's reference
 * interpretation (§5.1; the paper's algorithm is not available): distil from the teacher's
 * footprints (snapshots saved while it trained, kd.teacher.footprintEvery), early to final.
 */
export interface ProKdSpec {
  kind: 'pro-kd';
  /** K, the teacher checkpoints followed, the final teacher included (evenly spaced), >= 1. */
  checkpoints: number;
  /** Share of the run on the final teacher alone after the footprint segments, [0, 1). */
  finalShare: number;
  /** Distillation loss against the current footprint: vanilla KD's KL (T²) or logit MSE. */
  loss: 'kl' | 'mse';
  temperature: number;
  /** Weight of the hard-label CE, [0, 1]; the distillation term gets 1 − α. */
  alpha: number;
}

/**
 * Noisy labels, mitigation 1 (NOT the W-NUT 2021 paper's, which could not be read): teacher-guided
 * label correction, then vanilla KD. Labels the teacher contradicts with p ≥ threshold are replaced.
 */
export interface TeacherRelabelSpec {
  kind: 'teacher-relabel';
  /** Teacher confidence (softmax, T = 1) needed to overrule a label, (0, 1]. */
  threshold: number;
  temperature: number;
  alpha: number;
}

/**
 * Noisy labels, mitigation 2 (NOT the paper's): Co-teaching's small-loss selection on the CE term
 * of vanilla KD; the KD term keeps every example.
 */
export interface SmallLossSpec {
  kind: 'small-loss';
  /** Largest share of each batch left out of the CE term (ideally the noise rate), [0, 1). */
  forgetRate: number;
  /** Share of the run over which the left-out share ramps from 0 to forgetRate, (0, 1]. */
  rampShare: number;
  temperature: number;
  alpha: number;
}

/**
 * Combined-KD (Li et al., Findings of EMNLP 2021, arXiv:2109.05696; code huawei-noah/
 * Efficient-NLP/Combined-KD): MATE-KD's masked-LM generator (straight-through Gumbel, 10 generator
 * steps per 100 student steps) with Annealing-KD's two phases.
 */
export interface CombinedSpec {
  kind: 'combined';
  /** Annealing schedule of phase 1 and the phase split, as Annealing-KD (RoBERTa script: 10, 30, 10). */
  tauMax: number;
  phase1Units: number;
  phase2Units: number;
  /** Share of real tokens the generator rewrites (code: p_value 0.3, all [MASK], no 80/10/10). */
  maskProb: number;
  /** The alternation: generator steps then student steps per cycle (code: 10, 100). */
  generatorSteps: number;
  studentSteps: number;
  /** Generator AdamW learning rate (code: 5e-7, linear decay) and gradient clip (code: 5). */
  generatorLr: number;
  generatorClip: number;
  /** Gumbel-softmax temperature (code: 1). */
  gumbelTau: number;
  /** 'roberta': ½[MSE(x̃) + MSE(x)]; 'bert': ½CE + ½MSE(x), x̃ unused (as released). */
  variant: 'roberta' | 'bert';
  /** Our generator: a BERT + MLM head pre-trained on the task's text when the run starts. */
  generator: { model: ModelArch; mlm: MlmSpec };
}

/**
 * RW-KD (Lu et al., Findings of EMNLP 2021): per-sample weights (w_ce, w_kd), w_ce + w_kd = 1,
 * from a look-ahead on a held-out split (the variant of both third-party re-implementations;
 * the paper's meta-learner is unknown), restricted to the classifier head (first order exact).
 */
export interface RwKdSpec {
  kind: 'rw-kd';
  /** Temperature of the KD term (re-implementation: 4). */
  temperature: number;
  /** Training examples held out as the meta split (re-implementation: 1,000), >= 1. */
  metaSize: number;
  /** Meta objective: 'hard' = CE (re-implementation default), 'mix' = CE + KD. */
  metaLoss: 'hard' | 'mix';
  /** Floor δ of the unnormalised weights (re-implementation: 1e-8). */
  floor: number;
}

/**
 * Universal-KD (Wu et al., EMNLP 2021): pseudo classifiers on every teacher and student layer,
 * each student layer distilled (KL in output space) towards an attention-weighted mix of the
 * teacher layers' pseudo logits; works for CNN and LSTM students. Equations per the dossier's
 * §7.1 reading (the paper's are unknown): weights, τ and the stage split are parameters.
 */
export interface UniversalSpec {
  kind: 'universal';
  /** Temperature of every KL (L_KD and L_ILD). */
  temperature: number;
  /** λ1·CE + λ2·KD(final logits) + λ3·L_ILD in stage 1. */
  weights: { ce: number; kd: number; ild: number };
  /** Width d of the attention projections P_S, P_T. */
  attentionDim: number;
  /** Share of the run in stage 2 (fine-tuning without L_ILD, from the best stage-1 checkpoint). */
  stage2Share: number;
  /** Stage 2 keeps λ2·KD next to λ1·CE (else CE alone). */
  stage2Kd: boolean;
  /** Full-batch AdamW steps and learning rate of the teacher's pseudo classifiers. */
  pseudoSteps: number;
  pseudoLr: number;
}

/**
 * Glitter (Kamalloo et al., Findings of ACL 2022, arXiv:2203.09391; code huawei-noah/
 * Efficient-NLP/Glitter): a pool of K augmented candidates per example made once (EDA swap and
 * delete, masked-LM replacement); each step trains on the k candidates with the largest loss.
 */
export interface GlitterSpec {
  kind: 'glitter';
  /** 'kd' (a teacher; self-distillation when it has the student's shape) or 'consistency' (none). */
  setup: 'kd' | 'consistency';
  /** K, candidates per example (code: num_aug_candidates 8). */
  candidates: number;
  /** k, candidates trained on per example and step (code README: num_augments 2). */
  select: number;
  /** 'worst' = Glitter; 'random' and 'all' = the code's random_glitter and vanilla_augment. */
  selection: 'worst' | 'random' | 'all';
  /**
   * How the selection is computed (absent = 'single'). 'single': the code's one training-mode
   * forward and backward over all K candidates, only the selected ones weighted in the loss.
   * 'two': a forward without gradient in evaluation mode (no dropout) over all K picks the k,
   * then only those k go through the training forward and backward: the same choice up to
   * dropout noise, for about (1 + k)/(1 + K) of the backward work. Ours [I].
   */
  pass?: 'single' | 'two';
  /** Candidate generators: EDA, masked LM, or both alternating. */
  augment: 'eda' | 'mlm' | 'both';
  /** τ of the KD terms (code default 2; its MNLI example uses 12). */
  temperature: number;
  /** alpha_true (CE), alpha_ce (KD on x), alpha_aug (KD on x̃): code defaults 0.5 each. */
  weights: { ce: number; kd: number; aug: number };
  /** Consistency setup: alpha_uda and uda_softmax_temp (code example: 1.0, 5.0). */
  uda: { alpha: number; temperature: number };
  /** EDA: word swaps per candidate and per-word deletion probability. */
  eda: { swaps: number; deleteProb: number };
  /** MLM replacement: masking probability and top-k sampling (code: 0.15, 10). */
  mlm: { prob: number; topK: number };
  /** The masked LM for MLM candidates: a BERT pre-trained on the task's text at the start. */
  generator: { model: ModelArch; mlm: MlmSpec };
}

/** What Glitter's augmentation needs (the method's spec has it; so has the add-on's). */
export type GlitterAugSpec = Pick<
  GlitterSpec,
  | 'setup'
  | 'candidates'
  | 'select'
  | 'selection'
  | 'pass'
  | 'augment'
  | 'temperature'
  | 'eda'
  | 'mlm'
  | 'generator'
> & { uda: { temperature: number } };

/**
 * Glitter on top of another method (kd.glitter): the pool and selection of the method 'glitter',
 * its term added to the other method's loss with weight `weight` (the code's alpha_aug in the 'kd'
 * setup, alpha_uda in the 'consistency' one). See withGlitter in src/kd/algorithms/glitter.ts.
 */
export type GlitterAddonSpec = GlitterAugSpec & { weight: number };

/** Every distillation method, by `kind`. The registry (./registry) maps each kind to its module. */
export type KdSpec =
  | NoneSpec
  | VanillaSpec
  | IntermediateSpec
  | KroneckerSpec
  | AnnealingSpec
  | ContinuationSpec
  | ProKdSpec
  | TeacherRelabelSpec
  | SmallLossSpec
  | CombinedSpec
  | RwKdSpec
  | UniversalSpec
  | GlitterSpec;

export type KdKind = KdSpec['kind'];

/** Masked-language-model pre-training on the task's own training text (src/kd/mlm.ts). */
export interface MlmSpec {
  /** Optimiser steps, >= 1. */
  steps: number;
  /** Peak learning rate (AdamW, 10% warm-up, linear decay). */
  lr: number;
  batchSize: number;
  /** Share of real tokens masked per sequence (BERT: 0.15, with the 80/10/10 rule). */
  maskProb: number;
}

/**
 * Where the teacher comes from.
 * - 'train': trained in the app first, with the same loop, data and tokenizer as the student.
 * - 'provided': handed to the training loop as a Model (imported from Hugging Face, an earlier
 *   run, or shared by the experiment runner across methods).
 * - 'checkpoint': a saved checkpoint in this browser's IndexedDB (a teacher an earlier run trained,
 *   or any dense BERT run's best), loaded by the worker; the run adopts its vocabulary.
 * - 'hf': a Hugging Face BERT classifier already fine-tuned on the task (its head has the task's
 *   labels), from the Hub (id or URL, fetched by the worker) or from files the person picked
 *   (the page hands their bytes to the worker); the run adopts its vocabulary.
 */
export type TeacherRef =
  | {
      source: 'train';
      /** The teacher's architecture (a BERT encoder). */
      model: ModelArch;
      /** Its training run: steps, learning rate, seed, ... (the student's `train` shape). */
      train: TrainConfig;
      /** Save a snapshot of the teacher every this many steps (Pro-KD's footprints); 0 = none. */
      footprintEvery: number;
      /** MLM pre-training on the task's text before fine-tuning (a stronger from-scratch teacher). */
      mlm?: MlmSpec;
      /**
       * Train this many teachers (seeds train.seed, +1, ...) and distil from their mean logits;
       * footprints and intermediate outputs come from the first. Absent = 1.
       */
      ensemble?: number;
    }
  | { source: 'provided' }
  | {
      source: 'checkpoint';
      /** The checkpoint's IndexedDB key (`kd/<runId>/step-<n>` or `kd/<runId>/teacher/step-<n>`). */
      key: string;
    }
  | { source: 'hf'; from: HfTeacherLocation };

/** Where a Hugging Face teacher's files are. */
export type HfTeacherLocation =
  | {
      kind: 'hub';
      /** A Hub repo id ('owner/name') or a URL of one ('https://huggingface.co/owner/name'). */
      model: string;
      /** Branch, tag or commit. */
      revision: string;
    }
  | {
      kind: 'files';
      /** Names of the picked files (config.json, model.safetensors, vocab.txt or tokenizer.json). */
      names: string[];
    };

/**
 * Stochastic weight averaging (Lu et al., Findings of EMNLP 2022, arXiv:2212.05956): in the
 * method's last stage, from t_swa on, a constant learning rate and θ̄ averaged every `every` steps;
 * evaluation on θ̄. The paper's values are not known (dossier §14.5); these are parameters.
 */
export interface SwaSpec {
  /** t_swa as a fraction of the last stage, [0, 1]; 1 or more never averages (plain training). */
  start: number;
  /** Averaging period c in steps, >= 1. */
  every: number;
  /** The constant learning rate from t_swa on, as a multiple of train.lr. */
  lrScale: number;
}

/**
 * Label noise injected into the training split before anything trains on it (teacher included):
 * the KD-with-noisy-labels setting (Bhardwaj et al., W-NUT 2021). Noise models are the standard
 * ones (the paper's own could not be read): 'uniform' flips to another class drawn uniformly,
 * 'class-conditional' flips class c to (c + 1) mod C.
 */
export interface LabelNoiseSpec {
  kind: 'uniform' | 'class-conditional';
  /** Probability that a training label is flipped, [0, 1). */
  rate: number;
  seed: number;
}

/** What `RunConfig.kd` holds: the method and the teacher it distils from, plus add-ons. */
export interface KdConfig {
  method: KdSpec;
  /** Required by every method except 'none'. */
  teacher?: TeacherRef;
  /** Weight averaging on top of the method (works with 'none' too: SWA fine-tuning). */
  swa?: SwaSpec;
  /** Glitter's worst-case augmentation on top of the method (not with the method 'glitter'). */
  glitter?: GlitterAddonSpec;
  /** Corrupt the training labels first (teacher and student both see the noisy split). */
  labelNoise?: LabelNoiseSpec;
}
