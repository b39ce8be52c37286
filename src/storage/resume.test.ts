// Resume points on fake-indexeddb: save / replace / load / delete, a failing write that keeps the
// previous point whole, rewinding a run's metrics and checkpoints to a resume step, and the
// upgrade of a version-1 database (no 'resume' store) that keeps everything stored before.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { EvalPoint, TrainPoint } from '../protocol';
import { StorageError } from './db';
import { weightsFromArrays } from './export';
import { RunStorage, type SaveResumeInput } from './runs';
import { DB_VERSION, readResumeRecord, RESUME_SCHEMA, type StoredTensor } from './schema';

let dbSeq = 0;
let storage: RunStorage;
let dbName = '';

beforeEach(async () => {
  dbName = `resume-test-${++dbSeq}`;
  storage = await RunStorage.open(dbName);
});
afterEach(() => storage.close());

function weights(seed: number): Record<string, StoredTensor> {
  return weightsFromArrays(
    new Map([
      ['encoder.w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4].map((x) => x * seed)) }],
      ['classifier.bias', { shape: [2], data: new Float32Array([seed, -seed]) }],
    ]),
  );
}

const evalAt = (step: number, main: number): EvalPoint => ({
  step,
  loss: 1 - main,
  metrics: { accuracy: main },
  main,
});

const trainPoints = (from: number, n: number): TrainPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    step: from + i,
    loss: 1 / (from + i),
    lr: 1e-3,
    gradNorm: 1,
  }));

function point(runId: string, step: number, seed: number): SaveResumeInput {
  return {
    runId,
    step,
    weights: weights(seed),
    optimizer: {
      step,
      names: ['encoder.w', 'classifier.bias'],
      m: new Float32Array(6).fill(seed).buffer,
      v: new Float32Array(6).fill(seed * 2).buffer,
    },
    best: evalAt(step, 0.5 + seed / 100),
    bestWeights: seed % 2 === 0 ? weights(seed + 100) : null,
  };
}

/** Makes IDBObjectStore.put throw QuotaExceededError for `store` while `body` runs. */
async function withFullDisk<T>(store: string, body: () => Promise<T>): Promise<T> {
  const proto = globalThis.IDBObjectStore.prototype;
  const put = proto.put;
  proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (this.name === store)
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return put.apply(this, args);
  };
  try {
    return await body();
  } finally {
    proto.put = put;
  }
}

