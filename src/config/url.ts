// URL state (STYLE R15, after tensorflow/playground's State.PROPS): one declarative table of fields
// over RunConfig, encoding only what differs from the defaults (the seed always), decoding with
// every unknown key and bad value reported, and the result checked with validateRunConfig. Also the
// demo flags that are not part of a run: ?preset=<demo preset>&run=2&presenter=1&theme=dark.
import { KD_DEFAULTS } from '../kd/defaults';
import { DEFAULT_RUN_CONFIG } from './defaults';
import { DEMO_PRESETS, demoPresetRuns } from './demo-presets';
import { modelPreset } from './presets';
import type { RunConfig } from './run-config';
import { BACKENDS } from './run-config';
import { parseRunConfig, validateRunConfig, type ConfigError } from './validate';

/** A key the decoder could not use, or a config it could not accept, with the reason. */
export interface UrlProblem {
  /** The URL key ('lr', 'kd.params', …), or '(config)' for a rule no single key breaks. */
  key: string;
  /** The raw text of the value, when one was given. */
  value?: string;
  message: string;
}

/** Run config being decoded: plain JSON, checked by validateRunConfig only at the end. */
type Draft = Record<string, unknown>;

/** Parsed value to store, or why the text is not one. */
type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * One URL key. `get` reads the value at `path`; `format` writes it as text (patch fields diff it
 * against the draft's `current` value); `parse` reads text back (patches merge onto `current`);
 * `set` stores a parsed value in the draft (variant fields reset the object they discriminate).
 */
export interface UrlField {
  key: string;
  /** What the key holds, for docs/url-state tables and the UI. */
  doc: string;
  path: readonly string[];
  /** Variant keys: the object whose kind they set (its errors are reported under this key). */
  discriminates?: readonly string[];
  format(value: unknown, current: unknown): string;
  parse(text: string, current: unknown): Parsed;
  set(draft: Draft, value: unknown): string | null;
}

// --- plain-JSON helpers ----------------------------------------------------------------------

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The value at `path` in a JSON tree, or undefined. */
function getPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const k of path) {
    if (!isRecord(node)) return undefined;
    node = node[k];
  }
  return node;
}

