// The worker's record of a run in IndexedDB (docs/storage.md): the run record when it starts, each
// metrics batch as it leaves for the page, and at the end the best and final checkpoints (weights,
// vocabulary, task) and the run's status and summary. Writes are chained in order and never block
// training; a failed write is reported once as a 'stored' message and the run goes on. After each
// dev evaluation the run's resume point replaces the previous one (a closed tab resumes from it);
// a run that ends (done, stopped, failed) deletes it.
import type { RunConfig } from '../config/run-config';
import type { TaskSpec } from '../data/types';
import type { ParamArray } from '../model';
import type { BertConfig } from '../model/config';
import type { ResumeState } from './loop';
import type { EvalPoint, FromWorker, TrainPoint } from '../protocol';
import {
  arraysFromWeights,
  weightsFromArrays,
  type ResumeRecord,
  type MetricsSummary,
  type RunRecord,
  type RunStatus,
  type RunStorage,
  type SaveResumeInput,
  type StoredTokenizer,
} from '../storage';

/** What a finished (or stopped) run leaves to save. */
export interface RunOutcomeToSave {
  status: Extract<RunStatus, 'done' | 'stopped'>;
  best: EvalPoint | null;
  final: EvalPoint | null;
  wallSec: number;
  /** The last completed step and its weights. */
  finalStep: number;
  /** Weights of the best evaluation (or the final weights when there was none). */
  bestWeights: Map<string, ParamArray>;
  /** The final weights when they differ from the best ones (else null). */
  finalWeights: Map<string, ParamArray> | null;
  lastLoss: number | null;
  tokenizer: StoredTokenizer;
  task: TaskSpec;
}

/** A loop resume point as stored (tensors in their own buffers). */
export function storedResumePoint(runId: string, state: ResumeState): SaveResumeInput {
  const own = (a: Float32Array): ArrayBuffer =>
    a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer;
  return {
    runId,
    step: state.step,
    weights: weightsFromArrays(state.weights),
    optimizer: {
      step: state.optimizer.step,
      names: state.optimizer.names.slice(),
      m: own(state.optimizer.m),
      v: own(state.optimizer.v),
    },
    best: state.best,
    bestWeights: state.bestWeights ? weightsFromArrays(state.bestWeights) : null,
    method: state.method
      ? { tensors: weightsFromArrays(state.method.tensors), numbers: { ...state.method.numbers } }
      : null,
    swa: state.swa
      ? { count: state.swa.count, weights: weightsFromArrays(state.swa.average) }
      : null,
  };
}

/** A stored resume point as the loop takes it (LoopOptions.resumeFrom). */
export function resumeStateOf(r: ResumeRecord): ResumeState {
  return {
    step: r.step,
    weights: arraysFromWeights(r.weights),
    optimizer: {
      step: r.optimizer.step,
      names: r.optimizer.names.slice(),
      m: new Float32Array(r.optimizer.m),
      v: new Float32Array(r.optimizer.v),
    },
    best: r.best,
    bestWeights: r.bestWeights ? arraysFromWeights(r.bestWeights) : null,
    method: r.method
      ? { tensors: arraysFromWeights(r.method.tensors), numbers: { ...r.method.numbers } }
      : null,
    swa: r.swa ? { count: r.swa.count, average: arraysFromWeights(r.swa.weights) } : null,
  };
}

/** What every checkpoint of a run carries besides its weights. */
export interface CheckpointExtras {
  tokenizer: StoredTokenizer;
  task: TaskSpec;
  /** Latest training loss, if known. */
  lastLoss: number | null;
}

/** Checkpoint labels: the run's best, its last step, or both at once. */
export type CheckpointLabel = 'best' | 'final' | 'best+final';