describe('resume points', () => {
  it('save, replace, load, list and delete; deleting the run deletes its point', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'a' });
    await storage.createRun(defaultRunConfig(), { id: 'b' });
    expect(await storage.loadResumePoint('a')).toBeNull();
    await storage.saveResumePoint(point('a', 10, 1));
    await storage.saveResumePoint(point('a', 20, 2));
    await storage.saveResumePoint(point('b', 5, 3));
    const a = (await storage.loadResumePoint('a'))!;
    expect(a.schema).toBe(RESUME_SCHEMA);
    expect(a.step).toBe(20);
    expect([...new Float32Array(a.weights['encoder.w']!.data)]).toEqual([2, 4, 6, 8]);
    expect([...new Float32Array(a.bestWeights!['classifier.bias']!.data)]).toEqual([102, -102]);
    expect([...new Float32Array(a.optimizer.v)]).toEqual([4, 4, 4, 4, 4, 4]);
    expect(a.best).toEqual(evalAt(20, 0.52));
    // weights 24 B + best weights 24 B + two moments of 6 floats 48 B
    expect(a.bytes).toBe(96);
    expect((await storage.resumableRunIds()).sort()).toEqual(['a', 'b']);
    await storage.deleteResumePoint('b');
    expect(await storage.resumableRunIds()).toEqual(['a']);
    await storage.deleteRun('a');
    expect(await storage.resumableRunIds()).toEqual([]);
    await expect(storage.saveResumePoint(point('gone', 1, 1))).rejects.toThrow(/no run 'gone'/);
  });

  it('a failing write (full disk) keeps the previous point whole and readable', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'f' });
    await storage.saveResumePoint(point('f', 10, 1));
    const err = await withFullDisk('resume', () =>
      storage.saveResumePoint(point('f', 20, 2)).then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(err instanceof StorageError && err.kind).toBe('quota');
    expect(err instanceof Error && err.message).toMatch(/resume point of run 'f' at step 20/);
    const kept = (await storage.loadResumePoint('f'))!;
    expect(kept.step).toBe(10);
    expect([...new Float32Array(kept.weights['encoder.w']!.data)]).toEqual([1, 2, 3, 4]);
    expect(kept.bestWeights).toBeNull();
  });

  it('refuses a malformed or newer record with its reason', () => {
    const good = {
      ...point('x', 3, 1),
      schema: RESUME_SCHEMA,
      createdAt: 1,
      bytes: 0,
      method: null,
      swa: null,
    };
    expect(readResumeRecord(good).step).toBe(3);
    const short = { ...good, optimizer: { ...good.optimizer, v: new ArrayBuffer(4) } };
    expect(() => readResumeRecord(short)).toThrow(/moments differ in size/);
    expect(() => readResumeRecord({ ...good, schema: RESUME_SCHEMA + 1 })).toThrow(
      /newer than this app reads/,
    );
    const badTensor = { shape: [3], dtype: 'float32', data: new ArrayBuffer(8) };
    expect(() =>
      readResumeRecord({ ...good, method: { tensors: { g: badTensor }, numbers: {} } }),
    ).toThrow(/method.tensors.g: data holds a different number of bytes/);
    expect(() => readResumeRecord({ ...good, swa: { count: 0, weights: weights(1) } })).toThrow(
      /swa.count/,
    );
    const { method: _m, swa: _s, ...withoutState } = good;
    expect(() => readResumeRecord(withoutState)).toThrow(/malformed resume point: method/);
  });

  it("method state and SWA's average round-trip, counted in the point's bytes", async () => {
    await storage.createRun(defaultRunConfig(), { id: 'm' });
    const gen = new Map([['generator.w', { shape: [3], data: new Float32Array([1, 2, 3]) }]]);
    await storage.saveResumePoint({
      ...point('m', 10, 1),
      method: { tensors: weightsFromArrays(gen), numbers: { generatorStep: 4 } },
      swa: { count: 2, weights: weights(5) },
    });
    const r = (await storage.loadResumePoint('m'))!;
    expect([...new Float32Array(r.method!.tensors['generator.w']!.data)]).toEqual([1, 2, 3]);
    expect(r.method!.numbers).toEqual({ generatorStep: 4 });
    expect(r.swa!.count).toBe(2);
    expect([...new Float32Array(r.swa!.weights['encoder.w']!.data)]).toEqual([5, 10, 15, 20]);
    // weights 24 B + moments 48 B + generator 12 B + θ̄ 24 B
    expect(r.bytes).toBe(108);
  });

  it('a schema-1 record (written before method state existed) loads with method and swa null', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'v1' });
    const {
      method: _m,
      swa: _s,
      ...v1
    } = {
      ...point('v1', 7, 1),
      schema: 1,
      createdAt: 5,
      bytes: 72,
    };
    const raw = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(dbName);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = raw.transaction('resume', 'readwrite');
      tx.objectStore('resume').put(v1);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    raw.close();
    const r = (await storage.loadResumePoint('v1'))!;
    expect(r.schema).toBe(RESUME_SCHEMA);
    expect(r.step).toBe(7);
    expect(r.method).toBeNull();
    expect(r.swa).toBeNull();
    expect([...new Float32Array(r.weights['encoder.w']!.data)]).toEqual([1, 2, 3, 4]);
  });

  it('rewindRun drops metrics and student checkpoints after the step, in one go', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'r', status: 'running' });
    await storage.appendMetrics('r', trainPoints(1, 600), [evalAt(200, 0.6), evalAt(400, 0.7)]);
    await storage.appendMetrics('r', trainPoints(601, 50), [evalAt(600, 0.8)]);
    await storage.saveCheckpoint({ runId: 'r', step: 0, role: 'teacher', weights: weights(9) });
    await storage.saveCheckpoint({ runId: 'r', step: 400, label: 'best', weights: weights(1) });
    await storage.saveCheckpoint({ runId: 'r', step: 600, label: 'best', weights: weights(2) });
    await storage.updateRun('r', { status: 'interrupted' });
    const { run, train, evals } = await storage.rewindRun('r', 400);
    expect(train.map((p) => p.step)).toEqual(trainPoints(1, 400).map((p) => p.step));
    expect(evals.map((e) => e.step)).toEqual([200, 400]);
    expect(run.status).toBe('running');
    expect(run.summary.step).toBe(400);
    expect(run.summary.best).toEqual(evalAt(400, 0.7));
    expect(run.summary.lastLoss).toBe(1 / 400);
    expect(run.metrics.trainPoints).toBe(400);
    expect(run.checkpoints.map((m) => m.key)).toEqual(['kd/r/teacher/step-0', 'kd/r/step-400']);
    expect(await storage.loadCheckpoint('kd/r/step-600')).toBeNull();
    const back = await storage.readMetrics('r');
    expect(back.train).toEqual(train);
    expect(back.evals).toEqual(evals);
    expect(await storage.getRun('r')).toEqual(run);
    // Appending after the rewind continues the chunks where they end.
    await storage.appendMetrics('r', trainPoints(401, 3), []);
    expect((await storage.readMetrics('r')).train.map((p) => p.step).slice(-4)).toEqual([
      400, 401, 402, 403,
    ]);
  });
});

/** Creates `name` at IndexedDB version 1 as the app of that version did, with one run in it. */
function createVersion1(name: string, run: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      const runs = db.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('byCreated', 'createdAt');
      db.createObjectStore('metrics', { keyPath: ['runId', 'chunk'] });
      const ckpts = db.createObjectStore('checkpoints', { keyPath: 'key' });
      ckpts.createIndex('byRun', 'runId');
      db.createObjectStore('app', { keyPath: 'key' });
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('runs', 'readwrite');
      tx.objectStore('runs').put(run);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

describe('database upgrade', () => {
  it('opens a version-1 database at DB_VERSION: its runs stay, resume points work', async () => {
    expect(DB_VERSION).toBe(2);
    const name = `v1-${++dbSeq}`;
    const old = await storage.createRun(defaultRunConfig(), { id: 'old-run', status: 'running' });
    await createVersion1(name, old);
    const upgraded = await RunStorage.open(name);
    try {
      expect((await upgraded.listRuns()).runs).toEqual([old]);
      expect(await upgraded.markInterrupted()).toHaveLength(1);
      await upgraded.saveResumePoint(point('old-run', 7, 1));
      expect((await upgraded.loadResumePoint('old-run'))?.step).toBe(7);
    } finally {
      upgraded.close();
    }
  });
});
