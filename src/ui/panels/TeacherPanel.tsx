// Teacher panel: no teacher (plain training, or a method that needs none); a BERT teacher trained
// in the app before the student, with its model preset, steps, learning rate and batch size, and
// footprints saved every N steps for Pro-KD; a saved checkpoint of this browser (a teacher an
// earlier run trained, or a dense BERT run's best, on the same task); or a Hugging Face BERT
// classifier (a Hub id or URL, or picked files). A saved or Hugging Face teacher fixes the run's
// tokenizer: the worker adopts its vocabulary and casing.
import { useId, useMemo, useState } from 'react';
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
  withTeacherEnsemble,
  withTeacherPreset,
  withTeacherSource,
  withHfTeacher,
  withTeacherCheckpoint,
  withTeacherTrain,
  type TeacherSourceChoice,
} from '../../store/slices/pipeline';
import { isActive } from '../../store/slices/run';
import { useLibrary } from '../../store/library-app';
import { teacherCandidates } from '../../store/teacher-candidates';
import { heldTeacherFileList, holdTeacherFiles } from '../../store/teacher-files';
import { NumberField, SelectField, TextField, type Choice } from '../components/fields';
import { ErrorNote } from '../components/ErrorNote';
import { Panel } from '../components/Panel';
import { formatBytes, formatCompact, formatValue } from '../format';
import { describeArch } from './ConfigPanel';

const update = (f: (c: RunConfig) => RunConfig): void => actions.updateConfig(f);

const SOURCES: Choice[] = [
  { value: 'none', label: 'No teacher (plain training)' },
  { value: 'train', label: 'Train one in the app' },
  { value: 'checkpoint', label: 'Saved checkpoint' },
  { value: 'hf', label: 'Hugging Face BERT' },
];

const HF_FROM: Choice[] = [
  { value: 'hub', label: 'Hub model id or URL' },
  { value: 'files', label: 'Files on this computer' },
];

const TOKENIZER_NOTE =
  "The run tokenises with this teacher's vocabulary and casing (its cached logits are computed on " +
  "the run's token ids), so the vocabulary size field is fixed. Max length stays the run's, up to " +
  "the teacher's position embeddings (512 for BERT); a longer one is refused when the run starts.";

/** The saved checkpoints that can teach the loaded task, as a select. */
function CheckpointPicker({ value }: { value: string }) {
  const runs = useLibrary((s) => s.runs);
  const status = useLibrary((s) => s.status);
  const task = useApp((s) => s.config.config.task);
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, 'kd.teacher.key')));
  const { candidates, excluded } = useMemo(() => teacherCandidates(runs, task), [runs, task]);
  const choices: Choice[] = [
    { value: '', label: candidates.length > 0 ? 'Pick a checkpoint' : 'No saved checkpoint fits' },
    ...candidates.map((c) => ({
      value: c.key,
      label:
        `${c.runName} · ${c.role === 'teacher' ? c.roleName : 'best'} · step ${c.step}` +
        ` · dev ${formatValue(c.dev)} · ${formatBytes(c.bytes)}`,
    })),
  ];
  const known = value === '' || candidates.some((c) => c.key === value);
  if (!known) choices.push({ value, label: `${value} (not among this task's saved checkpoints)` });
  return (
    <>
      <SelectField
        label="Saved checkpoint"
        value={value}
        choices={choices}
        testId="teacher.checkpoint"
        errors={errors}
        hint={
          status === 'unavailable'
            ? 'saved runs are unavailable in this browser'
            : `a run's trained teacher, or a dense BERT run's best, on this task` +
              (excluded > 0 ? ` (${excluded} others are another task or not a BERT)` : '')
        }
        onChange={(v) => update((c) => withTeacherCheckpoint(c, v))}
      />
      {!known && (
        <p className="kd-note" role="status" data-testid="teacher.checkpoint.missing">
          This browser has no saved checkpoint {value} for the loaded task (a link from another
          browser names its own checkpoints): pick one above.
        </p>
      )}
    </>
  );
}

type HfFrom = Extract<
  NonNullable<NonNullable<RunConfig['kd']>['teacher']>,
  { source: 'hf' }
>['from'];

