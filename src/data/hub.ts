// The third way in: a task from the Hugging Face Hub, `nyu-mll/glue` or any dataset with GLUE's
// columns, read through the dataset viewer API (hub-api.ts). GLUE task ids bring their spec and
// column names; other datasets are described by their features (ClassLabel, int or float label).
import { DataError } from './errors';
import { customTaskSpec, glueTask } from './glue';
import {
  HUB_API_BASE,
  hubFeatures,
  readParquetSplit,
  readRowsSplit,
  splitId,
  type HubContext,
  type HubFeature,
  type HubRow,
  type SplitRef,
} from './hub-api';
import { matchColumns } from './table';
import type { Example, TaskData, TaskSpec } from './types';

/** Which dataset, config and splits to load; `task` a GLUE id to use its spec and columns. */
export interface HubRef {
  dataset: string;
  config: string;
  task?: string;
  /** Default: the GLUE task's train split, else 'train'. */
  trainSplit?: string;
  /** Default: the GLUE task's dev split ('validation_matched' for MNLI-m…), or 'validation'. */
  devSplit?: string;
}

export interface HubOptions {
  /** Dataset viewer API base URL (default HUB_API_BASE). */
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  /** Most rows read per split (default: all). */
  maxRows?: number;
  /** 'auto' (default): parquet, falling back to /rows if parquet fails; or one of them only. */
  via?: 'auto' | 'parquet' | 'rows';
  onProgress?: (split: string, done: number, total: number) => void;
}

interface Columns {
  a: string;
  b?: string;
  label: string;
}

/** How labels are read: by a known spec, or as integers whose class count the data tells. */
type LabelKind = { kind: 'spec'; spec: TaskSpec } | { kind: 'int'; pair: boolean };