/** Whether a checkpoint label marks a run's best weights. */
export function isBestLabel(label: string | null): boolean {
  return label === 'best' || label === 'best+final';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One run's writes, in order. Create with `RunRecorder.begin`. */
export class RunRecorder {
  private chain: Promise<void> = Promise.resolve();
  private reported = false;

  private constructor(
    private readonly storage: RunStorage,
    readonly runId: string,
    private readonly post: (msg: FromWorker) => void,
  ) {}

  /**
   * Creates the run record ('running'); null (after posting a 'stored' error) if it cannot be
   * written, in which case the run trains without being saved.
   */
  static async begin(
    storage: RunStorage,
    runId: string,
    config: RunConfig,
    backend: string,
    post: (msg: FromWorker) => void,
  ): Promise<RunRecorder | null> {
    try {
      await storage.createRun(config, { id: runId, status: 'running' });
      await storage.updateRun(runId, { summary: { backend } });
      post({ type: 'stored', runId, what: 'run' });
      return new RunRecorder(storage, runId, post);
    } catch (e) {
      post({
        type: 'stored',
        runId,
        what: 'run',
        error: `This run is not being saved: ${errorText(e)}`,
      });
      return null;
    }
  }

  private report(what: 'run' | 'checkpoint' | 'status', e: unknown): void {
    if (this.reported) return;
    this.reported = true;
    this.post({ type: 'stored', runId: this.runId, what, error: errorText(e) });
  }

  /**
   * A recorder for a run already stored (resumed after `storage.rewindRun`): its latest student
   * 'best' checkpoint is the one the next new best replaces.
   */
  static continuing(
    storage: RunStorage,
    run: RunRecord,
    post: (msg: FromWorker) => void,
  ): RunRecorder {
    const r = new RunRecorder(storage, run.id, post);
    let best: { key: string; step: number } | null = null;
    for (const m of run.checkpoints) {
      if (m.role === 'student' && isBestLabel(m.label) && (!best || m.step > best.step)) best = m;
    }
    r.bestKey = best?.key ?? null;
    return r;
  }

  /** Queues the run's resume point (replaces the previous one in one transaction). */
  resumePoint(state: ResumeState): void {
    const input = storedResumePoint(this.runId, state);
    this.chain = this.chain
      .then(() => this.storage.saveResumePoint(input))
      .catch((err: unknown) => this.report('checkpoint', err));
  }

  /** Queues one metrics batch (copied: the caller may reuse its arrays). */
  metrics(train: readonly TrainPoint[], evals: readonly EvalPoint[]): void {
    if (train.length === 0 && evals.length === 0) return;
    const t = train.slice();
    const e = evals.slice();
    this.chain = this.chain
      .then(() => this.storage.appendMetrics(this.runId, t, e))
      .catch((err: unknown) => this.report('run', err));
  }

  /**
   * Queues a save of a new best checkpoint found during training (label 'best'), then deletes the
   * previous one: after a closed tab the run keeps its best so far. Returns once the write is
   * queued; the arrays are not read again by the caller.
   */
  best(point: EvalPoint, weights: Map<string, ParamArray>, extra: CheckpointExtras): void {
    const stored = weightsFromArrays(weights);
    this.chain = this.chain
      .then(async () => {
        const meta = await this.storage.saveCheckpoint({
          runId: this.runId,
          step: point.step,
          label: 'best',
          weights: stored,
          metricsSummary: { trainLoss: extra.lastLoss, dev: point, best: point },
          tokenizer: extra.tokenizer,
          task: extra.task,
        });
        await this.dropStaleBest(meta.key);
        this.post({ type: 'stored', runId: this.runId, what: 'checkpoint' });
      })
      .catch((err: unknown) => this.report('checkpoint', err));
  }

  /**
   * Queues a save of the run's teacher (role 'teacher', label 'best'): one trained in the run
   * (each member of a trained ensemble with its `member` index), or a Hugging Face teacher from
   * picked files with its encoder configuration (`arch`), which the run config does not hold, so
   * a resume can reload it.
   */
  teacher(
    step: number,
    dev: EvalPoint | null,
    weights: Map<string, ParamArray>,
    extra: CheckpointExtras & { arch?: BertConfig; member?: number },
  ): void {
    const stored = weightsFromArrays(weights);
    this.chain = this.chain
      .then(async () => {
        await this.storage.saveCheckpoint({
          runId: this.runId,
          step,
          role: 'teacher',
          label: 'best',
          weights: stored,
          metricsSummary: { trainLoss: null, dev, best: dev },
          tokenizer: extra.tokenizer,
          task: extra.task,
          ...(extra.arch ? { arch: extra.arch } : {}),
          ...(extra.member !== undefined ? { member: extra.member } : {}),
        });
        this.post({ type: 'stored', runId: this.runId, what: 'checkpoint' });
      })
      .catch((err: unknown) => this.report('checkpoint', err));
  }

  private bestKey: string | null = null;

  /** Deletes the previous best checkpoint once a new one (at `key`) has landed. */
  private async dropStaleBest(key: string): Promise<void> {
    const old = this.bestKey;
    this.bestKey = key;
    if (old !== null && old !== key) await this.storage.deleteCheckpoint(old);
  }

  /** Every queued write has landed (or failed). */
  flushed(): Promise<void> {
    return this.chain;
  }

  /**
   * Saves the best and final checkpoints (one record when they are the same step), then the
   * run's status and summary. Each checkpoint is one transaction: it lands whole or not at all.
   */
  async finish(o: RunOutcomeToSave): Promise<void> {
    await this.chain;
    const { runId } = this;
    const common = { runId, tokenizer: o.tokenizer, task: o.task };
    const summary = (dev: EvalPoint | null): MetricsSummary => ({
      trainLoss: o.lastLoss,
      dev,
      best: o.best,
    });
    try {
      if (o.best) {
        const same = o.finalWeights === null && o.best.step === o.finalStep;
        // Rewrites the best saved during training (same key), or saves it if that write failed.
        const meta = await this.storage.saveCheckpoint({
          ...common,
          step: o.best.step,
          label: same ? 'best+final' : 'best',
          weights: weightsFromArrays(o.bestWeights),
          metricsSummary: summary(o.best),
        });
        await this.dropStaleBest(meta.key);
        if (!same) {
          await this.storage.saveCheckpoint({
            ...common,
            step: o.finalStep,
            label: 'final',
            weights: weightsFromArrays(o.finalWeights ?? o.bestWeights),
            metricsSummary: summary(o.final),
          });
        }
      } else {
        await this.storage.saveCheckpoint({
          ...common,
          step: o.finalStep,
          label: 'final',
          weights: weightsFromArrays(o.bestWeights),
          metricsSummary: summary(o.final),
        });
      }
      this.post({ type: 'stored', runId, what: 'checkpoint' });
    } catch (e) {
      this.report('checkpoint', e);
    }
    await this.end(o.status, {
      best: o.best,
      final: o.final,
      wallSec: o.wallSec,
      step: o.finalStep,
    });
    await this.dropResumePoint();
  }

  /** A run that ended needs no resume point. */
  private async dropResumePoint(): Promise<void> {
    try {
      await this.storage.deleteResumePoint(this.runId);
    } catch (e) {
      this.report('status', e);
    }
  }

  /** Marks the run failed with the message the page shows. */
  /** A run stopped before its student took a step: status 'stopped', no checkpoint. */
  async stoppedEarly(wallSec: number): Promise<void> {
    await this.chain;
    await this.end('stopped', { best: null, final: null, wallSec, step: 0 });
    await this.dropResumePoint();
  }

  async fail(message: string): Promise<void> {
    await this.chain;
    await this.end('failed', { error: message });
    await this.dropResumePoint();
  }

  private async end(
    status: RunStatus,
    summary: Partial<{
      best: EvalPoint | null;
      final: EvalPoint | null;
      wallSec: number;
      step: number;
      error: string;
    }>,
  ): Promise<void> {
    try {
      await this.storage.updateRun(this.runId, { status, summary });
      this.post({ type: 'stored', runId: this.runId, what: 'status' });
    } catch (e) {
      this.report('status', e);
    }
  }
}
