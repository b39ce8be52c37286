// The IndexedDB schema of Distillery (STYLE R17): database and record versions, the record types of
// the four object stores (runs, metrics chunks, checkpoints, app state), their zod checks, the
// checkpoint key format and `migrateCheckpoint`, the one place old checkpoint records are upgraded.
import { z } from 'zod';
import type { RunConfig } from '../config/run-config';
import { validateRunConfig, parseRunConfig } from '../config/validate';
import type { TaskSpec } from '../data/types';
import type { BertConfig } from '../model/config';
import type { EvalPoint, TrainPoint } from '../protocol';

/** IndexedDB database name. */
export const DB_NAME = 'distillery';
/**
 * IndexedDB version: bump with a step in `upgradeDb` (./db.ts) when stores or indexes change.
 * 2 added the `resume` store (one resume point per run).
 */
export const DB_VERSION = 2;
/**
 * Version of checkpoint records (STYLE R17). 2 added `tokenizer` and `task` (what inference on a
 * saved checkpoint needs besides its weights); schema-1 records read back with both null.
 */
export const CKPT_SCHEMA = 2;
/** Version of run records. */
export const RUN_SCHEMA = 1;
/**
 * Version of resume-point records. 2 added `method` and `swa` (training state beyond the trainable
 * variables); a schema-1 record reads back with both null, which is exact: schema 1 was only
 * written for runs without such state.
 */
export const RESUME_SCHEMA = 2;
/** Train points per metrics chunk: appending rewrites one chunk of at most this many points. */
export const CHUNK_POINTS = 512;

/** One tensor as stored: float32 values, row-major, in their own ArrayBuffer. */
export interface StoredTensor {
  shape: number[];
  dtype: 'float32';
  data: ArrayBuffer;
}

/** What a checkpoint says about the run at its step (shown in lists without loading weights). */
export interface MetricsSummary {
  /** Latest training loss at the checkpoint's step, if known. */
  trainLoss: number | null;
  /** Latest dev evaluation at or before the step. */
  dev: EvalPoint | null;
  /** Best dev evaluation so far. */
  best: EvalPoint | null;
}

/** Which model of a run the weights belong to. */
export type CheckpointRole = 'student' | 'teacher';

/** The tokenizer a checkpoint was trained with: its WordPiece vocabulary (index = id). */
export interface StoredTokenizer {
  vocab: string[];
  lowercase: boolean;
}

/** A checkpoint record (schema 2): self-describing, one per key, written in one transaction. */
export interface CheckpointRecord {
  schema: typeof CKPT_SCHEMA;
  /**
   * `kd/<runId>/step-<n>`, or `kd/<runId>/teacher/step-<n>` for a run's teacher
   * (`kd/<runId>/teacher-<k+1>/step-<n>` for member k ≥ 1 of a trained teacher ensemble).
   */
  key: string;
  runId: string;
  role: CheckpointRole;
  /**
   * The member (0, 1, …) of a teacher ensemble trained in the run that these weights are, each
   * saved so a resume can rebuild the ensemble in member order; absent for a single model.
   */
  member?: number;
  /** Free-form tag ('best', 'final', 'footprint'): metadata, not part of the key. */
  label: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  step: number;
  runConfig: RunConfig;
  metricsSummary: MetricsSummary;
  /** Parameter name (Hugging Face BERT names) → tensor. */
  weights: Record<string, StoredTensor>;
  /** AdamW state for an exact resume: its step and the m / v slots by name. */
  optimizer: { step: number; slots: Record<string, StoredTensor> } | null;
  /** Bytes of tensor data (weights and optimizer). */
  bytes: number;
  /** The vocabulary the weights' token ids refer to; null for records saved before schema 2. */
  tokenizer: StoredTokenizer | null;
  /** The task the model was trained on (labels, metrics); null before schema 2. */
  task: TaskSpec | null;
  /**
   * The encoder configuration of a teacher whose architecture the run config does not hold (a
   * Hugging Face teacher from picked files, saved so a resume can reload it); absent otherwise.
   */
  arch?: BertConfig;
}

/** A checkpoint's record without its tensors, kept in the run record for listing. */
export type CheckpointMeta = Omit<
  CheckpointRecord,
  'schema' | 'runConfig' | 'weights' | 'optimizer' | 'tokenizer' | 'task' | 'arch'
>;