/** A Hugging Face teacher: a Hub id / URL with its revision, or picked files. */
function HfPicker({ from }: { from: HfFrom }) {
  const modelErrors = useApp(useShallow((s) => errorsAt(s.config.errors, 'kd.teacher.from')));
  const fileId = useId();
  const [held, setHeld] = useState(heldTeacherFileList);
  const [readError, setReadError] = useState<string | null>(null);
  return (
    <>
      <SelectField
        label="Hugging Face files from"
        value={from.kind}
        choices={HF_FROM}
        testId="teacher.hf.from"
        onChange={(v) =>
          update((c) =>
            withHfTeacher(
              c,
              v === 'files'
                ? { kind: 'files', names: heldTeacherFileList().map((f) => f.name) }
                : { kind: 'hub', model: '', revision: 'main' },
            ),
          )
        }
      />
      {from.kind === 'hub' ? (
        <div className="field-grid">
          <TextField
            label="Model id or URL"
            value={from.model}
            testId="teacher.hf.model"
            placeholder="owner/name or https://huggingface.co/owner/name"
            hint="a BERT classifier fine-tuned on this task; fetched by the worker when the run starts"
            onChange={(v) => update((c) => withHfTeacher(c, { ...from, model: v }))}
          />
          <TextField
            label="Revision"
            value={from.revision}
            testId="teacher.hf.revision"
            hint="branch, tag or commit"
            onChange={(v) => update((c) => withHfTeacher(c, { ...from, revision: v }))}
          />
        </div>
      ) : (
        <div className="field">
          <label htmlFor={fileId}>Teacher files</label>
          <input
            id={fileId}
            type="file"
            multiple
            accept=".json,.safetensors,.txt"
            data-testid="teacher.hf.files"
            aria-describedby={`${fileId}-hint`}
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              holdTeacherFiles(files).then(
                (names) => {
                  setHeld(heldTeacherFileList());
                  setReadError(null);
                  update((c) => withHfTeacher(c, { kind: 'files', names }));
                },
                (err: unknown) => setReadError(err instanceof Error ? err.message : String(err)),
              );
            }}
          />
          <span className="hint" id={`${fileId}-hint`}>
            config.json, model.safetensors and vocab.txt (or tokenizer.json); kept in this tab only
          </span>
          {held.length > 0 && (
            <span className="hint" data-testid="teacher.hf.held">
              Holding {held.map((f) => `${f.name} (${formatBytes(f.bytes)})`).join(', ')}
            </span>
          )}
        </div>
      )}
      {modelErrors.length > 0 && (
        <p className="field-error" data-testid="error.teacher.hf">
          {modelErrors.map((e) => e.message).join('; ')}
        </p>
      )}
      {readError && (
        <ErrorNote testId="teacher.hf.readError" title="Could not read the files">
          {readError}
        </ErrorNote>
      )}
    </>
  );
}

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
  const runError = useApp((s) => (s.run.error?.where === 'teacher' ? s.run.error.message : null));
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
          onChange={(v) => update((c) => withTeacherSource(c, v as TeacherSourceChoice))}
        />
        {teacher?.source === 'checkpoint' && <CheckpointPicker value={teacher.key} />}
        {teacher?.source === 'hf' && <HfPicker from={teacher.from} />}
        {(teacher?.source === 'checkpoint' || teacher?.source === 'hf') && (
          <p className="muted kd-note" data-testid="teacher.tokenizer">
            {TOKENIZER_NOTE}
          </p>
        )}
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
              <TeacherNumber
                label="Ensemble members"
                path="kd.teacher.ensemble"
                value={teacher.ensemble ?? 1}
                testId="teacher.ensemble"
                hint="teachers trained with seeds seed, seed + 1, …; their logits averaged"
                step={1}
                onChange={(v) => update((c) => withTeacherEnsemble(c, v))}
              />
            </div>
            <p className="muted kd-note" data-testid="teacher.footprints">
              {teacher.footprintEvery > 0
                ? `Saves ${Math.floor(teacher.train.steps / teacher.footprintEvery)} footprints while it trains.`
                : 'Saves no footprints.'}{' '}
              {(teacher.ensemble ?? 1) > 1
                ? `${teacher.ensemble} teachers are trained one after another (the first saves the footprints and gives the hidden states that layer-matching methods read), each saved as a checkpoint, then frozen; the student distils from their mean logits.`
                : 'Trained first, on the same data and tokenizer, then frozen.'}
            </p>
          </>
        )}
        {prepared && (
          <p className="kd-note" data-testid="teacher.result">
            Teacher of the last run: {formatCompact(prepared.params)} parameters
            {prepared.dev ? `, dev ${formatValue(prepared.dev.main)}` : ''}
            {prepared.source ? ` (${prepared.source}, its vocabulary adopted)` : ''}.
          </p>
        )}
        {runError && (
          <ErrorNote testId="teacher.error" title="The teacher could not be used">
            {runError}
          </ErrorNote>
        )}
      </fieldset>
    </Panel>
  );
}
