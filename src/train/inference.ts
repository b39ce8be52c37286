// Saved checkpoints as runnable models, for the worker's 'compare' and 'predict' requests: rebuild
// a model from a checkpoint record (run config, vocabulary, task spec, weights), evaluate it on a
// dev split (metrics, per-example predictions, confusion matrix, batch-1 latency in this runtime)
// and run it on one typed input.
import * as tf from '@tensorflow/tfjs';
import { encodeSplit, evalBatches, lengthBuckets, makeBatch } from '../data/batcher';
import { WordPieceTokenizer } from '../data/tokenizer';
import type { Example, TaskData, TaskSpec } from '../data/types';
import { bertConfig, createStudent, evalLogits, type Model } from '../model';
import type { BackendName } from '../config/run-config';
import type { CheckpointEvaluation, CheckpointPrediction } from '../protocol';
import { arraysFromWeights, tensorBytes, type CheckpointRecord } from '../storage';
import { evaluate } from './evaluate';
import { disposeBatch, toTensors } from './step';

/** A checkpoint rebuilt as a model with its tokenizer. Dispose it to free the weights. */
export interface LoadedCheckpoint {
  key: string;
  model: Model;
  tokenizer: WordPieceTokenizer;
  task: TaskSpec;
  maxLen: number;
  buckets: number[];
  /** Bytes of the stored weights (optimizer state not counted). */
  bytes: number;
  dispose(): void;
}

/** Thrown when a checkpoint cannot be run; the message names the checkpoint and the reason. */
export class CheckpointError extends Error {}

/**
 * Rebuilds the model of a checkpoint: its architecture from the run config (the student, or the
 * dense teacher for a 'teacher' checkpoint), its vocabulary and labels from the record, its
 * weights by name (every parameter must be present with its shape, and nothing else).
 * @throws CheckpointError for a record without vocabulary or task (saved before schema 2) or
 *   whose weights do not fit the architecture.
 */
export function loadCheckpointModel(r: CheckpointRecord): LoadedCheckpoint {
  const where = `checkpoint ${r.key}`;
  if (!r.tokenizer || !r.task) {
    throw new CheckpointError(
      `${where} was saved without its vocabulary and task (before checkpoint schema 2), so it cannot be run`,
    );
  }
  const c = r.runConfig;
  const teacherArch =
    r.role === 'teacher' && c.kd?.teacher?.source === 'train' ? c.kd.teacher.model : null;
  const tokenizer = new WordPieceTokenizer(r.tokenizer.vocab, { lowercase: r.tokenizer.lowercase });
  const numLabels = r.task.kind === 'regression' ? 1 : r.task.numLabels;
  const maxLen = c.tokenizer.maxLen;
  // A Hugging Face teacher's checkpoint keeps its own encoder configuration (CheckpointRecord.arch).
  const bert =
    r.role === 'teacher' && r.arch
      ? { ...r.arch }
      : bertConfig(teacherArch ?? c.model, tokenizer.vocabSize, numLabels, {
          maxPositions: Math.max(512, maxLen),
          padTokenId: tokenizer.specialIds.pad,
        });
  // NKP init needs a teacher; the stored weights replace the init anyway.
  const spec =
    r.role === 'teacher'
      ? undefined
      : c.student?.kind === 'kron-bert'
        ? { ...c.student, init: 'random' as const }
        : c.student;
  const model = createStudent(spec, bert, c.train.seed);
  try {
    const arrays = arraysFromWeights(r.weights);
    const vars = model.params.vars;
    const missing = [...vars.keys()].filter((n) => !arrays.has(n));
    const extra = [...arrays.keys()].filter((n) => !vars.has(n));
    if (missing.length > 0 || extra.length > 0) {
      const list = (xs: string[]) => xs.slice(0, 3).join(', ') + (xs.length > 3 ? ', …' : '');
      throw new CheckpointError(
        `${where} does not fit its run's architecture` +
          (missing.length > 0 ? `: ${missing.length} parameters missing (${list(missing)})` : '') +
          (extra.length > 0 ? `: ${extra.length} unknown tensors (${list(extra)})` : ''),
      );
    }
    tf.tidy(() => {
      for (const [name, v] of vars) {
        const a = arrays.get(name)!;
        if (a.shape.join('x') !== v.shape.join('x')) {
          throw new CheckpointError(
            `${where}: '${name}' has shape [${a.shape}], the architecture [${v.shape}]`,
          );
        }
        v.assign(tf.tensor(a.data, a.shape, 'float32'));
      }
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    key: r.key,
    model,
    tokenizer,
    task: r.task,
    maxLen,
    buckets: lengthBuckets(maxLen),
    bytes: tensorBytes(r.weights),
    dispose: () => model.dispose(),
  };
}

/** Why `task` (the data on hand) cannot evaluate a checkpoint trained on `trained`, or null. */
export function taskMismatch(trained: TaskSpec, task: TaskSpec): string | null {
  if (trained.kind !== task.kind || trained.numLabels !== task.numLabels) {
    return `it was trained on ${trained.name} (${trained.kind}, ${trained.numLabels} labels); the loaded task ${task.name} has ${task.kind}, ${task.numLabels} labels`;
  }
  if (trained.pair !== task.pair) {
    return `it was trained on ${trained.pair ? 'sentence pairs' : 'single sentences'}, the loaded task ${task.name} has ${task.pair ? 'pairs' : 'single sentences'}`;
  }
  return null;
}

/** confusion[gold][predicted] counts over a split. */
export function confusionMatrix(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numLabels: number,
): number[][] {
  const m = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = m[labels[i]!];
    const p = predictions[i]!;
    if (row && p >= 0 && p < numLabels) row[p]! += 1;
  }
  return m;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * One batch-1 forward pass with its readback: the model's output row (probabilities, or the score
 * for regression), the tokens used, and the wall time in milliseconds (performance.now, from
 * building the input tensors to the values on the CPU).
 */
export async function forwardOne(
  m: LoadedCheckpoint,
  example: Example,
): Promise<{ row: Float32Array; tokens: number; ms: number }> {
  const split = encodeSplit([example], m.tokenizer, m.task, m.maxLen);
  const arrays = makeBatch(split, Int32Array.of(0), 1, m.buckets, m.tokenizer.specialIds.pad);
  const t0 = performance.now();
  const batch = toTensors(arrays);
  const out = tf.tidy(() => {
    const logits = evalLogits(m.model, batch);
    return m.task.kind === 'regression' ? logits : tf.softmax(logits);
  });
  const row = (await out.data()) as Float32Array; // GPU→CPU sync point, part of the latency
  const ms = performance.now() - t0;
  out.dispose();
  disposeBatch(batch);
  return { row: Float32Array.from(row), tokens: split.lengths[0]!, ms };
}

/** Untimed batch-1 passes before timing: kernels compile on first use (seconds on SwiftShader). */
export const WARMUP_RUNS = 3;

/**
 * Batch-1 latency: WARMUP_RUNS untimed passes, then `runs` timed passes cycling over the first
 * dev examples.
 */
export async function measureLatency(
  m: LoadedCheckpoint,
  examples: readonly Example[],
  runs: number,
): Promise<{ median: number; runs: number[] }> {
  const pool = examples.slice(0, Math.max(1, Math.min(runs, examples.length)));
  if (pool.length === 0) throw new CheckpointError('no examples to time');
  for (let i = 0; i < WARMUP_RUNS; i++) await forwardOne(m, pool[i % pool.length]!);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await forwardOne(m, pool[i % pool.length]!)).ms);
  return { median: median(times), runs: times };
}

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/**
 * Evaluates a loaded checkpoint on `data`'s dev split: task loss and metrics, per-example
 * predictions and confidence, the confusion matrix, size, FLOPs and batch-1 latency.
 */
