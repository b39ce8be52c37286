// RunStorage: runs, their metrics, their checkpoints and the page's saved state in IndexedDB. Every
// write is one transaction (a closed tab or a full disk leaves either all of it or none of it);
// reads check records with zod and migrate old checkpoints. The page and the worker both use it.
import type { RunConfig } from '../config/run-config';
import { validateRunConfig } from '../config/validate';
import type { TaskSpec } from '../data/types';
import type { BertConfig } from '../model/config';
import type { EvalPoint, TrainPoint } from '../protocol';
import { browserEstimate, inTransaction, openDb, StorageError, type Db } from './db';
import {
  checkpointFromSafetensors,
  parseRunExport,
  RUN_EXPORT_FORMAT,
  RUN_EXPORT_VERSION,
  type RunExport,
} from './export';
import {
  CHUNK_POINTS,
  checkpointKey,
  checkpointMeta,
  migrateCheckpoint,
  newRunId,
  readResumeRecord,
  readRunRecord,
  RESUME_SCHEMA,
  RUN_ID,
  RUN_SCHEMA,
  CKPT_SCHEMA,
  tensorBytes,
  type CheckpointMeta,
  type CheckpointRecord,
  type CheckpointRole,
  type MetricsChunk,
  type MetricsSummary,
  type ResumeRecord,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type StoredTensor,
  type StoredTokenizer,
} from './schema';
import { DB_NAME } from './schema';

/** Storage use: our own byte count (tensors and metrics) and the browser's estimate. */
export interface StorageUsage {
  /** Bytes of checkpoint tensors over all runs. */
  checkpointBytes: number;
  /** Approximate bytes of stored metrics (their JSON length). */
  metricsBytes: number;
  runs: number;
  checkpoints: number;
  /** navigator.storage.estimate() for the whole origin, where the browser has it. */
  browser: { usage: number; quota: number } | null;
}

/** Runs and the records that could not be read (listed, not hidden). */
export interface RunListing {
  /** Newest first. */
  runs: RunRecord[];
  unreadable: { id: string; message: string }[];
}

export interface SaveCheckpointInput {
  runId: string;
  step: number;
  role?: CheckpointRole;
  label?: string | null;
  weights: Record<string, StoredTensor>;
  optimizer?: { step: number; slots: Record<string, StoredTensor> } | null;
  metricsSummary?: MetricsSummary;
  /** Milliseconds since the epoch (default now). */
  createdAt?: number;
  /** The vocabulary the weights were trained with (needed to run the checkpoint later). */
  tokenizer?: StoredTokenizer | null;
  /** The task the weights were trained on. */
  task?: TaskSpec | null;
  /** A teacher's encoder configuration when the run config does not hold it (CheckpointRecord.arch). */
  arch?: BertConfig;
  /** The member of a trained teacher ensemble (CheckpointRecord.member; role 'teacher' only). */
  member?: number;
}

/**
 * A resume point to save (`schema`, `bytes` and, by default, `createdAt` are filled in; `method`
 * and `swa` default to null).
 */
export type SaveResumeInput = Omit<
  ResumeRecord,
  'schema' | 'bytes' | 'createdAt' | 'method' | 'swa'
> &
  Partial<Pick<ResumeRecord, 'method' | 'swa'>> & {
    createdAt?: number;
  };

/** What `rewindRun` leaves: the run record and the metrics it kept (steps up to the rewind). */
export interface RewoundRun {
  run: RunRecord;
  train: TrainPoint[];
  evals: EvalPoint[];
}

const EMPTY_SUMMARY: MetricsSummary = { trainLoss: null, dev: null, best: null };
const ACTIVE: readonly RunStatus[] = ['running', 'paused'];

function emptyRunSummary(config: RunConfig): RunSummary {
  return {
    step: 0,
    totalSteps: config.train.steps,
    lastLoss: null,
    best: null,
    final: null,
    wallSec: 0,
    backend: null,
    error: null,
  };
}

