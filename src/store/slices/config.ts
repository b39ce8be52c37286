// Config slice: the RunConfig being edited and its validation errors, recomputed on every edit
// with the same validateRunConfig the worker runs at start, so fields show the worker's messages.
import { defaultRunConfig } from '../../config/defaults';
import { modelPreset } from '../../config/presets';
import type {
  BackendPref,
  ModelArch,
  RunConfig,
  TaskRef,
  TokenizerConfig,
  TrainConfig,
} from '../../config/run-config';
import { validateRunConfig, type ConfigError } from '../../config/validate';

export interface ConfigSlice {
  config: RunConfig;
  /** validateRunConfig(config); empty when the config can start a run. */
  errors: ConfigError[];
}

/** A slice holding `config` and its errors. */
export function configSlice(config: RunConfig): ConfigSlice {
  return { config, errors: validateRunConfig(config) };
}

export const initialConfigSlice = (): ConfigSlice => configSlice(defaultRunConfig());

/** Errors whose path is `path` or lies under it ('model' matches 'model.hidden'). */
export function errorsAt(errors: readonly ConfigError[], path: string): ConfigError[] {
  return errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`));
}

/** Sets one training hyper-parameter. */
export function withTrain<K extends keyof TrainConfig>(
  c: RunConfig,
  key: K,
  value: TrainConfig[K],
): RunConfig {
  return { ...c, train: { ...c.train, [key]: value } };
}

/** Sets one tokenizer option. */
export function withTokenizer<K extends keyof TokenizerConfig>(
  c: RunConfig,
  key: K,
  value: TokenizerConfig[K],
): RunConfig {
  return { ...c, tokenizer: { ...c.tokenizer, [key]: value } };
}

/** Same shape (a preset names a shape; dropout is a training setting kept across presets). */
function sameShape(a: ModelArch, b: ModelArch): boolean {
  return (
    a.layers === b.layers &&
    a.hidden === b.hidden &&
    a.heads === b.heads &&
    a.intermediate === b.intermediate
  );
}

/**
 * Sets one architecture field. The preset name stays if the result still has that preset's shape,
 * and becomes 'custom' otherwise (RunConfig.preset's contract).
 */
export function withModel<K extends keyof ModelArch>(
  c: RunConfig,
  key: K,
  value: ModelArch[K],
): RunConfig {
  const model = { ...c.model, [key]: value };
  const named = modelPreset(c.preset);
  return { ...c, model, preset: named && sameShape(named, model) ? c.preset : 'custom' };
}

/**
 * Switches to a named model preset's shape, keeping the run's dropout (set in the form); unknown
 * names leave the config unchanged.
 */
export function withPreset(c: RunConfig, name: string): RunConfig {
  const arch = modelPreset(name);
  if (!arch) return c;
  const { hiddenDropout, attentionDropout } = c.model;
  return { ...c, preset: name, model: { ...arch, hiddenDropout, attentionDropout } };
}

/** Points the config at a task. */
export function withTask(c: RunConfig, task: TaskRef): RunConfig {
  return { ...c, task };
}

/** Sets the backend preference. */
export function withBackend(c: RunConfig, backend: BackendPref): RunConfig {
  return { ...c, backend };
}
