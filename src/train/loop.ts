// The training loop shared by the worker and the CLI: seeded epochs of fixed-shape batches, AdamW
// with warm-up and linear decay, batched loss readback (never a sync read per step), dev evaluation
// every N steps with the best checkpoint kept, pause / resume / stop, and a NaN guard.
import * as tf from '@tensorflow/tfjs';
import type { BackendName, RunConfig } from '../config/run-config';
import { epochBatches, evalBatches, makeBatch, type BatchArrays } from '../data/batcher';
import type { TaskData } from '../data/types';
import {
  bertModel,
  dropoutSeed,
  evalLogits,
  initBertParams,
  isNoDecay,
  type EmbeddingGrad,
  type Model,
} from '../model';
import type { EvalPoint, Progress, RunPhase, RunPrepared, TrainPoint } from '../protocol';
import { makeRng } from '../util/rng';
import { RunControl, yieldToEventLoop } from './control';
import { evaluate } from './evaluate';
import { AdamW } from './optimizer';
import { prepareData, type PreparedData } from './prepare';
import { buildSchedule } from './schedule';
import { disposeBatch, taskLoss, toTensors, trainStep } from './step';

export interface LoopHooks {
  phase?(phase: RunPhase, detail?: string): void;
  prepared?(info: RunPrepared): void;
  /** New step points, after each batched readback. */
  train?(points: TrainPoint[]): void;
  evaluated?(point: EvalPoint): void;
  progress?(p: Progress): void;
}

export interface LoopOptions {
  backend: BackendName;
  /** Milliseconds between loss readbacks (and event-loop yields). */
  flushMs?: number;
  control?: RunControl;
  hooks?: LoopHooks;
}

export interface TrainResult {
  best: EvalPoint | null;
  final: EvalPoint | null;
  train: TrainPoint[];
  evals: EvalPoint[];
  stopped: boolean;
  wallSec: number;
  /** The trained model, holding the best checkpoint's weights. The caller disposes it. */
  model: Model;
  prepared: PreparedData;
}

/** The embedding-gradient strategy for a backend (see EmbeddingGrad). */
export function embeddingGradFor(backend: BackendName, deterministic: boolean): EmbeddingGrad {
  if (backend === 'wasm') return 'scatter'; // no UnsortedSegmentSum kernel on wasm
  if (backend === 'webgpu' && deterministic) return 'onehot'; // its segment sum uses float atomics
  return 'gather';
}

/** Thrown when training cannot go on (NaN loss, bad data); the message is for the user. */
export class TrainingError extends Error {}

function memoryStats(): { numTensors: number; numBytes: number } {
  const m: tf.MemoryInfo & { numBytesAllocatedInGPU?: number } = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytesAllocatedInGPU ?? m.numBytes };
}

