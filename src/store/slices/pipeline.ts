// Config updaters of the KD pipeline panels (Teacher, Students, Methods): pure functions from a
// RunConfig to the next one, as the config slice's own updaters. A config whose KD part says
// nothing (no method, teacher or add-on) drops `kd`, so plain training stays plain.
import {
  KD_DEFAULTS,
  LABEL_NOISE_DEFAULTS,
  SWA_DEFAULTS,
  glitterAddonDefaults,
  kdDefaults,
  type KdConfig,
  type KdKind,
  type KdSpec,
  type LabelNoiseSpec,
  type SwaSpec,
  type TeacherRef,
} from '../../config/kd-methods';
import { MODEL_PRESETS, modelPreset } from '../../config/presets';
import { validateRunConfig } from '../../config/validate';
import type { ModelArch, RunConfig } from '../../config/run-config';
import { KRON_PRESETS, type KronFactors, type StudentSpec } from '../../config/student';
import { withPreset } from './config';

/** The teacher a run trains when the Teacher panel switches to "train one in the app". */
export const DEFAULT_TEACHER_PRESET = 'bert-L4-H256';

/** `kd` with empty parts removed, or undefined when nothing is left (plain training). */
function tidyKd(kd: KdConfig): KdConfig | undefined {
  const out: KdConfig = { method: kd.method };
  if (kd.teacher) out.teacher = kd.teacher;
  if (kd.swa) out.swa = kd.swa;
  if (kd.labelNoise) out.labelNoise = kd.labelNoise;
  if (kd.glitter) out.glitter = kd.glitter;
  const empty =
    out.method.kind === 'none' && !out.teacher && !out.swa && !out.labelNoise && !out.glitter;
  return empty ? undefined : out;
}

/** Replaces the KD part through `f` (starting from "no method" when there is none). */
export function withKd(c: RunConfig, f: (kd: KdConfig) => KdConfig): RunConfig {
  const kd = tidyKd(f(c.kd ?? { method: kdDefaults('none') }));
  const { kd: _old, ...rest } = c;
  return kd ? { ...rest, kd } : rest;
}

/** Picks a method with its paper's defaults (KD_DEFAULTS). */
export function withMethodKind(c: RunConfig, kind: KdKind): RunConfig {
  if (!Object.hasOwn(KD_DEFAULTS, kind)) return c;
  return withKd(c, (kd) => ({ ...kd, method: kdDefaults(kind) }));
}

/** The configs of one setup under several methods, and the methods it cannot run under. */
export interface MethodVariants {
  ok: { kind: KdKind; config: RunConfig }[];
  refused: { kind: KdKind; reason: string }[];
}

/**
 * `c` under each of `kinds`, in that order, for queueing the same student, teacher, data and
 * seed under several methods: the form's own method keeps its edited parameters, the others
 * come with their paper's defaults; everything else (teacher, add-ons, noise) is shared. A
 * variant the worker would refuse (a method that needs a teacher when none is set, Pro-KD without
 * footprints) is refused with the validation's first message.
 */
export function methodVariants(c: RunConfig, kinds: readonly KdKind[]): MethodVariants {
  const out: MethodVariants = { ok: [], refused: [] };
  const current = c.kd?.method.kind ?? 'none';
  for (const kind of kinds) {
    const config = kind === current ? c : withMethodKind(c, kind);
    const errors = validateRunConfig(config);
    if (errors.length === 0) out.ok.push({ kind, config });
    else out.refused.push({ kind, reason: `${errors[0]!.path}: ${errors[0]!.message}` });
  }
  return out;
}