export type RunStatus =
  | 'queued'
  | 'running'
  | 'paused'
  | 'done'
  | 'stopped'
  | 'failed'
  /** Was running or paused when the page closed: resume from its latest checkpoint. */
  | 'interrupted';

export interface RunSummary {
  /** Latest step with a stored metric. */
  step: number;
  totalSteps: number;
  lastLoss: number | null;
  best: EvalPoint | null;
  final: EvalPoint | null;
  wallSec: number;
  /** Backend and adapter it ran on, e.g. 'webgpu (SwiftShader)'. */
  backend: string | null;
  error: string | null;
}

/** A run record (schema 1): config, status, summary, its checkpoints' metadata, metrics counts. */
export interface RunRecord {
  schema: typeof RUN_SCHEMA;
  id: string;
  createdAt: number;
  updatedAt: number;
  config: RunConfig;
  status: RunStatus;
  summary: RunSummary;
  checkpoints: CheckpointMeta[];
  metrics: { chunks: number; trainPoints: number; evalPoints: number; bytes: number };
}

/** Up to CHUNK_POINTS train points of a run (and the evals that arrived with them). */
export interface MetricsChunk {
  runId: string;
  chunk: number;
  train: TrainPoint[];
  evals: EvalPoint[];
}

/** A value the page keeps across reloads (open panels, the queue, the draft config, …). */
export interface AppStateRecord {
  key: string;
  schema: 1;
  savedAt: number;
  value: unknown;
}

/**
 * Where an interrupted run picks up (one per run, key `runId`, replaced whole in one transaction):
 * the state after `step` completed steps, taken right after a dev evaluation. With it, the
 * training loop continues at step + 1 exactly as the uninterrupted run would have (docs/storage.md).
 */
export interface ResumeRecord {
  schema: typeof RESUME_SCHEMA;
  runId: string;
  /** The last completed optimiser step. */
  step: number;
  createdAt: number;
  /** The student's parameters and the method's own trainable variables after `step`. */
  weights: Record<string, StoredTensor>;
  /** AdamW's state: its step count and first and second moments, flat in `names` order. */
  optimizer: { step: number; names: string[]; m: ArrayBuffer; v: ArrayBuffer };
  /** The best dev evaluation of the current stage so far (null: none yet in this stage). */
  best: EvalPoint | null;
  /** The student's weights at `best`; null when they are those of `weights` (best at `step`). */
  bestWeights: Record<string, StoredTensor> | null;
  /**
   * A KD method's own state beyond its trainable variables (MethodRuntime.saveState: a
   * generator's weights and optimiser, footprint logits), or null for methods that keep none.
   */
  method: MethodStateRecord | null;
  /** The SWA add-on's running average θ̄ and how many snapshots it holds; null before any. */
  swa: { count: number; weights: Record<string, StoredTensor> } | null;
  /** Bytes of tensor data (weights, optimizer moments, best weights, method state, θ̄). */
  bytes: number;
}

/** A method's state in a resume point: named float tensors and named counters. */
export interface MethodStateRecord {
  tensors: Record<string, StoredTensor>;
  numbers: Record<string, number>;
}

// --- keys ------------------------------------------------------------------------------------

/** Run ids: letters, digits, '-' and '_' (so `kd/<runId>/…` keys cannot collide). */
export const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A fresh run id: time-ordered, with random bits. */
export function newRunId(now = Date.now()): string {
  const rand = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `r${now.toString(36)}-${rand}`;
}

/**
 * The checkpoint key of STYLE R17: `kd/<runId>/step-<n>` (a teacher's: `kd/<runId>/teacher/step-<n>`,
 * and member k ≥ 1 of a teacher ensemble's: `kd/<runId>/teacher-<k+1>/step-<n>`, so the members
 * of one step do not collide; member 0 keeps the single teacher's key).
 */
export function checkpointKey(
  runId: string,
  step: number,
  role: CheckpointRole = 'student',
  member = 0,
): string {
  if (!RUN_ID.test(runId)) throw new Error(`checkpointKey: bad run id '${runId}'`);
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`checkpointKey: bad step ${step}`);
  if (!Number.isSafeInteger(member) || member < 0) {
    throw new Error(`checkpointKey: bad ensemble member ${member}`);
  }
  if (role === 'student') {
    if (member !== 0) throw new Error('checkpointKey: only a teacher has ensemble members');
    return `kd/${runId}/step-${step}`;
  }
  return member === 0
    ? `kd/${runId}/teacher/step-${step}`
    : `kd/${runId}/teacher-${member + 1}/step-${step}`;
}

