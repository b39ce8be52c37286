// Methods panel: pick a KD method from the registry (each with its paper's defaults, editable, a
// short explanation and the citation), switch on the SWA and Glitter add-ons and label noise, and see the preview of the
// method's schedules over the run's steps: temperature, loss weights, schedule factors, the
// learning rate and the phases, computed by the same functions the worker runs.
import { memo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import {
  GLITTER_ADDON_INFO,
  LABEL_NOISE_INFO,
  SWA_INFO,
  kdNeedsTeacher,
  methodInfo,
  methodKinds,
  type KdKind,
  type KdSpec,
} from '../../config/kd-methods';
import { schedulePreview, type SchedulePreview } from '../../config/kd-preview';
import type { RunConfig } from '../../config/run-config';
import { useApp } from '../../store';
import { actions, session } from '../../store/app';
import { errorsAt } from '../../store/slices/config';
import {
  withGlitterEnabled,
  withGlitterParam,
  withLabelNoiseEnabled,
  withLabelNoiseParam,
  withMethodKind,
  withMethodParam,
  withSwaEnabled,
  withSwaParam,
  type MethodVariants,
} from '../../store/slices/pipeline';
import { isActive } from '../../store/slices/run';
import { CheckboxField, NumberField, SelectField, type Choice } from '../components/fields';
import { Panel } from '../components/Panel';
import { formatTick, formatValue } from '../format';
import './kd-panels.css';

const update = (f: (c: RunConfig) => RunConfig): void => actions.updateConfig(f);

const KINDS = methodKinds();
const METHOD_CHOICES: Choice[] = KINDS.map((k) => ({ value: k, label: methodInfo(k).label }));

/** Labels of method parameters by key (the last path segment); others show their key. */
const PARAM_LABEL: Record<string, string> = {
  temperature: 'Temperature T',
  alpha: 'α (label weight)',
  tauMax: 'τ_max',
  phase1Units: 'Phase-1 units n1',
  phase2Units: 'Phase-2 units n2',
  classReduction: 'Class reduction',
  tMax: 'T_max',
  units: 'Units n',
  margin: 'Margin m',
  psiRampUnits: 'ψ ramp units',
  psiRampTo: 'ψ ramp to',
  checkpoints: 'Teacher checkpoints K',
  finalShare: 'Final-teacher share',
  loss: 'Distillation loss',
  threshold: 'Relabel threshold θ',
  forgetRate: 'Forget rate',
  rampShare: 'Ramp share',
  maskProb: 'Mask share',
  generatorSteps: 'Generator steps',
  studentSteps: 'Student steps',
  generatorLr: 'Generator lr',
  generatorClip: 'Generator clip',
  gumbelTau: 'Gumbel τ',
  variant: 'Loss variant',
  metaSize: 'Meta split size',
  metaLoss: 'Meta loss',
  floor: 'Weight floor δ',
  attentionDim: 'Attention width d',
  stage2Share: 'Stage-2 share',
  stage2Kd: 'Stage 2 keeps KD',
  stage1Share: 'Stage-1 share',
  pseudoSteps: 'Pseudo-classifier steps',
  pseudoLr: 'Pseudo-classifier lr',
  setup: 'Setup',
  candidates: 'Candidates K',
  select: 'Selected k',
  selection: 'Selection',
  pass: 'Selection pass',
  augment: 'Augmentation',
  maskPadding: 'Mask padding',
  projection: 'Projection',
  layerMap: 'Layer map',
  mlmMaskProb: 'MLM mask share',
  weight: 'Weight',
};

/** Choices of the string parameters. */
const ENUMS: Record<string, readonly string[]> = {
  classReduction: ['mean', 'sum'],
  loss: ['kl', 'mse'],
  variant: ['roberta', 'bert'],
  metaLoss: ['hard', 'mix'],
  setup: ['kd', 'consistency'],
  selection: ['worst', 'random', 'all'],
  pass: ['single', 'two'],
  augment: ['eda', 'mlm', 'both'],
  projection: ['shared', 'per-layer'],
};

function paramLabel(path: readonly string[]): string {
  const key = path[path.length - 1]!;
  const base = PARAM_LABEL[key] ?? key;
  return path.length > 1 ? `${path.slice(0, -1).join(' ')} ${base}` : base;
}

/** Where a parameter group lives in the config: the method or the Glitter add-on. */
interface ParamTarget {
  /** The config path of the group ('kd.method', 'kd.glitter'), for its validation errors. */
  at: string;
  /** Test id prefix of its fields. */
  testPrefix: string;
  set(c: RunConfig, path: readonly string[], value: unknown): RunConfig;
}

const METHOD_TARGET: ParamTarget = {
  at: 'kd.method',
  testPrefix: 'methods.param',
  set: withMethodParam,
};
const GLITTER_TARGET: ParamTarget = {
  at: 'kd.glitter',
  testPrefix: 'methods.glitter',
  set: withGlitterParam,
};

/** One editable parameter of the method (or an add-on), by its type. */
function ParamField({
  path,
  value,
  target,
}: {
  path: string[];
  value: unknown;
  target: ParamTarget;
}) {
  const dotted = [target.at, ...path].join('.');
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, dotted)));
  const testId = `${target.testPrefix}.${path.join('.')}`;
  const label = paramLabel(path);
  const set = (v: unknown) => update((c) => target.set(c, path, v));
  if (typeof value === 'number') {
    return (
      <NumberField label={label} value={value} errors={errors} testId={testId} onChange={set} />
    );
  }
  if (typeof value === 'boolean') {
    return <CheckboxField label={label} checked={value} testId={testId} onChange={set} />;
  }
  const options = ENUMS[path[path.length - 1]!];
  if (typeof value === 'string' && options) {
    return (
      <SelectField
        label={label}
        value={value}
        choices={options.map((o) => ({ value: o, label: o }))}
        errors={errors}
        testId={testId}
        onChange={set}
      />
    );
  }
  // Layer maps as pairs, 'uniform' and other fixed values: shown, not edited here.
  return (
    <div className="field">
      <span className="field-label">{label}</span>
      <span className="hint" data-testid={testId}>
        {typeof value === 'string' ? value : JSON.stringify(value)}
      </span>
    </div>
  );
}

