// The GLUE task registry (Wang et al., 2018, arXiv:1804.07461): each task's spec and metrics, the
// layout of its standard TSV files, and its Hugging Face `nyu-mll/glue` config and columns.
// Also `customTaskSpec` for the user's own data. Data only; the readers live in tsv.ts and hub.ts.
import type { MetricName, TaskSpec } from './types';

export type GlueTaskId =
  'cola' | 'sst2' | 'mrpc' | 'qqp' | 'stsb' | 'mnli-m' | 'mnli-mm' | 'qnli' | 'rte' | 'wnli';

/**
 * Where the text and label sit in a GLUE TSV. Headered files are read by column name (MNLI's
 * train and dev differ in column count but not in names); headerless files (CoLA, STS-B as shared
 * here) by 0-based index, with the exact column count every row must have. `optionalHeader`: a
 * headerless layout whose first line is skipped when its label cell equals this name (GLUE's own
 * STS-B has a header, the shared re-split has none).
 */
export type TsvColumns =
  | { header: true; a: string; b?: string; label: string }
  | {
      header: false;
      columns: number;
      a: number;
      b?: number;
      label: number;
      optionalHeader?: string;
    };

/**
 * How a label cell is written: the class index itself ('0', '1'), one of the class names
 * ('entailment'; index = position in `spec.labelNames`), or a real score in [min, max].
 */
export type LabelFormat =
  { kind: 'index' } | { kind: 'names' } | { kind: 'score'; min: number; max: number };

/** The task on the Hugging Face Hub: dataset config, split names and column names. */
export interface HubLayout {
  dataset: string;
  config: string;
  trainSplit: string;
  devSplit: string;
  a: string;
  b?: string;
  label: string;
}

/** One GLUE task: spec, standard files and their layout, and the Hub equivalent. */
export interface GlueTask {
  id: GlueTaskId;
  name: string;
  spec: TaskSpec;
  /** Folder name in the GLUE distribution (and under shared/data/glue). */
  dir: string;
  /** File names of the labelled splits in that folder. */
  files: { train: string; dev: string };
  columns: TsvColumns;
  labels: LabelFormat;
  hub: HubLayout;
}

const HUB_DATASET = 'nyu-mll/glue';

function spec(
  id: GlueTaskId,
  name: string,
  labelNames: string[],
  pair: boolean,
  metrics: MetricName[],
  mainMetric: MetricName,
): TaskSpec {
  const regression = labelNames.length === 0;
  return {
    id,
    name,
    kind: regression ? 'regression' : 'classification',
    numLabels: regression ? 1 : labelNames.length,
    labelNames,
    pair,
    metrics,
    mainMetric,
  };
}

const NLI3 = ['entailment', 'neutral', 'contradiction'];
const NLI2 = ['entailment', 'not_entailment'];
const TRAIN_DEV = { train: 'train.tsv', dev: 'dev.tsv' };
const PAIR_HUB = { dataset: HUB_DATASET, trainSplit: 'train', devSplit: 'validation' };

function mnli(id: 'mnli-m' | 'mnli-mm'): GlueTask {
  const matched = id === 'mnli-m';
  return {
    id,
    name: matched ? 'MNLI-m' : 'MNLI-mm',
    spec: spec(id, matched ? 'MNLI-m' : 'MNLI-mm', NLI3, true, ['accuracy'], 'accuracy'),
    dir: 'MNLI',
    files: { train: 'train.tsv', dev: matched ? 'dev_matched.tsv' : 'dev_mismatched.tsv' },
    columns: { header: true, a: 'sentence1', b: 'sentence2', label: 'gold_label' },
    labels: { kind: 'names' },
    hub: {
      dataset: HUB_DATASET,
      config: 'mnli',
      trainSplit: 'train',
      devSplit: matched ? 'validation_matched' : 'validation_mismatched',
      a: 'premise',
      b: 'hypothesis',
      label: 'label',
    },
  };
}

/**
 * The GLUE tasks with labelled dev sets, in the benchmark's order. Metrics follow GLUE's
 * reporting: CoLA Matthews correlation; SST-2, MNLI, QNLI, RTE, WNLI accuracy; MRPC and QQP both
 * F1 and accuracy; STS-B Pearson and Spearman. Main metric (checkpoint selection): F1 for MRPC
 * (the smaller, imbalanced paraphrase set, as GLUE lists F1 first), accuracy for QQP (as most
 * papers select on it), Pearson for STS-B. Label indices and names equal `nyu-mll/glue`'s
 * ClassLabels, so TSV and Hub loads of a task agree.
 */
