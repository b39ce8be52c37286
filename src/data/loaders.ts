// Two of the three ways a task comes in: files the user picks or drops, and URLs. Both end in
// `buildTask`, which reads GLUE files with their layout and anything else with the generic
// reader, and splits a lone file into train/dev deterministically. (The Hub is in hub.ts.)
import { DataError } from './errors';
import { customTaskSpec, glueTask } from './glue';
import { expectOk, fetchOrThrow } from './http';
import { applyLabelScheme, inferLabelScheme, readUserTable, type UserTable } from './table';
import { checkText, decodeText, readGlueTsv } from './tsv';
import type { Example, TaskData, TaskSpec } from './types';
import { makeRng, permutation } from '../util/rng';

/** A file as the browser's File (or a test) gives it: a name and its text, maybe its bytes. */
export interface NamedFile {
  name: string;
  text(): Promise<string>;
  /** When present, used instead of text() so bad UTF-8 is caught exactly, not as U+FFFD. */
  arrayBuffer?(): Promise<ArrayBuffer>;
}

/** A file's name and its already-decoded text. */
export interface TextSource {
  name: string;
  text: string;
}

/** Options shared by the file and URL loaders. */
export interface LoadOptions {
  /** Seed of the train/dev split of a lone file (default 0). */
  seed?: number;
  /** Share of a lone file held out as dev, in (0, 1) (default SPLIT_DEV_FRACTION). */
  devFraction?: number;
  /** Force how a user table's labels are read (default: inferred, see inferLabelScheme). */
  kind?: 'classification' | 'regression';
}

/** Share of a lone file that becomes dev: 10 %, GLUE's usual dev-to-train order of magnitude. */
export const SPLIT_DEV_FRACTION = 0.1;

/** Which split a file name suggests: 'train', 'dev' (dev, val, valid, eval, test) or neither. */
export function splitRole(name: string): 'train' | 'dev' | undefined {
  const base = name.toLowerCase().replace(/^.*[\\/]/, '');
  const train = /train/.test(base);
  const dev = /dev|val|eval|test/.test(base);
  if (train === dev) return undefined;
  return train ? 'train' : 'dev';
}

/**
 * Splits examples into train and dev: a seeded permutation picks round(n·devFraction) rows
 * (at least 1, leaving at least 1) for dev; both splits keep file order. Needs n ≥ 2.
 */
export function splitExamples(
  rows: readonly Example[],
  seed: number,
  devFraction: number,
  file: string,
): { train: Example[]; dev: Example[] } {
  if (!(devFraction > 0 && devFraction < 1)) {
    throw new RangeError(`devFraction must be in (0, 1), got ${devFraction}`);
  }
  const n = rows.length;
  if (n < 2) throw new DataError(file, undefined, 'needs at least 2 rows to split into train/dev');
  const nDev = Math.min(n - 1, Math.max(1, Math.round(n * devFraction)));
  const perm = permutation(n, makeRng(seed, 0x5f1e));
  const isDev = new Uint8Array(n);
  for (let i = 0; i < nDev; i++) isDev[perm[i]!] = 1;
  const train: Example[] = [];
  const dev: Example[] = [];
  rows.forEach((r, i) => (isDev[i] ? dev : train).push(r));
  return { train, dev };
}

function stem(name: string): string {
  return name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || name;
}

function readUserTask(
  train: TextSource,
  dev: TextSource | undefined,
  id: string,
  opts: LoadOptions,
): { spec: TaskSpec; train: Example[]; dev: Example[] | undefined } {
  const tTable = readUserTable(train.text, train.name);
  const dTable: UserTable | undefined = dev && readUserTable(dev.text, dev.name);
  if (dTable && (tTable.columns.b === undefined) !== (dTable.columns.b === undefined)) {
    const kind = (t: UserTable): string =>
      t.columns.b === undefined ? 'single sentences' : 'pairs';
    const why = `has ${kind(dTable)} but ${train.name} has ${kind(tTable)}`;
    throw new DataError(dTable.file, undefined, why);
  }
  const scheme = inferLabelScheme(tTable, opts.kind);
  const pair = tTable.columns.b !== undefined;
  const spec =
    scheme.kind === 'regression'
      ? customTaskSpec({ id, kind: 'regression', pair })
      : customTaskSpec({ id, kind: 'classification', labelNames: scheme.labelNames, pair });
  return {
    spec,
    train: applyLabelScheme(tTable, scheme, train.name),
    dev: dTable && applyLabelScheme(dTable, scheme, train.name),
  };
}

