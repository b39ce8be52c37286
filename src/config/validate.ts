// Validation of RunConfig at the boundaries (URL, JSON file, worker start). Returns every problem
// as a path plus an actionable message; the UI and the CLI show the same text.
import { z } from 'zod';
import { checkKdConfig, kdConfigSchema } from '../kd/schema';
import { BACKENDS, type RunConfig } from './run-config';
import { int, modelArchSchema, trainConfigSchema } from './schemas';
import { checkStudentConfig, studentSpecSchema } from './student';

export interface ConfigError {
  /** Dotted path of the offending field, e.g. 'model.hidden'. */
  path: string;
  message: string;
}

const taskRef = z.discriminatedUnion('source', [
  z.object({ source: z.literal('embedded'), seed: int(0, 2 ** 31 - 1) }),
  z.object({ source: z.literal('file'), task: z.string().min(1), files: z.array(z.string()) }),
  z.object({
    source: z.literal('url'),
    task: z.string().min(1),
    trainUrl: z.string().min(1),
    devUrl: z.string().min(1),
  }),
  z.object({
    source: z.literal('hub'),
    task: z.string().min(1),
    dataset: z.string().min(1),
    config: z.string(),
  }),
]);

export const runConfigSchema = z.strictObject({
  schema: z.literal(1),
  name: z.string().max(200),
  task: taskRef,
  tokenizer: z.strictObject({
    vocab: z.enum(['build', 'provided']),
    vocabSize: int(100, 60000),
    lowercase: z.boolean(),
    maxLen: int(8, 512),
  }),
  preset: z.string(),
  model: modelArchSchema,
  train: trainConfigSchema,
  backend: z.enum(['auto', ...BACKENDS]),
  kd: kdConfigSchema.optional(),
  student: studentSpecSchema.optional(),
});

type Checked = { ok: true; config: RunConfig } | { ok: false; errors: ConfigError[] };

function check(value: unknown): Checked {
  const parsed = runConfigSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(root)',
        message: issue.message,
      })),
    };
  }
  const c: RunConfig = parsed.data;
  const errors: ConfigError[] = [];
  if (c.model.hidden % c.model.heads !== 0) {
    errors.push({
      path: 'model.hidden',
      message: `model.hidden (${c.model.hidden}) must be divisible by model.heads (${c.model.heads})`,
    });
  }
  errors.push(...checkKdConfig(c));
  errors.push(...checkStudentConfig(c));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: c };
}

/** Checks shape, ranges and cross-field rules. An empty list means the config is usable. */
export function validateRunConfig(value: unknown): ConfigError[] {
  const result = check(value);
  return result.ok ? [] : result.errors;
}

/** Parses and validates, throwing one Error that lists every problem. */
export function parseRunConfig(value: unknown): RunConfig {
  const result = check(value);
  if (!result.ok) {
    const lines = result.errors.map((e) => `  ${e.path}: ${e.message}`);
    throw new Error(`Invalid run config:\n${lines.join('\n')}`);
  }
  return result.config;
}
