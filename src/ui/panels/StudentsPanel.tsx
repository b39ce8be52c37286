// Students panel: the model the run trains. A dense BERT of any preset size, a KroneckerBERT (named
// presets, factor shapes editable, initialised from the teacher by NKP or at random), a TextCNN or
// a BiLSTM, with a live readout of parameters, compression against the teacher (or the dense twin)
// and FLOPs per token, computed by the same arithmetic the model code counts with.
import { Fragment } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  kronMatrixList,
  runStudentSize,
  type KronMatrix,
  type SizeContext,
  type SizeReadout,
} from '../../config/model-size';
import { KRON_PRESETS, MODEL_PRESETS } from '../../config/presets';
import type { RunConfig } from '../../config/run-config';
import type { KronFactors, StudentSpec } from '../../config/student';
import { useApp } from '../../store';
import { actions } from '../../store/app';
import { errorsAt, withPreset } from '../../store/slices/config';
import {
  STUDENT_KINDS,
  kronPresetOf,
  withKronPreset,
  withStudentKind,
  withStudentParam,
} from '../../store/slices/pipeline';
import { isActive } from '../../store/slices/run';
import { NumberField, SelectField, TextField, type Choice } from '../components/fields';
import { Panel } from '../components/Panel';
import { formatCompact, formatCount } from '../format';
import { describeArch } from './ConfigPanel';

const update = (f: (c: RunConfig) => RunConfig): void => actions.updateConfig(f);

const KIND_CHOICES: Choice[] = STUDENT_KINDS.map((k) => ({ value: k.kind, label: k.label }));
const SIZE_CHOICES: Choice[] = Object.entries(MODEL_PRESETS).map(([name, a]) => ({
  value: name,
  label: `${name} (L${a.layers}, H${a.hidden})`,
}));
const KRON_CHOICES: Choice[] = Object.entries(KRON_PRESETS).map(([name, p]) => ({
  value: name,
  label: `${name} (of ${p.teacher})`,
}));
const INIT_CHOICES: Choice[] = [
  { value: 'nkp', label: 'from the teacher (nearest Kronecker product)' },
  { value: 'random', label: 'random' },
];
const PART_LABEL: Record<KronMatrix['part'], string> = {
  embedding: 'Word embedding',
  attention: 'Attention Q, K, V, O',
  ffnUp: 'FFN up',
  ffnDown: 'FFN down',
};

/** The size context of the readout: the target vocabulary, the task's labels, maxLen tokens. */
function useSizeContext(): SizeContext {
  return useApp(
    useShallow((s) => {
      const b = s.task.summary?.balance;
      const maxLen = s.config.config.tokenizer.maxLen;
      return {
        vocabSize: s.config.config.tokenizer.vocabSize,
        numLabels: b?.kind === 'classes' ? b.classes.length : b ? 1 : 2,
        maxPositions: Math.max(512, maxLen),
        seqLen: maxLen,
      };
    }),
  );
}

/** The Kronecker-factored matrices whose A factor shape the panel edits, with their labels. */
const KRON_MATRICES: ReadonlyArray<[Exclude<keyof KronFactors, 'embedding'>, string]> = [
  ['attention', 'Attention'],
  ['ffnUp', 'FFN up'],
  ['ffnDown', 'FFN down'],
];

function StudentNumber(props: {
  label: string;
  path: string[];
  value: number;
  hint?: string;
  step?: number | 'any';
}) {
  const dotted = ['student', ...props.path].join('.');
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, dotted)));
  return (
    <NumberField
      label={props.label}
      value={props.value}
      errors={errors}
      testId={`students.${props.path.join('.')}`}
      hint={props.hint}
      step={props.step}
      onChange={(v) => update((c) => withStudentParam(c, props.path, v))}
    />
  );
}