/**
 * Builds a task from decoded train (and optional dev) text. A GLUE `taskId` (see glueTask) reads
 * both with that task's TSV layout and spec; anything else uses the generic reader with a spec
 * from customTaskSpec (id = taskId or 'custom'). Without dev, train is split with splitExamples.
 * Throws DataError naming the file on any problem; nothing is returned half-loaded.
 */
export function buildTask(
  train: TextSource,
  dev: TextSource | undefined,
  taskId?: string,
  opts: LoadOptions = {},
): TaskData {
  const glue = taskId === undefined ? undefined : glueTask(taskId);
  let spec: TaskSpec;
  let trainRows: Example[];
  let devRows: Example[] | undefined;
  if (glue) {
    spec = glue.spec;
    trainRows = readGlueTsv(train.text, train.name, glue);
    devRows = dev && readGlueTsv(dev.text, dev.name, glue);
  } else {
    const id = taskId?.trim() || 'custom';
    ({ spec, train: trainRows, dev: devRows } = readUserTask(train, dev, id, opts));
    if (!taskId?.trim()) spec = { ...spec, name: stem(train.name) };
  }
  if (dev && devRows) {
    return { spec, train: trainRows, dev: devRows, source: `${train.name} + ${dev.name}` };
  }
  const seed = opts.seed ?? 0;
  const fraction = opts.devFraction ?? SPLIT_DEV_FRACTION;
  const split = splitExamples(trainRows, seed, fraction, train.name);
  const pct = Math.round(fraction * 100);
  const source = `${train.name} (split ${100 - pct}/${pct}, seed ${seed})`;
  return { spec, ...split, source };
}

async function readFile(f: NamedFile): Promise<TextSource> {
  if (f.arrayBuffer) return { name: f.name, text: decodeText(await f.arrayBuffer(), f.name) };
  return { name: f.name, text: checkText(await f.text(), f.name) };
}

/**
 * Loads a task from one or two files the user picked or dropped. Two files: train and dev told
 * apart by name (splitRole). One file: split into train/dev (see buildTask). `taskId`: a GLUE
 * task id to use its layout, otherwise the user's name for the task.
 */
export async function loadTaskFromFiles(
  files: readonly NamedFile[],
  taskId?: string,
  opts: LoadOptions = {},
): Promise<TaskData> {
  const names = files.map((f) => f.name).join(', ');
  if (files.length === 0) throw new DataError('(no file)', undefined, 'choose a file to load');
  if (files.length > 2) {
    const why = `expected one file, or two (train and dev), got ${files.length}`;
    throw new DataError(names, undefined, why);
  }
  if (files.length === 1) return buildTask(await readFile(files[0]!), undefined, taskId, opts);
  const trainFile = files.find((f) => splitRole(f.name) === 'train');
  const devFile = files.find((f) => splitRole(f.name) === 'dev');
  if (!trainFile || !devFile) {
    const why =
      'cannot tell which file is train and which is dev: name one with "train" and the ' +
      'other with "dev" (or "val", "test")';
    throw new DataError(names, undefined, why);
  }
  const [train, dev] = await Promise.all([readFile(trainFile), readFile(devFile)]);
  return buildTask(train, dev, taskId, opts);
}

async function fetchText(url: string, fetchImpl: typeof fetch): Promise<TextSource> {
  const res = await fetchOrThrow(url, fetchImpl);
  expectOk(res, url);
  return { name: url, text: decodeText(await res.arrayBuffer(), url) };
}

/**
 * Loads a task from a train URL and an optional dev URL (without it, train is split). Only
 * http(s) URLs; network failures and HTTP errors throw DataError naming the URL and status.
 */
export async function loadTaskFromUrls(
  ref: { task?: string; trainUrl: string; devUrl?: string },
  fetchImpl: typeof fetch = fetch,
  opts: LoadOptions = {},
): Promise<TaskData> {
  const [train, dev] = await Promise.all([
    fetchText(ref.trainUrl, fetchImpl),
    ref.devUrl === undefined || ref.devUrl.trim() === ''
      ? Promise.resolve(undefined)
      : fetchText(ref.devUrl, fetchImpl),
  ]);
  return buildTask(train, dev, ref.task, opts);
}
