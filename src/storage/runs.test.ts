// RunStorage on fake-indexeddb: run, metrics and checkpoint round trips; chunked metrics; atomic
// delete; a failing put (a full disk) aborts the whole write and loses nothing stored before;
// all-or-nothing run-JSON import (fast-check); a schema-0 checkpoint read back migrated.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { EvalPoint, TrainPoint } from '../protocol';
import { openDb, StorageError } from './db';
import { checkpointToSafetensors, runExportToJson, weightsFromArrays } from './export';
import { appendToChunks, RunStorage } from './runs';
import { CHUNK_POINTS, checkpointKey, CKPT_SCHEMA, roleName, type StoredTensor } from './schema';

let dbSeq = 0;
let storage: RunStorage;

beforeEach(async () => {
  storage = await RunStorage.open(`test-${++dbSeq}`);
});
afterEach(() => storage.close());

const trainPoints = (from: number, n: number): TrainPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    step: from + i,
    loss: 1 / (from + i),
    lr: 1e-3,
    gradNorm: 0.5,
    terms: { ce: 0.5, kd: 1 / (from + i) - 0.5 },
  }));

const evalAt = (step: number, main: number): EvalPoint => ({
  step,
  loss: 1 - main,
  metrics: { accuracy: main },
  main,
});

function weights(seed: number): Record<string, StoredTensor> {
  return weightsFromArrays(
    new Map([
      [
        'encoder.w',
        { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6].map((x) => x * seed)) },
      ],
      ['classifier.bias', { shape: [2], data: new Float32Array([seed, -seed]) }],
    ]),
  );
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

/** Puts any value into a store through the untyped IndexedDB API (records of older schemas). */
function rawPut(dbName: string, store: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(store, 'readwrite');
      tx.objectStore(store).put(value);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

describe('runs', () => {
  it('creates, reads, lists newest first, updates', async () => {
    const a = await storage.createRun(defaultRunConfig(), { id: 'a', now: 1 });
    await storage.createRun({ ...defaultRunConfig(), name: 'B' }, { id: 'b', now: 2 });
    expect(await storage.getRun('a')).toEqual(a);
    expect(await storage.getRun('zz')).toBeNull();
    const { runs, unreadable } = await storage.listRuns();
    expect(runs.map((r) => r.id)).toEqual(['b', 'a']);
    expect(unreadable).toEqual([]);
    const u = await storage.updateRun('a', { status: 'done', summary: { wallSec: 12 }, now: 5 });
    expect(u.status).toBe('done');
    expect(u.summary.wallSec).toBe(12);
    expect(u.summary.totalSteps).toBe(1200);
    expect(await storage.getRun('a')).toEqual(u);
  });

  it('refuses an invalid config and a duplicate id', async () => {
    const bad = { ...defaultRunConfig(), train: { ...defaultRunConfig().train, steps: 0 } };
    await expect(storage.createRun(bad)).rejects.toThrow(/run config: train\.steps/);
    await storage.createRun(defaultRunConfig(), { id: 'a' });
    await expect(storage.createRun(defaultRunConfig(), { id: 'a' })).rejects.toThrow(
      /a run 'a' exists already/,
    );
  });

  it('marks runs a closed tab left running or paused as interrupted', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'r', status: 'running' });
    await storage.createRun(defaultRunConfig(), { id: 'p', status: 'paused' });
    await storage.createRun(defaultRunConfig(), { id: 'd', status: 'done' });
    const hit = await storage.markInterrupted();
    expect(hit.map((r) => r.id).sort()).toEqual(['p', 'r']);
    expect((await storage.getRun('r'))?.status).toBe('interrupted');
    expect((await storage.getRun('d'))?.status).toBe('done');
  });

  it('lists a corrupt record apart instead of failing the listing', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'ok' });
    const db = await openDb(`test-${dbSeq}`);
    const good = await db.get('runs', 'ok');
    await db.put('runs', { ...good!, id: 'broken', summary: { ...good!.summary, step: -1 } });
    db.close();
    const { runs, unreadable } = await storage.listRuns();
    expect(runs.map((r) => r.id)).toEqual(['ok']);
    expect(unreadable).toEqual([{ id: 'broken', message: expect.stringMatching(/summary\.step/) }]);
  });
});