/** Comma-separated window widths, kept as a draft while it does not parse. */
function WidthsField({ widths }: { widths: number[] }) {
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, 'student.widths')));
  return (
    <div>
      <TextField
        label="Window widths"
        value={widths.join(', ')}
        testId="students.widths"
        hint="tokens, comma-separated (Kim 2014: 3, 4, 5)"
        onChange={(text) => {
          const parts = text.split(',').map((t) => t.trim());
          const nums = parts.filter((t) => t !== '').map(Number);
          if (nums.length > 0 && nums.every(Number.isInteger))
            update((c) => withStudentParam(c, ['widths'], nums));
        }}
      />
      {errors.length > 0 && (
        <span className="field-error" data-testid="error.students.widths">
          {errors.map((e) => e.message).join('; ')}
        </span>
      )}
    </div>
  );
}

function KronEditor({
  spec,
  preset,
  ctx,
}: {
  spec: Extract<StudentSpec, { kind: 'kron-bert' }>;
  preset: string;
  ctx: SizeContext;
}) {
  const model = useApp((s) => s.config.config.model);
  const initErrors = useApp(useShallow((s) => errorsAt(s.config.errors, 'student.init')));
  const named = kronPresetOf(spec.factors, preset);
  let matrices: KronMatrix[] = [];
  let tileError: string | null = null;
  try {
    matrices = kronMatrixList(model, ctx.vocabSize, spec.factors);
  } catch (e) {
    tileError = e instanceof Error ? e.message : String(e);
  }
  const f: KronFactors = spec.factors;
  return (
    <>
      <SelectField
        label="Kronecker preset"
        value={named}
        choices={
          named === 'custom'
            ? [{ value: 'custom', label: 'custom' }, ...KRON_CHOICES]
            : KRON_CHOICES
        }
        testId="students.kronPreset"
        hint={named !== 'custom' ? KRON_PRESETS[named]!.description : 'factors edited'}
        onChange={(v) => update((c) => withKronPreset(c, v))}
      />
      <SelectField
        label="Initialisation"
        value={spec.init}
        choices={INIT_CHOICES}
        testId="students.init"
        errors={initErrors}
        onChange={(v) =>
          update((c) => withStudentParam(c, ['init'], v === 'nkp' ? 'nkp' : 'random'))
        }
      />
      <p className="arch">Shape of the teacher it factors: {describeArch(model)}</p>
      <div className="field-grid">
        {f.embedding && (
          <StudentNumber
            label="Embedding n"
            path={['factors', 'embedding', 'n']}
            value={f.embedding.n}
            step={1}
            hint="B is [1, n]"
          />
        )}
        {KRON_MATRICES.map(([part, name]) => {
          const factor = f[part];
          return (
            factor && (
              <Fragment key={part}>
                <StudentNumber
                  label={`${name} A rows m1`}
                  path={['factors', part, 'm1']}
                  value={factor.m1}
                  step={1}
                />
                <StudentNumber
                  label={`${name} A cols n1`}
                  path={['factors', part, 'n1']}
                  value={factor.n1}
                  step={1}
                />
              </Fragment>
            )
          );
        })}
      </div>
      {tileError ? (
        <p className="field-error" data-testid="students.factors.error">
          {tileError}
        </p>
      ) : (
        <table className="kd-table" data-testid="students.factors">
          <caption className="visually-hidden">Kronecker factor shapes</caption>
          <thead>
            <tr>
              <th scope="col">matrix</th>
              <th scope="col">dense</th>
              <th scope="col">A</th>
              <th scope="col">B</th>
              <th scope="col">×</th>
            </tr>
          </thead>
          <tbody>
            {matrices.map((m) => (
              <tr key={m.part}>
                <th scope="row">{PART_LABEL[m.part]}</th>
                <td>
                  {m.out}×{m.inp}
                </td>
                <td>
                  {m.shape.m1}×{m.shape.n1}
                </td>
                <td>
                  {m.shape.m2}×{m.shape.n2}
                </td>
                <td>{m.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Readout({ size, teacher }: { size: SizeReadout | string; teacher: boolean }) {
  if (typeof size === 'string') {
    return (
      <p className="field-error" data-testid="students.readout.error">
        {size}
      </p>
    );
  }
  return (
    <dl className="kd-readout" data-testid="students.readout">
      <div>
        <dt>Parameters</dt>
        <dd data-testid="students.params" data-value={size.params}>
          {formatCompact(size.params)}
        </dd>
      </div>
      <div>
        <dt>Compression</dt>
        <dd data-testid="students.compression">
          {size.compression === null
            ? '–'
            : `${size.compression.toFixed(1)}× ${teacher ? 'vs teacher' : 'vs dense twin'}`}
        </dd>
      </div>
      <div>
        <dt>FLOPs / token</dt>
        <dd data-testid="students.flops" data-value={size.flopsPerToken}>
          {formatCompact(size.flopsPerToken)}
        </dd>
      </div>
      {size.referenceParams !== null && (
        <div>
          <dt>{teacher ? 'Teacher' : 'Dense twin'}</dt>
          <dd>{formatCount(size.referenceParams)}</dd>
        </div>
      )}
    </dl>
  );
}

/** The student a run trains, with its live size readout. */
export function StudentsPanel() {
  const running = useApp((s) => isActive(s.run.phase));
  const student = useApp((s) => s.config.config.student);
  const preset = useApp((s) => s.config.config.preset);
  const model = useApp((s) => s.config.config.model);
  const kd = useApp((s) => s.config.config.kd);
  const ctx = useSizeContext();
  const kind = student?.kind ?? 'bert';
  let size: SizeReadout | string;
  try {
    size = runStudentSize({ student, model, kd }, ctx);
  } catch (e) {
    size = e instanceof Error ? e.message : String(e);
  }
  return (
    <Panel
      id="students"
      title="Student"
      testId="students.panel"
      aside={running ? <span className="pill">locked while running</span> : undefined}
    >
      <fieldset className="kd-form" disabled={running}>
        <legend className="visually-hidden">Student</legend>
        <SelectField
          label="Student model"
          value={kind}
          choices={KIND_CHOICES}
          testId="students.kind"
          onChange={(v) => {
            const k = STUDENT_KINDS.find((s) => s.kind === v)?.kind;
            if (k) update((c) => withStudentKind(c, k));
          }}
        />
        {kind === 'bert' && (
          <>
            <SelectField
              label="Student size"
              value={preset}
              choices={
                preset === 'custom'
                  ? [{ value: 'custom', label: 'custom' }, ...SIZE_CHOICES]
                  : SIZE_CHOICES
              }
              testId="students.size"
              hint="the model preset of the hyper-parameter panel"
              onChange={(v) => update((c) => withPreset(c, v))}
            />
            <p className="arch">{describeArch(model)}</p>
          </>
        )}
        {student?.kind === 'kron-bert' && <KronEditor spec={student} preset={preset} ctx={ctx} />}
        {student?.kind === 'textcnn' && (
          <div className="field-grid">
            <StudentNumber
              label="Embedding width"
              path={['embed']}
              value={student.embed}
              step={1}
            />
            <StudentNumber
              label="Filters per width"
              path={['filters']}
              value={student.filters}
              step={1}
            />
            <StudentNumber label="CNN dropout" path={['dropout']} value={student.dropout} />
            <WidthsField widths={student.widths} />
          </div>
        )}
        {student?.kind === 'bilstm' && (
          <div className="field-grid">
            <StudentNumber
              label="Embedding width"
              path={['embed']}
              value={student.embed}
              step={1}
            />
            <StudentNumber
              label="LSTM state size"
              path={['hidden']}
              value={student.hidden}
              step={1}
              hint="per direction"
            />
            <StudentNumber label="LSTM dropout" path={['dropout']} value={student.dropout} />
          </div>
        )}
        <Readout size={size} teacher={kd?.teacher?.source === 'train'} />
        <p className="muted kd-note">
          At a vocabulary of {formatCount(ctx.vocabSize)} tokens (the target size; a built
          vocabulary can come out smaller), {ctx.numLabels} label{ctx.numLabels === 1 ? '' : 's'}{' '}
          and {ctx.seqLen}-token sequences.
        </p>
      </fieldset>
    </Panel>
  );
}
