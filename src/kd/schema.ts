// Validation of RunConfig.kd (zod, as src/config/validate.ts does for the rest): ranges per
// field, and cross-field rules that need the whole config (a teacher for methods that use one).
import { z } from 'zod';
import type { ConfigError } from '../config/validate';
import type { RunConfig } from '../config/run-config';
import { kdNeedsTeacher, methodNeedsTeacher } from '../config/kd-methods';
import { int, modelArchSchema, trainConfigSchema } from '../config/schemas';

const unit = z.number().min(0).max(1);
const temperature = z.number().gt(0).max(100);
const weight = z.number().min(0).max(1000);
const classReduction = z.enum(['mean', 'sum']);

export const mlmSchema = z.strictObject({
  steps: int(1, 10_000_000),
  lr: z.number().gt(0).max(1),
  batchSize: int(1, 512),
  maskProb: z.number().gt(0).lt(1),
});

/** Glitter's pool and selection: the method's fields and the add-on's (kd.glitter) alike. */
const glitterPool = {
  setup: z.enum(['kd', 'consistency']),
  candidates: int(1, 64),
  select: int(1, 64),
  selection: z.enum(['worst', 'random', 'all']),
  pass: z.enum(['single', 'two']).optional(),
  augment: z.enum(['eda', 'mlm', 'both']),
  temperature,
  eda: z.strictObject({ swaps: int(0, 64), deleteProb: z.number().min(0).lt(1) }),
  mlm: z.strictObject({ prob: z.number().gt(0).lt(1), topK: int(1, 1000) }),
  generator: z.strictObject({ model: modelArchSchema, mlm: mlmSchema }),
};

export const kdSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('vanilla'), temperature, alpha: unit }),
  z.strictObject({
    kind: z.literal('intermediate'),
    layerMap: z.union([z.literal('uniform'), z.array(z.tuple([int(0, 48), int(0, 48)])).min(1)]),
    weights: z.strictObject({
      embedding: weight,
      hidden: weight,
      attention: weight,
      logits: weight,
      ce: weight,
    }),
    temperature,
    maskPadding: z.boolean(),
    projection: z.enum(['shared', 'per-layer']),
  }),
  z.strictObject({
    kind: z.literal('kronecker'),
    stage1Share: z.number().gt(0).lt(1),
    layerMap: z.union([z.literal('uniform'), z.array(z.tuple([int(0, 48), int(0, 48)])).min(1)]),
    projection: z.enum(['shared', 'per-layer']),
    stage1: z.strictObject({ embedding: weight, hidden: weight, attention: weight, mlm: weight }),
    stage2: z.strictObject({
      embedding: weight,
      hidden: weight,
      attention: weight,
      logits: weight,
      ce: weight,
    }),
    temperature,
    maskPadding: z.boolean(),
    mlmMaskProb: z.number().gt(0).lt(1),
  }),
  z.strictObject({
    kind: z.literal('annealing'),
    tauMax: int(1, 1000),
    phase1Units: int(1, 100_000),
    phase2Units: int(1, 100_000),
    classReduction,
  }),
  z.strictObject({
    kind: z.literal('continuation'),
    tMax: int(1, 1000),
    units: int(1, 100_000),
    margin: z.number().min(0),
    psiRampUnits: int(1, 100_000),
    psiRampTo: unit,
    classReduction,
  }),
  z.strictObject({
    kind: z.literal('pro-kd'),
    checkpoints: int(1, 1000),
    finalShare: z.number().min(0).lt(1),
    loss: z.enum(['kl', 'mse']),
    temperature,
    alpha: unit,
  }),
  z.strictObject({
    kind: z.literal('teacher-relabel'),
    threshold: z.number().gt(0).max(1),
    temperature,
    alpha: unit,
  }),
  z.strictObject({
    kind: z.literal('combined'),
    tauMax: int(1, 1000),
    phase1Units: int(1, 100_000),
    phase2Units: int(1, 100_000),
    maskProb: z.number().min(0).lt(1),
    generatorSteps: int(0, 100_000),
    studentSteps: int(1, 100_000),
    generatorLr: z.number().min(0).max(1),
    generatorClip: z.number().min(0),
    gumbelTau: z.number().gt(0).max(100),
    variant: z.enum(['roberta', 'bert']),
    generator: z.strictObject({ model: modelArchSchema, mlm: mlmSchema }),
  }),
  z.strictObject({
    kind: z.literal('glitter'),
    ...glitterPool,
    weights: z.strictObject({ ce: weight, kd: weight, aug: weight }),
    uda: z.strictObject({ alpha: weight, temperature }),
  }),
  z.strictObject({
    kind: z.literal('universal'),
    temperature,
    weights: z.strictObject({ ce: weight, kd: weight, ild: weight }),
    attentionDim: int(1, 4096),
    stage2Share: z.number().min(0).lt(1),
    stage2Kd: z.boolean(),
    pseudoSteps: int(1, 100_000),
    pseudoLr: z.number().gt(0).max(1),
  }),
  z.strictObject({
    kind: z.literal('rw-kd'),
    temperature,
    metaSize: int(1, 10_000_000),
    metaLoss: z.enum(['hard', 'mix']),
    floor: z.number().gt(0).max(1),
  }),
  z.strictObject({
    kind: z.literal('small-loss'),
    forgetRate: z.number().min(0).lt(1),
    rampShare: z.number().gt(0).max(1),
    temperature,
    alpha: unit,
  }),
]);

