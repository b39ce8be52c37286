// The training loop shared by the worker and the CLI: seeded epochs of fixed-shape batches, AdamW
// with warm-up and linear decay, batched loss readback (never a sync read per step), dev evaluation
// every N steps with the best checkpoint kept, pause / resume / stop, and a NaN guard.
// With RunConfig.kd it distils: the frozen teacher (handed in, or trained first by this same loop)
// has its logits cached once, and the method (src/kd) supplies the loss, its named terms and its
// stages (a stage may restart from the best checkpoint with a fresh optimiser).
import * as tf from '@tensorflow/tfjs';
import { stageClock } from '../config/kd-schedules';
import type { BackendName, RunConfig } from '../config/run-config';
import { epochBatches, evalBatches, makeBatch, type BatchArrays } from '../data/batcher';
import type { WordPieceTokenizer } from '../data/tokenizer';
import type { TaskData } from '../data/types';
import {
  applyLabelNoise,
  batchLogits,
  bertConfigOf,
  cachedLogits,
  createKdRuntime,
  disposeTeacher,
  encoderWeights,
  mlmHeadWeights,
  ensembleModel,
  freeze,
  heldOutSize,
  holdOut,
  kdNeedsTeacher,
  initMlmParams,
  mlmPretrain,
  needsTeacher,
  swaPlan,
  takeFootprint,
  teacherBundle,
  WeightAverage,
  type Footprint,
  type KdSpec,
  type MethodRuntime,
  type MethodState,
  type MlmSpec,
  type TeacherBundle,
} from '../kd';
import {
  buildStudent,
  dropoutSeed,
  evalLogits,
  isNoDecay,
  modelSize,
  type EmbeddingGrad,
  type EncoderOutputs,
  type Model,
  type ParamArray,
} from '../model';
import type { EvalPoint, Progress, RunPhase, RunPrepared, TrainPoint } from '../protocol';
import { makeRng } from '../util/rng';
import { RunControl, yieldToEventLoop } from './control';
import { evaluate } from './evaluate';
import { stateResumeRefusal } from '../config/resume';
import { AdamW, type AdamWState } from './optimizer';
import { prepareData, type PreparedData } from './prepare';
import { disposeBatch, taskLossPerExample, toTensors, trainStepTerms } from './step';

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
  /**
   * The frozen teacher of a KD run. Without it, a `kd.teacher` of source 'train' is trained first
   * (and freed at the end); the caller keeps ownership of a teacher it hands in.
   */
  teacher?: TeacherBundle;
  /** Initial values for some student parameters by name (e.g. MLM-pretrained encoder weights). */
  initialWeights?: Map<string, ParamArray>;
  /** Snapshot the weights every `every` steps (a teacher's footprints for Pro-KD). */
  footprints?: { every: number; store: 'cpu' | 'gpu' };
  /**
   * Read the last step's weights back before the best ones are restored (TrainResult.finalWeights),
   * so both can be saved. One readback per parameter, only when they differ from the best.
   */
  keepFinal?: boolean;
  /**
   * Called with each new best evaluation (per stage, as the kept checkpoint) and its weights read
   * back to the CPU; awaited before training goes on.
   */
  onNewBest?(
    point: EvalPoint,
    weights: Map<string, ParamArray>,
    tokenizer: WordPieceTokenizer,
  ): Promise<void> | void;
  /**
   * Called with the weights of the teacher this loop trained (kd.teacher source 'train'), its
   * best step and dev evaluation; awaited before the student trains. An ensemble's members come
   * one call each, in order, with `member` 0, 1, …; a single teacher is member 0.
   */
  onTeacher?(
    step: number,
    dev: EvalPoint | null,
    weights: Map<string, ParamArray>,
    tokenizer: WordPieceTokenizer,
    member: number,
  ): Promise<void> | void;
  /**
   * Continue a run from its resume point: start at `step + 1` with its weights, optimiser state
   * and best so far (the stage follows from the step). A run that `stateResumeRefusal` refuses
   * throws a TrainingError with the reason. A KD run's teacher must be handed in (`teacher`).
   */
  resumeFrom?: ResumeState;
  /**
   * Called after each dev evaluation before the last step with the run's resume point (weights
   * and optimiser read back); awaited before training goes on. Not called for runs that
   * `stateResumeRefusal` refuses.
   */
  onResumePoint?(state: ResumeState): Promise<void> | void;
}

