// Formats in and out of storage, as pure functions: metrics as CSV (one row per step), a run as
// JSON (zod-checked on import, every problem named), checkpoint weights as safetensors (through
// src/io's reader and writer), and the conversions between stored tensors and float32 arrays.
import { z } from 'zod';
// The safetensors module itself, not src/io's index: the index also exports model import/export,
// which pulls tfjs into whatever imports it, and the page imports src/storage.
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { RunConfig } from '../config/run-config';
import type { EvalPoint, TrainPoint } from '../protocol';
import { StorageError } from './db';
import {
  checkpointMetaSchema,
  CKPT_SCHEMA,
  evalPointSchema,
  metricsSummarySchema,
  runConfigValue,
  runStatusSchema,
  runSummarySchema,
  RUN_ID,
  trainPointSchema,
  type CheckpointRecord,
  type CheckpointRole,
  type MetricsSummary,
  type RunRecord,
  type StoredTensor,
  type StoredTokenizer,
  storedTokenizerSchema,
  taskSpecSchema,
  bertConfigSchema,
} from './schema';
import type { TaskSpec } from '../data/types';
import type { BertConfig } from '../model/config';

// --- CSV -------------------------------------------------------------------------------------

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Metrics as CSV, one row per step (train steps and evaluation steps, ascending): step, loss, lr,
 * grad_norm, stage, then `loss_<term>` for each named loss term, then dev_loss, dev_main and
 * `dev_<metric>` for each dev metric seen. Cells without a value are empty.
 */
export function metricsToCsv(train: readonly TrainPoint[], evals: readonly EvalPoint[]): string {
  const terms = [...new Set(train.flatMap((p) => Object.keys(p.terms ?? {})))].sort();
  const metrics = [...new Set(evals.flatMap((e) => Object.keys(e.metrics)))].sort();
  const header = [
    'step',
    'loss',
    'lr',
    'grad_norm',
    'stage',
    ...terms.map((t) => `loss_${t}`),
    'dev_loss',
    'dev_main',
    ...metrics.map((m) => `dev_${m}`),
  ];
  const byStep = new Map<number, { t?: TrainPoint; e?: EvalPoint }>();
  for (const t of train) byStep.set(t.step, { ...byStep.get(t.step), t });
  for (const e of evals) byStep.set(e.step, { ...byStep.get(e.step), e });
  const rows = [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, { t, e }]) => {
      const metricCells = metrics.map((m) =>
        e ? Object.entries(e.metrics).find(([k]) => k === m)?.[1] : undefined,
      );
      return [
        step,
        t?.loss,
        t?.lr,
        t?.gradNorm,
        t?.stage ?? e?.stage,
        ...terms.map((name) => t?.terms?.[name]),
        e?.loss,
        e?.main,
        ...metricCells,
      ]
        .map(csvField)
        .join(',');
    });
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

// --- run JSON --------------------------------------------------------------------------------

export const RUN_EXPORT_FORMAT = 'distillery-run';
export const RUN_EXPORT_VERSION = 1;

/** A run as a JSON file: its record (checkpoint metadata for information only) and its metrics. */
export interface RunExport {
  format: typeof RUN_EXPORT_FORMAT;
  version: typeof RUN_EXPORT_VERSION;
  /** ISO 8601. */
  exportedAt: string;
  run: Pick<
    RunRecord,
    'id' | 'createdAt' | 'updatedAt' | 'config' | 'status' | 'summary' | 'checkpoints'
  >;
  metrics: { train: TrainPoint[]; evals: EvalPoint[] };
}

const runExportSchema = z.strictObject({
  format: z.literal(RUN_EXPORT_FORMAT),
  version: z.literal(RUN_EXPORT_VERSION),
  exportedAt: z.string(),
  run: z.strictObject({
    id: z.string().regex(RUN_ID, 'run ids are 1-64 letters, digits, - or _'),
    createdAt: z.number(),
    updatedAt: z.number(),
    config: runConfigValue,
    status: runStatusSchema,
    summary: runSummarySchema,
    checkpoints: z.array(checkpointMetaSchema),
  }),
  metrics: z.strictObject({ train: z.array(trainPointSchema), evals: z.array(evalPointSchema) }),
});

/** The JSON text of a run export (pretty-printed, stable key order of the record). */
export function runExportToJson(e: RunExport): string {
  return `${JSON.stringify(e, null, 1)}\n`;
}

/**
 * Reads a run export from JSON text. Throws StorageError('invalid') naming `source` and up to
 * five problems with their paths (run.config is checked by validateRunConfig).
 */
export function parseRunExport(text: string, source = 'run.json'): RunExport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new StorageError('invalid', `${source}: not a JSON file (${why})`, { cause: e });
  }
  const head = z.object({ format: z.unknown(), version: z.unknown() }).safeParse(json);
  if (!head.success || head.data.format !== RUN_EXPORT_FORMAT) {
    throw new StorageError(
      'invalid',
      `${source}: not a Distillery run export (expected "format": "${RUN_EXPORT_FORMAT}")`,
    );
  }
  if (head.data.version !== RUN_EXPORT_VERSION) {
    throw new StorageError(
      'invalid',
      `${source}: run export version ${JSON.stringify(head.data.version)}; this app reads version ${RUN_EXPORT_VERSION}`,
    );
  }
  const parsed = runExportSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues
      .slice(0, 5)
      .map((i) => `  ${i.path.map(String).join('.') || '(file)'}: ${i.message}`);
    const more =
      parsed.error.issues.length > 5 ? `\n  … ${parsed.error.issues.length - 5} more` : '';
    throw new StorageError(
      'invalid',
      `${source}: not a valid run export:\n${lines.join('\n')}${more}`,
    );
  }
  return parsed.data;
}