describe('metrics', () => {
  it('appends batches in chunks of CHUNK_POINTS and reads them back in order', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'm' });
    const all: TrainPoint[] = [];
    const evals: EvalPoint[] = [];
    for (let step = 1; step <= 1200; step += 100) {
      const batch = trainPoints(step, 100);
      all.push(...batch);
      const e = step % 300 === 1 ? [evalAt(step + 99, step / 2000)] : [];
      evals.push(...e);
      await storage.appendMetrics('m', batch, e);
    }
    const back = await storage.readMetrics('m');
    expect(back.train).toEqual(all);
    expect(back.evals).toEqual(evals);
    const run = (await storage.getRun('m'))!;
    expect(run.metrics.chunks).toBe(Math.ceil(1200 / CHUNK_POINTS));
    expect(run.metrics.trainPoints).toBe(1200);
    expect(run.metrics.evalPoints).toBe(4);
    expect(run.metrics.bytes).toBeGreaterThan(1200 * 50);
    expect(run.summary.step).toBe(1200);
    expect(run.summary.lastLoss).toBe(1 / 1200);
    expect(run.summary.best?.main).toBe(evals[3]!.main);
  });

  it('appendToChunks fills the open chunk, then starts new ones', () => {
    const open = { runId: 'x', chunk: 3, train: trainPoints(1, CHUNK_POINTS - 2), evals: [] };
    const out = appendToChunks(open, 'x', 4, trainPoints(CHUNK_POINTS - 1, 5), [evalAt(9, 0.5)]);
    expect(out.map((c) => [c.chunk, c.train.length, c.evals.length])).toEqual([
      [3, CHUNK_POINTS, 0],
      [4, 3, 1],
    ]);
    expect(open.train).toHaveLength(CHUNK_POINTS - 2); // not mutated
  });

  it('a failing put leaves the run and its earlier metrics as they were', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'q' });
    await storage.appendMetrics('q', trainPoints(1, 10), []);
    const before = await storage.getRun('q');
    const err = await withFullDisk('metrics', () =>
      storage.appendMetrics('q', trainPoints(11, 10), []).then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(err).toBeInstanceOf(StorageError);
    expect(err instanceof StorageError && err.kind).toBe('quota');
    expect(err instanceof Error && err.message).toMatch(
      /^Browser storage is full: metrics of run 'q' was not saved.*Nothing stored before was lost/,
    );
    expect(await storage.getRun('q')).toEqual(before);
    expect((await storage.readMetrics('q')).train).toEqual(trainPoints(1, 10));
  });
});

