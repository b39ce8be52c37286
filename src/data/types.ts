// Shared data shapes: what a task is, one labelled example, and a loaded task with its splits.
// Plain serialisable objects, so they cross the worker boundary and sit in IndexedDB unchanged.

/** Task metrics the app knows how to compute (GLUE's set). */
export type MetricName = 'accuracy' | 'f1' | 'mcc' | 'pearson' | 'spearman';

/** One example: a single sentence (`a`) or a pair (`a`, `b`), with a class index or a score. */
export interface Example {
  a: string;
  b?: string;
  /** Class index in [0, numLabels) for classification; the target value for regression. */
  label: number;
}

/** What a task is: its label space and how it is scored. */
export interface TaskSpec {
  /** Stable id, e.g. 'sst2', 'mnli-m', 'embedded', or a user's name for their own data. */
  id: string;
  /** Human name, e.g. 'SST-2'. */
  name: string;
  kind: 'classification' | 'regression';
  /** Number of classes; 1 for regression. */
  numLabels: number;
  /** Display names of the classes, index = label; empty for regression. */
  labelNames: string[];
  /** Whether examples are sentence pairs. */
  pair: boolean;
  /** Metrics reported on dev, in display order. */
  metrics: MetricName[];
  /** The metric that selects the best checkpoint. */
  mainMetric: MetricName;
}

/** A loaded task: spec, splits and where it came from. */
export interface TaskData {
  spec: TaskSpec;
  train: Example[];
  dev: Example[];
  /** Where it came from, for display: 'embedded (seed 1)', a file name, a URL, a Hub id. */
  source: string;
  /** A WordPiece vocabulary that ships with the data (one token per entry, index = id), if any. */
  vocab?: string[];
}