/** Columns and label kind of a non-GLUE dataset, from its features. */
function describeDataset(ref: HubRef, features: HubFeature[], where: string): [Columns, LabelKind] {
  const names = features.map((f) => f.name);
  const m = matchColumns(names);
  if (!m) {
    const why =
      'expected a text column (sentence or text, or a pair such as sentence1/sentence2, ' +
      `premise/hypothesis) and a label column; found ${names.join(', ')}`;
    throw new DataError(where, undefined, why);
  }
  const cols: Columns = { a: names[m.a]!, label: names[m.label]! };
  if (m.b !== undefined) cols.b = names[m.b]!;
  const pair = cols.b !== undefined;
  const type = features[m.label]!.type;
  const id = ref.task?.trim() || `${ref.dataset}/${ref.config}`;
  if (type.names && type.names.length >= 2) {
    const spec = customTaskSpec({ id, kind: 'classification', labelNames: type.names, pair });
    return [cols, { kind: 'spec', spec }];
  }
  const dtype = type.dtype ?? '';
  if (/^float/.test(dtype)) {
    return [cols, { kind: 'spec', spec: customTaskSpec({ id, kind: 'regression', pair }) }];
  }
  if (/^u?int/.test(dtype)) return [cols, { kind: 'int', pair }];
  const what = dtype || type._type || 'of an unknown type';
  const why = `label column "${cols.label}" is ${what}; expected a ClassLabel, integer or float`;
  throw new DataError(where, undefined, why);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/**
 * Hub rows → examples. Label -1 marks an unlabelled row (GLUE's test splits, STS-B's included)
 * when `minusOneUnlabelled` (classification, or a GLUE task): such rows are skipped and counted,
 * and a split with only such rows throws. A user's regression task keeps -1 as a score. Class
 * labels must be integers in [0, numLabels) (numLabels undefined: any ≥ 0); scores finite.
 */
function toExamples(
  rows: HubRow[],
  cols: Columns,
  labels: { regression: boolean; numLabels: number | undefined; minusOneUnlabelled: boolean },
  where: string,
): { examples: Example[]; unlabelled: number } {
  const { regression, numLabels, minusOneUnlabelled } = labels;
  const examples: Example[] = [];
  let unlabelled = 0;
  rows.forEach((row, i) => {
    const a = row[cols.a];
    const b = cols.b === undefined ? undefined : row[cols.b];
    const label = toNumber(row[cols.label]);
    const bad = (why: string): DataError => new DataError(where, undefined, `row ${i}: ${why}`);
    if (typeof a !== 'string') throw bad(`"${cols.a}" is not text`);
    if (cols.b !== undefined && typeof b !== 'string') throw bad(`"${cols.b}" is not text`);
    if (label === undefined || !Number.isFinite(label))
      throw bad(`"${cols.label}" is not a number`);
    if (label === -1 && minusOneUnlabelled) {
      unlabelled++;
      return;
    }
    const ok =
      regression || (Number.isInteger(label) && label >= 0 && label < (numLabels ?? Infinity));
    if (!ok) throw bad(`label ${label} is not a class index (0..${(numLabels ?? Infinity) - 1})`);
    examples.push(typeof b === 'string' ? { a, b, label } : { a, label });
  });
  if (examples.length === 0) {
    const why =
      unlabelled > 0
        ? 'no labelled rows (every label is -1, as in a test split); choose a labelled split'
        : 'no rows';
    throw new DataError(where, undefined, why);
  }
  return { examples, unlabelled };
}

async function readSplit(
  ctx: HubContext,
  s: SplitRef,
  cols: Columns,
  opts: HubOptions,
): Promise<HubRow[]> {
  const columns = [cols.a, ...(cols.b === undefined ? [] : [cols.b]), cols.label];
  const progress = opts.onProgress && ((d: number, t: number) => opts.onProgress?.(s.split, d, t));
  const via = opts.via ?? 'auto';
  if (via === 'rows') return readRowsSplit(ctx, s, columns, opts.maxRows, progress);
  try {
    return await readParquetSplit(ctx, s, columns, opts.maxRows, progress);
  } catch (err) {
    if (via === 'parquet') throw err;
    // No parquet listing, a codec hyparquet lacks, a broken file: the rows API may still work.
    return readRowsSplit(ctx, s, columns, opts.maxRows, progress);
  }
}

/**
 * Loads train and dev splits of a Hub dataset into a task. With a GLUE `ref.task` the spec and
 * columns come from the registry (GLUE_TASKS[].hub), otherwise from the dataset's features.
 * Unlabelled rows (label -1) are skipped and noted in `source`; a cap by `maxRows` is noted too.
 * Throws DataError: dataset or split not found (the API's own text), missing columns, bad labels.
 */
export async function loadTaskFromHub(ref: HubRef, opts: HubOptions = {}): Promise<TaskData> {
  const ctx: HubContext = {
    baseUrl: opts.baseUrl ?? HUB_API_BASE,
    fetchImpl: opts.fetchImpl ?? fetch,
  };
  const glue = ref.task === undefined ? undefined : glueTask(ref.task);
  const trainRef: SplitRef = {
    dataset: ref.dataset.trim(),
    config: ref.config.trim(),
    split: ref.trainSplit ?? glue?.hub.trainSplit ?? 'train',
  };
  const devRef: SplitRef = {
    ...trainRef,
    split: ref.devSplit ?? glue?.hub.devSplit ?? 'validation',
  };
  let cols: Columns;
  let labels: LabelKind;
  if (glue) {
    cols = { a: glue.hub.a, label: glue.hub.label };
    if (glue.hub.b !== undefined) cols.b = glue.hub.b;
    labels = { kind: 'spec', spec: glue.spec };
  } else {
    [cols, labels] = describeDataset(ref, await hubFeatures(ctx, trainRef), splitId(trainRef));
  }
  const trainRows = await readSplit(ctx, trainRef, cols, opts);
  const devRows = await readSplit(ctx, devRef, cols, opts);
  const regression = labels.kind === 'spec' && labels.spec.kind === 'regression';
  const read = {
    regression,
    numLabels: labels.kind === 'spec' && !regression ? labels.spec.numLabels : undefined,
    minusOneUnlabelled: glue !== undefined || !regression,
  };
  const train = toExamples(trainRows, cols, read, splitId(trainRef));
  let spec: TaskSpec;
  if (labels.kind === 'spec') {
    spec = labels.spec;
  } else {
    const k = train.examples.reduce((m, e) => Math.max(m, e.label), 0) + 1;
    if (k < 2) {
      const why = 'every label is 0; a classifier needs at least 2 classes';
      throw new DataError(splitId(trainRef), undefined, why);
    }
    const id = ref.task?.trim() || `${ref.dataset}/${ref.config}`;
    const labelNames = Array.from({ length: k }, (_, i) => String(i));
    spec = customTaskSpec({ id, kind: 'classification', labelNames, pair: labels.pair });
  }
  const devRead = regression ? read : { ...read, numLabels: spec.numLabels };
  const dev = toExamples(devRows, cols, devRead, splitId(devRef));
  const notes: string[] = [];
  const skipped = train.unlabelled + dev.unlabelled;
  if (skipped > 0) notes.push(`${skipped} unlabelled rows skipped`);
  if (opts.maxRows !== undefined) notes.push(`at most ${opts.maxRows} rows per split`);
  const where = `${trainRef.dataset} ${trainRef.config} (${trainRef.split}, ${devRef.split})`;
  const source = notes.length > 0 ? `${where}; ${notes.join('; ')}` : where;
  return { spec, train: train.examples, dev: dev.examples, source };
}
