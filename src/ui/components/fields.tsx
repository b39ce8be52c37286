// Labelled form fields with their validation messages beside them (aria-invalid and
// aria-describedby point at the messages). Number fields keep the typed text as a draft, so a
// half-typed '1e-' shows its error instead of snapping back.
import { useId, useState, type ReactNode } from 'react';
import type { ConfigError } from '../../config/validate';

interface FieldShellProps {
  id: string;
  label: string;
  hint?: string;
  errors: readonly ConfigError[];
  testId: string;
  children: ReactNode;
}

function FieldShell({ id, label, hint, errors, testId, children }: FieldShellProps) {
  return (
    <div className={errors.length > 0 ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {errors.length > 0 && (
        <span className="field-error" id={`${id}-error`} data-testid={`error.${testId}`}>
          {errors.map((e) => e.message).join('; ')}
        </span>
      )}
    </div>
  );
}

function describedBy(id: string, hint: string | undefined, errors: readonly ConfigError[]) {
  const ids = [hint ? `${id}-hint` : '', errors.length > 0 ? `${id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** Parses a number field's text: empty is NaN (so validation says "expected number"). */
export function parseNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

interface NumberFieldProps {
  label: string;
  value: number;
  onChange: (value: number) => void;
  errors: readonly ConfigError[];
  testId: string;
  hint?: string;
  step?: number | 'any';
  min?: number;
  max?: number;
  disabled?: boolean;
}

/** A labelled number input that reports every edit, valid or not, and shows its errors. */
export function NumberField(props: NumberFieldProps) {
  const { label, value, onChange, errors, testId, hint, step = 'any', min, max, disabled } = props;
  const id = useId();
  const [draft, setDraft] = useState(() => String(value));
  // The draft wins while it still means `value`; an outside change (a preset) shows the new value.
  const shown = Object.is(parseNumber(draft), value) ? draft : String(value);
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors} testId={testId}>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        value={shown}
        step={step}
        min={min}
        max={max}
        disabled={disabled}
        aria-invalid={errors.length > 0}
        aria-describedby={describedBy(id, hint, errors)}
        data-testid={testId}
        onChange={(e) => {
          setDraft(e.target.value);
          onChange(parseNumber(e.target.value));
        }}
      />
    </FieldShell>
  );
}

interface CheckboxFieldProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId: string;
  hint?: string;
  disabled?: boolean;
}

/** A labelled checkbox with an optional hint. */
export function CheckboxField({
  label,
  checked,
  onChange,
  testId,
  hint,
  disabled,
}: CheckboxFieldProps) {
  const id = useId();
  return (
    <div className="field checkbox">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        data-testid={testId}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
}

/** One choice of a select. */
export interface Choice {
  value: string;
  label: string;
  disabled?: boolean;
}

interface SelectFieldProps {
  label: string;
  value: string;
  choices: readonly Choice[];
  onChange: (value: string) => void;
  testId: string;
  errors?: readonly ConfigError[];
  hint?: string;
  disabled?: boolean;
}

/** A labelled select. */
export function SelectField(props: SelectFieldProps) {
  const { label, value, choices, onChange, testId, errors = [], hint, disabled } = props;
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors} testId={testId}>
      <select
        id={id}
        value={value}
        disabled={disabled}
        aria-invalid={errors.length > 0}
        aria-describedby={describedBy(id, hint, errors)}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      >
        {choices.map((c) => (
          <option key={c.value} value={c.value} disabled={c.disabled}>
            {c.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
  hint?: string;
  placeholder?: string;
  type?: 'text' | 'url';
  disabled?: boolean;
}

/** A labelled text input. */
export function TextField(props: TextFieldProps) {
  const { label, value, onChange, testId, hint, placeholder, type = 'text', disabled } = props;
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} errors={[]} testId={testId}>
      <input
        id={id}
        type={type}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        aria-describedby={describedBy(id, hint, [])}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      />
    </FieldShell>
  );
}
