// What the UI shows about each KD method, as plain data: a name, a short explanation, the citation
// and what it needs; plus the KD config types and each method's paper defaults (src/kd/defaults),
// re-exported here so the UI realm, which may not import src/kd, reads the one source of truth.
// docs/methods.md explains every method and every parameter choice in full.
import { KD_DEFAULTS, kdDefaults } from '../kd/defaults';
import type {
  GlitterAddonSpec,
  KdConfig,
  KdKind,
  KdSpec,
  LabelNoiseSpec,
  SwaSpec,
  TeacherRef,
} from '../kd/spec';

export { KD_DEFAULTS, kdDefaults };
export type { GlitterAddonSpec, KdConfig, KdKind, KdSpec, LabelNoiseSpec, SwaSpec, TeacherRef };

/** How the UI presents one method. */
export interface MethodInfo {
  /** Display name. */
  label: string;
  /** One or two sentences: what the method does. */
  summary: string;
  /** The paper (authors, venue, identifier), or a note where the method is ours. */
  citation: string;
  /** What the preview plot cannot show (per-sample or learned weights), if anything. */
  note?: string;
}

/**
 * Every method of the registry (src/kd/registry.ts), by kind. Keyed by string so that a kind added
 * to the registry without an entry here still gets a generic entry (`methodInfo`); a unit test
 * checks that every kind of KD_DEFAULTS has one.
 */
export const METHOD_INFO: Readonly<Record<string, MethodInfo>> = {
  none: {
    label: 'No distillation',
    summary: 'The student trained alone on the hard labels: the baseline of every comparison.',
    citation: '—',
  },
  vanilla: {
    label: 'Vanilla KD',
    summary:
      'Cross-entropy on the labels mixed with the KL divergence to the teacher’s softened ' +
      'distribution at temperature T, scaled by T²: L = α·CE + (1 − α)·T²·KL.',
    citation:
      'Hinton, Vinyals & Dean 2015, “Distilling the Knowledge in a Neural Network”, arXiv:1503.02531',
  },
  intermediate: {
    label: 'Intermediate-layer KD',
    summary:
      'Matches embeddings, hidden states and pre-softmax attention scores of mapped layers (MSE, ' +
      'with a width projection when sizes differ), plus the logits and the labels.',
    citation:
      'Tahaei et al., NAACL 2022 (KroneckerBERT), Eq. 14, arXiv:2109.06243; layer map of TinyBERT, Jiao et al. 2020',
  },
  kronecker: {
    label: 'KroneckerBERT two-stage KD',
    summary:
      'Stage 1 matches embeddings, attention and FFN outputs layer by layer without labels (plus ' +
      'MLM when the teacher has a head); stage 2 adds the logits and the labels.',
    citation: 'Tahaei et al., NAACL 2022, “KroneckerBERT”, arXiv:2109.06243, §3',
  },
  annealing: {
    label: 'Annealing-KD',
    summary:
      'Phase 1 regresses the student’s logits onto the teacher’s scaled by Φ, which grows from ' +
      '1/τ_max to 1; phase 2 restarts from the best phase-1 checkpoint on the hard labels alone.',
    citation: 'Jafari et al., EACL 2021, arXiv:2104.07163 (code: huawei-noah/Efficient-NLP)',
  },
  continuation: {
    label: 'Continuation-KD',
    summary:
      'Moves from a smoothed objective (match a shrunken teacher φ·z_T inside a margin) to the ' +
      'full one (hard labels) through the φ and ψ schedules.',
    citation: 'Jafari et al., Findings of EMNLP 2022, arXiv:2212.05998',
  },
  'pro-kd': {
    label: 'Pro-KD',
    summary:
      'Follows the teacher’s training footprints: the student distils from snapshots the teacher ' +
      'saved while it trained, from early to final.',
    citation:
      'Rezagholizadeh et al., COLING 2022, arXiv:2110.08532 (the dossier’s reference reading)',
  },
  'teacher-relabel': {
    label: 'Noisy labels: teacher relabelling',
    summary:
      'Labels the teacher contradicts with confidence ≥ θ are replaced by its class once, then ' +
      'vanilla KD. Ours: the W-NUT paper’s own methods could not be read.',
    citation: 'Setting of Bhardwaj et al., W-NUT 2021, arXiv:2109.10147; after Reed et al. 2015',
  },
  'small-loss': {
    label: 'Noisy labels: small-loss selection',
    summary:
      'Vanilla KD whose cross-entropy keeps only the examples of smallest loss, the share left ' +
      'out ramping up to the forget rate (Co-teaching). Ours, not the W-NUT paper’s.',
    citation: 'Setting of Bhardwaj et al., W-NUT 2021; Han et al. 2018 (Co-teaching)',
  },
  combined: {
    label: 'Combined-KD',
    summary:
      'MATE-KD’s masked-LM generator rewrites 30% of the tokens to maximise teacher–student ' +
      'disagreement (10 of every 110 steps), with Annealing-KD’s two phases.',
    citation: 'Li et al., Findings of EMNLP 2021, arXiv:2109.05696',
    note: 'Generator steps (lr 0 in the charts) are interleaved in phase 1 and not drawn.',
  },
  'rw-kd': {
    label: 'RW-KD',
    summary:
      'Per-sample weights between the label and distillation losses, set by a look-ahead ' +
      'meta-step on a held-out split.',
    citation: 'Lu et al., Findings of EMNLP 2021 (2021.findings-emnlp.270)',
    note: 'The weights are learned per sample during the run, so only T is plotted.',
  },
  universal: {
    label: 'Universal-KD',
    summary:
      'Pseudo classifiers on every teacher and student layer; each student layer is distilled in ' +
      'output space towards an attention-weighted mix of teacher layers. Works for CNN and LSTM ' +
      'students.',
    citation: 'Wu et al., EMNLP 2021 (2021.emnlp-main.603)',
  },
  glitter: {
    label: 'Glitter',
    summary:
      'A pool of augmented candidates per example (EDA, masked-LM replacement); each step trains ' +
      'on the k candidates with the largest loss. KD or consistency-training setup.',
    citation: 'Kamalloo et al., Findings of ACL 2022, arXiv:2203.09391',
  },
};

