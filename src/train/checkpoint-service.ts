// The worker's answers to 'compare' and 'predict': saved checkpoints are loaded from storage once
// and kept as models while they stay chosen, requests run one at a time in arrival order, and a
// 'predict' overtaken by a newer one (the person kept typing) is skipped.
import type { BackendName } from '../config/run-config';
import type { CheckpointEvaluation, CheckpointPrediction, FromWorker, ToWorker } from '../protocol';
import type { RunStorage } from '../storage';
import {
  CheckpointError,
  evaluateCheckpoint,
  loadCheckpointModel,
  predictCheckpoint,
  type LoadedCheckpoint,
} from './inference';

type CompareMsg = Extract<ToWorker, { type: 'compare' }>;
type PredictMsg = Extract<ToWorker, { type: 'predict' }>;

export interface CheckpointServiceEnv {
  post(msg: FromWorker): void;
  storage(): Promise<RunStorage>;
  /** The active backend (picking one if none is yet), or null if none could start. */
  backend(): Promise<BackendName | null>;
}

/** Examples per evaluation batch when comparing (fixed shapes: few kernels to compile). */
export const COMPARE_BATCH = 32;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The compare / predict handler of the worker, with its cache of loaded checkpoints. */
export function createCheckpointService(env: CheckpointServiceEnv): {
  handle(msg: CompareMsg | PredictMsg): void;
  /** Checkpoint keys loaded as models right now (for tests). */
  loadedKeys(): string[];
  dispose(): void;
} {
  const cache = new Map<string, LoadedCheckpoint>();
  let queue: Promise<void> = Promise.resolve();
  let latestPredict: string | null = null;

  const load = async (storage: RunStorage, key: string): Promise<LoadedCheckpoint> => {
    const hit = cache.get(key);
    if (hit) return hit;
    const record = await storage.loadCheckpoint(key);
    if (!record) throw new CheckpointError(`no checkpoint ${key} (was its run deleted?)`);
    const m = loadCheckpointModel(record);
    cache.set(key, m);
    return m;
  };

  /** Frees the models of checkpoints no longer chosen. */
  const keepOnly = (keys: readonly string[]): void => {
    for (const [key, m] of cache) {
      if (!keys.includes(key)) {
        m.dispose();
        cache.delete(key);
      }
    }
  };

  const ready = async (
    requestId: string,
  ): Promise<{ storage: RunStorage; backend: BackendName } | null> => {
    try {
      const storage = await env.storage();
      const backend = await env.backend();
      if (!backend) throw new Error('no compute backend could start (see the backend badge)');
      return { storage, backend };
    } catch (e) {
      env.post({ type: 'requestError', requestId, message: errorText(e) });
      return null;
    }
  };

  const compare = async (msg: CompareMsg): Promise<void> => {
    const ctx = await ready(msg.requestId);
    if (!ctx) return;
    keepOnly(msg.keys);
    const results: CheckpointEvaluation[] = [];
    for (const [i, key] of msg.keys.entries()) {
      env.post({
        type: 'compareProgress',
        requestId: msg.requestId,
        done: i,
        total: msg.keys.length,
        detail: `evaluating ${key} on ${msg.data.dev.length} dev examples`,
      });
      try {
        const m = await load(ctx.storage, key);
        results.push(
          await evaluateCheckpoint(m, msg.data, {
            batchSize: COMPARE_BATCH,
            latencyRuns: Math.max(1, Math.min(50, Math.round(msg.latencyRuns))),
            backend: ctx.backend,
          }),
        );
      } catch (e) {
        results.push({ key, ok: false, error: errorText(e) });
      }
    }
    env.post({ type: 'compared', requestId: msg.requestId, results });
  };

  const predict = async (msg: PredictMsg): Promise<void> => {
    if (msg.requestId !== latestPredict) return; // overtaken while queued
    const ctx = await ready(msg.requestId);
    if (!ctx) return;
    const results: CheckpointPrediction[] = [];
    for (const key of msg.keys) {
      try {
        const m = await load(ctx.storage, key);
        results.push(await predictCheckpoint(m, msg.a, msg.b));
      } catch (e) {
        results.push({ key, ok: false, error: errorText(e) });
      }
    }
    env.post({ type: 'predicted', requestId: msg.requestId, results });
  };

  return {
    handle(msg) {
      if (msg.type === 'predict') latestPredict = msg.requestId;
      const run = msg.type === 'compare' ? () => compare(msg) : () => predict(msg);
      queue = queue.then(run).catch((e: unknown) => {
        env.post({ type: 'requestError', requestId: msg.requestId, message: errorText(e) });
      });
    },
    loadedKeys: () => [...cache.keys()],
    dispose() {
      keepOnly([]);
    },
  };
}