/**
 * Whose weights a checkpoint holds, for lists and file names: '' for the student, 'teacher' for a
 * single teacher, 'teacher 1', 'teacher 2', … for the members of a trained teacher ensemble.
 */
export function roleName(m: Pick<CheckpointMeta, 'role' | 'member'>): string {
  if (m.role === 'student') return '';
  return m.member === undefined ? 'teacher' : `teacher ${m.member + 1}`;
}

// --- zod schemas -----------------------------------------------------------------------------

const finite = z.number();
const metricNames = z.enum(['accuracy', 'f1', 'mcc', 'pearson', 'spearman']);

export const trainPointSchema = z.strictObject({
  step: z.number().int().min(0),
  loss: finite,
  lr: finite,
  gradNorm: finite,
  terms: z.record(z.string(), finite).optional(),
  stage: z.string().optional(),
});

export const evalPointSchema = z.strictObject({
  step: z.number().int().min(0),
  loss: finite,
  metrics: z.partialRecord(metricNames, finite),
  main: finite,
  stage: z.string().optional(),
});

/** RunConfig through validateRunConfig (shape, ranges and cross-field rules). */
export const runConfigValue = z.unknown().transform((v, ctx): RunConfig => {
  const errors = validateRunConfig(v);
  for (const e of errors) ctx.addIssue({ code: 'custom', message: `${e.path}: ${e.message}` });
  return errors.length === 0 ? parseRunConfig(v) : (z.NEVER as never);
});

export const metricsSummarySchema = z.strictObject({
  trainLoss: finite.nullable(),
  dev: evalPointSchema.nullable(),
  best: evalPointSchema.nullable(),
});

export const checkpointMetaSchema = z.strictObject({
  key: z.string(),
  runId: z.string().regex(RUN_ID),
  role: z.enum(['student', 'teacher']),
  member: z.number().int().min(0).optional(),
  label: z.string().nullable(),
  createdAt: finite,
  step: z.number().int().min(0),
  metricsSummary: metricsSummarySchema,
  bytes: z.number().int().min(0),
});

export const runSummarySchema = z.strictObject({
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  lastLoss: finite.nullable(),
  best: evalPointSchema.nullable(),
  final: evalPointSchema.nullable(),
  wallSec: z.number().min(0),
  backend: z.string().nullable(),
  error: z.string().nullable(),
});

export const runStatusSchema = z.enum([
  'queued',
  'running',
  'paused',
  'done',
  'stopped',
  'failed',
  'interrupted',
]);

// --- checkpoint migration --------------------------------------------------------------------

/**
 * Schema 0: records saved before checkpoints had a version, in tfjs-io's layout (`weightSpecs`
 * plus one concatenated `weightData` buffer, as `tf.io` model artifacts), with `config` for the
 * run config and no role, label or optimizer.
 */
const checkpointV0 = z.object({
  runId: z.string().regex(RUN_ID),
  step: z.number().int().min(0),
  createdAt: finite.optional(),
  config: z.unknown(),
  weightSpecs: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().min(0)),
      dtype: z.literal('float32'),
    }),
  ),
  weightData: z.custom<ArrayBuffer>(
    (x) => x instanceof ArrayBuffer,
    'weightData: not an ArrayBuffer',
  ),
});

const storedTensor = z
  .strictObject({
    shape: z.array(z.number().int().min(0)),
    dtype: z.literal('float32'),
    data: z.custom<ArrayBuffer>((x) => x instanceof ArrayBuffer, 'data: not an ArrayBuffer'),
  })
  .refine((t) => t.data.byteLength === 4 * t.shape.reduce((a, b) => a * b, 1), {
    message: 'data holds a different number of bytes than its shape needs',
  });

const checkpointV1 = z.strictObject({
  schema: z.literal(1),
  key: z.string(),
  runId: z.string().regex(RUN_ID),
  role: z.enum(['student', 'teacher']),
  label: z.string().nullable(),
  createdAt: finite,
  step: z.number().int().min(0),
  runConfig: runConfigValue,
  metricsSummary: metricsSummarySchema,
  weights: z.record(z.string(), storedTensor),
  optimizer: z
    .strictObject({ step: z.number().int().min(0), slots: z.record(z.string(), storedTensor) })
    .nullable(),
  bytes: z.number().int().min(0),
});

