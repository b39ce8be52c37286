// Named KD setups as data (STYLE R3): each is a RunConfig.kd without its teacher (the run or the
// experiment supplies one). The UI's method picker and the comparison runner list these names.
import { glitterAddonDefaults } from '../config/kd-methods';
import { kdDefaults } from './defaults';
import type { KdConfig } from './spec';

/** A KD setup minus the teacher reference. */
export type MethodPreset = Omit<KdConfig, 'teacher'>;

/** SWA on top of a method: averaging from half-way through the last stage, every 10 steps. */
const SWA = { start: 0.5, every: 10, lrScale: 0.5 } as const;

export const METHOD_PRESETS = {
  /** The student trained alone on the labels. */
  none: { method: kdDefaults('none') },
  /** Hinton KD, T = 2, α = 0.5 (Glitter's defaults). */
  vanilla: { method: kdDefaults('vanilla') },
  /** Pure distillation (α = 0): the "ignore the noisy labels" baseline of the noisy-label study. */
  'vanilla-pure': { method: { ...kdDefaults('vanilla'), alpha: 0 } },
  /** KroneckerBERT Eq. 14 intermediate-layer KD with TinyBERT's uniform map. */
  intermediate: { method: kdDefaults('intermediate') },
  /** KroneckerBERT's two-stage KD: label-free layer matching (+ MLM), then Eq. 14 in full. */
  kronecker: { method: kdDefaults('kronecker') },
  /** Annealing-KD with the code's defaults (n1 = 10, n2 = 3, τ_max = 10). */
  annealing: { method: kdDefaults('annealing') },
  /** Continuation-KD with the paper's GLUE schedule (n = 30, T_max = 10, ψ = i/40 up to 20). */
  continuation: { method: kdDefaults('continuation') },
  /** Pro-KD over 4 teacher footprints (needs a teacher that saved them). */
  'pro-kd': { method: kdDefaults('pro-kd') },
  /** Combined-KD: MATE-KD generator + Annealing-KD (RoBERTa-script loss). */
  combined: { method: kdDefaults('combined') },
  /** RW-KD, look-ahead per-sample weights on the classifier head (1,000 examples held out). */
  'rw-kd': { method: kdDefaults('rw-kd') },
  /** Universal-KD: output-space intermediate-layer KD through pseudo classifiers and attention. */
  universal: { method: kdDefaults('universal') },
  /** Glitter in the KD setup: 2 worst of 8 EDA/MLM candidates per example. */
  glitter: { method: kdDefaults('glitter') },
  /** Glitter with the two-pass selection (gradient-free pick, then train on the k picked). */
  'glitter-two-pass': { method: { ...kdDefaults('glitter'), pass: 'two' } },
  /** Vanilla augmentation baseline of Glitter: every candidate (the code's --vanilla_augment). */
  'glitter-all': { method: { ...kdDefaults('glitter'), selection: 'all' } },
  /** Noisy labels, mitigation 1 (ours): teacher-guided relabelling. */
  'teacher-relabel': { method: kdDefaults('teacher-relabel') },
  /** Noisy labels, mitigation 2 (ours): small-loss selection on the CE term. */
  'small-loss': { method: kdDefaults('small-loss') },
  /** SWA fine-tuning without a teacher (Lu et al. 2022). */
  swa: { method: kdDefaults('none'), swa: { ...SWA } },
  /** SWA on top of vanilla KD. */
  'vanilla+swa': { method: kdDefaults('vanilla'), swa: { ...SWA } },
  /** The Glitter add-on (2 worst of 8 candidates, KD setup) on top of Annealing-KD. */
  'annealing+glitter': { method: kdDefaults('annealing'), glitter: glitterAddonDefaults() },
} satisfies Record<string, MethodPreset>;

export type MethodPresetName = keyof typeof METHOD_PRESETS;

/** Whether `name` is a method preset. */
export function isMethodPreset(name: string): name is MethodPresetName {
  return Object.hasOwn(METHOD_PRESETS, name);
}

/** A fresh copy of a method preset. */
export function methodPreset(name: MethodPresetName): MethodPreset {
  return structuredClone(METHOD_PRESETS[name]);
}
