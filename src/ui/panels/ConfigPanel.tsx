// Model preset and hyper-parameters. Every edit goes through actions.updateConfig, which
// re-validates with validateRunConfig; each field shows the messages for its own config path.
import { useShallow } from 'zustand/react/shallow';
import { MODEL_PRESETS } from '../../config/presets';
import type { ModelArch, RunConfig } from '../../config/run-config';
import type { ConfigError } from '../../config/validate';
import { actions } from '../../store/app';
import { useApp } from '../../store';
import {
  errorsAt,
  withModel,
  withPreset,
  withTokenizer,
  withTrain,
} from '../../store/slices/config';
import { isActive } from '../../store/slices/run';
import { teacherFixesTokenizer } from '../../store/slices/pipeline';
import { CheckboxField, NumberField, SelectField, type Choice } from '../components/fields';
import { Panel } from '../components/Panel';

/** 'layers 2 · hidden 128 · heads 2 · FFN 512'. */
export function describeArch(a: ModelArch): string {
  return `${a.layers} layer${a.layers === 1 ? '' : 's'} · hidden ${a.hidden} · ${a.heads} head${
    a.heads === 1 ? '' : 's'
  } · FFN ${a.intermediate}`;
}

const PRESET_CHOICES: Choice[] = Object.entries(MODEL_PRESETS).map(([name, arch]) => ({
  value: name,
  label: `${name} (L${arch.layers}, H${arch.hidden}, ${arch.heads} heads)`,
}));

const update = (f: (c: RunConfig) => RunConfig): void => actions.updateConfig(f);

/** Number fields of the form: label, config path (for errors), getter and setter. */
interface NumberSpec {
  testId: string;
  label: string;
  path: string;
  get: (c: RunConfig) => number;
  set: (c: RunConfig, v: number) => RunConfig;
  hint?: string;
  step?: number | 'any';
}

// prettier-ignore
const TRAIN_FIELDS: NumberSpec[] = [
  { testId: 'config.steps', label: 'Steps', path: 'train.steps', get: (c) => c.train.steps, set: (c, v) => withTrain(c, 'steps', v), step: 1 },
  { testId: 'config.batchSize', label: 'Batch size', path: 'train.batchSize', get: (c) => c.train.batchSize, set: (c, v) => withTrain(c, 'batchSize', v), step: 1 },
  { testId: 'config.lr', label: 'Learning rate', path: 'train.lr', get: (c) => c.train.lr, set: (c, v) => withTrain(c, 'lr', v), hint: 'peak, AdamW' },
  { testId: 'config.warmup', label: 'Warm-up', path: 'train.warmup', get: (c) => c.train.warmup, set: (c, v) => withTrain(c, 'warmup', v), hint: 'fraction of steps' },
  { testId: 'config.weightDecay', label: 'Weight decay', path: 'train.weightDecay', get: (c) => c.train.weightDecay, set: (c, v) => withTrain(c, 'weightDecay', v) },
  { testId: 'config.clipNorm', label: 'Clip norm', path: 'train.clipNorm', get: (c) => c.train.clipNorm, set: (c, v) => withTrain(c, 'clipNorm', v), hint: '0 = off' },
  { testId: 'config.evalEvery', label: 'Eval every', path: 'train.evalEvery', get: (c) => c.train.evalEvery, set: (c, v) => withTrain(c, 'evalEvery', v), hint: 'steps', step: 1 },
  { testId: 'config.maxLen', label: 'Max sequence length', path: 'tokenizer.maxLen', get: (c) => c.tokenizer.maxLen, set: (c, v) => withTokenizer(c, 'maxLen', v), hint: 'tokens', step: 1 },
  { testId: 'config.vocabSize', label: 'Vocabulary size', path: 'tokenizer.vocabSize', get: (c) => c.tokenizer.vocabSize, set: (c, v) => withTokenizer(c, 'vocabSize', v), hint: 'built from train', step: 1 },
  { testId: 'config.seed', label: 'Seed', path: 'train.seed', get: (c) => c.train.seed, set: (c, v) => withTrain(c, 'seed', v), step: 1 },
  { testId: 'config.dropout', label: 'Dropout', path: 'model.hiddenDropout', get: (c) => c.model.hiddenDropout, set: (c, v) => withModel(c, 'hiddenDropout', v), hint: 'hidden' },
  { testId: 'config.attentionDropout', label: 'Attention dropout', path: 'model.attentionDropout', get: (c) => c.model.attentionDropout, set: (c, v) => withModel(c, 'attentionDropout', v) },
];

function ConfigNumber({ spec, disabled }: { spec: NumberSpec; disabled: boolean }) {
  const value = useApp((s) => spec.get(s.config.config));
  const errors: ConfigError[] = useApp(useShallow((s) => errorsAt(s.config.errors, spec.path)));
  // A saved or Hugging Face teacher brings its vocabulary: the run tokenises with it.
  const fixed = useApp(
    (s) => spec.path === 'tokenizer.vocabSize' && teacherFixesTokenizer(s.config.config),
  );
  return (
    <NumberField
      label={spec.label}
      value={value}
      errors={errors}
      testId={spec.testId}
      hint={fixed ? "fixed by the teacher: the run uses the teacher's vocabulary" : spec.hint}
      step={spec.step}
      disabled={disabled || fixed}
      onChange={(v) => update((c) => spec.set(c, v))}
    />
  );
}

function PresetPicker({ disabled }: { disabled: boolean }) {
  const preset = useApp((s) => s.config.config.preset);
  const model = useApp((s) => s.config.config.model);
  const modelErrors = useApp(
    useShallow((s) =>
      s.config.errors.filter(
        (e) => e.path.startsWith('model.') && !e.path.endsWith('Dropout') && e.path !== 'model',
      ),
    ),
  );
  const choices =
    preset === 'custom'
      ? [{ value: 'custom', label: 'custom (edited)' }, ...PRESET_CHOICES]
      : PRESET_CHOICES;
  return (
    <div className="preset">
      <SelectField
        label="Model preset"
        value={preset}
        choices={choices}
        testId="config.preset"
        errors={modelErrors}
        disabled={disabled}
        onChange={(name) => update((c) => withPreset(c, name))}
      />
      <p className="arch" data-testid="config.arch">
        {describeArch(model)}
      </p>
    </div>
  );
}

/** The model and hyper-parameter panel. */
export function ConfigPanel() {
  const running = useApp((s) => isActive(s.run.phase));
  const deterministic = useApp((s) => s.config.config.train.deterministic);
  const errorCount = useApp((s) => s.config.errors.length);
  return (
    <Panel
      id="config"
      title="Model and hyper-parameters"
      testId="config.panel"
      aside={
        errorCount > 0 ? (
          <span className="pill pill-warn" data-testid="config.errors">
            {errorCount} to fix
          </span>
        ) : running ? (
          <span className="pill">locked while running</span>
        ) : undefined
      }
    >
      <fieldset className="config-form" disabled={running}>
        <legend className="visually-hidden">Run configuration</legend>
        <PresetPicker disabled={running} />
        <div className="field-grid">
          {TRAIN_FIELDS.map((spec) => (
            <ConfigNumber key={spec.testId} spec={spec} disabled={running} />
          ))}
        </div>
        <CheckboxField
          label="Deterministic kernels"
          checked={deterministic}
          testId="config.deterministic"
          hint="bit-reproducible WebGPU runs; slower"
          disabled={running}
          onChange={(v) => update((c) => withTrain(c, 'deterministic', v))}
        />
      </fieldset>
    </Panel>
  );
}