export const teacherRefSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('train'),
    model: modelArchSchema,
    train: trainConfigSchema,
    footprintEvery: int(0, 10_000_000),
    mlm: mlmSchema.optional(),
    ensemble: int(1, 16).optional(),
  }),
  z.strictObject({ source: z.literal('provided') }),
  z.strictObject({
    source: z.literal('checkpoint'),
    key: z
      .string()
      .regex(
        /^kd\/[^/]+\/(teacher\/)?step-\d+$/,
        'pick a saved checkpoint (a key kd/<run>/step-<n>)',
      ),
  }),
  z.strictObject({
    source: z.literal('hf'),
    from: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('hub'),
        model: z
          .string()
          .trim()
          .min(1, { message: 'give a Hugging Face model id (owner/name) or its URL', abort: true })
          .refine(
            (m) =>
              /^https?:\/\/[^/]+\/[^/]+/.test(m) ||
              /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(m),
            "not a Hugging Face model id ('owner/name') or an http(s) URL of one",
          ),
        revision: z.string().min(1).max(200),
      }),
      z.strictObject({
        kind: z.literal('files'),
        names: z.array(z.string().min(1)).refine((n) => hasHfFiles(n), {
          message: 'pick config.json, model.safetensors and vocab.txt (or tokenizer.json)',
        }),
      }),
    ]),
  }),
]);

/** Whether picked file names (base names count) include what a Hugging Face BERT import reads. */
export function hasHfFiles(names: readonly string[]): boolean {
  const base = new Set(names.map((n) => n.split('/').pop() ?? n));
  return (
    base.has('config.json') &&
    base.has('model.safetensors') &&
    (base.has('vocab.txt') || base.has('tokenizer.json'))
  );
}

export const swaSchema = z.strictObject({
  start: z.number().min(0).max(10),
  every: int(1, 1_000_000),
  lrScale: z.number().min(0).max(100),
});

export const glitterAddonSchema = z.strictObject({
  ...glitterPool,
  weight,
  uda: z.strictObject({ temperature }),
});

export const kdConfigSchema = z.strictObject({
  method: kdSpecSchema,
  teacher: teacherRefSchema.optional(),
  swa: swaSchema.optional(),
  glitter: glitterAddonSchema.optional(),
  labelNoise: z
    .strictObject({
      kind: z.enum(['uniform', 'class-conditional']),
      rate: z.number().min(0).lt(1),
      seed: int(0, 2 ** 31 - 1),
    })
    .optional(),
});