/**
 * Appends points to a run's open chunk (or starts chunk `next`), starting new chunks every
 * CHUNK_POINTS train points; evals go with the last chunk written. Returns the chunks to put.
 */
export function appendToChunks(
  open: MetricsChunk | null,
  runId: string,
  next: number,
  train: readonly TrainPoint[],
  evals: readonly EvalPoint[],
): MetricsChunk[] {
  const out: MetricsChunk[] = [];
  let cur: MetricsChunk = open
    ? { ...open, train: [...open.train], evals: [...open.evals] }
    : { runId, chunk: next, train: [], evals: [] };
  let index = cur.chunk;
  for (const p of train) {
    if (cur.train.length >= CHUNK_POINTS) {
      out.push(cur);
      index += 1;
      cur = { runId, chunk: index, train: [], evals: [] };
    }
    cur.train.push(p);
  }
  cur.evals.push(...evals);
  out.push(cur);
  return out;
}

const chunkBytes = (c: MetricsChunk): number => JSON.stringify(c).length;

/** The run id of a checkpoint key `kd/<runId>/…`. */
function runIdOfKey(key: string): string {
  const id = key.split('/')[1] ?? '';
  if (!key.startsWith('kd/') || !RUN_ID.test(id)) {
    throw new StorageError('invalid', `'${key}' is not a checkpoint key (kd/<runId>/step-<n>)`);
  }
  return id;
}

/** The page's and the worker's access to stored runs. Open with `RunStorage.open()`. */
export class RunStorage {
  private constructor(private readonly db: Db) {}

  /** Opens the database (default name 'distillery'). */
  static async open(name = DB_NAME): Promise<RunStorage> {
    return new RunStorage(await openDb(name));
  }

  close(): void {
    this.db.close();
  }

  // --- runs --------------------------------------------------------------------------------

  /** Stores a new run (config checked with validateRunConfig) and returns its record. */
  async createRun(
    config: RunConfig,
    opts: { id?: string; status?: RunStatus; now?: number } = {},
  ): Promise<RunRecord> {
    const errors = validateRunConfig(config);
    if (errors.length > 0) {
      throw new StorageError('invalid', `run config: ${errors[0]!.path}: ${errors[0]!.message}`);
    }
    const now = opts.now ?? Date.now();
    const id = opts.id ?? newRunId(now);
    if (!RUN_ID.test(id)) throw new StorageError('invalid', `bad run id '${id}'`);
    const record: RunRecord = {
      schema: RUN_SCHEMA,
      id,
      createdAt: now,
      updatedAt: now,
      config: structuredClone(config),
      status: opts.status ?? 'queued',
      summary: emptyRunSummary(config),
      checkpoints: [],
      metrics: { chunks: 0, trainPoints: 0, evalPoints: 0, bytes: 0 },
    };
    await inTransaction(this.db, ['runs'], 'readwrite', `run '${id}'`, async (tx) => {
      const store = tx.objectStore('runs');
      if (await store.get(id)) throw new StorageError('invalid', `a run '${id}' exists already`);
      await store.add(record);
    });
    return record;
  }

  /** The run, or null. */
  async getRun(id: string): Promise<RunRecord | null> {
    const r = await this.db.get('runs', id);
    return r === undefined ? null : readRunRecord(r, `run '${id}'`);
  }