/**
 * The state of a run after `step` completed steps, taken right after a dev evaluation: with it,
 * `runTraining` continues at step + 1 exactly as the uninterrupted run (see LoopOptions.resumeFrom).
 */
export interface ResumeState {
  step: number;
  /** The student's parameters and the method's extra trainable variables, by name. */
  weights: Map<string, ParamArray>;
  optimizer: AdamWState;
  /** The current stage's best evaluation so far, and its student weights (null: `weights`). */
  best: EvalPoint | null;
  bestWeights: Map<string, ParamArray> | null;
  /** The method's state beyond its trainable variables (MethodRuntime.saveState), or null. */
  method: MethodState | null;
  /** The SWA add-on's running average θ̄ and its snapshot count; null before its first update. */
  swa: { count: number; average: Map<string, ParamArray> } | null;
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
  /** KD runs: the teacher's dev evaluation. */
  teacher: EvalPoint | null;
  /** Snapshots taken with LoopOptions.footprints, in step order. */
  footprints: Footprint[];
  /** The last completed optimiser step. */
  finalStep: number;
  /**
   * With LoopOptions.keepFinal: the weights after `finalStep` when `model` holds other (best)
   * weights; null when they are the same or keepFinal is off.
   */
  finalWeights: Map<string, ParamArray> | null;
}

/** The embedding-gradient strategy for a backend (see EmbeddingGrad). */
export function embeddingGradFor(backend: BackendName, deterministic: boolean): EmbeddingGrad {
  if (backend === 'wasm') return 'scatter'; // no UnsortedSegmentSum kernel on wasm
  if (backend === 'webgpu' && deterministic) return 'onehot'; // its segment sum uses float atomics
  return 'gather';
}

/** Thrown when training cannot go on (NaN loss, bad data); the message is for the user. */
export class TrainingError extends Error {}

/**
 * A stop that arrived before the student's first step (while a teacher trained, say): the run
 * ends there instead of caching the teacher's logits and building the method first, work that
 * can take minutes and would be thrown away. There is no student result to save.
 */
export class RunStoppedError extends Error {
  constructor() {
    super('The run was stopped before the student began training');
  }
}

function memoryStats(): { numTensors: number; numBytes: number } {
  const m: tf.MemoryInfo & { numBytesAllocatedInGPU?: number } = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytesAllocatedInGPU ?? m.numBytes };
}

// The stage clock (stage of a step, per-stage learning rate) is pure: the UI previews it too.
export { stageClock } from '../config/kd-schedules';

/**
 * Trains the `kd.teacher` recipe (source 'train') with this same loop on `data` (already noised
 * when the run has label noise): optional MLM pre-training, then fine-tuning with footprints.
 * Returns a frozen teacher bundle; the caller disposes it.
 */
export async function trainTeacher(
  config: RunConfig,
  data: TaskData,
  opts: LoopOptions,
): Promise<TeacherBundle> {
  const ref = config.kd?.teacher;
  if (ref?.source !== 'train') {
    throw new Error(
      "kd.teacher is 'provided' but no teacher was handed to the training loop; " +
        "import one, or set kd.teacher.source to 'train'",
    );
  }
  const teacherConfig: RunConfig = {
    ...config,
    name: `${config.name} (teacher)`,
    model: ref.model,
    train: ref.train,
    kd: undefined,
    student: undefined, // the teacher is the dense BERT of kd.teacher.model
  };
  const hooks = opts.hooks ?? {};
  const count = ref.ensemble ?? 1;
  const members: Model[] = [];
  const devs: (EvalPoint | null)[] = [];
  let footprints: Footprint[] = [];
  let best: EvalPoint | null = null;
  let head: Map<string, ParamArray> | null = null;
  try {
    for (let k = 0; k < count; k++) {
      const memberConfig = { ...teacherConfig, train: { ...ref.train, seed: ref.train.seed + k } };
      const of = count > 1 ? ` ${k + 1} of ${count}` : '';
      const pre = ref.mlm ? await pretrainMlmParts(memberConfig, data, ref.mlm, opts) : null;
      const initialWeights = pre?.encoder;
      const r = await runTraining(memberConfig, data, {
        backend: opts.backend,
        control: opts.control,
        flushMs: opts.flushMs,
        initialWeights,
        footprints:
          k === 0 && ref.footprintEvery > 0
            ? { every: ref.footprintEvery, store: 'cpu' }
            : undefined,
        hooks: {
          progress: (p) =>
            hooks.phase?.(
              'preparing',
              `training the teacher${of}: step ${p.step} of ${p.totalSteps}`,
            ),
        },
      });
      members.push(r.model);
      devs.push(r.best);
      if (k === 0) {
        footprints = r.footprints;
        best = r.best;
        head = pre?.head ?? null;
      }
    }
  } catch (e) {
    members.forEach((m) => m.dispose());
    throw e;
  }
  if (count === 1) {
    const bundle = teacherBundle(members[0]!, footprints);
    bundle.dev = best;
    // The MLM head of its pre-training, kept for KroneckerBERT's stage-1 MLM term.
    if (head) bundle.mlmHead = headTensors(head);
    return bundle;
  }
  members.forEach(freeze);
  const bundle = teacherBundle(ensembleModel(members), footprints);
  bundle.members = members.map((model, k) => ({ model, dev: devs[k] ?? null }));
  // The ensemble's own dev result (its members' best checkpoints, logits averaged).
  bundle.dev = await devResult(bundle.model, teacherConfig, data, ref.train.steps);
  return bundle;
}

