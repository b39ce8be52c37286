// Teacher panel: no teacher (plain training, or a method that needs none), or a BERT teacher
// trained in the app before the student, with its model preset, steps, learning rate and batch
// size, and footprints saved every N steps for Pro-KD. Importing a Hugging Face BERT is not offered:
// the worker cannot take a teacher from the page yet (kd.teacher 'provided' needs one handed to
// the loop in-process).
import { useShallow } from 'zustand/react/shallow';
import { bertParamCount } from '../../config/model-size';
import { MODEL_PRESETS } from '../../config/presets';
import type { RunConfig } from '../../config/run-config';
import { useApp } from '../../store';
import { actions } from '../../store/app';
import { errorsAt } from '../../store/slices/config';
import {
  presetOfShape,
  withFootprintEvery,
  withTeacherPreset,
  withTeacherSource,
  withTeacherTrain,
} from '../../store/slices/pipeline';
import { isActive } from '../../store/slices/run';
import { NumberField, SelectField, type Choice } from '../components/fields';
import { Panel } from '../components/Panel';
import { formatCompact, formatValue } from '../format';
import { describeArch } from './ConfigPanel';

const update = (f: (c: RunConfig) => RunConfig): void => actions.updateConfig(f);

const SOURCES: Choice[] = [
  { value: 'none', label: 'No teacher (plain training)' },
  { value: 'train', label: 'Train one in the app' },
];

const PRESETS: Choice[] = Object.entries(MODEL_PRESETS).map(([name, a]) => ({
  value: name,
  label: `${name} (L${a.layers}, H${a.hidden})`,
}));

function TeacherNumber(props: {
  label: string;
  path: string;
  value: number;
  testId: string;
  hint?: string;
  step?: number | 'any';
  onChange: (v: number) => void;
}) {
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, props.path)));
  return (
    <NumberField
      label={props.label}
      value={props.value}
      errors={errors}
      testId={props.testId}
      hint={props.hint}
      step={props.step}
      onChange={props.onChange}
    />
  );
}

/** The teacher of a KD run. */
export function TeacherPanel() {
  const running = useApp((s) => isActive(s.run.phase));
  const teacher = useApp((s) => s.config.config.kd?.teacher);
  const vocab = useApp((s) => s.config.config.tokenizer.vocabSize);
  const labels = useApp((s) => s.task.summary?.balance);
  const teacherErrors = useApp(
    useShallow((s) => s.config.errors.filter((e) => e.path === 'kd.teacher')),
  );
  const modelErrors = useApp(useShallow((s) => errorsAt(s.config.errors, 'kd.teacher.model')));
  const prepared = useApp((s) => s.run.prepared?.teacher ?? null);
  const numLabels = labels?.kind === 'classes' ? labels.classes.length : 1;
  const source = teacher?.source ?? 'none';
  return (
    <Panel
      id="teacher"
      title="Teacher"
      testId="teacher.panel"
      aside={running ? <span className="pill">locked while running</span> : undefined}
    >
      <fieldset className="kd-form" disabled={running}>
        <legend className="visually-hidden">Teacher</legend>
        <SelectField
          label="Teacher source"
          value={source}
          choices={SOURCES}
          testId="teacher.source"
          errors={teacherErrors}
          hint="Hugging Face import: not in the app yet (the worker cannot receive a teacher)"
          onChange={(v) => update((c) => withTeacherSource(c, v === 'train' ? 'train' : 'none'))}
        />
        {teacher?.source === 'train' && (
          <>
            <SelectField
              label="Teacher model"
              value={presetOfShape(teacher.model)}
              choices={
                presetOfShape(teacher.model) === 'custom'
                  ? [{ value: 'custom', label: 'custom' }, ...PRESETS]
                  : PRESETS
              }
              testId="teacher.preset"
              errors={modelErrors}
              onChange={(v) => update((c) => withTeacherPreset(c, v))}
            />
            <p className="arch" data-testid="teacher.arch">
              {describeArch(teacher.model)} ·{' '}
              {formatCompact(
                bertParamCount(teacher.model, { vocabSize: vocab, numLabels, maxPositions: 512 }),
              )}{' '}
              parameters
            </p>
            <div className="field-grid">
              <TeacherNumber
                label="Teacher steps"
                path="kd.teacher.train.steps"
                value={teacher.train.steps}
                testId="teacher.steps"
                step={1}
                onChange={(v) => update((c) => withTeacherTrain(c, 'steps', v))}
              />
              <TeacherNumber
                label="Teacher learning rate"
                path="kd.teacher.train.lr"
                value={teacher.train.lr}
                testId="teacher.lr"
                onChange={(v) => update((c) => withTeacherTrain(c, 'lr', v))}
              />
              <TeacherNumber
                label="Teacher batch size"
                path="kd.teacher.train.batchSize"
                value={teacher.train.batchSize}
                testId="teacher.batchSize"
                step={1}
                onChange={(v) => update((c) => withTeacherTrain(c, 'batchSize', v))}
              />
              <TeacherNumber
                label="Footprint every"
                path="kd.teacher.footprintEvery"
                value={teacher.footprintEvery}
                testId="teacher.footprintEvery"
                hint="steps; 0 = none (Pro-KD follows them)"
                step={1}
                onChange={(v) => update((c) => withFootprintEvery(c, v))}
              />
            </div>
            <p className="muted kd-note" data-testid="teacher.footprints">
              {teacher.footprintEvery > 0
                ? `Saves ${Math.floor(teacher.train.steps / teacher.footprintEvery)} footprints while it trains.`
                : 'Saves no footprints.'}{' '}
              Trained first, on the same data and tokenizer, then frozen.
            </p>
          </>
        )}
        {prepared && (
          <p className="kd-note" data-testid="teacher.result">
            Teacher of the last run: {formatCompact(prepared.params)} parameters
            {prepared.dev ? `, dev ${formatValue(prepared.dev.main)}` : ''}.
          </p>
        )}
      </fieldset>
    </Panel>
  );
}
