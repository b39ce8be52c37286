// The training worker's message handler, free of `self` so it can be driven from tests: it picks a
// backend on 'init', runs one training run at a time on 'start', and answers pause / resume / stop.
// Metrics leave in batches (one 'metrics' message per loss readback, about every 100 ms).
import type { BackendInfo, FromWorker, ToWorker, TrainPoint, EvalPoint } from '../protocol';
import { PROTOCOL_VERSION, assertNever } from '../protocol';
import type { BackendName, BackendPref } from '../config/run-config';
import { validateRunConfig } from '../config/validate';
import type { WordPieceTokenizer } from '../data/tokenizer';
import type { ParamArray } from '../model';
import type { RunStorage } from '../storage';
import { RunControl } from './control';
import { RunStoppedError, runTraining, TrainingError, type ResumeState } from './loop';
import { applyDeterminism } from './backend';
import { RunRecorder } from './persist';
import { createCheckpointService } from './checkpoint-service';
import { prepareResume, releaseResume, type ResumeContext } from './resume-run';
import { holdRunLock, runLockHeld } from './run-lock';
import { bertConfigOf, disposeTeacher } from '../kd';
import {
  adoptTeacherTokenizer,
  hasOutsideTeacher,
  loadOutsideTeacher,
  type LoadedTeacher,
} from './teacher-source';

export interface HandlerEnv {
  post(msg: FromWorker): void;
  selectBackend(pref: BackendPref): Promise<BackendInfo>;
  available(): BackendName[];
  /** Called once a backend is active (e.g. to watch for WebGPU device loss). */
  onBackendReady?(info: BackendInfo): void;
  /**
   * Opens run storage (IndexedDB): runs are saved and 'compare' / 'predict' read checkpoints.
   * Absent: nothing is saved and those requests are answered with an error.
   */
  openStorage?(): Promise<RunStorage>;
  /** The fetch a Hugging Face Hub teacher is downloaded with (default: the global one). */
  fetch?: typeof fetch;
}

interface ActiveRun {
  runId: string;
  control: RunControl;
  done: Promise<void>;
}