/**
 * The dev evaluation of `model` (a teacher, frozen or not) on `data` as `config` tokenises it,
 * in batches of config.train.batchSize, recorded at `step`.
 */
export async function devResult(
  model: Model,
  config: RunConfig,
  data: TaskData,
  step: number,
): Promise<EvalPoint> {
  const { dev, buckets, tokenizer } = prepareData(config, data);
  const devBatches = evalBatches(dev, config.train.batchSize, buckets, tokenizer.specialIds.pad);
  const r = await evaluate((b) => evalLogits(model, b), data.spec, devBatches, dev.n, dev.labels);
  return { step, loss: r.loss, metrics: r.metrics, main: r.main };
}

/** CPU arrays as kept tensors (a teacher's MLM head). */
function headTensors(arrays: Map<string, ParamArray>): Map<string, tf.Tensor> {
  return new Map([...arrays].map(([name, a]) => [name, tf.tensor(a.data, a.shape, 'float32')]));
}

/**
 * MLM pre-training of the encoder `config.model` on the task's training text (the teacher recipe,
 * or any run's head start); returns the encoder weights to start fine-tuning from
 * (LoopOptions.initialWeights).
 */
export async function pretrainMlm(
  config: RunConfig,
  data: TaskData,
  mlm: MlmSpec,
  opts: LoopOptions,
): Promise<Map<string, ParamArray>> {
  return (await pretrainMlmParts(config, data, mlm, opts)).encoder;
}

/** `pretrainMlm`, also returning the trained MLM head (`cls.predictions.*`). */
export async function pretrainMlmParts(
  config: RunConfig,
  data: TaskData,
  mlm: MlmSpec,
  opts: LoopOptions,
): Promise<{ encoder: Map<string, ParamArray>; head: Map<string, ParamArray> }> {
  const { train, buckets, modelConfig, tokenizer } = prepareData(config, data);
  const params = initMlmParams(modelConfig, config.train.seed);
  try {
    await mlmPretrain({
      params,
      config: modelConfig,
      split: train,
      buckets,
      special: tokenizer.specialIds,
      spec: mlm,
      seed: config.train.seed,
      embeddingGrad: embeddingGradFor(opts.backend, config.train.deterministic),
      onStep: (step) =>
        opts.hooks?.phase?.('preparing', `MLM pre-training: step ${step} of ${mlm.steps}`),
      stopped: () => opts.control?.isStopped ?? false,
    });
    return { encoder: await encoderWeights(params), head: await mlmHeadWeights(params) };
  } finally {
    params.dispose();
  }
}