/** The fields of an object-valued parameter, nested objects as their own groups. */
function ParamGroup({
  path,
  value,
  target,
}: {
  path: string[];
  value: Record<string, unknown>;
  target: ParamTarget;
}) {
  const entries = Object.entries(value).filter(([k]) => !(path.length === 0 && k === 'kind'));
  const flat = entries.filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v));
  const nested = entries.filter(
    ([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v),
  );
  return (
    <>
      {flat.length > 0 && (
        <div className="field-grid">
          {flat.map(([k, v]) => (
            <ParamField key={k} path={[...path, k]} value={v} target={target} />
          ))}
        </div>
      )}
      {nested.map(([k, v]) => (
        <fieldset key={k} className="kd-group">
          <legend>{[...path, k].join(' ')}</legend>
          <ParamGroup path={[...path, k]} value={v as Record<string, unknown>} target={target} />
        </fieldset>
      ))}
    </>
  );
}

const PREVIEW_HEIGHT = 220;
const STAGE_FILLS = ['var(--series-1)', 'var(--series-3)', 'var(--series-2)', 'var(--series-4)'];
const tickFormatter = (v: number): string => formatTick(v);
// Legend entries in the text colour (the line colours are too light for small text: WCAG AA).
const legendText = (value: unknown) => <span className="legend-text">{String(value)}</span>;
const tooltipFormatter = (v: unknown): string =>
  typeof v === 'number' ? formatValue(v) : String(v);

