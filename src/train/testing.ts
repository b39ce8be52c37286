// Fixtures for the worker-handler tests (not used by the app): a toy sentiment task a one-layer
// BERT learns in a few steps, a one-layer run config, and a harness around createWorkerHandler
// that records what the worker posts (structured-cloned, as postMessage would) and waits for it.
import { defaultRunConfig } from '../config/defaults';
import type { RunConfig, TrainConfig } from '../config/run-config';
import type { TaskData, TaskSpec } from '../data/types';
import { TOY_SPEC } from '../kd/testing';
import { PROTOCOL_VERSION, type FromWorker, type TeacherFileBytes } from '../protocol';
import { RunStorage } from '../storage';
import { makeRng } from '../util/rng';
import { createWorkerHandler } from './worker-handler';

/**
 * "the film was good/bad really" with label 1 for good: 64 train and 16 dev rows drawn by `seed`.
 * `capital` starts each sentence with "The" (for cased-tokenizer checks); `spec` replaces parts of
 * the task spec (another id, more labels).
 */
export function filmTask(
  seed = 2,
  o: { capital?: boolean; spec?: Partial<TaskSpec> } = {},
): TaskData {
  const rng = makeRng(seed);
  const the = o.capital ? 'The' : 'the';
  const make = (n: number) =>
    Array.from({ length: n }, () => {
      const good = rng.next() < 0.5;
      return { a: `${the} film was ${good ? 'good' : 'bad'} really`, label: good ? 1 : 0 };
    });
  return {
    spec: { ...TOY_SPEC, ...o.spec },
    train: make(64),
    dev: make(16),
    source: 'test',
  };
}

/**
 * A run of `steps` steps of a one-layer width-16 BERT (no dropout; vocabulary 100, 16 tokens) on
 * wasm, batch 8, evaluating every 5 steps; `train` replaces training settings, `name` the name.
 */
export function tinyRunConfig(
  steps: number,
  train: Partial<TrainConfig> = {},
  name?: string,
): RunConfig {
  const c = defaultRunConfig();
  if (name !== undefined) c.name = name;
  c.model = {
    layers: 1,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    hiddenDropout: 0,
    attentionDropout: 0,
  };
  c.tokenizer = { ...c.tokenizer, vocabSize: 100, maxLen: 16 };
  c.train = { ...c.train, steps, batchSize: 8, evalEvery: 5, ...train };
  c.backend = 'wasm';
  return c;
}

let dbSeq = 0;

/**
 * A worker handler on the wasm backend that records its messages. With `db` it stores runs in a
 * fresh fake-indexeddb database named after it (the test file imports 'fake-indexeddb/auto');
 * `fetch` replaces the network (Hub downloads).
 */
export function handlerHarness(o: { db?: string; fetch?: typeof fetch } = {}) {
  const dbName = o.db ? `${o.db}-${++dbSeq}` : null;
  const posted: FromWorker[] = [];
  const handle = createWorkerHandler({
    post: (m) => posted.push(structuredClone(m)), // messages must survive structured cloning
    selectBackend: async () => ({ name: 'wasm', adapter: 'WebAssembly (SIMD)' }),
    available: () => ['wasm', 'cpu'],
    ...(dbName ? { openStorage: () => RunStorage.open(dbName) } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const got = () => posted.map((m) => m.type).join(',');
  /** The first message matching `pred`, polling every 10 ms for up to `ms`. */
  const waitUntil = async (pred: (m: FromWorker) => boolean, ms = 60_000): Promise<FromWorker> => {
    const t0 = Date.now();
    for (;;) {
      const hit = posted.find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > ms) throw new Error(`timed out; got ${got()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** The first message of `type` matching `pred`, typed. */
  const waitFor = async <T extends FromWorker['type']>(
    type: T,
    pred: (m: Extract<FromWorker, { type: T }>) => boolean = () => true,
    ms = 90_000,
  ): Promise<Extract<FromWorker, { type: T }>> => {
    try {
      return (await waitUntil(
        (m) => m.type === type && pred(m as Extract<FromWorker, { type: T }>),
        ms,
      )) as Extract<FromWorker, { type: T }>;
    } catch {
      throw new Error(`timed out waiting for ${type}; got ${got()}`);
    }
  };
  const start = (
    runId: string,
    config: RunConfig,
    data: TaskData,
    teacherFiles?: TeacherFileBytes[],
  ) =>
    handle({
      type: 'start',
      version: PROTOCOL_VERSION,
      runId,
      config,
      data,
      ...(teacherFiles ? { teacherFiles } : {}),
    });
  const open = () => {
    if (!dbName) throw new Error('this harness has no storage: pass { db }');
    return RunStorage.open(dbName);
  };
  return { posted, handle, waitFor, waitUntil, start, open };
}

export type HandlerHarness = ReturnType<typeof handlerHarness>;
