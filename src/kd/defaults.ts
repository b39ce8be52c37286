// Each method's parameters as its paper (or official code) sets them, for the UI's method picker
// and as the base of presets. Where the paper is silent the choice is ours, marked [I] and
// explained in docs/methods.md.
import type { KdKind } from './spec';
import type { SpecOf } from './registry';

export const KD_DEFAULTS: { [K in KdKind]: SpecOf[K] } = {
  none: { kind: 'none' },
  // Glitter's official vanilla-KD defaults (alpha_true 0.5, temperature 2.0; dossier §2.2).
  vanilla: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
  // KroneckerBERT Eq. 14: every term with weight 1; L_Logit as T²·KL at T = 1 [I].
  intermediate: {
    kind: 'intermediate',
    layerMap: 'uniform',
    weights: { embedding: 1, hidden: 1, attention: 1, logits: 1, ce: 1 },
    temperature: 1,
    maskPadding: true,
    projection: 'shared',
  },
  // KroneckerBERT's two stages [P]: unit weights (Eq. 14), one-to-one layers, fresh optimiser.
  // Ours [I]: half the run in stage 1 (the paper's stage 1 is a separate Wikipedia run), MLM
  // weight 1 (the paper sums intermediate KD, MLM and NSP), L_Logit as T²·KL at T = 1.
  kronecker: {
    kind: 'kronecker',
    stage1Share: 0.5,
    layerMap: 'uniform',
    projection: 'shared',
    stage1: { embedding: 1, hidden: 1, attention: 1, mlm: 1 },
    stage2: { embedding: 1, hidden: 1, attention: 1, logits: 1, ce: 1 },
    temperature: 1,
    maskPadding: true,
    mlmMaskProb: 0.15,
  },
  // Official code's argparse defaults (n1 = 10, n2 = 3, τ_max = 10) and F.mse_loss.
  annealing: {
    kind: 'annealing',
    tauMax: 10,
    phase1Units: 10,
    phase2Units: 3,
    classReduction: 'mean',
  },
  // Paper's GLUE setting (T_max 10, 30 epochs, ψ(i) = i/40 up to 20 then 1); margin ours [I].
  continuation: {
    kind: 'continuation',
    tMax: 10,
    units: 30,
    margin: 0.1,
    psiRampUnits: 20,
    psiRampTo: 0.5,
    classReduction: 'mean',
  },
  // Reference interpretation (dossier §5.1) [I]: vanilla KD's loss against 4 footprints.
  'pro-kd': {
    kind: 'pro-kd',
    checkpoints: 4,
    finalShare: 0,
    loss: 'kl',
    temperature: 2,
    alpha: 0.5,
  },
  // RoBERTa script (30 + 10 epochs, τ_max 10, loss on x̃ and x); generator ours [I]: BERT-Tiny
  // shape, MLM pre-trained on the task's text (the code's BERT-Mini MLM is pre-trained on books).
  combined: {
    kind: 'combined',
    tauMax: 10,
    phase1Units: 30,
    phase2Units: 10,
    maskProb: 0.3,
    generatorSteps: 10,
    studentSteps: 100,
    generatorLr: 5e-7,
    generatorClip: 5,
    gumbelTau: 1,
    variant: 'roberta',
    generator: {
      model: {
        layers: 2,
        hidden: 128,
        heads: 2,
        intermediate: 512,
        hiddenDropout: 0.1,
        attentionDropout: 0.1,
      },
      mlm: { steps: 500, lr: 1e-3, batchSize: 32, maskProb: 0.15 },
    },
  },
  // The re-implementations' look-ahead (τ = 4, 1,000 held out, CE meta loss, δ = 1e-8) [S].
  'rw-kd': { kind: 'rw-kd', temperature: 4, metaSize: 1000, metaLoss: 'hard', floor: 1e-8 },
  // Dossier §7.1 reading [I]: unit λs, τ = 1, d = 64, the last 20% fine-tuning with CE + KD
  // (the second stage of the THUDM re-implementation [S]); pseudo classifiers: 200 full-batch steps.
  universal: {
    kind: 'universal',
    temperature: 1,
    weights: { ce: 1, kd: 1, ild: 1 },
    attentionDim: 64,
    stage2Share: 0.2,
    stage2Kd: true,
    pseudoSteps: 200,
    pseudoLr: 1e-2,
  },
  // The code's defaults (README KD example: 2 of 8 candidates; α's 0.5; τ 2); EDA without a
  // thesaurus (swap, delete) and MLM replacement from a small MLM on the task text [I].
  glitter: {
    kind: 'glitter',
    setup: 'kd',
    candidates: 8,
    select: 2,
    selection: 'worst',
    pass: 'single',
    augment: 'both',
    temperature: 2,
    weights: { ce: 0.5, kd: 0.5, aug: 0.5 },
    uda: { alpha: 1, temperature: 5 },
    eda: { swaps: 1, deleteProb: 0.1 },
    mlm: { prob: 0.15, topK: 10 },
    generator: {
      model: {
        layers: 1,
        hidden: 128,
        heads: 2,
        intermediate: 512,
        hiddenDropout: 0.1,
        attentionDropout: 0.1,
      },
      mlm: { steps: 300, lr: 1e-3, batchSize: 32, maskProb: 0.15 },
    },
  },
  // Ours, not the W-NUT paper's [I]: see src/kd/algorithms/noisy.ts and docs/methods.md.
  // A teacher trained on labels with noise rate r is at best ≈ (1 − r) confident, so θ < 1 − r.
  'teacher-relabel': { kind: 'teacher-relabel', threshold: 0.6, temperature: 2, alpha: 0.5 },
  // Co-teaching's ramp (forget rate reached early in training); forget rate = expected noise.
  'small-loss': { kind: 'small-loss', forgetRate: 0.2, rampShare: 0.1, temperature: 2, alpha: 0.5 },
};

/** A fresh copy of a method's defaults. */
export function kdDefaults<K extends KdKind>(kind: K): SpecOf[K] {
  return structuredClone(KD_DEFAULTS[kind]);
}