export const GLUE_TASKS: readonly GlueTask[] = [
  {
    id: 'cola',
    name: 'CoLA',
    spec: spec('cola', 'CoLA', ['unacceptable', 'acceptable'], false, ['mcc', 'accuracy'], 'mcc'),
    dir: 'CoLA',
    files: TRAIN_DEV,
    // source <TAB> label <TAB> original mark ('*' or empty) <TAB> sentence, no header
    columns: { header: false, columns: 4, a: 3, label: 1 },
    labels: { kind: 'index' },
    hub: { ...PAIR_HUB, config: 'cola', a: 'sentence', label: 'label' },
  },
  {
    id: 'sst2',
    name: 'SST-2',
    spec: spec('sst2', 'SST-2', ['negative', 'positive'], false, ['accuracy'], 'accuracy'),
    dir: 'SST-2',
    files: TRAIN_DEV,
    columns: { header: true, a: 'sentence', label: 'label' },
    labels: { kind: 'index' },
    hub: { ...PAIR_HUB, config: 'sst2', a: 'sentence', label: 'label' },
  },
  {
    id: 'mrpc',
    name: 'MRPC',
    spec: spec('mrpc', 'MRPC', ['not_equivalent', 'equivalent'], true, ['f1', 'accuracy'], 'f1'),
    dir: 'MRPC',
    files: TRAIN_DEV,
    columns: { header: true, a: '#1 String', b: '#2 String', label: 'Quality' },
    labels: { kind: 'index' },
    hub: { ...PAIR_HUB, config: 'mrpc', a: 'sentence1', b: 'sentence2', label: 'label' },
  },
  {
    id: 'qqp',
    name: 'QQP',
    spec: spec('qqp', 'QQP', ['not_duplicate', 'duplicate'], true, ['accuracy', 'f1'], 'accuracy'),
    dir: 'QQP',
    files: TRAIN_DEV,
    columns: { header: true, a: 'question1', b: 'question2', label: 'is_duplicate' },
    labels: { kind: 'index' },
    hub: { ...PAIR_HUB, config: 'qqp', a: 'question1', b: 'question2', label: 'label' },
  },
  {
    id: 'stsb',
    name: 'STS-B',
    spec: spec('stsb', 'STS-B', [], true, ['pearson', 'spearman'], 'pearson'),
    dir: 'STS-B',
    files: TRAIN_DEV,
    // index genre filename year old_index source1 source2 sentence1 sentence2 score
    columns: { header: false, columns: 10, a: 7, b: 8, label: 9, optionalHeader: 'score' },
    labels: { kind: 'score', min: 0, max: 5 },
    hub: { ...PAIR_HUB, config: 'stsb', a: 'sentence1', b: 'sentence2', label: 'label' },
  },
  mnli('mnli-m'),
  mnli('mnli-mm'),
  {
    id: 'qnli',
    name: 'QNLI',
    spec: spec('qnli', 'QNLI', NLI2, true, ['accuracy'], 'accuracy'),
    dir: 'QNLI',
    files: TRAIN_DEV,
    columns: { header: true, a: 'question', b: 'sentence', label: 'label' },
    labels: { kind: 'names' },
    hub: { ...PAIR_HUB, config: 'qnli', a: 'question', b: 'sentence', label: 'label' },
  },
  {
    id: 'rte',
    name: 'RTE',
    spec: spec('rte', 'RTE', NLI2, true, ['accuracy'], 'accuracy'),
    dir: 'RTE',
    files: TRAIN_DEV,
    columns: { header: true, a: 'sentence1', b: 'sentence2', label: 'label' },
    labels: { kind: 'names' },
    hub: { ...PAIR_HUB, config: 'rte', a: 'sentence1', b: 'sentence2', label: 'label' },
  },
  {
    id: 'wnli',
    name: 'WNLI',
    // The TSV writes 0/1 with 1 = entailment, the same order as the Hub's ClassLabel.
    spec: spec('wnli', 'WNLI', ['not_entailment', 'entailment'], true, ['accuracy'], 'accuracy'),
    dir: 'WNLI',
    files: TRAIN_DEV,
    columns: { header: true, a: 'sentence1', b: 'sentence2', label: 'label' },
    labels: { kind: 'index' },
    hub: { ...PAIR_HUB, config: 'wnli', a: 'sentence1', b: 'sentence2', label: 'label' },
  },
];

/** Whether `id` names a GLUE task of the registry. */
export function isGlueTaskId(id: string): id is GlueTaskId {
  return GLUE_TASKS.some((t) => t.id === id);
}

/**
 * The GLUE task `id`, or undefined. Case-insensitive; display names ('SST-2', 'STS-B') also
 * match, and plain 'mnli' means MNLI matched.
 */
export function glueTask(id: string): GlueTask | undefined {
  const key = id.trim().toLowerCase();
  const wanted = key === 'mnli' ? 'mnli-m' : key;
  return GLUE_TASKS.find((t) => t.id === wanted || t.name.toLowerCase() === wanted);
}

/** What a user's task is, for `customTaskSpec`. */
export type CustomTaskInit =
  | { id: string; name?: string; kind: 'classification'; labelNames: string[]; pair: boolean }
  | { id: string; name?: string; kind: 'regression'; pair: boolean };

/**
 * The spec of a user's own task. Classification needs at least 2 label names; binary tasks
 * report accuracy, F1 (class 1 positive) and MCC, multi-class accuracy and MCC (Gorodkin's
 * multi-class form); main metric accuracy. Regression reports Pearson (main) and Spearman.
 */
export function customTaskSpec(init: CustomTaskInit): TaskSpec {
  const base = { id: init.id, name: init.name ?? init.id, pair: init.pair };
  if (init.kind === 'regression') {
    return {
      ...base,
      kind: 'regression',
      numLabels: 1,
      labelNames: [],
      metrics: ['pearson', 'spearman'],
      mainMetric: 'pearson',
    };
  }
  if (init.labelNames.length < 2) {
    throw new RangeError(`customTaskSpec: a classification task needs at least 2 labels`);
  }
  const binary = init.labelNames.length === 2;
  return {
    ...base,
    kind: 'classification',
    numLabels: init.labelNames.length,
    labelNames: [...init.labelNames],
    metrics: binary ? ['accuracy', 'f1', 'mcc'] : ['accuracy', 'mcc'],
    mainMetric: 'accuracy',
  };
}