/** The preview plot: one line per series, a shaded band per stage, SWA's start marked. */
const PreviewChart = memo(function PreviewChart({ preview }: { preview: SchedulePreview }) {
  return (
    <ResponsiveContainer width="100%" height={PREVIEW_HEIGHT}>
      <LineChart data={preview.points} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
        <XAxis
          dataKey="step"
          type="number"
          domain={[1, preview.totalSteps]}
          allowDecimals={false}
        />
        <YAxis tickFormatter={tickFormatter} width={44} domain={[0, 'auto']} />
        <Tooltip formatter={tooltipFormatter} labelFormatter={(s) => `step ${String(s)}`} />
        <Legend formatter={legendText} />
        {preview.stages.length > 1 &&
          preview.stages.map((s, i) => (
            <ReferenceArea
              key={s.name}
              x1={s.start}
              x2={s.start + s.steps - 1}
              fill={STAGE_FILLS[i % STAGE_FILLS.length]}
              fillOpacity={0.08}
              label={{ value: s.name, position: 'insideTop', fontSize: 11, fill: 'var(--text)' }}
            />
          ))}
        {preview.stages.slice(1).map((s) => (
          <ReferenceLine key={`edge-${s.name}`} x={s.start} strokeDasharray="4 2" />
        ))}
        {preview.swaStart !== null && (
          <ReferenceLine
            x={preview.swaStart}
            stroke="var(--series-4)"
            strokeDasharray="2 2"
            label={{ value: 'SWA', position: 'insideTopRight', fontSize: 11, fill: 'var(--text)' }}
          />
        )}
        {preview.series.map((s, i) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.label}
            stroke={`var(--series-${(i % 4) + 1})`}
            strokeDasharray={i >= 4 ? '5 3' : undefined}
            dot={false}
            strokeWidth={1.5}
            connectNulls={false}
            type="stepAfter"
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});

function MethodPreview() {
  const kd = useApp((s) => s.config.config.kd);
  const train = useApp((s) => s.config.config.train);
  const preview = schedulePreview(kd, train);
  return (
    <div className="kd-preview" data-testid="methods.preview">
      <h3 className="kd-subhead">
        Schedules over {preview.totalSteps} step{preview.totalSteps === 1 ? '' : 's'}
      </h3>
      {preview.error ? (
        <p className="field-error" data-testid="methods.preview.error">
          {preview.error}
        </p>
      ) : (
        <>
          <PreviewChart preview={preview} />
          <ul className="kd-stages" data-testid="methods.preview.stages">
            {preview.stages.map((s) => (
              <li key={s.name}>
                {s.name}: steps {s.start}–{s.start + s.steps - 1}
              </li>
            ))}
            {preview.swaStart !== null && <li>SWA from step {preview.swaStart}</li>}
          </ul>
        </>
      )}
    </div>
  );
}

function SwaAddOn() {
  const swa = useApp((s) => s.config.config.kd?.swa);
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, 'kd.swa')));
  return (
    <fieldset className="kd-group" data-testid="methods.swa">
      <legend>Add-on</legend>
      <CheckboxField
        label={SWA_INFO.label}
        checked={swa !== undefined}
        testId="methods.swa.enabled"
        hint={`${SWA_INFO.summary} ${SWA_INFO.citation}.`}
        onChange={(on) => update((c) => withSwaEnabled(c, on))}
      />
      {swa && (
        <div className="field-grid">
          <NumberField
            label="SWA start"
            value={swa.start}
            errors={errors.filter((e) => e.path === 'kd.swa.start')}
            testId="methods.swa.start"
            hint="share of the last stage"
            onChange={(v) => update((c) => withSwaParam(c, 'start', v))}
          />
          <NumberField
            label="SWA every"
            value={swa.every}
            errors={errors.filter((e) => e.path === 'kd.swa.every')}
            testId="methods.swa.every"
            hint="steps"
            step={1}
            onChange={(v) => update((c) => withSwaParam(c, 'every', v))}
          />
          <NumberField
            label="SWA lr scale"
            value={swa.lrScale}
            errors={errors.filter((e) => e.path === 'kd.swa.lrScale')}
            testId="methods.swa.lrScale"
            hint="× peak lr"
            onChange={(v) => update((c) => withSwaParam(c, 'lrScale', v))}
          />
        </div>
      )}
    </fieldset>
  );
}

function GlitterAddOn() {
  const glitter = useApp((s) => s.config.config.kd?.glitter);
  const isGlitter = useApp((s) => s.config.config.kd?.method.kind === 'glitter');
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, 'kd.glitter')));
  return (
    <fieldset className="kd-group" data-testid="methods.glitter">
      <legend>Add-on</legend>
      <CheckboxField
        label={GLITTER_ADDON_INFO.label}
        checked={glitter !== undefined}
        testId="methods.glitter.enabled"
        hint={
          isGlitter && !glitter
            ? 'The method is Glitter already.'
            : `${GLITTER_ADDON_INFO.summary} ${GLITTER_ADDON_INFO.citation}.`
        }
        onChange={(on) => update((c) => withGlitterEnabled(c, on))}
      />
      {errors
        .filter((e) => e.path === 'kd.glitter')
        .map((e) => (
          <p key={e.message} className="field-error" role="alert">
            {e.message}
          </p>
        ))}
      {glitter && <ParamGroup path={[]} value={{ ...glitter }} target={GLITTER_TARGET} />}
    </fieldset>
  );
}

const NOISE_CHOICES: Choice[] = [
  { value: 'uniform', label: 'uniform (to another class)' },
  { value: 'class-conditional', label: 'class-conditional (c → c + 1)' },
];

function LabelNoise() {
  const noise = useApp((s) => s.config.config.kd?.labelNoise);
  const errors = useApp(useShallow((s) => errorsAt(s.config.errors, 'kd.labelNoise')));
  return (
    <fieldset className="kd-group" data-testid="methods.noise">
      <legend>Experiment</legend>
      <CheckboxField
        label={LABEL_NOISE_INFO.label}
        checked={noise !== undefined}
        testId="methods.noise.enabled"
        hint={`${LABEL_NOISE_INFO.summary} ${LABEL_NOISE_INFO.citation}.`}
        onChange={(on) => update((c) => withLabelNoiseEnabled(c, on))}
      />
      {noise && (
        <div className="field-grid">
          <SelectField
            label="Noise model"
            value={noise.kind}
            choices={NOISE_CHOICES}
            testId="methods.noise.kind"
            onChange={(v) => {
              if (v === 'uniform' || v === 'class-conditional')
                update((c) => withLabelNoiseParam(c, 'kind', v));
            }}
          />
          <NumberField
            label="Noise rate"
            value={noise.rate}
            errors={errors.filter((e) => e.path === 'kd.labelNoise.rate')}
            testId="methods.noise.rate"
            hint="share of training labels flipped"
            onChange={(v) => update((c) => withLabelNoiseParam(c, 'rate', v))}
          />
          <NumberField
            label="Noise seed"
            value={noise.seed}
            errors={errors.filter((e) => e.path === 'kd.labelNoise.seed')}
            testId="methods.noise.seed"
            step={1}
            onChange={(v) => update((c) => withLabelNoiseParam(c, 'seed', v))}
          />
        </div>
      )}
    </fieldset>
  );
}