describe('checkpoints', () => {
  it('saves with the run config and its list entry; loads; latest; deletes one', async () => {
    const config = { ...defaultRunConfig(), name: 'with checkpoints' };
    await storage.createRun(config, { id: 'c' });
    const summary = { trainLoss: 0.4, dev: evalAt(10, 0.7), best: evalAt(10, 0.7) };
    const m10 = await storage.saveCheckpoint({
      runId: 'c',
      step: 10,
      weights: weights(1),
      metricsSummary: summary,
    });
    await storage.saveCheckpoint({ runId: 'c', step: 20, weights: weights(2), label: 'final' });
    await storage.saveCheckpoint({ runId: 'c', step: 5, role: 'teacher', weights: weights(3) });
    expect(m10.key).toBe('kd/c/step-10');
    expect(m10.bytes).toBe(32);
    const run = (await storage.getRun('c'))!;
    expect(run.checkpoints.map((m) => m.key)).toEqual([
      'kd/c/teacher/step-5',
      'kd/c/step-10',
      'kd/c/step-20',
    ]);
    const r10 = (await storage.loadCheckpoint('kd/c/step-10'))!;
    expect(r10.runConfig).toEqual(config);
    expect(r10.metricsSummary).toEqual(summary);
    expect([...new Float32Array(r10.weights['encoder.w']!.data)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await storage.latestCheckpoint('c'))?.step).toBe(20);
    expect((await storage.latestCheckpoint('c', 'teacher'))?.step).toBe(5);
    await storage.deleteCheckpoint('kd/c/step-20');
    expect(await storage.loadCheckpoint('kd/c/step-20')).toBeNull();
    expect((await storage.latestCheckpoint('c'))?.step).toBe(10);
    await expect(storage.deleteCheckpoint('kd/c/step-20')).rejects.toThrow(/no checkpoint/);
    await expect(
      storage.saveCheckpoint({ runId: 'none', step: 1, weights: weights(1) }),
    ).rejects.toThrow(/no run 'none'/);
  });

  it("a teacher ensemble's members: one key each at the same step, listed and loaded by member", async () => {
    await storage.createRun(defaultRunConfig(), { id: 'e' });
    // Members saved at the same step must not overwrite each other.
    for (const member of [0, 1, 2]) {
      await storage.saveCheckpoint({
        runId: 'e',
        step: 8,
        role: 'teacher',
        member,
        weights: weights(10 * member),
      });
    }
    const run = (await storage.getRun('e'))!;
    expect(run.checkpoints.map((m) => [m.key, m.member, roleName(m)])).toEqual([
      ['kd/e/teacher/step-8', 0, 'teacher 1'],
      ['kd/e/teacher-2/step-8', 1, 'teacher 2'],
      ['kd/e/teacher-3/step-8', 2, 'teacher 3'],
    ]);
    for (const member of [0, 1, 2]) {
      const r = (await storage.latestCheckpoint('e', 'teacher', member))!;
      expect(r.member).toBe(member);
      expect(new Float32Array(r.weights['encoder.w']!.data)[0]).toBe(10 * member);
    }
    expect(await storage.latestCheckpoint('e', 'teacher', 3)).toBeNull();
    await storage.deleteCheckpoint('kd/e/teacher-2/step-8');
    expect(await storage.latestCheckpoint('e', 'teacher', 1)).toBeNull();
    expect((await storage.latestCheckpoint('e', 'teacher', 2))?.key).toBe('kd/e/teacher-3/step-8');
  });

  // The checkpoint is put before the run's list entry: failing either write must leave neither.
  for (const failing of ['checkpoints', 'runs']) {
    it(`a full disk while saving a checkpoint (${failing} put fails): clear error, nothing half-written`, async () => {
      await storage.createRun(defaultRunConfig(), { id: 'f' });
      await storage.saveCheckpoint({ runId: 'f', step: 1, weights: weights(1) });
      const before = await storage.getRun('f');
      const err = await withFullDisk(failing, () =>
        storage.saveCheckpoint({ runId: 'f', step: 2, weights: weights(2) }).then(
          () => null,
          (e: unknown) => e,
        ),
      );
      expect(err instanceof StorageError && err.kind).toBe('quota');
      expect(err instanceof Error && err.message).toMatch(
        /the checkpoint of run 'f' at step 2 \(32 bytes\) was not saved/,
      );
      expect(await storage.loadCheckpoint('kd/f/step-2')).toBeNull();
      expect(await storage.getRun('f')).toEqual(before);
      expect((await storage.loadCheckpoint('kd/f/step-1'))?.step).toBe(1);
    });
  }

  it('reads a schema-0 checkpoint stored by an older app, migrated', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'old' });
    const data = new Float32Array([1, 2, 3]);
    // A record in the old layout, as an older app wrote it (so not of our current record type).
    await rawPut(`test-${dbSeq}`, 'checkpoints', {
      key: 'kd/old/step-3',
      runId: 'old',
      step: 3,
      config: defaultRunConfig(),
      weightSpecs: [{ name: 'w', shape: [3], dtype: 'float32' }],
      weightData: data.buffer,
    });
    const r = (await storage.loadCheckpoint('kd/old/step-3'))!;
    expect(r.schema).toBe(CKPT_SCHEMA);
    expect([...new Float32Array(r.weights['w']!.data)]).toEqual([1, 2, 3]);
  });

  it('imports a safetensors export as a finished run with one checkpoint', async () => {
    await storage.createRun(defaultRunConfig(), { id: 's' });
    await storage.saveCheckpoint({ runId: 's', step: 8, weights: weights(4), label: 'best' });
    const src = (await storage.loadCheckpoint('kd/s/step-8'))!;
    const { run, checkpoint, notes } = await storage.importSafetensors(
      checkpointToSafetensors(src),
      'x.safetensors',
    );
    expect(notes).toEqual([]);
    expect(run.status).toBe('done');
    expect(run.config).toEqual(src.runConfig);
    expect(checkpoint.key).toBe(checkpointKey(run.id, 8));
    const back = (await storage.loadCheckpoint(checkpoint.key))!;
    expect(back.weights).toStrictEqual(src.weights);
    await expect(storage.importSafetensors(new Uint8Array(3), 'bad.safetensors')).rejects.toThrow(
      /^bad\.safetensors: truncated/,
    );
  });
});

