// Task slice: a summary of the loaded task (sizes, label balance, a few examples), the loading
// state and the last data error. The rows themselves never enter the store (see task-registry.ts):
// a 67k-row SST-2 train split in reactive state would be copied and diffed on every update.
import type { TaskRef } from '../../config/run-config';
import { isDataError, type Example, type MetricName, type TaskData } from '../../data';

/** Where a task comes from, as the picker names it. */
export type TaskSource = TaskRef['source'];

/** Rows of one class in each split. */
export interface LabelCount {
  label: string;
  train: number;
  dev: number;
}

/** Summary statistics of regression targets. */
export interface ScoreStats {
  min: number;
  mean: number;
  max: number;
}

/** Class counts for classification; target statistics for regression. */
export type LabelBalance =
  | { kind: 'classes'; classes: LabelCount[] }
  | { kind: 'scores'; train: ScoreStats | null; dev: ScoreStats | null };

/** One example as shown in the preview table, with its label already named. */
export interface ExamplePreview {
  a: string;
  b?: string;
  label: string;
}

/** What the UI shows about a loaded task; serialisable and small whatever the task's size. */
export interface TaskSummary {
  id: string;
  name: string;
  /** Where it came from, for display ('embedded (seed 1)', a file name, a URL, a Hub id). */
  source: string;
  kind: 'classification' | 'regression';
  pair: boolean;
  trainRows: number;
  devRows: number;
  balance: LabelBalance;
  /** Dev metrics, in display order, and the one that selects the best checkpoint. */
  metrics: MetricName[];
  mainMetric: MetricName;
  examples: ExamplePreview[];
  /** The config's reference to this task (what a replayed run would load). */
  ref: TaskRef;
  /** Whether the task ships its own WordPiece vocabulary. */
  hasVocab: boolean;
}

/** A data error as shown in the data panel: the problem, and where when known. */
export interface DataErrorView {
  /** The full text ('dev.tsv line 14: expected 2 columns, found 1'). */
  message: string;
  /** The file name, URL or Hub id at fault. */
  file?: string;
  /** 1-based line in that file. */
  line?: number;
  /** The problem without its place. */
  reason?: string;
}

export interface TaskSlice {
  summary: TaskSummary | null;
  /** The source being loaded, or null when idle. */
  loading: TaskSource | null;
  error: DataErrorView | null;
}

export const initialTaskSlice: TaskSlice = { summary: null, loading: null, error: null };

function scoreStats(rows: readonly Example[]): ScoreStats | null {
  if (rows.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const { label } of rows) {
    min = Math.min(min, label);
    max = Math.max(max, label);
    sum += label;
  }
  return { min, mean: sum / rows.length, max };
}

function classCounts(rows: readonly Example[], numLabels: number): number[] {
  const counts = new Array<number>(numLabels).fill(0);
  for (const { label } of rows) if (label >= 0 && label < numLabels) counts[label]! += 1;
  return counts;
}

/** The display name of a label value: the class name, or the score with 3 decimals. */
export function labelText(data: Pick<TaskData, 'spec'>, label: number): string {
  if (data.spec.kind === 'regression') return label.toFixed(3);
  return data.spec.labelNames[label] ?? String(label);
}

/**
 * Summarises a loaded task in O(rows): sizes, label balance and the first `examples` train rows.
 * The result is small and serialisable, fit for the store.
 */
export function summariseTask(data: TaskData, ref: TaskRef, examples = 5): TaskSummary {
  const { spec } = data;
  let balance: LabelBalance;
  if (spec.kind === 'regression') {
    balance = { kind: 'scores', train: scoreStats(data.train), dev: scoreStats(data.dev) };
  } else {
    const train = classCounts(data.train, spec.numLabels);
    const dev = classCounts(data.dev, spec.numLabels);
    balance = {
      kind: 'classes',
      classes: train.map((n, i) => ({
        label: spec.labelNames[i] ?? String(i),
        train: n,
        dev: dev[i] ?? 0,
      })),
    };
  }
  return {
    id: spec.id,
    name: spec.name,
    source: data.source,
    kind: spec.kind,
    pair: spec.pair,
    trainRows: data.train.length,
    devRows: data.dev.length,
    balance,
    metrics: [...spec.metrics],
    mainMetric: spec.mainMetric,
    examples: data.train.slice(0, examples).map((ex) => ({
      a: ex.a,
      ...(ex.b !== undefined ? { b: ex.b } : {}),
      label: labelText(data, ex.label),
    })),
    ref,
    hasVocab: data.vocab !== undefined && data.vocab.length > 0,
  };
}

/**
 * Turns whatever a loader threw into the data panel's view. A DataError keeps its file, line and
 * reason; anything else keeps its message.
 */
export function toDataErrorView(err: unknown): DataErrorView {
  if (isDataError(err)) {
    return {
      message: err.message,
      file: err.file,
      ...(err.line !== undefined ? { line: err.line } : {}),
      reason: err.reason,
    };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/** The layout id for the user's own data (a header row naming the columns), beside GLUE's ids. */
export const OWN_DATA = 'own';