// --- tensors and safetensors -----------------------------------------------------------------

/** A float32 array with its shape, as src/model's `ParamArray`. */
export interface FloatArray {
  shape: number[];
  data: Float32Array;
}

/** Stored tensors from float32 arrays (each copied into its own ArrayBuffer). */
export function weightsFromArrays(arrays: Map<string, FloatArray>): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  for (const [name, a] of arrays) {
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (n !== a.data.length) {
      throw new StorageError(
        'invalid',
        `tensor '${name}': ${a.data.length} values for shape [${a.shape}]`,
      );
    }
    out[name] = { shape: a.shape.slice(), dtype: 'float32', data: a.data.slice().buffer };
  }
  return out;
}

/** Float32 views of stored tensors (no copy), as Params.fromArrays takes them. */
export function arraysFromWeights(weights: Record<string, StoredTensor>): Map<string, FloatArray> {
  return new Map(
    Object.entries(weights).map(([name, t]) => [
      name,
      { shape: t.shape.slice(), data: new Float32Array(t.data) },
    ]),
  );
}

/**
 * A checkpoint's weights as a safetensors file (F32, tensors sorted by name; the optimizer state is
 * left out, as Hugging Face files have none). The metadata carries the step, role, run config,
 * metrics summary, vocabulary, task and (a Hugging Face teacher's) encoder configuration as
 * strings, so the file alone re-imports as a checkpoint
 * that can run.
 */
export function checkpointToSafetensors(r: CheckpointRecord): Uint8Array {
  const tensors = new Map<string, TensorToWrite>(
    Object.entries(r.weights).map(([name, t]) => [
      name,
      { shape: t.shape, data: new Float32Array(t.data) },
    ]),
  );
  return writeSafetensors(tensors, {
    format: 'pt',
    'distillery.schema': String(CKPT_SCHEMA),
    'distillery.step': String(r.step),
    'distillery.role': r.role,
    'distillery.created_at': new Date(r.createdAt).toISOString(),
    'distillery.run_config': JSON.stringify(r.runConfig),
    'distillery.metrics_summary': JSON.stringify(r.metricsSummary),
    ...(r.tokenizer ? { 'distillery.tokenizer': JSON.stringify(r.tokenizer) } : {}),
    ...(r.task ? { 'distillery.task': JSON.stringify(r.task) } : {}),
    ...(r.arch ? { 'distillery.arch': JSON.stringify(r.arch) } : {}),
  });
}

/** What a safetensors file gives a checkpoint: its weights, and whatever its metadata says. */
export interface ImportedWeights {
  weights: Record<string, StoredTensor>;
  step: number | null;
  role: CheckpointRole | null;
  runConfig: RunConfig | null;
  metricsSummary: MetricsSummary | null;
  tokenizer: StoredTokenizer | null;
  task: TaskSpec | null;
  /** A teacher's encoder configuration (CheckpointRecord.arch), when the file carries one. */
  arch: BertConfig | null;
  /** Problems with the metadata (the weights are still usable). */
  notes: string[];
}

function metaJson<T>(
  meta: Record<string, string>,
  key: string,
  schema: z.ZodType<T>,
  notes: string[],
): T | null {
  const text = meta[key];
  if (text === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    notes.push(`metadata ${key} is not JSON`);
    return null;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  notes.push(
    `metadata ${key}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
  );
  return null;
}

/**
 * Reads a safetensors file (ours or any float safetensors, e.g. a Hugging Face model.safetensors)
 * as checkpoint weights. The file is fully validated by src/io before anything is allocated; a bad
 * file throws StorageError('invalid') with src/io's message (file name first).
 */
export function checkpointFromSafetensors(
  bytes: Uint8Array,
  source = 'model.safetensors',
): ImportedWeights {
  let file;
  try {
    file = parseSafetensors(bytes, source);
  } catch (e) {
    throw new StorageError('invalid', e instanceof Error ? e.message : String(e), { cause: e });
  }
  const weights: Record<string, StoredTensor> = {};
  for (const [name, info] of file.tensors) {
    let data: Float32Array;
    try {
      data = file.read(name);
    } catch (e) {
      throw new StorageError('invalid', e instanceof Error ? e.message : String(e), { cause: e });
    }
    weights[name] = { shape: info.shape.slice(), dtype: 'float32', data: data.slice().buffer };
  }
  const meta = file.metadata;
  const notes: string[] = [];
  const stepText = meta['distillery.step'];
  const step = stepText !== undefined && /^\d+$/.test(stepText) ? Number(stepText) : null;
  if (stepText !== undefined && step === null)
    notes.push(`metadata distillery.step '${stepText}' is not a step`);
  const roleText = meta['distillery.role'];
  const role = roleText === 'student' || roleText === 'teacher' ? roleText : null;
  return {
    weights,
    step,
    role,
    runConfig: metaJson(meta, 'distillery.run_config', runConfigValue, notes),
    metricsSummary: metaJson(meta, 'distillery.metrics_summary', metricsSummarySchema, notes),
    tokenizer: metaJson(meta, 'distillery.tokenizer', storedTokenizerSchema, notes),
    task: metaJson(meta, 'distillery.task', taskSpecSchema, notes),
    arch: metaJson(meta, 'distillery.arch', bertConfigSchema, notes),
    notes,
  };
}