/** Trains an encoder on `data` as `config` says. Resolves when done or stopped. */
export async function runTraining(
  config: RunConfig,
  input: TaskData,
  opts: LoopOptions,
): Promise<TrainResult> {
  // Label noise (kd.labelNoise) corrupts the training split before the teacher or student sees it.
  const noise = config.kd?.labelNoise;
  const data = noise ? applyLabelNoise(input, noise).data : input;
  // The labels before the noise, for methods that report how their correction fared.
  const cleanLabels = noise ? Float32Array.from(input.train, (e) => e.label) : null;
  const hooks = opts.hooks ?? {};
  const control = opts.control ?? new RunControl();
  const flushMs = opts.flushMs ?? 100;
  const t = config.train;
  const start = performance.now();
  const spec: KdSpec = config.kd?.method ?? { kind: 'none' };

  const resumeFrom = opts.resumeFrom ?? null;
  const refusal = stateResumeRefusal(config);
  if (resumeFrom) {
    if (refusal) throw new TrainingError(refusal);
    if (!Number.isInteger(resumeFrom.step) || resumeFrom.step < 1 || resumeFrom.step >= t.steps) {
      throw new TrainingError(
        `The resume point is at step ${resumeFrom.step}, outside this run's 1..${t.steps - 1}`,
      );
    }
  }
  const saveResumePoints = refusal === null ? opts.onResumePoint : undefined;

  hooks.phase?.('preparing');
  const prepared = prepareData(config, data);
  const { dev, buckets, modelConfig, tokenizer } = prepared;
  // A method with a meta objective (RW-KD) trains on the split minus its held-out rows.
  const held = heldOutSize(spec);
  const { train, meta } =
    held > 0 ? holdOut(prepared.train, held, t.seed) : { train: prepared.train, meta: null };
  const B = t.batchSize;
  const pad = tokenizer.specialIds.pad;
  if (train.n < B) {
    throw new Error(
      `Method '${spec.kind}' holds out ${held} of ${prepared.train.n} training examples, ` +
        `leaving ${train.n}: fewer than one batch (${B})`,
    );
  }
  const stepsPerEpoch = Math.floor(train.n / B);
  const embeddingGrad = embeddingGradFor(opts.backend, t.deterministic);
  const devBatches = evalBatches(dev, B, buckets, pad);

  // The teacher: handed in, or trained here first (and then ours to free).
  let teacher: TeacherBundle | null = null;
  // A KroneckerBERT initialised by NKP needs the teacher's weights even under a method that does
  // not distil ('none': NKP init, then the labels alone, the paper's "no KD" ablation).
  const nkpStudent = config.student?.kind === 'kron-bert' && config.student.init === 'nkp';
  const wantsTeacher = kdNeedsTeacher(config.kd) || nkpStudent;
  const ownsTeacher = wantsTeacher && !opts.teacher;
  let teacherLogits: Float32Array | null = null;
  let model: Model | null = null;
  let method: MethodRuntime | null = null;
  try {
    if (wantsTeacher) {
      hooks.phase?.('preparing', 'preparing the teacher');
      teacher = opts.teacher ?? (await trainTeacher(config, data, opts));
      // Stopped while the teacher trained: end before caching its logits (the catch frees it).
      if (control.isStopped) throw new RunStoppedError();
      checkTeacher(teacher.model, tokenizer.vocabSize);
      if (teacher.dev === null) {
        const tm = teacher.model;
        const r = await evaluate(
          (b) => evalLogits(tm, b),
          data.spec,
          devBatches,
          dev.n,
          dev.labels,
        );
        teacher.dev = { step: 0, loss: r.loss, metrics: r.metrics, main: r.main };
      }
      const ref = config.kd?.teacher;
      if (ownsTeacher && opts.onTeacher && ref?.source === 'train') {
        // A teacher trained here is a checkpoint too (its best weights, as the loop keeps them);
        // an ensemble is one per member, each with its own best step and dev result.
        const members = teacher.members ?? [{ model: teacher.model, dev: teacher.dev }];
        for (const [k, m] of members.entries()) {
          const step = m.dev?.step ?? ref.train.steps;
          await opts.onTeacher(step, m.dev, await m.model.params.toArrays(), tokenizer, k);
        }
      }
      if (needsTeacher(spec)) teacherLogits = await cachedLogits(teacher, train, B, buckets, pad);
    }
    // The student: RunConfig.student (KroneckerBERT, TextCNN, BiLSTM) or the dense BERT of
    // RunConfig.model; a KroneckerBERT with NKP init starts from the teacher's weights.
    const tcfg = teacher ? bertConfigOf(teacher.model) : null;
    model = await buildStudent(
      config.student,
      modelConfig,
      t.seed,
      teacher && tcfg ? { config: tcfg, params: teacher.model.params } : null,
    );
    if (opts.initialWeights) loadWeights(model, opts.initialWeights);
    const bundle = teacher;
    method = await createKdRuntime(
      { method: spec, glitter: config.kd?.glitter },
      {
        task: data.spec,
        teacher,
        teacherLogits,
        student: model,
        // A KroneckerBERT is BERT's forward over factored weights, of the config it was built from.
        studentConfig: model.kind === 'bert' || model.kind === 'kron-bert' ? modelConfig : null,
        train,
        meta,
        // encodeSplit keeps one row per example in order, so they align unless rows were held out.
        cleanLabels: meta === null ? cleanLabels : null,
        totalSteps: t.steps,
        stepsPerEpoch,
        batchSize: B,
        seed: t.seed,
        tokenizer,
        buckets,
        specialIds: tokenizer.specialIds,
        embeddingGrad,
        footprintLogits: async (i) => {
          const f = bundle?.footprints[i];
          if (!bundle || !f) throw new Error(`The teacher has no footprint ${i}`);
          return cachedLogits(bundle, train, B, buckets, pad, f);
        },
        resume: resumeFrom?.method ?? null,
      },
    );
    const covered = method.stages.reduce((n, st) => n + st.steps, 0);
    if (covered !== t.steps) {
      throw new Error(
        `Method '${spec.kind}': its stages cover ${covered} steps, the run has ${t.steps}`,
      );
    }
  } catch (e) {
    method?.dispose();
    model?.dispose();
    if (teacher && ownsTeacher) disposeTeacher(teacher);
    throw e;
  }
  const student: Model = model;
  const kd: MethodRuntime = method;
  const { params } = student;
  const stages = kd.stages;
  const clock = stageClock(stages, t.lr, t.warmup);
  const multiStage = stages.length > 1;
  const trainable = new Map([...params.vars, ...kd.extraVars]);
  const vars = [...trainable.values()];
  let optimizer = new AdamW(trainable, t, isNoDecay);
  let resumedBest: Map<string, tf.Tensor> | null = null;
  // SWA over the last stage: a constant learning rate from t_swa, θ̄ every c steps, evals on θ̄.
  const last = stages.length - 1;
  const swa = config.kd?.swa
    ? {
        plan: swaPlan(config.kd.swa, clock.starts[last]!, stages[last]!.steps, t.lr),
        avg: new WeightAverage(params),
      }
    : null;
  if (resumeFrom) {
    try {
      restoreVars(trainable, resumeFrom.weights);
      optimizer.setState(resumeFrom.optimizer);
      checkMethodState(kd, resumeFrom);
      if (swa) restoreAverage(swa, resumeFrom);
      else if (resumeFrom.swa) throw new Error('it holds an SWA average, and this run has no SWA');
      if (resumeFrom.best) resumedBest = keptTensors(params.names(), resumeFrom);
    } catch (e) {
      optimizer.dispose();
      swa?.avg.dispose();
      kd.dispose();
      student.dispose();
      if (teacher && ownsTeacher) disposeTeacher(teacher);
      throw new TrainingError(`The resume point does not fit this run: ${errorText(e)}`);
    }
  }
  const C = data.spec.kind === 'regression' ? 1 : data.spec.numLabels;

  const size = modelSize(student, config.tokenizer.maxLen, teacher?.model ?? null);
  hooks.prepared?.({
    params: size.params,
    flopsPerToken: size.flopsPerToken,
    ...(size.compression !== null ? { compression: size.compression } : {}),
    vocabSize: tokenizer.vocabSize,
    seqLen: config.tokenizer.maxLen,
    trainExamples: train.n,
    devExamples: dev.n,
    totalSteps: t.steps,
    stepsPerEpoch,
    truncated: train.truncated / Math.max(1, train.n),
    ...(teacher ? { teacher: { params: teacher.model.summary().params, dev: teacher.dev } } : {}),
    ...(config.kd
      ? { kd: { method: spec.kind, stages: stages.map((s) => ({ name: s.name, steps: s.steps })) } }
      : {}),
  });

  const trainPoints: TrainPoint[] = [];
  const evals: EvalPoint[] = [];
  const footprints: Footprint[] = [];
  // Best dev result of the current stage and a GPU-side copy of its weights (no readback).
  const kept: { best: EvalPoint | null; weights: Map<string, tf.Tensor> | null } = {
    best: resumeFrom?.best ?? null,
    weights: resumedBest,
  };
  const firstStep = (resumeFrom?.step ?? 0) + 1;
  const pending: { step: number; lr: number; stage?: string; names: string[]; t: tf.Tensor1D }[] =
    [];
  let firstReadAt: number | null = null;
  let stepsAtFirstRead = 0;
  let stepsRead = 0;
  let lastFlush = performance.now();
  // Separate from lastFlush: evaluations flush too, and with frequent evaluations on a backend whose
  // reads resolve as microtasks (wasm, cpu) a shared clock never let timers or messages run, so
  // pause / stop could not land.
  let lastYield = performance.now();
  let epochOrder: Int32Array[] = [];
  let epoch = 0;
  let finalStep = 0;

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

  // Reads back every pending [loss, gradNorm, ...terms] in one transfer.
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    const joined = tf.concat(batch.map((p) => p.t));
    const values = await joined.data(); // GPU→CPU sync point, once per flush
    tf.dispose([joined, ...batch.map((p) => p.t)]);
    let o = 0;
    const points = batch.map((p) => {
      const point: TrainPoint = {
        step: p.step,
        lr: p.lr,
        loss: values[o]!,
        gradNorm: values[o + 1]!,
      };
      if (p.names.length > 0) {
        point.terms = Object.fromEntries(p.names.map((n, i) => [n, values[o + 2 + i]!]));
      }
      if (p.stage !== undefined) point.stage = p.stage;
      o += 2 + p.names.length;
      return point;
    });
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

  const runEval = async (step: number, stage: number): Promise<void> => {
    const r = await evaluate(
      (b) => evalLogits(student, b),
      data.spec,
      devBatches,
      dev.n,
      dev.labels,
    );
    const point: EvalPoint = { step, loss: r.loss, metrics: r.metrics, main: r.main };
    const averaged = swa !== null && swa.avg.count > 0;
    if (multiStage || averaged) {
      point.stage = averaged
        ? multiStage
          ? `${stages[stage]!.name}+swa`
          : 'swa'
        : stages[stage]!.name;
    }
    evals.push(point);
    const newBest = kept.best === null || point.main > kept.best.main;
    if (newBest) {
      kept.best = point;
      kept.weights?.forEach((w) => w.dispose());
      kept.weights = params.snapshot();
    }
    hooks.evaluated?.(point);
    // The caller saves it now, so a closed tab keeps the best so far (one readback per parameter).
    if (newBest && opts.onNewBest) {
      await opts.onNewBest(point, await params.toArrays(), tokenizer);
    }
  };

  /** The resume point after `step` (right after its evaluation), read back to the CPU. */
  const resumeState = async (step: number): Promise<ResumeState> => {
    const weights = new Map<string, ParamArray>();
    for (const [name, v] of trainable) {
      weights.set(name, { shape: v.shape.slice(), data: Float32Array.from(await v.data()) });
    }
    let bestWeights: Map<string, ParamArray> | null = null;
    // Under SWA the weights kept at an evaluation are θ̄'s, not the trained ones: always saved.
    const averaged = swa !== null && swa.avg.count > 0;
    if (kept.best !== null && (kept.best.step !== step || averaged) && kept.weights !== null) {
      bestWeights = new Map();
      for (const [name, w] of kept.weights) {
        bestWeights.set(name, { shape: w.shape.slice(), data: Float32Array.from(await w.data()) });
      }
    }
    return {
      step,
      weights,
      optimizer: await optimizer.getState(),
      best: kept.best,
      bestWeights,
      method: kd.saveState ? await kd.saveState() : null,
      swa: swa && swa.avg.count > 0 ? await swa.avg.getState() : null,
    };
  };

  /** Enters stage k: maybe restore the previous stage's best, then a fresh best (and optimiser). */
  const enterStage = (k: number): void => {
    const plan = stages[k]!;
    if (plan.fromBest && kept.weights !== null) params.restore(kept.weights);
    kept.weights?.forEach((w) => w.dispose());
    kept.weights = null;
    kept.best = null;
    if (plan.freshOptimizer) {
      optimizer.dispose();
      optimizer = new AdamW(trainable, t, isNoDecay);
    }
  };

  const labelsOverride = kd.labels;
  let stopped = false;
  try {
    // Stopped while the teacher's logits were cached or the method was built: no student step
    // was taken, so there is nothing to save (the catch below frees everything).
    if (control.isStopped && !resumeFrom) throw new RunStoppedError();
    hooks.phase?.('compiling', 'first step compiles the kernels');
    for (let step = firstStep; step <= t.steps; step++) {
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
      const info = clock.at(step);
      if (info.stageStep === 1 && info.stage > 0) enterStage(info.stage);
      const within = (step - 1) % stepsPerEpoch;
      if (within === 0 || step === firstStep) {
        epoch = Math.floor((step - 1) / stepsPerEpoch) + 1;
        epochOrder = epochBatches(
          train,
          B,
          makeRng(t.seed, 1000 + epoch),
          t.groupByLength ? 50 : 1,
        );
      }
      const rows = epochOrder[within]!;
      const batch: BatchArrays = makeBatch(train, rows, B, buckets, pad);
      if (labelsOverride) rows.forEach((row, r) => (batch.labels[r] = labelsOverride[row]!));
      const tb = toTensors(batch);
      const rate = swa && step >= swa.plan.startStep ? swa.plan.lr : clock.lr(step);
      const stageName = multiStage || kd.aux ? stages[info.stage]!.name : undefined;
      if (kd.aux?.owns(info)) {
        const out = kd.aux.run({ info, batch: tb, arrays: batch, rows });
        pending.push({ step, lr: 0, stage: kd.aux.name, names: out.names, t: out.values });
      } else {
        const held: tf.Tensor[] = []; // tensors a method's loss keeps until the update (StepInputs.hold)
        const out = trainStepTerms(
          vars,
          optimizer,
          () => {
            const o = student.forward(tb, {
              training: true,
              dropoutSeed: dropoutSeed(t.seed, step),
              embeddingGrad,
            });
            let live: EncoderOutputs | null = null;
            const tm = teacher?.model;
            return kd.loss({
              info,
              batch: tb,
              arrays: batch,
              rows,
              student: o,
              teacherLogits: () => {
                if (!teacherLogits) throw new Error(`Method '${spec.kind}' has no teacher`);
                return batchLogits(teacherLogits, C, rows, B);
              },
              teacherOutputs: () => {
                if (!tm) throw new Error(`Method '${spec.kind}' has no teacher`);
                live ??= tm.forward(tb, { training: false, embeddingGrad });
                return live;
              },
              taskLoss: (logits) => taskLossPerExample(logits, tb.labels, data.spec.kind),
              hold: (x) => {
                held.push(tf.keep(x));
                return x;
              },
            });
          },
          rate,
        );
        tf.dispose(held);
        pending.push({ step, lr: rate, stage: stageName, names: out.names, t: out.values });
      }
      disposeBatch(tb);
      finalStep = step;
      if (swa?.plan.averagesAt(step)) swa.avg.update();
      if (step === firstStep || performance.now() - lastFlush >= flushMs) await flush();
      if (step === firstStep || performance.now() - lastYield >= flushMs) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      const stageEnd = info.stageStep === info.stageSteps;
      if (step % t.evalEvery === 0 || stageEnd) {
        await flush();
        if (swa) await swa.avg.withAverage(() => runEval(step, info.stage));
        else await runEval(step, info.stage);
        hooks.progress?.(progress(step));
        if (saveResumePoints && step < t.steps) await saveResumePoints(await resumeState(step));
      }
      if (opts.footprints && step % opts.footprints.every === 0) {
        footprints.push(await takeFootprint(student, step, opts.footprints.store));
      }
    }
    await flush();
  } catch (e) {
    pending.forEach((p) => p.t.dispose());
    kept.weights?.forEach((w) => w.dispose());
    optimizer.dispose();
    swa?.avg.dispose();
    kd.dispose();
    student.dispose();
    if (teacher && ownsTeacher) disposeTeacher(teacher);
    footprints.forEach(
      (f) => f.weights.kind === 'gpu' && f.weights.tensors.forEach((x) => x.dispose()),
    );
    throw e;
  }
  const final = evals.length > 0 ? evals[evals.length - 1]! : null;
  let finalWeights: Map<string, ParamArray> | null = null;
  if (kept.weights !== null) {
    if (opts.keepFinal && kept.best?.step !== finalStep) finalWeights = await params.toArrays();
    params.restore(kept.weights);
    kept.weights.forEach((w) => w.dispose());
  }
  optimizer.dispose();
  swa?.avg.dispose();
  kd.dispose();
  const teacherDev = teacher?.dev ?? null;
  if (teacher && ownsTeacher) disposeTeacher(teacher);
  const wallSec = (performance.now() - start) / 1000;
  return {
    best: kept.best,
    final,
    train: trainPoints,
    evals,
    stopped,
    wallSec,
    model: student,
    prepared,
    teacher: teacherDev,
    footprints,
    finalStep,
    finalWeights,
  };
}