/** Trains an encoder on `data` as `config` says. Resolves when done or stopped. */
export async function runTraining(
  config: RunConfig,
  data: TaskData,
  opts: LoopOptions,
): Promise<TrainResult> {
  const hooks = opts.hooks ?? {};
  const control = opts.control ?? new RunControl();
  const flushMs = opts.flushMs ?? 100;
  const t = config.train;
  const start = performance.now();

  hooks.phase?.('preparing');
  const prepared = prepareData(config, data);
  const { train, dev, buckets, modelConfig, tokenizer } = prepared;
  const B = t.batchSize;
  const stepsPerEpoch = Math.floor(train.n / B);
  const model = bertModel(modelConfig, initBertParams(modelConfig, t.seed));
  const { params } = model;
  const optimizer = new AdamW(params.vars, t, isNoDecay);
  const vars = [...params.vars.values()];
  const lr = buildSchedule({
    kind: 'warmupLinear',
    peak: t.lr,
    warmup: Math.round(t.warmup * t.steps),
    total: t.steps,
  });
  const embeddingGrad = embeddingGradFor(opts.backend, t.deterministic);
  const devBatches = evalBatches(dev, B, buckets, tokenizer.specialIds.pad);
  hooks.prepared?.({
    params: model.summary().params,
    vocabSize: tokenizer.vocabSize,
    seqLen: config.tokenizer.maxLen,
    trainExamples: train.n,
    devExamples: dev.n,
    totalSteps: t.steps,
    stepsPerEpoch,
    truncated: train.truncated / Math.max(1, train.n),
  });

  const trainPoints: TrainPoint[] = [];
  const evals: EvalPoint[] = [];
  // Best dev result and a GPU-side copy of its weights (no readback).
  const kept: { best: EvalPoint | null; weights: Map<string, tf.Tensor> | null } = {
    best: null,
    weights: null,
  };
  const pending: { step: number; lr: number; t: tf.Tensor1D }[] = [];
  let firstReadAt: number | null = null;
  let stepsAtFirstRead = 0;
  let stepsRead = 0;
  let lastFlush = performance.now();
  let epochOrder: Int32Array[] = [];
  let epoch = 0;

  const progress = (step: number): Progress => {
    const now = performance.now();
    const rate =
      firstReadAt !== null && now > firstReadAt && stepsRead > stepsAtFirstRead
        ? ((stepsRead - stepsAtFirstRead) * B * 1000) / (now - firstReadAt)
        : 0;
    return {
      step,
      totalSteps: t.steps,
      epoch,
      samplesPerSec: rate,
      etaSec: rate > 0 ? ((t.steps - step) * B) / rate : null,
      elapsedSec: (now - start) / 1000,
      ...memoryStats(),
    };
  };

  // Reads back every pending [loss, gradNorm] in one transfer.
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    const stacked = tf.stack(batch.map((p) => p.t));
    const values = await stacked.data(); // GPU→CPU sync point, once per flush
    tf.dispose([stacked, ...batch.map((p) => p.t)]);
    const points = batch.map((p, i) => ({
      step: p.step,
      lr: p.lr,
      loss: values[2 * i]!,
      gradNorm: values[2 * i + 1]!,
    }));
    const bad = points.find((p) => !Number.isFinite(p.loss) || !Number.isFinite(p.gradNorm));
    if (bad) {
      throw new TrainingError(
        `The loss became ${bad.loss} at step ${bad.step} (gradient norm ${bad.gradNorm}). ` +
          'Training stopped; try a lower learning rate or stronger clipping.',
      );
    }
    if (firstReadAt === null) {
      firstReadAt = performance.now();
      stepsAtFirstRead = batch[batch.length - 1]!.step;
      hooks.phase?.('training');
    }
    stepsRead = batch[batch.length - 1]!.step;
    trainPoints.push(...points);
    hooks.train?.(points);
    hooks.progress?.(progress(stepsRead));
    lastFlush = performance.now();
  };

  const runEval = async (step: number): Promise<void> => {
    const r = await evaluate((b) => evalLogits(model, b), data.spec, devBatches, dev.n, dev.labels);
    const point: EvalPoint = { step, loss: r.loss, metrics: r.metrics, main: r.main };
    evals.push(point);
    if (kept.best === null || point.main > kept.best.main) {
      kept.best = point;
      kept.weights?.forEach((w) => w.dispose());
      kept.weights = params.snapshot();
    }
    hooks.evaluated?.(point);
  };

  let stopped = false;
  try {
    hooks.phase?.('compiling', 'first step compiles the kernels');
    for (let step = 1; step <= t.steps; step++) {
      if (control.isPaused) {
        await flush();
        hooks.phase?.('paused');
        await control.waitWhilePaused();
        if (!control.isStopped) hooks.phase?.('training');
      }
      if (control.isStopped) {
        stopped = true;
        break;
      }
      const within = (step - 1) % stepsPerEpoch;
      if (within === 0) {
        epoch = Math.floor((step - 1) / stepsPerEpoch) + 1;
        epochOrder = epochBatches(train, B, makeRng(t.seed, 1000 + epoch));
      }
      const batch: BatchArrays = makeBatch(
        train,
        epochOrder[within]!,
        B,
        buckets,
        tokenizer.specialIds.pad,
      );
      const tb = toTensors(batch);
      const rate = lr(step - 1);
      const out = trainStep(
        vars,
        optimizer,
        () => {
          const o = model.forward(tb, {
            training: true,
            dropoutSeed: dropoutSeed(t.seed, step),
            embeddingGrad,
          });
          return taskLoss(o.logits, tb.labels, data.spec.kind);
        },
        rate,
      );
      disposeBatch(tb);
      pending.push({ step, lr: rate, t: out });
      if (step === 1 || performance.now() - lastFlush >= flushMs) {
        await flush();
        await yieldToEventLoop();
      }
      if (step % t.evalEvery === 0 || step === t.steps) {
        await flush();
        await runEval(step);
        hooks.progress?.(progress(step));
      }
    }
    await flush();
  } catch (e) {
    pending.forEach((p) => p.t.dispose());
    kept.weights?.forEach((w) => w.dispose());
    optimizer.dispose();
    model.dispose();
    throw e;
  }
  const final = evals.length > 0 ? evals[evals.length - 1]! : null;
  if (kept.weights !== null) {
    params.restore(kept.weights);
    kept.weights.forEach((w) => w.dispose());
  }
  optimizer.dispose();
  const wallSec = (performance.now() - start) / 1000;
  return { best: kept.best, final, train: trainPoints, evals, stopped, wallSec, model, prepared };
}
