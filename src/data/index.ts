// Public surface of src/data: task shapes, the GLUE registry, readers (GLUE TSV, user TSV/CSV),
// metrics, the three loaders (files, URLs, Hugging Face Hub), the embedded default task, and the
// tokenizer. Other folders import only from here.
export type { Example, MetricName, TaskData, TaskSpec } from './types';
export { DataError, isDataError } from './errors';
export {
  GLUE_TASKS,
  customTaskSpec,
  glueTask,
  isGlueTaskId,
  type CustomTaskInit,
  type GlueTask,
  type GlueTaskId,
  type HubLayout,
  type LabelFormat,
  type TsvColumns,
} from './glue';
export { checkText, decodeText, parseLabel, readGlueTsv, splitLines, type TextLine } from './tsv';
export {
  MAX_CLASSES,
  applyLabelScheme,
  inferLabelScheme,
  matchColumns,
  parseCsv,
  readUserTable,
  type ColumnMatch,
  type LabelScheme,
  type TableRow,
  type UserTable,
} from './table';
export {
  accuracy,
  averageRanks,
  computeMetrics,
  f1,
  mcc,
  metric,
  pearson,
  spearman,
} from './metrics';
export { checkHttpUrl } from './http';
export {
  SPLIT_DEV_FRACTION,
  buildTask,
  loadTaskFromFiles,
  loadTaskFromUrls,
  splitExamples,
  splitRole,
  type LoadOptions,
  type NamedFile,
  type TextSource,
} from './loaders';
export { loadTaskFromHub, type HubOptions, type HubRef } from './hub';
export { HUB_API_BASE, ROWS_PAGE, type HubFeature, type HubRow } from './hub-api';
export {
  EMBEDDED_MAX_WORDS,
  EMBEDDED_TASK_SPEC,
  embeddedSentence,
  generateEmbeddedTask,
  type EmbeddedOptions,
} from './embedded';
export * from './tokenizer';