/** SWA fine-tuning, the add-on that combines with any method. */
export const SWA_INFO: MethodInfo = {
  label: 'SWA fine-tuning',
  summary:
    'In the method’s last stage, from t_swa on, a constant learning rate and a running average ' +
    'of the weights every c steps; dev evaluations use the averaged weights.',
  citation: 'Lu et al., Findings of EMNLP 2022, arXiv:2212.05956',
};

/** SWA's settings when the add-on is switched on (averaging from half-way through the last stage). */
export const SWA_DEFAULTS: SwaSpec = { start: 0.5, every: 10, lrScale: 0.5 };

/** Glitter as an add-on to any other method. */
export const GLITTER_ADDON_INFO: MethodInfo = {
  label: 'Glitter augmentation',
  summary:
    'On top of the method: each step also trains on the k of K augmented candidates per example ' +
    'that the student gets most wrong (KD setup: against the teacher; consistency: against itself).',
  citation: 'Kamalloo et al., Findings of ACL 2022, arXiv:2203.09391',
};

/** The add-on's settings when switched on: the method's defaults, alpha_aug as the weight. */
export function glitterAddonDefaults(): GlitterAddonSpec {
  const g = kdDefaults('glitter');
  return {
    setup: g.setup,
    candidates: g.candidates,
    select: g.select,
    selection: g.selection,
    pass: g.pass ?? 'single',
    augment: g.augment,
    temperature: g.temperature,
    weight: g.weights.aug,
    uda: { temperature: g.uda.temperature },
    eda: { ...g.eda },
    mlm: { ...g.mlm },
    generator: structuredClone(g.generator),
  };
}

/** Label-noise injection, the setting of KD under noisy labels. */
export const LABEL_NOISE_INFO: MethodInfo = {
  label: 'Noisy labels',
  summary:
    'Flip a share of the training labels before anything trains (teacher included): uniformly to ' +
    'another class, or class c to c + 1. Dev labels stay clean. Pair with the teacher-relabel or ' +
    'small-loss method to see the mitigation.',
  citation: 'Bhardwaj et al., W-NUT 2021',
};

/** Label noise when switched on. */
export const LABEL_NOISE_DEFAULTS: LabelNoiseSpec = { kind: 'uniform', rate: 0.2, seed: 1 };

/** The methods in the registry's order (KD_DEFAULTS holds one entry per kind). */
export function methodKinds(): KdKind[] {
  return Object.keys(KD_DEFAULTS) as KdKind[];
}

/** The UI entry of a kind (a generic one for a kind without an entry). */
export function methodInfo(kind: string): MethodInfo {
  return METHOD_INFO[kind] ?? { label: kind, summary: 'See docs/methods.md.', citation: '—' };
}

/** Whether a method distils from a teacher (kd/registry re-exports it as needsTeacher). */
export function methodNeedsTeacher(spec: KdSpec): boolean {
  if (spec.kind === 'none') return false;
  return !(spec.kind === 'glitter' && spec.setup === 'consistency');
}

/** Whether a KD config needs a teacher: its method does, or the Glitter add-on's 'kd' setup. */
export function kdNeedsTeacher(kd: KdConfig | undefined): boolean {
  if (!kd) return false;
  return methodNeedsTeacher(kd.method) || kd.glitter?.setup === 'kd';
}