/** Checks a teacher can read the student's token ids (same vocabulary size, when knowable). */
function checkTeacher(model: Model, vocabSize: number): void {
  const c = bertConfigOf(model);
  if (c && c.vocabSize !== vocabSize) {
    throw new Error(
      `The teacher's vocabulary has ${c.vocabSize} tokens, the student's tokenizer ${vocabSize}: ` +
        'teacher and student must share one tokenizer (use the teacher\'s vocabulary with tokenizer.vocab "provided")',
    );
  }
}

/** Writes a resume point's arrays into every trainable variable (each must be there, same shape). */
function restoreVars(vars: Map<string, tf.Variable>, weights: Map<string, ParamArray>): void {
  const missing = [...vars.keys()].filter((n) => !weights.has(n));
  const extra = [...weights.keys()].filter((n) => !vars.has(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `its weights lack ${missing.length} of the run's variables (${missing.slice(0, 3).join(', ')}) ` +
        `and have ${extra.length} it does not (${extra.slice(0, 3).join(', ')})`,
    );
  }
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const a = weights.get(name)!;
      if (v.shape.join('x') !== a.shape.join('x')) {
        throw new Error(`'${name}' has shape [${a.shape}], the run's variable [${v.shape}]`);
      }
      v.assign(tf.tensor(a.data, a.shape, 'float32'));
    }
  });
}