/** Rules across fields of a parsed config; an empty list means the KD part is usable. */
export function checkKdConfig(c: RunConfig): ConfigError[] {
  const kd = c.kd;
  if (!kd) return [];
  const errors: ConfigError[] = [];
  if (kdNeedsTeacher(kd) && !kd.teacher) {
    errors.push({
      path: 'kd.teacher',
      message: methodNeedsTeacher(kd.method)
        ? `kd.method '${kd.method.kind}' distils from a teacher: set kd.teacher`
        : "the Glitter add-on's 'kd' setup distils from a teacher: set kd.teacher (or use setup 'consistency')",
    });
  }
  const g = kd.glitter;
  if (g && kd.method.kind === 'glitter') {
    errors.push({
      path: 'kd.glitter',
      message:
        'kd.method is already Glitter: switch the Glitter add-on off (or pick another method)',
    });
  }
  if (g && g.select > g.candidates) {
    errors.push({
      path: 'kd.glitter.select',
      message: `Glitter selects ${g.select} of ${g.candidates} candidates: select must be ≤ candidates`,
    });
  }
  const m = kd.method;
  if (m.kind === 'annealing' && m.phase1Units < m.tauMax) {
    errors.push({
      path: 'kd.method.phase1Units',
      message: `Annealing-KD needs phase1Units (${m.phase1Units}) ≥ tauMax (${m.tauMax}): one annealing level per unit at least`,
    });
  }
  if (m.kind === 'combined' && m.phase1Units < m.tauMax) {
    errors.push({
      path: 'kd.method.phase1Units',
      message: `Combined-KD needs phase1Units (${m.phase1Units}) ≥ tauMax (${m.tauMax})`,
    });
  }
  if (m.kind === 'combined' && m.generator.model.hidden % m.generator.model.heads !== 0) {
    errors.push({
      path: 'kd.method.generator.model.hidden',
      message: `The generator's hidden size (${m.generator.model.hidden}) must be divisible by its heads (${m.generator.model.heads})`,
    });
  }
  if (m.kind === 'glitter' && m.select > m.candidates) {
    errors.push({
      path: 'kd.method.select',
      message: `Glitter selects ${m.select} of ${m.candidates} candidates: select must be ≤ candidates`,
    });
  }
  if (m.kind === 'continuation' && m.units < m.tMax) {
    errors.push({
      path: 'kd.method.units',
      message: `Continuation-KD needs units (${m.units}) ≥ tMax (${m.tMax})`,
    });
  }
  if (m.kind === 'continuation' && m.psiRampUnits > m.units) {
    errors.push({
      path: 'kd.method.psiRampUnits',
      message: `psiRampUnits (${m.psiRampUnits}) cannot exceed units (${m.units})`,
    });
  }
  if (m.kind === 'pro-kd' && m.checkpoints > 1 && kd.teacher?.source === 'train') {
    if (kd.teacher.footprintEvery === 0) {
      errors.push({
        path: 'kd.teacher.footprintEvery',
        message: `Pro-KD follows ${m.checkpoints} teacher checkpoints: set kd.teacher.footprintEvery > 0 so the teacher saves them`,
      });
    }
  }
  if (
    m.kind === 'pro-kd' &&
    m.checkpoints > 1 &&
    (kd.teacher?.source === 'checkpoint' || kd.teacher?.source === 'hf')
  ) {
    errors.push({
      path: 'kd.teacher',
      message: `Pro-KD follows ${m.checkpoints} teacher checkpoints (footprints), which only a teacher trained in this run saves: train the teacher here, or set checkpoints to 1`,
    });
  }
  const t = kd.teacher;
  if (t?.source === 'train' && t.model.hidden % t.model.heads !== 0) {
    errors.push({
      path: 'kd.teacher.model.hidden',
      message: `kd.teacher.model.hidden (${t.model.hidden}) must be divisible by kd.teacher.model.heads (${t.model.heads})`,
    });
  }
  return errors;
}