/** A value at a path inside a plain object, or undefined. */
export function getAtPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A copy of `obj` with `value` at `path` (every object on the way copied, nothing shared). */
export function setAtPath<T>(obj: T, path: readonly string[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [string, ...string[]];
  const src = (obj ?? {}) as Record<string, unknown>;
  return { ...src, [head]: setAtPath(src[head], rest, value) } as T;
}

/** Sets one parameter of the current method ('temperature', 'weights.ce', ...). */
export function withMethodParam(c: RunConfig, path: readonly string[], value: unknown): RunConfig {
  if (path.length === 0 || path[0] === 'kind') return c;
  return withKd(c, (kd) => ({ ...kd, method: setAtPath<KdSpec>(kd.method, path, value) }));
}

/** Switches SWA on (with its defaults) or off. */
export function withSwaEnabled(c: RunConfig, on: boolean): RunConfig {
  return withKd(c, (kd) => {
    if (!on) return { ...kd, swa: undefined };
    return { ...kd, swa: kd.swa ?? { ...SWA_DEFAULTS } };
  });
}

/** Sets one SWA setting (SWA must be on). */
export function withSwaParam<K extends keyof SwaSpec>(
  c: RunConfig,
  key: K,
  value: SwaSpec[K],
): RunConfig {
  if (!c.kd?.swa) return c;
  return withKd(c, (kd) => ({ ...kd, swa: { ...kd.swa!, [key]: value } }));
}

/** Switches the Glitter add-on on (with the Glitter method's defaults) or off. */
export function withGlitterEnabled(c: RunConfig, on: boolean): RunConfig {
  return withKd(c, (kd) => {
    if (!on) return { ...kd, glitter: undefined };
    return { ...kd, glitter: kd.glitter ?? glitterAddonDefaults() };
  });
}

/** Sets one Glitter add-on setting ('select', 'eda.swaps', ...); the add-on must be on. */
export function withGlitterParam(c: RunConfig, path: readonly string[], value: unknown): RunConfig {
  if (!c.kd?.glitter || path.length === 0) return c;
  return withKd(c, (kd) => ({ ...kd, glitter: setAtPath(kd.glitter, path, value) }));
}

/** Switches label-noise injection on (with its defaults) or off. */
export function withLabelNoiseEnabled(c: RunConfig, on: boolean): RunConfig {
  return withKd(c, (kd) => {
    if (!on) return { ...kd, labelNoise: undefined };
    return { ...kd, labelNoise: kd.labelNoise ?? { ...LABEL_NOISE_DEFAULTS } };
  });
}

/** Sets one label-noise setting (noise must be on). */
export function withLabelNoiseParam<K extends keyof LabelNoiseSpec>(
  c: RunConfig,
  key: K,
  value: LabelNoiseSpec[K],
): RunConfig {
  if (!c.kd?.labelNoise) return c;
  return withKd(c, (kd) => ({ ...kd, labelNoise: { ...kd.labelNoise!, [key]: value } }));
}

/** A teacher trained in the app: `preset`'s shape, the run's training settings, no footprints. */
export function trainedTeacher(c: RunConfig, preset = DEFAULT_TEACHER_PRESET): TeacherRef {
  const arch = modelPreset(preset) ?? modelPreset(DEFAULT_TEACHER_PRESET)!;
  return {
    source: 'train',
    model: {
      ...arch,
      hiddenDropout: c.model.hiddenDropout,
      attentionDropout: c.model.attentionDropout,
    },
    train: { ...c.train },
    footprintEvery: 0,
  };
}

/** The Teacher panel's sources: none, trained here, a saved checkpoint, a Hugging Face BERT. */
export type TeacherSourceChoice = 'none' | 'train' | 'checkpoint' | 'hf';

/**
 * "No teacher" (plain training, or a teacherless method), "train one in the app", "a saved
 * checkpoint" (no key yet: the panel lists them) or "a Hugging Face BERT" (the Hub, no id yet).
 */
export function withTeacherSource(c: RunConfig, source: TeacherSourceChoice): RunConfig {
  if (source === 'none') return withKd(c, (kd) => ({ ...kd, teacher: undefined }));
  if (c.kd?.teacher?.source === source) return c;
  const teacher: TeacherRef =
    source === 'train'
      ? trainedTeacher(c)
      : source === 'checkpoint'
        ? { source: 'checkpoint', key: '' }
        : { source: 'hf', from: { kind: 'hub', model: '', revision: 'main' } };
  return withKd(c, (kd) => ({ ...kd, teacher }));
}

/** A saved checkpoint (its IndexedDB key) as the teacher. */
export function withTeacherCheckpoint(c: RunConfig, key: string): RunConfig {
  return withKd(c, (kd) => ({ ...kd, teacher: { source: 'checkpoint', key } }));
}

/** Where a Hugging Face teacher's files are (the Hub, or picked files by name). */
export function withHfTeacher(
  c: RunConfig,
  from: Extract<TeacherRef, { source: 'hf' }>['from'],
): RunConfig {
  return withKd(c, (kd) => ({ ...kd, teacher: { source: 'hf', from } }));
}

/** The teacher's own tokenizer replaces the run's (the run tokenises with its vocabulary). */
export function teacherFixesTokenizer(c: RunConfig): boolean {
  const s = c.kd?.teacher?.source;
  return s === 'checkpoint' || s === 'hf';
}

type TrainedTeacher = Extract<TeacherRef, { source: 'train' }>;

function withTrainedTeacher(c: RunConfig, f: (t: TrainedTeacher) => TrainedTeacher): RunConfig {
  const t = c.kd?.teacher;
  if (t?.source !== 'train') return c;
  return withKd(c, (kd) => ({ ...kd, teacher: f(t) }));
}

/** The teacher's shape from a model preset (its dropout kept). */
export function withTeacherPreset(c: RunConfig, preset: string): RunConfig {
  const arch = modelPreset(preset);
  if (!arch) return c;
  return withTrainedTeacher(c, (t) => ({
    ...t,
    model: {
      ...arch,
      hiddenDropout: t.model.hiddenDropout,
      attentionDropout: t.model.attentionDropout,
    },
  }));
}

/** One of the teacher's training settings: 'steps', 'lr', 'batchSize', 'seed'. */
export function withTeacherTrain(
  c: RunConfig,
  key: 'steps' | 'lr' | 'batchSize' | 'seed',
  value: number,
): RunConfig {
  return withTrainedTeacher(c, (t) => ({ ...t, train: { ...t.train, [key]: value } }));
}

/** Saves a footprint every `every` steps (0 = none): Pro-KD follows them. */
export function withFootprintEvery(c: RunConfig, every: number): RunConfig {
  return withTrainedTeacher(c, (t) => ({ ...t, footprintEvery: every }));
}

/**
 * Trains `members` teachers (seeds train.seed, +1, …) and distils from their mean logits; 1 removes
 * the key (a single teacher); a value out of range is kept for validation to name.
 */
export function withTeacherEnsemble(c: RunConfig, members: number): RunConfig {
  return withTrainedTeacher(c, (t) => {
    const { ensemble: _, ...rest } = t;
    return members === 1 ? rest : { ...rest, ensemble: members };
  });
}

/** The preset name whose shape `a` has, or 'custom'. */
export function presetOfShape(a: ModelArch): string {
  for (const [name, p] of Object.entries(MODEL_PRESETS)) {
    if (
      p.layers === a.layers &&
      p.hidden === a.hidden &&
      p.heads === a.heads &&
      p.intermediate === a.intermediate
    )
      return name;
  }
  return 'custom';
}

/** Student kinds with their display names, in the panel's order. */
export const STUDENT_KINDS: { kind: StudentSpec['kind']; label: string }[] = [
  { kind: 'bert', label: 'BERT (dense)' },
  { kind: 'kron-bert', label: 'KroneckerBERT' },
  { kind: 'textcnn', label: 'TextCNN' },
  { kind: 'bilstm', label: 'BiLSTM' },
];

/** Settings a student kind starts from (Kim 2014's widths; Tang et al. 2019's BiLSTM size). */
export function defaultStudent(kind: StudentSpec['kind']): StudentSpec | undefined {
  switch (kind) {
    case 'bert':
      return undefined;
    case 'kron-bert':
      return {
        kind: 'kron-bert',
        factors: structuredClone(KRON_PRESETS['kron-mini-8x']!.factors),
        init: 'nkp',
      };
    case 'textcnn':
      return { kind: 'textcnn', embed: 128, filters: 100, widths: [3, 4, 5], dropout: 0.1 };
    case 'bilstm':
      return { kind: 'bilstm', embed: 128, hidden: 150, dropout: 0.1 };
  }
}

/** Switches the student kind (a KroneckerBERT starts from the 8× BERT-Mini preset). */
export function withStudentKind(c: RunConfig, kind: StudentSpec['kind']): RunConfig {
  if ((c.student?.kind ?? 'bert') === kind) return c;
  if (kind === 'kron-bert') return withKronPreset(c, 'kron-mini-8x');
  const spec = defaultStudent(kind);
  const { student: _old, ...rest } = c;
  return spec ? { ...rest, student: spec } : rest;
}

/**
 * A named KroneckerBERT: the student takes the preset's dense shape and factors (NKP init), and a
 * teacher trained in the app takes that shape too (KroneckerBERT factors its own teacher, and NKP
 * initialises the factors from the teacher's matrices).
 */
export function withKronPreset(c: RunConfig, name: string): RunConfig {
  const p = KRON_PRESETS[name];
  if (!p) return c;
  const init = c.student?.kind === 'kron-bert' ? c.student.init : 'nkp';
  const next: RunConfig = {
    ...withPreset(c, p.teacher),
    student: { kind: 'kron-bert', factors: structuredClone(p.factors), init },
  };
  return withTeacherPreset(next, p.teacher);
}

/** The Kronecker preset whose factors `f` are, or 'custom'. */
export function kronPresetOf(f: KronFactors, preset: string): string {
  for (const [name, p] of Object.entries(KRON_PRESETS)) {
    if (p.teacher === preset && JSON.stringify(p.factors) === JSON.stringify(f)) return name;
  }
  return 'custom';
}

/** Sets one field of the student spec (same kind): 'embed', 'factors.attention.m1', ... */
export function withStudentParam(c: RunConfig, path: readonly string[], value: unknown): RunConfig {
  if (!c.student || path.length === 0 || path[0] === 'kind') return c;
  return { ...c, student: setAtPath<StudentSpec>(c.student, path, value) };
}