export const storedTokenizerSchema = z.strictObject({
  vocab: z.array(z.string()).min(5, 'a vocabulary holds at least the five special tokens'),
  lowercase: z.boolean(),
});

export const taskSpecSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['classification', 'regression']),
  numLabels: z.number().int().min(1),
  labelNames: z.array(z.string()),
  pair: z.boolean(),
  metrics: z.array(metricNames),
  mainMetric: metricNames,
});

const positive = z.number().int().min(1);
/** A BERT encoder configuration (CheckpointRecord.arch). */
export const bertConfigSchema = z.strictObject({
  vocabSize: positive,
  hiddenSize: positive,
  numHiddenLayers: positive,
  numAttentionHeads: positive,
  intermediateSize: positive,
  maxPositionEmbeddings: positive,
  typeVocabSize: positive,
  hiddenDropoutProb: z.number().min(0).max(1),
  attentionProbsDropoutProb: z.number().min(0).max(1),
  layerNormEps: z.number().positive(),
  initializerRange: z.number().min(0),
  numLabels: positive,
  padTokenId: z.number().int().min(0),
});

const checkpointV2 = checkpointV1.extend({
  schema: z.literal(CKPT_SCHEMA),
  tokenizer: storedTokenizerSchema.nullable(),
  task: taskSpecSchema.nullable(),
  arch: bertConfigSchema.optional(),
  member: z.number().int().min(0).optional(),
});