/** Whether a resume point carries method state exactly when the method keeps some. */
function checkMethodState(kd: MethodRuntime, r: ResumeState): void {
  if (kd.saveState && !r.method) throw new Error("it lacks the method's own state");
  if (!kd.saveState && r.method) throw new Error('it holds method state this method does not keep');
}

/**
 * Puts a resume point's SWA average back: it must hold as many snapshots as the plan takes up to
 * the resume step (none before t_swa).
 */
function restoreAverage(
  swa: { plan: { averagesAt(step: number): boolean }; avg: WeightAverage },
  r: ResumeState,
): void {
  let expected = 0;
  for (let s = 1; s <= r.step; s++) if (swa.plan.averagesAt(s)) expected++;
  const count = r.swa?.count ?? 0;
  if (count !== expected) {
    throw new Error(`its SWA average holds ${count} snapshots, the run takes ${expected} by then`);
  }
  if (r.swa) swa.avg.setState(r.swa.count, r.swa.average);
}

/** The kept best weights of a resume point as tensors (its student weights when best = step). */
function keptTensors(names: string[], r: ResumeState): Map<string, tf.Tensor> {
  const source = r.bestWeights ?? r.weights;
  const out = new Map<string, tf.Tensor>();
  for (const name of names) {
    const a = source.get(name);
    if (!a) {
      out.forEach((x) => x.dispose());
      throw new Error(`its best weights lack '${name}'`);
    }
    out.set(name, tf.tensor(a.data, a.shape, 'float32'));
  }
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Copies named arrays into a model's parameters (names it lacks are an error; shapes must match). */
function loadWeights(model: Model, weights: Map<string, ParamArray>): void {
  tf.tidy(() => {
    for (const [name, a] of weights) {
      const v = model.params.vars.get(name);
      if (!v) throw new Error(`Initial weight '${name}' matches no parameter of the model`);
      if (v.shape.join('x') !== a.shape.join('x')) {
        throw new Error(`Initial weight '${name}' has shape [${a.shape}], the model [${v.shape}]`);
      }
      v.assign(tf.tensor(a.data, a.shape, 'float32'));
    }
  });
}