/** The KD method of the run, its parameters, add-ons and schedule preview. */
export function MethodsPanel() {
  const running = useApp((s) => isActive(s.run.phase));
  const method: KdSpec = useApp((s) => s.config.config.kd?.method) ?? { kind: 'none' };
  const hasTeacher = useApp((s) => s.config.config.kd?.teacher !== undefined);
  const wantsTeacher = useApp((s) => kdNeedsTeacher(s.config.config.kd));
  const info = methodInfo(method.kind);
  return (
    <Panel
      id="methods"
      title="Distillation method"
      testId="methods.panel"
      aside={running ? <span className="pill">locked while running</span> : undefined}
    >
      <fieldset className="kd-form" disabled={running}>
        <legend className="visually-hidden">Distillation method</legend>
        <SelectField
          label="KD method"
          value={method.kind}
          choices={METHOD_CHOICES}
          testId="methods.kind"
          onChange={(v) => {
            const kind = KINDS.find((k) => k === v);
            if (kind) update((c) => withMethodKind(c, kind));
          }}
        />
        <div className="kd-about" data-testid="methods.about">
          <p>{info.summary}</p>
          <p className="muted" data-testid="methods.citation">
            {info.citation}
          </p>
          {info.note && <p className="muted">{info.note}</p>}
          {wantsTeacher && !hasTeacher && (
            <p className="pill pill-warn" data-testid="methods.needsTeacher">
              Needs a teacher: train one in the Teacher panel.
            </p>
          )}
        </div>
        {method.kind !== 'none' && (
          <fieldset className="kd-group">
            <legend>Parameters (the paper’s defaults)</legend>
            <ParamGroup path={[]} value={{ ...method }} target={METHOD_TARGET} />
          </fieldset>
        )}
        <SwaAddOn />
        <GlitterAddOn />
        <LabelNoise />
      </fieldset>
      <MethodPreview />
      <QueueMethods />
    </Panel>
  );
}

/**
 * Queues the form's setup under several methods at once, one run per checked method (the same
 * student, teacher, data and seed), so they can be watched side by side and compared.
 */
function QueueMethods() {
  const current = useApp((s) => s.config.config.kd?.method.kind ?? 'none');
  const [picked, setPicked] = useState<readonly KdKind[]>([]);
  const [result, setResult] = useState<MethodVariants | null>(null);
  const chosen = KINDS.filter((k) => picked.includes(k));
  const label = (k: KdKind) => methodInfo(k).label;
  return (
    <details className="kd-queue-methods" data-testid="methods.queueMany">
      <summary>Queue several methods</summary>
      <p className="muted">
        The same student, teacher, data and seed, once per checked method: the method set above
        keeps its edited parameters, the others start from their paper’s defaults. Start them from
        the queue in the Run panel; their curves overlay in the charts.
      </p>
      <fieldset className="kd-queue-kinds">
        <legend className="visually-hidden">Methods to queue</legend>
        {KINDS.map((k) => (
          <CheckboxField
            key={k}
            label={k === current ? `${label(k)} (as set above)` : label(k)}
            checked={picked.includes(k)}
            testId={`methods.queueMany.${k}`}
            onChange={(on) => setPicked((p) => (on ? [...p, k] : p.filter((x) => x !== k)))}
          />
        ))}
      </fieldset>
      <button
        type="button"
        className="primary"
        disabled={chosen.length === 0}
        data-testid="methods.queueMany.add"
        onClick={() => setResult(session.enqueueMethods(chosen))}
      >
        {chosen.length === 1 ? 'Queue 1 run' : `Queue ${chosen.length} runs`}
      </button>
      {result && (
        <div role="status" data-testid="methods.queueMany.result">
          {result.ok.length > 0 && (
            <p>
              Queued {result.ok.length === 1 ? '1 run' : `${result.ok.length} runs`}:{' '}
              {result.ok.map((v) => label(v.kind)).join(', ')}.
            </p>
          )}
          {result.refused.length > 0 && (
            <ul className="error-text" data-testid="methods.queueMany.refused">
              {result.refused.map((r) => (
                <li key={r.kind}>
                  {label(r.kind)} not queued: {r.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </details>
  );
}
