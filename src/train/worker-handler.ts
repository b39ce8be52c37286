// The training worker's message handler, free of `self` so it can be driven from tests: it picks a
// backend on 'init', runs one training run at a time on 'start', and answers pause / resume / stop.
// Metrics leave in batches (one 'metrics' message per loss readback, about every 100 ms).
import type { BackendInfo, FromWorker, ToWorker, TrainPoint, EvalPoint } from '../protocol';
import { PROTOCOL_VERSION, assertNever } from '../protocol';
import type { BackendName, BackendPref } from '../config/run-config';
import { validateRunConfig } from '../config/validate';
import { RunControl } from './control';
import { runTraining, TrainingError } from './loop';
import { applyDeterminism } from './backend';

export interface HandlerEnv {
  post(msg: FromWorker): void;
  selectBackend(pref: BackendPref): Promise<BackendInfo>;
  available(): BackendName[];
  /** Called once a backend is active (e.g. to watch for WebGPU device loss). */
  onBackendReady?(info: BackendInfo): void;
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

  const start = async (msg: Extract<ToWorker, { type: 'start' }>): Promise<void> => {
    if (active) {
      active.control.stop();
      await active.done;
    }
    const { runId, config, data } = msg;
    const problems = validateRunConfig(config);
    if (problems.length > 0) {
      env.post({
        type: 'error',
        runId,
        where: 'config',
        message: problems.map((p) => `${p.path}: ${p.message}`).join('\n'),
      });
      return;
    }
    if (!backend || (config.backend !== 'auto' && config.backend !== backend.name))
      await init(config.backend);
    if (!backend) return;
    const control = new RunControl();
    const pendingTrain: TrainPoint[] = [];
    const pendingEvals: EvalPoint[] = [];
    const name = backend.name;
    let preparedYet = false;
    const done = (async () => {
      applyDeterminism(name, config.train.deterministic);
      try {
        const result = await runTraining(config, data, {
          backend: name,
          control,
          hooks: {
            phase: (phase, detail) =>
              env.post(
                detail ? { type: 'phase', runId, phase, detail } : { type: 'phase', runId, phase },
              ),
            prepared: (info) => {
              preparedYet = true;
              env.post({ type: 'prepared', runId, info });
            },
            train: (points) => pendingTrain.push(...points),
            evaluated: (point) => pendingEvals.push(point),
            progress: (progress) => {
              env.post({
                type: 'metrics',
                runId,
                train: pendingTrain.splice(0),
                evals: pendingEvals.splice(0),
                progress,
              });
            },
          },
        });
        result.model.dispose();
        env.post({ type: 'phase', runId, phase: result.stopped ? 'stopped' : 'done' });
        env.post({
          type: 'done',
          runId,
          best: result.best,
          final: result.final,
          wallSec: result.wallSec,
        });
      } catch (e) {
        // Before 'prepared' the data or tokenizer was at fault; after it, training itself.
        const where = e instanceof TrainingError || preparedYet ? 'training' : 'data';
        env.post({ type: 'phase', runId, phase: 'failed' });
        env.post({ type: 'error', runId, where, message: errorText(e) });
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
      case 'pause':
        if (active?.runId === msg.runId) active.control.pause();
        return;
      case 'resume':
        if (active?.runId === msg.runId) active.control.resume();
        return;
      case 'stop':
        if (active?.runId === msg.runId) active.control.stop();
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
