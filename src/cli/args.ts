// Command-line flags shared by the train, bench and experiment CLIs: a RunConfig built from the
// defaults, an optional JSON config file and flag overrides, validated before anything runs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultRunConfig } from '../config/defaults';
import { modelPreset } from '../config/presets';
import { BACKENDS, type BackendName, type RunConfig } from '../config/run-config';
import { validateRunConfig } from '../config/validate';

/** Flags that change the RunConfig, with the field each sets. */
export const CONFIG_FLAGS = {
  preset: { type: 'string', help: 'model preset, e.g. bert-L2-H128, bert-tiny, tiny-L1-H32' },
  layers: { type: 'string', help: 'transformer layers' },
  hidden: { type: 'string', help: 'hidden size' },
  heads: { type: 'string', help: 'attention heads' },
  intermediate: { type: 'string', help: 'FFN inner size' },
  dropout: { type: 'string', help: 'hidden and attention dropout' },
  steps: { type: 'string', help: 'optimiser steps' },
  batch: { type: 'string', help: 'batch size' },
  lr: { type: 'string', help: 'peak learning rate' },
  warmup: { type: 'string', help: 'warm-up fraction of steps' },
  'weight-decay': { type: 'string', help: 'AdamW weight decay' },
  clip: { type: 'string', help: 'gradient-norm clip (0 = off)' },
  'eval-every': { type: 'string', help: 'steps between dev evaluations' },
  seed: { type: 'string', help: 'seed of init, shuffling and dropout' },
  'max-len': { type: 'string', help: 'max tokens per example' },
  'vocab-size': { type: 'string', help: 'size of a vocabulary built from the training text' },
  cased: { type: 'boolean', help: 'keep case and accents' },
  'non-deterministic': { type: 'boolean', help: 'allow atomics-based WebGPU kernels' },
  'group-by-length': { type: 'boolean', help: 'batch rows of similar length (faster, less mixed)' },
} as const;

function num(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new Error(`--${flag} expects a number, got '${v}'`);
  return n;
}

/** Applies config flags and a config file to the defaults; throws listing every problem. */
export function buildConfig(
  values: Record<string, string | boolean | undefined>,
  configFile?: string,
): RunConfig {
  let c = defaultRunConfig();
  if (configFile) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new Error(
        `Cannot read config ${configFile}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    c = { ...c, ...(parsed as Partial<RunConfig>) };
  }
  const s = (k: string) => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  const preset = s('preset');
  if (preset !== undefined) {
    const arch = modelPreset(preset);
    if (!arch) throw new Error(`Unknown preset '${preset}'`);
    c.preset = preset;
    c.model = arch;
  }
  const set = (flag: string, apply: (n: number) => void) => {
    const v = s(flag);
    if (v !== undefined) apply(num(flag, v));
  };
  set('layers', (n) => (c.model.layers = n));
  set('hidden', (n) => (c.model.hidden = n));
  set('heads', (n) => (c.model.heads = n));
  set('intermediate', (n) => (c.model.intermediate = n));
  set('dropout', (n) => {
    c.model.hiddenDropout = n;
    c.model.attentionDropout = n;
  });
  set('steps', (n) => (c.train.steps = n));
  set('batch', (n) => (c.train.batchSize = n));
  set('lr', (n) => (c.train.lr = n));
  set('warmup', (n) => (c.train.warmup = n));
  set('weight-decay', (n) => (c.train.weightDecay = n));
  set('clip', (n) => (c.train.clipNorm = n));
  set('eval-every', (n) => (c.train.evalEvery = n));
  set('seed', (n) => (c.train.seed = n));
  set('max-len', (n) => (c.tokenizer.maxLen = n));
  set('vocab-size', (n) => (c.tokenizer.vocabSize = n));
  if (values['cased'] === true) c.tokenizer.lowercase = false;
  if (values['non-deterministic'] === true) c.train.deterministic = false;
  if (values['group-by-length'] === true) c.train.groupByLength = true;
  const errors = validateRunConfig(c);
  if (errors.length > 0) throw new Error(errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return c;
}

/** Parses argv with the config flags plus `extra`; unknown flags are an error. */
export function parseCli<E extends Record<string, { type: 'string' | 'boolean'; help: string }>>(
  argv: string[],
  extra: E,
) {
  const options = {
    ...CONFIG_FLAGS,
    ...extra,
    help: { type: 'boolean', help: 'show this help' },
  } as const;
  const spec = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, { type: v.type }]));
  const { values } = parseArgs({
    args: argv,
    options: spec,
    allowPositionals: false,
    strict: true,
  });
  return { values: values as Record<string, string | boolean | undefined>, options };
}

/** Help text for a flag table. */
export function helpText(
  usage: string,
  options: Record<string, { type: string; help: string }>,
): string {
  const rows = Object.entries(options).map(
    ([k, v]) => `  --${k}${v.type === 'string' ? ' <value>' : ''}`.padEnd(30) + v.help,
  );
  return `${usage}\n\n${rows.join('\n')}\n`;
}

/** Checks a --backend value for Node (no webgl there). */
export function nodeBackend(v: string | undefined, fallback: BackendName): BackendName {
  if (v === undefined) return fallback;
  const ok = BACKENDS.filter((b) => b !== 'webgl');
  if (!ok.some((b) => b === v))
    throw new Error(`--backend must be one of ${ok.join(', ')}; got '${v}'`);
  return v as BackendName;
}