  /** Every run, newest first; records that fail their check are listed apart. */
  async listRuns(): Promise<RunListing> {
    const all: unknown[] = await this.db.getAll('runs');
    const runs: RunRecord[] = [];
    const unreadable: RunListing['unreadable'] = [];
    for (const r of all) {
      try {
        runs.push(readRunRecord(r));
      } catch (e) {
        const id = typeof r === 'object' && r !== null && 'id' in r ? String(r.id) : '?';
        unreadable.push({ id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    runs.sort((a, b) => b.createdAt - a.createdAt);
    return { runs, unreadable };
  }

  /** Updates a run's status and/or summary fields; returns the new record. */
  async updateRun(
    id: string,
    update: { status?: RunStatus; summary?: Partial<RunSummary>; now?: number },
  ): Promise<RunRecord> {
    return inTransaction(this.db, ['runs'], 'readwrite', `run '${id}'`, async (tx) => {
      const store = tx.objectStore('runs');
      const run = await this.requireRun(store.get(id), id);
      const next: RunRecord = {
        ...run,
        status: update.status ?? run.status,
        summary: { ...run.summary, ...update.summary },
        updatedAt: update.now ?? Date.now(),
      };
      await store.put(next);
      return next;
    });
  }

  /**
   * Runs a closed tab left 'running' or 'paused' become 'interrupted' (call once at page start,
   * before any run starts); returns them, for the page to offer a resume from their checkpoint.
   */
  async markInterrupted(now = Date.now()): Promise<RunRecord[]> {
    return inTransaction(this.db, ['runs'], 'readwrite', 'marking interrupted runs', async (tx) => {
      const store = tx.objectStore('runs');
      const out: RunRecord[] = [];
      for (const raw of await store.getAll()) {
        if (!ACTIVE.includes(raw.status)) continue;
        const next: RunRecord = { ...raw, status: 'interrupted', updatedAt: now };
        await store.put(next);
        out.push(next);
      }
      return out;
    });
  }

  /** Deletes a run with its metrics and checkpoints, in one transaction. */
  async deleteRun(id: string): Promise<void> {
    const stores: ['runs', 'metrics', 'checkpoints', 'resume'] = [
      'runs',
      'metrics',
      'checkpoints',
      'resume',
    ];
    await inTransaction(this.db, stores, 'readwrite', `deleting run '${id}'`, async (tx) => {
      await this.requireRun(tx.objectStore('runs').get(id), id);
      await tx.objectStore('runs').delete(id);
      await tx.objectStore('resume').delete(id);
      await tx.objectStore('metrics').delete(IDBKeyRange.bound([id, 0], [id, Infinity]));
      const ckpts = tx.objectStore('checkpoints');
      for (const key of await ckpts.index('byRun').getAllKeys(id)) await ckpts.delete(key);
    });
  }

  private async requireRun(found: Promise<RunRecord | undefined>, id: string): Promise<RunRecord> {
    const r = await found;
    if (!r) throw new StorageError('not-found', `no run '${id}'`);
    return r;
  }

  // --- metrics -----------------------------------------------------------------------------

  /**
   * Appends a batch of metrics (as the worker sends them) to a run, in one transaction with the
   * run's counters and summary. Rewrites at most the run's open chunk plus new ones.
   */
  async appendMetrics(
    runId: string,
    train: readonly TrainPoint[],
    evals: readonly EvalPoint[],
  ): Promise<void> {
    if (train.length === 0 && evals.length === 0) return;
    const what = `metrics of run '${runId}'`;
    await inTransaction(this.db, ['runs', 'metrics'], 'readwrite', what, async (tx) => {
      const runs = tx.objectStore('runs');
      const metrics = tx.objectStore('metrics');
      const run = await this.requireRun(runs.get(runId), runId);
      const last = run.metrics.chunks - 1;
      const open = last >= 0 ? ((await metrics.get([runId, last])) ?? null) : null;
      const chunks = appendToChunks(open, runId, run.metrics.chunks, train, evals);
      let bytes = run.metrics.bytes - (open ? chunkBytes(open) : 0);
      for (const c of chunks) {
        bytes += chunkBytes(c);
        await metrics.put(c);
      }
      const lastTrain = train[train.length - 1];
      const lastEval = evals[evals.length - 1];
      const best = evals.reduce<EvalPoint | null>(
        (b, e) => (b === null || e.main > b.main ? e : b),
        run.summary.best,
      );
      await runs.put({
        ...run,
        updatedAt: Date.now(),
        metrics: {
          chunks: chunks[chunks.length - 1]!.chunk + 1,
          trainPoints: run.metrics.trainPoints + train.length,
          evalPoints: run.metrics.evalPoints + evals.length,
          bytes,
        },
        summary: {
          ...run.summary,
          step: Math.max(run.summary.step, lastTrain?.step ?? 0, lastEval?.step ?? 0),
          lastLoss: lastTrain?.loss ?? run.summary.lastLoss,
          best,
        },
      });
    });
  }

  /** A run's metrics, in the order they were appended. */
  async readMetrics(runId: string): Promise<{ train: TrainPoint[]; evals: EvalPoint[] }> {
    const chunks = await this.db.getAll(
      'metrics',
      IDBKeyRange.bound([runId, 0], [runId, Infinity]),
    );
    chunks.sort((a, b) => a.chunk - b.chunk);
    return { train: chunks.flatMap((c) => c.train), evals: chunks.flatMap((c) => c.evals) };
  }

  // --- checkpoints -------------------------------------------------------------------------

  /**
   * Saves a checkpoint (STYLE R17) under `kd/<runId>/step-<n>` together with its entry in the
   * run's list, in one transaction: after a crash or a full disk, either both are there or
   * neither. The record carries the run's config. Saving the same key again replaces it.
   */
  async saveCheckpoint(input: SaveCheckpointInput): Promise<CheckpointMeta> {
    const role = input.role ?? 'student';
    const key = checkpointKey(input.runId, input.step, role, input.member ?? 0);
    const optimizer = input.optimizer ?? null;
    const bytes = tensorBytes(input.weights) + (optimizer ? tensorBytes(optimizer.slots) : 0);
    const what = `the checkpoint of run '${input.runId}' at step ${input.step} (${bytes} bytes)`;
    return inTransaction(this.db, ['runs', 'checkpoints'], 'readwrite', what, async (tx) => {
      const runs = tx.objectStore('runs');
      const run = await this.requireRun(runs.get(input.runId), input.runId);
      const record: CheckpointRecord = {
        schema: CKPT_SCHEMA,
        key,
        runId: input.runId,
        role,
        label: input.label ?? null,
        createdAt: input.createdAt ?? Date.now(),
        step: input.step,
        runConfig: run.config,
        metricsSummary: input.metricsSummary ?? EMPTY_SUMMARY,
        weights: input.weights,
        optimizer,
        bytes,
        tokenizer: input.tokenizer ?? null,
        task: input.task ?? null,
        ...(input.arch ? { arch: input.arch } : {}),
        ...(input.member !== undefined ? { member: input.member } : {}),
      };
      await tx.objectStore('checkpoints').put(record);
      const meta = checkpointMeta(record);
      const list = run.checkpoints.filter((m) => m.key !== key);
      list.push(meta);
      list.sort(
        (a, b) =>
          a.step - b.step || a.role.localeCompare(b.role) || (a.member ?? 0) - (b.member ?? 0),
      );
      await runs.put({ ...run, checkpoints: list, updatedAt: Date.now() });
      return meta;
    });
  }

  /** The checkpoint at `key` (migrated to the current schema), or null. */
  async loadCheckpoint(key: string): Promise<CheckpointRecord | null> {
    const raw: unknown = await this.db.get('checkpoints', key);
    if (raw === undefined) return null;
    try {
      return migrateCheckpoint(raw, `checkpoint ${key}`);
    } catch (e) {
      throw new StorageError('invalid', e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  /**
   * The run's checkpoint of `role` with the highest step (to resume from), or null; for a teacher
   * ensemble, that of member `member` (a single teacher is member 0).
   */
  async latestCheckpoint(
    runId: string,
    role: CheckpointRole = 'student',
    member = 0,
  ): Promise<CheckpointRecord | null> {
    const run = await this.getRun(runId);
    const metas = (run?.checkpoints ?? []).filter(
      (m) => m.role === role && (m.member ?? 0) === member,
    );
    const last = metas.reduce<CheckpointMeta | null>(
      (b, m) => (!b || m.step > b.step ? m : b),
      null,
    );
    return last ? this.loadCheckpoint(last.key) : null;
  }

  /** Deletes one checkpoint and its entry in the run's list, in one transaction. */
  async deleteCheckpoint(key: string): Promise<void> {
    const runId = runIdOfKey(key);
    const what = `deleting checkpoint ${key}`;
    await inTransaction(this.db, ['runs', 'checkpoints'], 'readwrite', what, async (tx) => {
      const runs = tx.objectStore('runs');
      const run = await this.requireRun(runs.get(runId), runId);
      if (!run.checkpoints.some((m) => m.key === key)) {
        throw new StorageError('not-found', `no checkpoint ${key}`);
      }
      await tx.objectStore('checkpoints').delete(key);
      await runs.put({ ...run, checkpoints: run.checkpoints.filter((m) => m.key !== key) });
    });
  }

  /**
   * Imports a safetensors file as a finished run of one checkpoint: the run config from the file's
   * metadata (our exports carry it) or `config`. Run and checkpoint are written in one transaction.
   */
  async importSafetensors(
    bytes: Uint8Array,
    source: string,
    config?: RunConfig,
  ): Promise<{ run: RunRecord; checkpoint: CheckpointMeta; notes: string[] }> {
    const w = checkpointFromSafetensors(bytes, source);
    const runConfig = w.runConfig ?? config;
    if (!runConfig) {
      throw new StorageError(
        'invalid',
        `${source}: the file carries no run config (not a Distillery export): choose the config it was trained with`,
      );
    }
    const now = Date.now();
    const id = newRunId(now);
    const step = w.step ?? 0;
    const role = w.role ?? 'student';
    const key = checkpointKey(id, step, role);
    const record: CheckpointRecord = {
      schema: CKPT_SCHEMA,
      key,
      runId: id,
      role,
      label: 'imported',
      createdAt: now,
      step,
      runConfig,
      metricsSummary: w.metricsSummary ?? EMPTY_SUMMARY,
      weights: w.weights,
      optimizer: null,
      bytes: tensorBytes(w.weights),
      tokenizer: w.tokenizer,
      task: w.task,
      ...(role === 'teacher' && w.arch ? { arch: w.arch } : {}),
    };
    const meta = checkpointMeta(record);
    const run: RunRecord = {
      schema: RUN_SCHEMA,
      id,
      createdAt: now,
      updatedAt: now,
      config: runConfig,
      status: 'done',
      summary: { ...emptyRunSummary(runConfig), step, best: record.metricsSummary.best },
      checkpoints: [meta],
      metrics: { chunks: 0, trainPoints: 0, evalPoints: 0, bytes: 0 },
    };
    const what = `the imported checkpoint ${source}`;
    await inTransaction(this.db, ['runs', 'checkpoints'], 'readwrite', what, async (tx) => {
      await tx.objectStore('runs').add(run);
      await tx.objectStore('checkpoints').put(record);
    });
    return { run, checkpoint: meta, notes: w.notes };
  }

  // --- run JSON ----------------------------------------------------------------------------

  /** A run with its metrics, ready for `runExportToJson` (checkpoint weights are not included). */
  async exportRun(id: string, now = Date.now()): Promise<RunExport> {
    const run = await this.getRun(id);
    if (!run) throw new StorageError('not-found', `no run '${id}'`);
    const metrics = await this.readMetrics(id);
    const { schema: _schema, metrics: _counts, ...rest } = run;
    return {
      format: RUN_EXPORT_FORMAT,
      version: RUN_EXPORT_VERSION,
      exportedAt: new Date(now).toISOString(),
      run: rest,
      metrics,
    };
  }

  /**
   * Imports a run export (JSON text), all or nothing: the text is checked completely first, then
   * the run and its metrics are written in one transaction. The run keeps its id unless one like
   * it exists (then it gets a new one); it has no checkpoints (JSON carries no weights), and a
   * run that was active when exported comes back 'interrupted'.
   */
  async importRunJson(text: string, source = 'run.json'): Promise<RunRecord> {
    const e = parseRunExport(text, source);
    const chunks = appendToChunks(null, '', 0, e.metrics.train, e.metrics.evals);
    return inTransaction(
      this.db,
      ['runs', 'metrics'],
      'readwrite',
      `importing ${source}`,
      async (tx) => {
        const runs = tx.objectStore('runs');
        const id = (await runs.get(e.run.id)) ? newRunId() : e.run.id;
        const trainPoints = e.metrics.train.length;
        const record: RunRecord = {
          schema: RUN_SCHEMA,
          ...e.run,
          id,
          status: ACTIVE.includes(e.run.status) ? 'interrupted' : e.run.status,
          checkpoints: [],
          metrics: {
            chunks: trainPoints + e.metrics.evals.length === 0 ? 0 : chunks.length,
            trainPoints,
            evalPoints: e.metrics.evals.length,
            bytes: 0,
          },
        };
        if (record.metrics.chunks > 0) {
          for (const c of chunks) {
            const own = { ...c, runId: id };
            record.metrics.bytes += chunkBytes(own);
            await tx.objectStore('metrics').put(own);
          }
        }
        await runs.add(record);
        return record;
      },
    );
  }

  // --- resume points ------------------------------------------------------------------------

  /**
   * Saves a run's resume point, replacing the previous one in the same transaction: a closed tab
   * or a full disk leaves either the old point or the new one, never a mix.
   */
  async saveResumePoint(input: SaveResumeInput): Promise<void> {
    const o = input.optimizer;
    if (o.m.byteLength !== o.v.byteLength) {
      throw new StorageError('invalid', `resume point of run '${input.runId}': moments differ`);
    }
    const bytes =
      tensorBytes(input.weights) +
      (input.bestWeights ? tensorBytes(input.bestWeights) : 0) +
      o.m.byteLength +
      o.v.byteLength +
      (input.method ? tensorBytes(input.method.tensors) : 0) +
      (input.swa ? tensorBytes(input.swa.weights) : 0);
    const record: ResumeRecord = {
      schema: RESUME_SCHEMA,
      runId: input.runId,
      step: input.step,
      createdAt: input.createdAt ?? Date.now(),
      weights: input.weights,
      optimizer: o,
      best: input.best,
      bestWeights: input.bestWeights,
      method: input.method ?? null,
      swa: input.swa ?? null,
      bytes,
    };
    const what = `the resume point of run '${input.runId}' at step ${input.step} (${bytes} bytes)`;
    await inTransaction(this.db, ['runs', 'resume'], 'readwrite', what, async (tx) => {
      await this.requireRun(tx.objectStore('runs').get(input.runId), input.runId);
      await tx.objectStore('resume').put(record);
    });
  }

  /** The run's resume point (checked), or null. */
  async loadResumePoint(runId: string): Promise<ResumeRecord | null> {
    const raw: unknown = await this.db.get('resume', runId);
    if (raw === undefined) return null;
    try {
      return readResumeRecord(raw, `resume point of run '${runId}'`);
    } catch (e) {
      throw new StorageError('invalid', e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  /** Ids of the runs that have a resume point (keys only: no tensor is read). */
  async resumableRunIds(): Promise<string[]> {
    return this.db.getAllKeys('resume');
  }

  /** Deletes a run's resume point (none is fine). */
  async deleteResumePoint(runId: string): Promise<void> {
    await inTransaction(this.db, ['resume'], 'readwrite', `resume point of '${runId}'`, (tx) =>
      tx.objectStore('resume').delete(runId),
    );
  }

  /**
   * Rewinds a run to `step` before it resumes there, in one transaction: train points and
   * evaluations after `step` are dropped (the resumed run writes them again), student checkpoints
   * after it are deleted, and the run is 'running' again with its summary at `step`. Returns the
   * run and the metrics it kept.
   */
  async rewindRun(runId: string, step: number): Promise<RewoundRun> {
    const stores: ['runs', 'metrics', 'checkpoints'] = ['runs', 'metrics', 'checkpoints'];
    const what = `rewinding run '${runId}' to step ${step}`;
    return inTransaction(this.db, stores, 'readwrite', what, async (tx) => {
      const runs = tx.objectStore('runs');
      const metrics = tx.objectStore('metrics');
      const ckpts = tx.objectStore('checkpoints');
      const run = await this.requireRun(runs.get(runId), runId);
      const range = IDBKeyRange.bound([runId, 0], [runId, Infinity]);
      const chunks = (await metrics.getAll(range)).sort((a, b) => a.chunk - b.chunk);
      const train = chunks.flatMap((c) => c.train).filter((p) => p.step <= step);
      const evals = chunks.flatMap((c) => c.evals).filter((p) => p.step <= step);
      await metrics.delete(range);
      const kept =
        train.length + evals.length > 0 ? appendToChunks(null, runId, 0, train, evals) : [];
      let bytes = 0;
      for (const c of kept) {
        bytes += chunkBytes(c);
        await metrics.put(c);
      }
      const later = run.checkpoints.filter((m) => m.role === 'student' && m.step > step);
      for (const m of later) await ckpts.delete(m.key);
      const best = evals.reduce<EvalPoint | null>(
        (b, e) => (b === null || e.main > b.main ? e : b),
        null,
      );
      const next: RunRecord = {
        ...run,
        status: 'running',
        updatedAt: Date.now(),
        checkpoints: run.checkpoints.filter((m) => !later.includes(m)),
        metrics: {
          chunks: kept.length,
          trainPoints: train.length,
          evalPoints: evals.length,
          bytes,
        },
        summary: {
          ...run.summary,
          step,
          lastLoss: train[train.length - 1]?.loss ?? null,
          best,
          final: null,
          error: null,
        },
      };
      await runs.put(next);
      return { run: next, train, evals };
    });
  }

  // --- app state and usage -----------------------------------------------------------------

  /** Saves a structured-cloneable value the page restores on reload (e.g. 'page'). */
  async saveAppState(key: string, value: unknown, now = Date.now()): Promise<void> {
    await inTransaction(this.db, ['app'], 'readwrite', `app state '${key}'`, async (tx) => {
      await tx.objectStore('app').put({ key, schema: 1, savedAt: now, value });
    });
  }

  /** The value saved under `key`, or null; validate it before use (it may be from an older app). */
  async loadAppState(key: string): Promise<{ value: unknown; savedAt: number } | null> {
    const r = await this.db.get('app', key);
    return r ? { value: r.value, savedAt: r.savedAt } : null;
  }

  /** Bytes we store (from the run records, without loading any tensor) and the browser's estimate. */
  async usage(): Promise<StorageUsage> {
    const { runs } = await this.listRuns();
    let checkpointBytes = 0;
    let metricsBytes = 0;
    let checkpoints = 0;
    for (const r of runs) {
      metricsBytes += r.metrics.bytes;
      checkpoints += r.checkpoints.length;
      checkpointBytes += r.checkpoints.reduce((n, m) => n + m.bytes, 0);
    }
    return {
      checkpointBytes,
      metricsBytes,
      runs: runs.length,
      checkpoints,
      browser: await browserEstimate(),
    };
  }
}

/**
 * Asks the browser to keep this origin's data under storage pressure (navigator.storage.persist);
 * false where it declines or cannot.
 */
export async function requestPersistence(): Promise<boolean> {
  // StorageManager.persist exists on windows only (not in workers' typings or workers).
  const storage: unknown = globalThis.navigator?.storage;
  if (typeof storage !== 'object' || storage === null || !('persist' in storage)) return false;
  if (typeof storage.persist !== 'function') return false;
  try {
    const granted: unknown = await storage.persist();
    return granted === true;
  } catch {
    return false;
  }
}
