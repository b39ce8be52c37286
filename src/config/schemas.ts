// zod schemas of the RunConfig parts that other schemas reuse (the KD teacher's architecture and
// training settings are the same shapes as the run's own). No imports from elsewhere in src, so
// validate.ts and kd/schema.ts can both depend on it without a cycle.
import { z } from 'zod';

export const int = (min: number, max: number) => z.number().int().min(min).max(max);
const prob = z.number().min(0).max(0.9);

/** ModelArch: encoder layers, widths and dropout. */
export const modelArchSchema = z.strictObject({
  layers: int(1, 24),
  hidden: int(8, 2048),
  heads: int(1, 64),
  intermediate: int(8, 8192),
  hiddenDropout: prob,
  attentionDropout: prob,
});

/** TrainConfig: optimiser, schedule, evaluation and determinism settings. */
export const trainConfigSchema = z.strictObject({
  seed: int(0, 2 ** 31 - 1),
  batchSize: int(1, 512),
  steps: int(1, 10_000_000),
  lr: z.number().gt(0).max(1),
  warmup: z.number().min(0).max(1),
  weightDecay: z.number().min(0).max(1),
  beta1: z.number().min(0).lt(1),
  beta2: z.number().min(0).lt(1),
  epsilon: z.number().gt(0).max(1),
  clipNorm: z.number().min(0),
  evalEvery: int(1, 10_000_000),
  deterministic: z.boolean(),
  groupByLength: z.boolean(),
});