/** Returns the function to call with each incoming message. */
export function createWorkerHandler(env: HandlerEnv): (msg: ToWorker) => Promise<void> {
  let backend: BackendInfo | null = null;
  let active: ActiveRun | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  // Storage opens once, on first use; a failure is kept and reported to each user.
  let storage: Promise<RunStorage> | null = null;
  const openStorage = (): Promise<RunStorage> => {
    if (!env.openStorage) return Promise.reject(new Error('run storage is not available here'));
    storage ??= env.openStorage();
    return storage;
  };
  const checkpoints = createCheckpointService({
    post: env.post,
    storage: openStorage,
    backend: async () => {
      if (!backend) await init('auto');
      return backend?.name ?? null;
    },
  });

  const init = async (pref: BackendPref): Promise<void> => {
    try {
      backend = await env.selectBackend(pref);
      env.onBackendReady?.(backend);
      env.post({ type: 'ready', version: PROTOCOL_VERSION, backend, available: env.available() });
    } catch (e) {
      backend = null;
      env.post({ type: 'error', where: 'init', message: errorText(e) });
    }
  };

  /** Runs being checked and loaded for a resume (before they are active). */
  const resuming = new Set<string>();

  const resumeRun = async (msg: Extract<ToWorker, { type: 'resumeRun' }>): Promise<void> => {
    const { runId, data } = msg;
    if (active?.runId === runId || resuming.has(runId)) {
      const error = 'This run is training in this tab already: it cannot be resumed twice';
      env.post({ type: 'stored', runId, what: 'run', error });
      return;
    }
    if (await runLockHeld(runId)) {
      const error = 'This run is training in another tab: resume it there, or close that tab first';
      env.post({ type: 'stored', runId, what: 'run', error });
      return;
    }
    resuming.add(runId);
    let ctx: ResumeContext;
    try {
      if (active) {
        active.control.stop();
        await active.done;
      }
      const storage = await openStorage();
      const pref = (await storage.getRun(runId))?.config.backend;
      if (pref && (!backend || (pref !== 'auto' && pref !== backend.name))) await init(pref);
      ctx = await prepareResume(storage, runId, data, {
        ...(env.fetch ? { fetch: env.fetch } : {}),
        progress: (detail) => env.post({ type: 'phase', runId, phase: 'preparing', detail }),
      });
    } catch (e) {
      resuming.delete(runId);
      env.post({ type: 'phase', runId, phase: 'failed' });
      env.post({ type: 'error', runId, where: 'config', message: errorText(e) });
      return;
    }
    resuming.delete(runId);
    env.post({ type: 'stored', runId, what: 'run' });
    // The charts continue from the stored history.
    env.post({
      type: 'metrics',
      runId,
      train: ctx.train,
      evals: ctx.evals,
      progress: {
        step: ctx.state.step,
        totalSteps: ctx.config.train.steps,
        epoch: 0,
        samplesPerSec: 0,
        etaSec: null,
        elapsedSec: 0,
        numTensors: 0,
        numBytes: 0,
      },
    });
    const startMsg = {
      type: 'start',
      version: PROTOCOL_VERSION,
      runId,
      config: ctx.config,
      data: ctx.data,
    };
    await start(startMsg as Extract<ToWorker, { type: 'start' }>, ctx);
  };

  const start = async (
    msg: Extract<ToWorker, { type: 'start' }>,
    resume?: ResumeContext,
  ): Promise<void> => {
    if (active) {
      active.control.stop();
      await active.done;
    }
    const { runId } = msg;
    let { config, data } = msg;
    const problems = validateRunConfig(config);
    if (problems.length > 0) {
      env.post({
        type: 'error',
        runId,
        where: 'config',
        message: problems.map((p) => `${p.path}: ${p.message}`).join('\n'),
      });
      if (resume) releaseResume(resume);
      return;
    }
    if (!backend || (config.backend !== 'auto' && config.backend !== backend.name))
      await init(config.backend);
    if (!backend) {
      if (resume) releaseResume(resume);
      return;
    }
    // A saved or Hugging Face teacher is loaded before anything is recorded: a bad one starts
    // nothing. The run then tokenises with its vocabulary.
    let outside: LoadedTeacher | null = null;
    // A resumed run's saved-checkpoint or Hub teacher was loaded (its vocabulary adopted) already.
    if (hasOutsideTeacher(config) && !resume?.teacher) {
      env.post({ type: 'phase', runId, phase: 'preparing', detail: 'loading the teacher' });
      try {
        outside = await loadOutsideTeacher(config, data.spec, {
          ...(env.openStorage ? { storage: openStorage } : {}),
          ...(msg.teacherFiles ? { files: msg.teacherFiles } : {}),
          ...(env.fetch ? { fetch: env.fetch } : {}),
        });
      } catch (e) {
        env.post({ type: 'phase', runId, phase: 'failed' });
        env.post({ type: 'error', runId, where: 'teacher', message: `Teacher: ${errorText(e)}` });
        if (resume) releaseResume(resume);
        return;
      }
      ({ config, data } = adoptTeacherTokenizer(config, data, outside.tokenizer));
    }
    const teacherSource = outside?.source;
    const control = new RunControl();
    const pendingTrain: TrainPoint[] = [];
    const pendingEvals: EvalPoint[] = [];
    const name = backend.name;
    const backendLabel = backend.adapter ? `${name} (${backend.adapter})` : name;
    let preparedYet = false;
    let lastLoss: number | null = null;
    const startedAt = performance.now();
    const done = (async () => {
      // Held while this worker trains the run: a resume from another tab is refused meanwhile.
      const unlock = await holdRunLock(runId);
      applyDeterminism(name, config.train.deterministic);
      const recorder = env.openStorage
        ? await openStorage().then(
            (s) =>
              resume
                ? RunRecorder.continuing(s, resume.run, env.post)
                : RunRecorder.begin(s, runId, config, backendLabel, env.post),
            (e: unknown) => {
              const why = errorText(e);
              env.post({ type: 'stored', runId, what: 'run', error: `Runs are not saved: ${why}` });
              return null;
            },
          )
        : null;
      // A Hugging Face teacher from picked files is saved as the run's teacher checkpoint before
      // training (its files are not kept), so a resume reloads it from there. A failed save (a
      // full disk) is reported and the run trains on; such a run is refused at resume.
      const ref = config.kd?.teacher;
      if (recorder && outside && !resume && ref?.source === 'hf' && ref.from.kind === 'files') {
        const arch = bertConfigOf(outside.bundle.model);
        if (arch) {
          recorder.teacher(0, null, await outside.bundle.model.params.toArrays(), {
            tokenizer: { ...outside.tokenizer, vocab: [...outside.tokenizer.vocab] },
            task: data.spec,
            lastLoss: null,
            arch,
          });
        }
      }
      try {
        const result = await runTraining(config, data, {
          backend: name,
          control,
          keepFinal: recorder !== null,
          ...(outside ? { teacher: outside.bundle } : {}),
          ...(resume?.teacher ? { teacher: resume.teacher } : {}),
          ...(resume ? { resumeFrom: resume.state } : {}),
          ...(recorder
            ? {
                onResumePoint: (state: ResumeState) => recorder.resumePoint(state),
                onNewBest: (
                  point: EvalPoint,
                  weights: Map<string, ParamArray>,
                  tokenizer: WordPieceTokenizer,
                ) =>
                  recorder.best(point, weights, {
                    tokenizer: { vocab: [...tokenizer.vocab], lowercase: tokenizer.lowercase },
                    task: data.spec,
                    lastLoss,
                  }),
                onTeacher: (
                  step: number,
                  dev: EvalPoint | null,
                  weights: Map<string, ParamArray>,
                  tokenizer: WordPieceTokenizer,
                  member: number,
                ) =>
                  recorder.teacher(step, dev, weights, {
                    tokenizer: { vocab: [...tokenizer.vocab], lowercase: tokenizer.lowercase },
                    task: data.spec,
                    lastLoss: null,
                    ...(config.kd?.teacher?.source === 'train' &&
                    (config.kd.teacher.ensemble ?? 1) > 1
                      ? { member }
                      : {}),
                  }),
              }
            : {}),
          hooks: {
            phase: (phase, detail) =>
              env.post(
                detail ? { type: 'phase', runId, phase, detail } : { type: 'phase', runId, phase },
              ),
            prepared: (info) => {
              preparedYet = true;
              if (info.teacher && teacherSource) info.teacher.source = teacherSource;
              env.post({ type: 'prepared', runId, info });
            },
            train: (points) => {
              pendingTrain.push(...points);
              lastLoss = points[points.length - 1]?.loss ?? lastLoss;
            },
            evaluated: (point) => pendingEvals.push(point),
            progress: (progress) => {
              const train = pendingTrain.splice(0);
              const evals = pendingEvals.splice(0);
              recorder?.metrics(train, evals);
              env.post({ type: 'metrics', runId, train, evals, progress });
            },
          },
        });
        // Flush what arrived after the last progress report (the final eval of a stopped run).
        recorder?.metrics(pendingTrain.splice(0), pendingEvals.splice(0));
        env.post({ type: 'phase', runId, phase: result.stopped ? 'stopped' : 'done' });
        env.post({
          type: 'done',
          runId,
          best: result.best,
          final: result.final,
          wallSec: result.wallSec,
        });
        try {
          if (recorder) {
            const { tokenizer } = result.prepared;
            await recorder.finish({
              status: result.stopped ? 'stopped' : 'done',
              best: result.best,
              final: result.final,
              wallSec: result.wallSec,
              finalStep: result.finalStep,
              bestWeights: await result.model.params.toArrays(),
              finalWeights: result.finalWeights,
              lastLoss: result.train[result.train.length - 1]?.loss ?? null,
              tokenizer: { vocab: [...tokenizer.vocab], lowercase: tokenizer.lowercase },
              task: data.spec,
            });
          }
        } catch (e) {
          env.post({ type: 'stored', runId, what: 'checkpoint', error: errorText(e) });
        } finally {
          result.model.dispose();
        }
      } catch (e) {
        if (e instanceof RunStoppedError) {
          // Stopped before the student's first step (while the teacher trained): nothing to save.
          const wallSec = (performance.now() - startedAt) / 1000;
          env.post({ type: 'phase', runId, phase: 'stopped' });
          env.post({ type: 'done', runId, best: null, final: null, wallSec });
          await recorder?.stoppedEarly(wallSec);
          return;
        }
        // Before 'prepared' the data or tokenizer was at fault; after it, training itself.
        const where = e instanceof TrainingError || preparedYet ? 'training' : 'data';
        env.post({ type: 'phase', runId, phase: 'failed' });
        env.post({ type: 'error', runId, where, message: errorText(e) });
        await recorder?.fail(errorText(e));
      } finally {
        // The loop never frees a teacher handed to it.
        if (outside) disposeTeacher(outside.bundle);
        if (resume) releaseResume(resume);
        unlock();
      }
    })();
    active = { runId, control, done };
    await done;
    if (active?.runId === runId) active = null;
  };

  const handle = async (msg: ToWorker): Promise<void> => {
    switch (msg.type) {
      case 'init':
        if (msg.version !== PROTOCOL_VERSION) return versionError(msg.version);
        queue = queue.then(() => init(msg.backend));
        return;
      case 'start':
        if (msg.version !== PROTOCOL_VERSION) return versionError(msg.version, msg.runId);
        // Not awaited in the queue: pause/stop must get through while the run trains.
        queue = queue.then(() => {
          void start(msg);
        });
        return;
      case 'resumeRun':
        if (msg.version !== PROTOCOL_VERSION) return versionError(msg.version, msg.runId);
        queue = queue.then(() => {
          void resumeRun(msg);
        });
        return;
      case 'pause':
        if (active?.runId === msg.runId) active.control.pause();
        return;
      case 'resume':
        if (active?.runId === msg.runId) active.control.resume();
        return;
      case 'stop':
        if (active?.runId === msg.runId) active.control.stop();
        return;
      case 'compare':
      case 'predict':
        if (msg.version !== PROTOCOL_VERSION) {
          env.post({
            type: 'requestError',
            requestId: msg.requestId,
            message: `Protocol version ${msg.version} does not match the worker's ${PROTOCOL_VERSION}; reload the page`,
          });
          return;
        }
        // Outside the run queue: a comparison may run while a model trains.
        checkpoints.handle(msg);
        return;
      default:
        assertNever(msg);
    }
  };

  const versionError = (got: number, runId?: string): void => {
    const message = `Protocol version ${got} does not match the worker's ${PROTOCOL_VERSION}; reload the page`;
    env.post(
      runId
        ? { type: 'error', runId, where: 'init', message }
        : { type: 'error', where: 'init', message },
    );
  };

  return handle;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