/** Bytes of tensor data in a set of stored tensors. */
export function tensorBytes(tensors: Record<string, StoredTensor>): number {
  return Object.values(tensors).reduce((n, t) => n + t.data.byteLength, 0);
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`)
    .join('; ');
}

function fromV0(v0: z.infer<typeof checkpointV0>, where: string): CheckpointRecord {
  const weights: Record<string, StoredTensor> = {};
  let offset = 0;
  for (const spec of v0.weightSpecs) {
    const n = 4 * spec.shape.reduce((a, b) => a * b, 1);
    if (offset + n > v0.weightData.byteLength) {
      throw new Error(
        `${where}: schema-0 weightData ends at byte ${v0.weightData.byteLength}, ` +
          `but '${spec.name}' needs bytes ${offset}..${offset + n}`,
      );
    }
    weights[spec.name] = {
      shape: spec.shape,
      dtype: 'float32',
      data: v0.weightData.slice(offset, offset + n),
    };
    offset += n;
  }
  if (offset !== v0.weightData.byteLength) {
    throw new Error(
      `${where}: schema-0 weightData has ${v0.weightData.byteLength - offset} bytes no spec describes`,
    );
  }
  const errors = validateRunConfig(v0.config);
  if (errors.length > 0) {
    throw new Error(
      `${where}: schema-0 config is not a valid run config: ${errors[0]!.path}: ${errors[0]!.message}`,
    );
  }
  return {
    schema: CKPT_SCHEMA,
    key: checkpointKey(v0.runId, v0.step),
    runId: v0.runId,
    role: 'student',
    label: null,
    createdAt: v0.createdAt ?? 0,
    step: v0.step,
    runConfig: parseRunConfig(v0.config),
    metricsSummary: { trainLoss: null, dev: null, best: null },
    weights,
    optimizer: null,
    bytes: tensorBytes(weights),
    tokenizer: null,
    task: null,
  };
}

/**
 * Any stored checkpoint record, of any schema, as a current (schema 2) record. Throws an Error
 * naming `where` and the problem for an unknown schema or a malformed record.
 */
export function migrateCheckpoint(record: unknown, where = 'checkpoint'): CheckpointRecord {
  const schema =
    typeof record === 'object' && record !== null && 'schema' in record ? record.schema : 0;
  switch (schema) {
    case 0: {
      const v0 = checkpointV0.safeParse(record);
      if (!v0.success) throw new Error(`${where}: not a schema-0 checkpoint: ${issues(v0.error)}`);
      return fromV0(v0.data, where);
    }
    case 1: {
      const v1 = checkpointV1.safeParse(record);
      if (!v1.success) throw new Error(`${where}: malformed checkpoint: ${issues(v1.error)}`);
      return { ...v1.data, schema: CKPT_SCHEMA, tokenizer: null, task: null };
    }
    case CKPT_SCHEMA: {
      const v2 = checkpointV2.safeParse(record);
      if (!v2.success) throw new Error(`${where}: malformed checkpoint: ${issues(v2.error)}`);
      return v2.data;
    }
    default:
      throw new Error(
        `${where}: checkpoint schema ${JSON.stringify(schema)} is newer than this app reads ` +
          `(${CKPT_SCHEMA}): reload to update the app`,
      );
  }
}

// --- resume points ---

const resumeRecordV1 = z.strictObject({
  schema: z.literal(1),
  runId: z.string().regex(RUN_ID),
  step: z.number().int().min(1),
  createdAt: finite,
  weights: z.record(z.string(), storedTensor),
  optimizer: z
    .strictObject({
      step: z.number().int().min(0),
      names: z.array(z.string()),
      m: z.custom<ArrayBuffer>((x) => x instanceof ArrayBuffer, 'm: not an ArrayBuffer'),
      v: z.custom<ArrayBuffer>((x) => x instanceof ArrayBuffer, 'v: not an ArrayBuffer'),
    })
    .refine((o) => o.m.byteLength === o.v.byteLength && o.m.byteLength % 4 === 0, {
      message: 'the optimizer moments differ in size',
    }),
  best: evalPointSchema.nullable(),
  bestWeights: z.record(z.string(), storedTensor).nullable(),
  bytes: z.number().int().min(0),
});

const resumeRecordV2 = resumeRecordV1.extend({
  schema: z.literal(RESUME_SCHEMA),
  method: z
    .strictObject({
      tensors: z.record(z.string(), storedTensor),
      numbers: z.record(z.string(), z.number()),
    })
    .nullable(),
  swa: z
    .strictObject({
      count: z.number().int().min(1),
      weights: z.record(z.string(), storedTensor),
    })
    .nullable(),
});

/**
 * A stored resume point, checked, as a current record (schema 1 gains `method` and `swa` null);
 * a newer schema is refused with its reason.
 */
export function readResumeRecord(record: unknown, where = 'resume point'): ResumeRecord {
  const schema =
    typeof record === 'object' && record !== null && 'schema' in record ? record.schema : undefined;
  if (typeof schema === 'number' && schema > RESUME_SCHEMA) {
    throw new Error(
      `${where}: resume schema ${schema} is newer than this app reads (${RESUME_SCHEMA}): reload to update the app`,
    );
  }
  if (schema === 1) {
    const v1 = resumeRecordV1.safeParse(record);
    if (!v1.success) throw new Error(`${where}: malformed resume point: ${issues(v1.error)}`);
    return { ...v1.data, schema: RESUME_SCHEMA, method: null, swa: null };
  }
  const parsed = resumeRecordV2.safeParse(record);
  if (!parsed.success) throw new Error(`${where}: malformed resume point: ${issues(parsed.error)}`);
  return parsed.data;
}

/** A checkpoint record's listing metadata. */
export function checkpointMeta(r: CheckpointRecord): CheckpointMeta {
  return {
    key: r.key,
    runId: r.runId,
    role: r.role,
    ...(r.member !== undefined ? { member: r.member } : {}),
    label: r.label,
    createdAt: r.createdAt,
    step: r.step,
    metricsSummary: r.metricsSummary,
    bytes: r.bytes,
  };
}

/** A stored run record, checked (run records have had one schema so far; a newer one is refused). */
export function readRunRecord(record: unknown, where = 'run'): RunRecord {
  const parsed = runRecordSchema.safeParse(record);
  if (!parsed.success) {
    const schema =
      typeof record === 'object' && record !== null && 'schema' in record
        ? record.schema
        : undefined;
    if (typeof schema === 'number' && schema > RUN_SCHEMA) {
      throw new Error(
        `${where}: run schema ${schema} is newer than this app reads (${RUN_SCHEMA})`,
      );
    }
    throw new Error(`${where}: malformed run record: ${issues(parsed.error)}`);
  }
  return parsed.data;
}

export const runRecordSchema = z.strictObject({
  schema: z.literal(RUN_SCHEMA),
  id: z.string().regex(RUN_ID),
  createdAt: finite,
  updatedAt: finite,
  config: runConfigValue,
  status: runStatusSchema,
  summary: runSummarySchema,
  checkpoints: z.array(checkpointMetaSchema),
  metrics: z.strictObject({
    chunks: z.number().int().min(0),
    trainPoints: z.number().int().min(0),
    evalPoints: z.number().int().min(0),
    bytes: z.number().int().min(0),
  }),
});