/** Stores `value` at `path`, creating objects on the way; undefined deletes the key. */
function setPath(root: Draft, path: readonly string[], value: unknown): void {
  let node: Draft = root;
  for (const k of path.slice(0, -1)) {
    const next = node[k];
    if (isRecord(next)) node = next;
    else {
      const fresh: Draft = {};
      node[k] = fresh;
      node = fresh;
    }
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** Structural equality of JSON values (-0 equals 0: JSON and the URL do not keep the sign). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

/**
 * JSON Merge Patch (RFC 7386) taking `base` to `value`: objects recurse, anything else replaces,
 * null deletes a key. Undefined when they are equal. (Bases hold null only where values may.)
 */
export function mergeDiff(value: unknown, base: unknown): unknown {
  if (jsonEqual(value, base)) return undefined;
  if (!isRecord(value) || !isRecord(base)) return value;
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const d = k in base ? mergeDiff(v, base[k]) : v;
    if (d !== undefined) patch[k] = d;
  }
  for (const k of Object.keys(base)) {
    if (base[k] !== undefined && value[k] === undefined) patch[k] = null;
  }
  return patch;
}

/** Applies a JSON Merge Patch (RFC 7386) to a deep copy of `base`. */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(base) ? structuredClone(base) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// --- codecs ----------------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A number as the shortest text that reads back to it. */
function formatNumber(v: unknown): string {
  return String(v);
}

function parseNumber(text: string): Parsed {
  const t = text.trim();
  if (t === 'Infinity' || t === '-Infinity') return { ok: true, value: Number(t) };
  if (!DECIMAL.test(t)) return { ok: false, message: `'${text}' is not a number` };
  return { ok: true, value: Number(t) };
}

function parseBool(text: string): Parsed {
  if (text === '1' || text === 'true') return { ok: true, value: true };
  if (text === '0' || text === 'false') return { ok: true, value: false };
  return { ok: false, message: `'${text}' is not a flag (use 1 or 0)` };
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

function parseChoice(choices: readonly string[]): (text: string) => Parsed {
  return (text) =>
    choices.includes(text)
      ? { ok: true, value: text }
      : { ok: false, message: `'${text}' is not one of ${choices.join(', ')}` };
}

function leaf(
  key: string,
  path: readonly string[],
  doc: string,
  parse: (text: string) => Parsed,
  format: (v: unknown) => string = String,
): UrlField {
  return {
    key,
    doc,
    path,
    format: (v) => format(v),
    parse: (text) => parse(text),
    set: (draft, v) => {
      setPath(draft, path, v);
      return null;
    },
  };
}

const str = (key: string, path: readonly string[], doc: string): UrlField =>
  leaf(key, path, doc, (text) => ({ ok: true, value: text }));
const num = (key: string, path: readonly string[], doc: string): UrlField =>
  leaf(key, path, doc, parseNumber, formatNumber);
const bool = (key: string, path: readonly string[], doc: string): UrlField =>
  leaf(key, path, doc, parseBool, (v) => (v ? '1' : '0'));
const choice = (key: string, path: readonly string[], doc: string, of: readonly string[]) =>
  leaf(key, path, doc, parseChoice(of));
const json = (key: string, path: readonly string[], doc: string): UrlField =>
  leaf(key, path, doc, parseJson, (v) => JSON.stringify(v));

/** The text that removes an optional part (kd, kd.teacher, student). */
export const ABSENT = '-';

/**
 * A discriminator: `path` ends in the kind; setting it replaces the object it sits in with
 * `reset(kind, draft)` (the kind's base, which later keys patch). Optional parts take ABSENT.
 */
function variant(
  key: string,
  path: readonly string[],
  doc: string,
  kinds: readonly string[],
  reset: (kind: string, draft: Draft) => Draft | string,
  optional: boolean,
): UrlField {
  const parent = path.slice(0, -1);
  const parseKind = parseChoice(kinds);
  return {
    key,
    doc,
    path,
    discriminates: parent,
    format: (v) => (v === undefined ? ABSENT : String(v)),
    parse: (text) =>
      optional && text === ABSENT ? { ok: true, value: undefined } : parseKind(text),
    set: (draft, v) => {
      if (v === undefined) {
        setPath(draft, parent, undefined);
        return null;
      }
      const base = reset(String(v), draft);
      if (typeof base === 'string') return base;
      setPath(draft, parent, base);
      return null;
    },
  };
}

/** Compact JSON of the merge patch from the draft's current value (a kind's base) to the value. */
function patch(key: string, path: readonly string[], doc: string): UrlField {
  return {
    key,
    doc,
    path,
    format: (v, current) => JSON.stringify(mergeDiff(v, current) ?? {}),
    parse: (text, current) => {
      const p = parseJson(text);
      if (!p.ok) return p;
      if (!isRecord(p.value)) return { ok: false, message: 'must be a JSON object' };
      if (current === undefined) {
        return { ok: false, message: `needs '${path.join('.')}' to exist: give its kind first` };
      }
      return { ok: true, value: mergePatch(current, p.value) };
    },
    set: (draft, v) => {
      setPath(draft, path, v);
      return null;
    },
  };
}

// --- bases of the variant parts -------------------------------------------------------------

const TASK_SOURCES = ['embedded', 'file', 'url', 'hub'] as const;

const KD_KINDS = Object.keys(KD_DEFAULTS);

function kdBase(kind: string): Draft | string {
  const method = Object.entries(KD_DEFAULTS).find(([k]) => k === kind)?.[1];
  return method
    ? Object.fromEntries(Object.entries(structuredClone(method)))
    : `unknown KD method '${kind}'`;
}

/** A trained teacher starts as the run's own architecture and training settings. */
function teacherBase(source: string, draft: Draft): Draft | string {
  if (!isRecord(draft['kd'])) return 'a teacher needs a KD method: give kd first';
  if (source === 'provided') return { source };
  // A saved checkpoint's key is local to this browser; elsewhere the Teacher panel says it is missing.
  if (source === 'checkpoint') return { source, key: '' };
  if (source === 'hf') return { source, from: { kind: 'hub', model: '', revision: 'main' } };
  return {
    source,
    model: structuredClone(draft['model']),
    train: structuredClone(draft['train']),
    footprintEvery: 0,
  };
}

const STUDENT_KINDS = ['bert', 'kron-bert', 'textcnn', 'bilstm'] as const;

/** Per-kind starting points that `student.params` patches (Kim 2014 widths; a small BiLSTM). */
const STUDENT_BASES: Record<(typeof STUDENT_KINDS)[number], Draft> = {
  bert: { kind: 'bert' },
  'kron-bert': {
    kind: 'kron-bert',
    factors: { embedding: null, attention: null, ffnUp: null, ffnDown: null },
    init: 'nkp',
  },
  textcnn: { kind: 'textcnn', embed: 128, filters: 100, widths: [3, 4, 5], dropout: 0.5 },
  bilstm: { kind: 'bilstm', embed: 128, hidden: 128, dropout: 0.1 },
};

function studentBase(kind: string): Draft | string {
  const base = Object.entries(STUDENT_BASES).find(([k]) => k === kind)?.[1];
  return base ? structuredClone(base) : `unknown student kind '${kind}'`;
}

/** RunConfig.preset: a known model preset also sets the architecture (later keys edit it). */
const archField: UrlField = {
  ...str('arch', ['preset'], 'model preset name (MODEL_PRESETS); sets the architecture'),
  set: (draft, v) => {
    const name = String(v);
    draft['preset'] = name;
    const arch = modelPreset(name);
    if (arch) draft['model'] = arch;
    return null;
  },
};

// --- the table -------------------------------------------------------------------------------

/**
 * Every URL key of a run, in decoding order: a variant comes before the keys that fill it, the
 * architecture preset before the architecture, and the run's model and train settings before the
 * teacher (whose base they are).
 */
// prettier-ignore
export const URL_FIELDS: readonly UrlField[] = [
  num('seed', ['train', 'seed'], 'seed of init, shuffling and dropout (always in the URL)'),
  str('name', ['name'], 'display name of the run'),
  variant('data', ['task', 'source'], 'task source: embedded, file, url or hub', TASK_SOURCES, (source) => ({ source }), false),
  num('dataSeed', ['task', 'seed'], 'embedded task: generator seed'),
  str('dataTask', ['task', 'task'], 'file/url/hub: GLUE task id (or own)'),
  json('files', ['task', 'files'], 'file source: the file names (JSON array; the files must be picked again)'),
  str('trainUrl', ['task', 'trainUrl'], 'url source: training file URL'),
  str('devUrl', ['task', 'devUrl'], 'url source: dev file URL'),
  str('dataset', ['task', 'dataset'], 'hub source: dataset id'),
  str('subset', ['task', 'config'], 'hub source: dataset config'),
  choice('vocab', ['tokenizer', 'vocab'], 'build a WordPiece vocabulary or use the task\'s', ['build', 'provided']),
  num('vocabSize', ['tokenizer', 'vocabSize'], 'vocabulary size when building'),
  bool('lowercase', ['tokenizer', 'lowercase'], 'lower-case and strip accents'),
  num('maxLen', ['tokenizer', 'maxLen'], 'longest sequence in tokens'),
  archField,
  num('layers', ['model', 'layers'], 'encoder layers'),
  num('hidden', ['model', 'hidden'], 'hidden size'),
  num('heads', ['model', 'heads'], 'attention heads'),
  num('ffn', ['model', 'intermediate'], 'FFN inner size'),
  num('dropout', ['model', 'hiddenDropout'], 'hidden dropout'),
  num('attnDropout', ['model', 'attentionDropout'], 'attention-probability dropout'),
  num('batch', ['train', 'batchSize'], 'examples per step'),
  num('steps', ['train', 'steps'], 'optimiser steps'),
  num('lr', ['train', 'lr'], 'peak learning rate'),
  num('warmup', ['train', 'warmup'], 'warm-up fraction of the steps'),
  num('wd', ['train', 'weightDecay'], 'AdamW weight decay'),
  num('beta1', ['train', 'beta1'], 'AdamW β1'),
  num('beta2', ['train', 'beta2'], 'AdamW β2'),
  num('eps', ['train', 'epsilon'], 'AdamW ε'),
  num('clip', ['train', 'clipNorm'], 'gradient-norm clip (0 = off)'),
  num('evalEvery', ['train', 'evalEvery'], 'dev evaluation interval in steps'),
  bool('det', ['train', 'deterministic'], 'bit-reproducible WebGPU kernels'),
  bool('group', ['train', 'groupByLength'], 'group batches by length'),
  choice('backend', ['backend'], 'compute backend', ['auto', ...BACKENDS]),
  variant('kd', ['kd', 'method', 'kind'], 'KD method kind (- = no KD block)', KD_KINDS, kdBase, true),
  patch('kd.params', ['kd', 'method'], "method parameters: JSON merge patch on the method's paper defaults"),
  variant('teacher', ['kd', 'teacher', 'source'], 'teacher source: train, provided, checkpoint (a saved one, by key) or hf (Hugging Face)', ['train', 'provided', 'checkpoint', 'hf'], teacherBase, true),
  patch('teacher.params', ['kd', 'teacher'], "teacher: JSON merge patch on its source's base (trained: the run's model and train settings; checkpoint: {key}; hf: {from})"),
  json('kd.swa', ['kd', 'swa'], 'SWA add-on (JSON)'),
  json('kd.noise', ['kd', 'labelNoise'], 'label-noise injection (JSON)'),
  json('kd.glitter', ['kd', 'glitter'], 'Glitter add-on (JSON)'),
  variant('student', ['student', 'kind'], 'student kind (- = the dense BERT of the model keys)', STUDENT_KINDS, studentBase, true),
  patch('student.params', ['student'], 'student spec: JSON merge patch on the kind\'s base'),
];

/** The keys of the demo flags (not part of RunConfig). */
export const DEMO_KEYS = ['preset', 'run', 'presenter', 'theme'] as const;

const FIELD_KEYS = new Set(URL_FIELDS.map((f) => f.key));

/** A deep, plain-JSON copy of a config as the draft the table edits. */
function draftOf(c: RunConfig): Draft {
  return JSON.parse(JSON.stringify(c));
}

/**
 * The URL parameters of `c`: the keys whose value differs from what decoding would otherwise
 * produce (the defaults, after the earlier keys), plus `seed` always. Throws if the table cannot
 * express `c` (a bug here, which the round-trip tests catch).
 */
export function encodeRunConfig(c: RunConfig): URLSearchParams {
  const params = new URLSearchParams();
  const draft = draftOf(DEFAULT_RUN_CONFIG);
  const target = draftOf(c);
  for (const field of URL_FIELDS) {
    const value = getPath(target, field.path);
    const current = getPath(draft, field.path);
    if (field.key !== 'seed' && jsonEqual(value, current)) continue;
    const text = field.format(value, current);
    params.append(field.key, text);
    const parsed = field.parse(text, current);
    const err = parsed.ok ? field.set(draft, parsed.value) : parsed.message;
    if (err !== null) throw new Error(`encodeRunConfig: ${field.key}=${text}: ${err}`);
  }
  if (!jsonEqual(draft, target)) {
    throw new Error('encodeRunConfig: the URL table cannot express this config');
  }
  return params;
}

/**
 * The URL key for a config error's path: the variant key of a missing part, else the key whose
 * path is the longest prefix of it.
 */
function keyOfPath(path: string): string {
  const owner = URL_FIELDS.find((f) => f.discriminates?.join('.') === path);
  if (owner) return owner.key;
  const parts = path.split('.');
  let best: UrlField | undefined;
  for (const f of URL_FIELDS) {
    const prefix = f.path.every((p, i) => parts[i] === p);
    if (prefix && (!best || f.path.length > best.path.length)) best = f;
  }
  return best?.key ?? '(config)';
}

/** A decoded run config (null when the result fails validation) and every problem found. */
export interface DecodedRunConfig {
  config: RunConfig | null;
  problems: UrlProblem[];
  /** Whether any run key (other than the demo flags) was present. */
  hasRunKeys: boolean;
}

/**
 * Reads a run from URL parameters, starting from the defaults. Unknown keys, repeated keys and
 * values that do not parse are reported and skipped; the result is then checked with
 * validateRunConfig, whose messages are reported under the key that sets the failing field.
 */
export function decodeRunConfig(params: URLSearchParams): DecodedRunConfig {
  const problems: UrlProblem[] = [];
  const seen = new Set<string>();
  params.forEach((value, key) => {
    if (!FIELD_KEYS.has(key) && !DEMO_KEYS.some((k) => k === key)) {
      problems.push({ key, value, message: `unknown URL key '${key}' (ignored)` });
    } else if (seen.has(key)) {
      problems.push({
        key,
        value,
        message: `'${key}' is given more than once; the last one counts`,
      });
    }
    seen.add(key);
  });
  const draft = draftOf(DEFAULT_RUN_CONFIG);
  let hasRunKeys = false;
  for (const field of URL_FIELDS) {
    const all = params.getAll(field.key);
    const text = all[all.length - 1];
    if (text === undefined) continue;
    hasRunKeys = true;
    const parsed = field.parse(text, getPath(draft, field.path));
    const err = parsed.ok ? field.set(draft, parsed.value) : parsed.message;
    if (err !== null) problems.push({ key: field.key, value: text, message: err });
  }
  const errors: ConfigError[] = validateRunConfig(draft);
  if (errors.length > 0) {
    for (const e of errors) {
      const key = keyOfPath(e.path);
      const value = params.get(key) ?? undefined;
      problems.push({
        key,
        ...(value !== undefined ? { value } : {}),
        message: `${e.path}: ${e.message}`,
      });
    }
    return { config: null, problems, hasRunKeys };
  }
  return { config: parseRunConfig(draft), problems, hasRunKeys };
}

// --- demo flags ------------------------------------------------------------------------------

export type Theme = 'light' | 'dark';

/** Page settings for talks, outside RunConfig. */
export interface DemoFlags {
  /** A DEMO_PRESETS name: the page loads run `run` of its queue (runsOfUrlState gives them all). */
  preset: string | null;
  /** Which run of the preset's queue the page loads first, 1-based (1 without a preset). */
  run: number;
  /** Large type and keyboard shortcuts. */
  presenter: boolean;
  /** null: the page's own default. */
  theme: Theme | null;
}

export const NO_DEMO_FLAGS: DemoFlags = { preset: null, run: 1, presenter: false, theme: null };

/** Everything a page URL says. */
export interface UrlState {
  /** The run the URL describes (the defaults when it has no run keys); null if invalid. */
  config: RunConfig | null;
  demo: DemoFlags;
  problems: UrlProblem[];
  hasRunKeys: boolean;
  /** The URL's `seed` when it has a valid one (a demo preset's runs take it). */
  seed: number | null;
}

function decodeDemo(params: URLSearchParams, problems: UrlProblem[]): DemoFlags {
  const demo: DemoFlags = { ...NO_DEMO_FLAGS };
  const preset = params.get('preset');
  if (preset !== null) {
    if (Object.prototype.hasOwnProperty.call(DEMO_PRESETS, preset)) demo.preset = preset;
    else {
      const names = Object.keys(DEMO_PRESETS).join(', ');
      problems.push({
        key: 'preset',
        value: preset,
        message: `unknown demo preset '${preset}' (one of ${names})`,
      });
    }
  }
  const run = params.get('run');
  if (run !== null) {
    const queue = demo.preset === null ? null : (DEMO_PRESETS[demo.preset]?.runs.length ?? 0);
    const n = Number(run);
    if (queue === null) {
      problems.push({
        key: 'run',
        value: run,
        message: "'run' picks a run of a demo preset: give preset too",
      });
    } else if (!Number.isInteger(n) || n < 1 || n > queue) {
      problems.push({
        key: 'run',
        value: run,
        message: `'${run}' is not a run of ${demo.preset ?? ''} (1 to ${queue})`,
      });
    } else demo.run = n;
  }
  const presenter = params.get('presenter');
  if (presenter !== null) {
    const p = parseBool(presenter);
    if (p.ok) demo.presenter = p.value === true;
    else problems.push({ key: 'presenter', value: presenter, message: p.message });
  }
  const theme = params.get('theme');
  if (theme !== null) {
    if (theme === 'light' || theme === 'dark') demo.theme = theme;
    else problems.push({ key: 'theme', value: theme, message: `'${theme}' is not light or dark` });
  }
  return demo;
}

/** Decodes a page's query string (with or without the leading '?') or its parameters. */
export function decodeUrlState(search: string | URLSearchParams): UrlState {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const run = decodeRunConfig(params);
  const problems = [...run.problems];
  const demo = decodeDemo(params, problems);
  if (demo.preset !== null) {
    // A preset brings its own runs: only the seed of the run keys applies to them.
    for (const field of URL_FIELDS) {
      const value = params.get(field.key);
      if (field.key === 'seed' || value === null) continue;
      problems.push({
        key: field.key,
        value,
        message: `'${field.key}' is ignored with a demo preset (only seed applies to its runs)`,
      });
    }
  }
  const seed = params.has('seed') && run.config ? run.config.train.seed : null;
  return { config: run.config, demo, problems, hasRunKeys: run.hasRunKeys, seed };
}

/** The query string for a run and/or demo flags (flags at their defaults are left out). */
export function encodeUrlState(state: {
  config?: RunConfig;
  demo?: Partial<DemoFlags>;
}): URLSearchParams {
  const params = state.config ? encodeRunConfig(state.config) : new URLSearchParams();
  const demo = { ...NO_DEMO_FLAGS, ...state.demo };
  if (demo.preset !== null) params.set('preset', demo.preset);
  if (demo.preset !== null && demo.run !== 1) params.set('run', String(demo.run));
  if (demo.presenter) params.set('presenter', '1');
  if (demo.theme !== null) params.set('theme', demo.theme);
  return params;
}

/**
 * The runs a page URL asks for: a demo preset's queue (its runs take the URL's `seed` when one is
 * given), otherwise the one decoded run; empty when the run is invalid (see `problems`).
 */
export function runsOfUrlState(state: UrlState): RunConfig[] {
  if (state.demo.preset !== null) {
    const runs = demoPresetRuns(state.demo.preset);
    const seed = state.seed;
    return seed === null ? runs : runs.map((r) => ({ ...r, train: { ...r.train, seed } }));
  }
  return state.config ? [state.config] : [];
}