export async function evaluateCheckpoint(
  m: LoadedCheckpoint,
  data: TaskData,
  opts: { batchSize: number; latencyRuns: number; backend: BackendName },
): Promise<CheckpointEvaluation> {
  const mismatch = taskMismatch(m.task, data.spec);
  if (mismatch)
    throw new CheckpointError(`checkpoint ${m.key} cannot run on this task: ${mismatch}`);
  if (data.dev.length === 0) throw new CheckpointError('the loaded task has no dev examples');
  const spec = data.spec;
  const dev = encodeSplit(data.dev, m.tokenizer, spec, m.maxLen);
  const batches = evalBatches(dev, opts.batchSize, m.buckets, m.tokenizer.specialIds.pad);
  const r = await evaluate((b) => evalLogits(m.model, b), spec, batches, dev.n, dev.labels);
  const C = spec.kind === 'regression' ? 1 : spec.numLabels;
  const confidence = Array.from({ length: dev.n }, (_, i) => {
    const row = r.outputs.subarray(i * C, i * C + C);
    return spec.kind === 'regression' ? row[0]! : row[argmax(row)]!;
  });
  const summary = m.model.summary();
  return {
    key: m.key,
    ok: true,
    task: m.task.name,
    kind: spec.kind,
    labelNames: [...spec.labelNames],
    mainMetric: spec.mainMetric,
    loss: r.loss,
    metrics: r.metrics,
    main: r.main,
    predictions: Array.from(r.predictions),
    confidence,
    confusion:
      spec.kind === 'classification'
        ? confusionMatrix(r.predictions, dev.labels, spec.numLabels)
        : null,
    params: summary.params,
    flopsPerToken: summary.flopsPerToken(m.maxLen),
    bytes: m.bytes,
    latencyMs: await measureLatency(m, data.dev, opts.latencyRuns),
    backend: opts.backend,
  };
}

/** Runs a loaded checkpoint on one input: prediction, probabilities and median latency of 3 runs. */
export async function predictCheckpoint(
  m: LoadedCheckpoint,
  a: string,
  b: string | undefined,
): Promise<CheckpointPrediction> {
  const example: Example = m.task.pair ? { a, b: b ?? '', label: 0 } : { a, label: 0 };
  const first = await forwardOne(m, example);
  const times = [first.ms];
  for (let i = 0; i < 2; i++) times.push((await forwardOne(m, example)).ms);
  const probs = Array.from(first.row);
  return {
    key: m.key,
    ok: true,
    prediction: m.task.kind === 'regression' ? probs[0]! : argmax(probs),
    probs,
    labelNames: [...m.task.labelNames],
    tokens: first.tokens,
    latencyMs: median(times),
  };
}