describe('delete a run', () => {
  it('removes the run, its metrics and its checkpoints together, and nothing of other runs', async () => {
    for (const id of ['x', 'y']) {
      await storage.createRun(defaultRunConfig(), { id });
      await storage.appendMetrics(id, trainPoints(1, CHUNK_POINTS + 3), [evalAt(5, 0.5)]);
      await storage.saveCheckpoint({ runId: id, step: 5, weights: weights(1) });
      await storage.saveCheckpoint({ runId: id, step: 0, role: 'teacher', weights: weights(1) });
    }
    await storage.deleteRun('x');
    expect(await storage.getRun('x')).toBeNull();
    expect(await storage.readMetrics('x')).toEqual({ train: [], evals: [] });
    expect(await storage.loadCheckpoint('kd/x/step-5')).toBeNull();
    expect(await storage.loadCheckpoint('kd/x/teacher/step-0')).toBeNull();
    expect((await storage.readMetrics('y')).train).toHaveLength(CHUNK_POINTS + 3);
    expect(await storage.loadCheckpoint('kd/y/teacher/step-0')).not.toBeNull();
    await expect(storage.deleteRun('x')).rejects.toThrow(/no run 'x'/);
  });

  it('is one transaction: a failure part-way deletes nothing', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'z' });
    await storage.appendMetrics('z', trainPoints(1, 5), []);
    await storage.saveCheckpoint({ runId: 'z', step: 5, weights: weights(1) });
    const proto = globalThis.IDBObjectStore.prototype;
    const del = proto.delete;
    proto.delete = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['delete']>) {
      if (this.name === 'checkpoints') throw new DOMException('disk I/O error', 'UnknownError');
      return del.apply(this, args);
    };
    try {
      await expect(storage.deleteRun('z')).rejects.toThrow(
        /Could not finish deleting run 'z': disk I\/O error/,
      );
    } finally {
      proto.delete = del;
    }
    expect(await storage.getRun('z')).not.toBeNull();
    expect((await storage.readMetrics('z')).train).toHaveLength(5);
    expect(await storage.loadCheckpoint('kd/z/step-5')).not.toBeNull();
  });
});

describe('run JSON export and import', () => {
  it('round-trips a run with its metrics (checkpoint weights stay behind)', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'e', status: 'running', now: 10 });
    await storage.appendMetrics('e', trainPoints(1, 700), [evalAt(100, 0.6), evalAt(700, 0.8)]);
    await storage.saveCheckpoint({ runId: 'e', step: 700, weights: weights(1) });
    const exported = await storage.exportRun('e', 0);
    const text = runExportToJson(exported);
    const imported = await storage.importRunJson(text, 'e.json');
    expect(imported.id).not.toBe('e'); // 'e' exists: a new id
    expect(imported.status).toBe('interrupted');
    expect(imported.checkpoints).toEqual([]);
    expect(await storage.readMetrics(imported.id)).toEqual(await storage.readMetrics('e'));
    const again = await storage.exportRun(imported.id, 0);
    expect({ ...again.run, id: 'e', checkpoints: [], status: 'running' }).toEqual({
      ...exported.run,
      checkpoints: [],
      updatedAt: again.run.updatedAt,
    });
  });

  it('fast-check: a bad file imports nothing; a good one imports everything', async () => {
    await storage.createRun(defaultRunConfig(), { id: 'base' });
    await storage.appendMetrics('base', trainPoints(1, 30), [evalAt(30, 0.7)]);
    const valid = runExportToJson({
      ...(await storage.exportRun('base', 0)),
      run: { ...(await storage.exportRun('base', 0)).run, id: 'imp' },
    });
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 30 }), fc.string({ maxLength: 6 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    await fc.assert(
      fc.asyncProperty(mutated, async (text) => {
        const before = (await storage.listRuns()).runs.length;
        let ok = true;
        let id = '';
        try {
          id = (await storage.importRunJson(text, 'm.json')).id;
        } catch (e) {
          ok = false;
          expect(e instanceof StorageError && e.kind).toBe('invalid');
        }
        const after = (await storage.listRuns()).runs.length;
        expect(after).toBe(before + (ok ? 1 : 0));
        if (ok) {
          const m = await storage.readMetrics(id);
          expect(m.train.length + m.evals.length).toBe(
            (await storage.getRun(id))!.metrics.trainPoints +
              (await storage.getRun(id))!.metrics.evalPoints,
          );
          await storage.deleteRun(id);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('app state and usage', () => {
  it('saves and loads page state; usage counts checkpoint and metrics bytes', async () => {
    expect(await storage.loadAppState('page')).toBeNull();
    await storage.saveAppState('page', { panel: 'runs', queue: ['a'] }, 7);
    expect(await storage.loadAppState('page')).toEqual({
      value: { panel: 'runs', queue: ['a'] },
      savedAt: 7,
    });
    await storage.createRun(defaultRunConfig(), { id: 'u' });
    await storage.appendMetrics('u', trainPoints(1, 10), []);
    await storage.saveCheckpoint({ runId: 'u', step: 10, weights: weights(1) });
    const u = await storage.usage();
    expect(u.runs).toBe(1);
    expect(u.checkpoints).toBe(1);
    expect(u.checkpointBytes).toBe(32);
    expect(u.metricsBytes).toBe((await storage.getRun('u'))!.metrics.bytes);
    expect(u.metricsBytes).toBeGreaterThan(10 * 50);
    expect(u.browser).toBeNull(); // Node has no navigator.storage
  });
});
