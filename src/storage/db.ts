// Opening the IndexedDB database (through `idb`) with its versioned upgrade steps, the typed errors
// of the storage layer (a full disk becomes one clear message), the all-or-nothing transaction
// helper every write goes through, and the storage estimate.
import {
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import {
  DB_NAME,
  DB_VERSION,
  type AppStateRecord,
  type CheckpointRecord,
  type MetricsChunk,
  type ResumeRecord,
  type RunRecord,
} from './schema';

/** The object stores. Checkpoint values may be of an older schema: read them through migrate. */
export interface DistilleryDb extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { byCreated: number } };
  /** Key [runId, chunk index]. */
  metrics: { key: [string, number]; value: MetricsChunk };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { byRun: string } };
  app: { key: string; value: AppStateRecord };
  /** Key runId: the run's one resume point (read through readResumeRecord). */
  resume: { key: string; value: ResumeRecord };
}

export type Db = IDBPDatabase<DistilleryDb>;
export type StoreName = StoreNames<DistilleryDb>;

/**
 * Upgrade steps, one per database version; each runs once, in order, inside the versionchange
 * transaction (so a failed upgrade leaves the previous version intact).
 */
function upgradeDb(db: Db, oldVersion: number): void {
  if (oldVersion < 1) {
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('byCreated', 'createdAt');
    db.createObjectStore('metrics', { keyPath: ['runId', 'chunk'] });
    const ckpts = db.createObjectStore('checkpoints', { keyPath: 'key' });
    ckpts.createIndex('byRun', 'runId');
    db.createObjectStore('app', { keyPath: 'key' });
  }
  if (oldVersion < 2) {
    // Version 2: resume points of interrupted runs. Runs, metrics and checkpoints stay as they are.
    db.createObjectStore('resume', { keyPath: 'runId' });
  }
}

/** Why a storage call failed. */
export type StorageErrorKind =
  /** The browser refused to store more (quota); nothing already stored was lost. */
  | 'quota'
  /** IndexedDB is missing or blocked (private mode in some browsers, a newer tab holding it). */
  | 'unavailable'
  /** The named run or checkpoint does not exist. */
  | 'not-found'
  /** A record or an imported file is malformed. */
  | 'invalid'
  | 'failed';

/** Every failure of src/storage: a kind to branch on and a message to show as is. */
export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** Whether `e` is the browser's "storage full" error (Chromium/WebKit name, and Firefox's). */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || !('name' in e)) return false;
  return e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** Human-readable bytes: '12.3 MB'. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** The browser's estimate of this origin's storage use and quota, or null where unavailable. */
export async function browserEstimate(): Promise<{ usage: number; quota: number } | null> {
  const nav: { storage?: { estimate?: () => Promise<StorageEstimate> } } | undefined =
    globalThis.navigator;
  if (!nav?.storage?.estimate) return null;
  try {
    const e = await nav.storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
  } catch {
    return null;
  }
}

/** Turns any failure into a StorageError; a quota error says what was not saved. */
export async function toStorageError(e: unknown, what: string): Promise<StorageError> {
  if (e instanceof StorageError) return e;
  if (isQuotaError(e)) {
    const est = await browserEstimate();
    const use = est
      ? ` (this site uses ${formatBytes(est.usage)} of ${formatBytes(est.quota)})`
      : '';
    return new StorageError(
      'quota',
      `Browser storage is full: ${what} was not saved${use}. Nothing stored before was lost. ` +
        'Delete runs or checkpoints to make room, then try again.',
      { cause: e },
    );
  }
  const why = e instanceof Error ? e.message : String(e);
  return new StorageError('failed', `Could not finish ${what}: ${why}`, { cause: e });
}

/**
 * Runs `body` in one transaction over `stores`, all or nothing: if it throws or a request fails
 * (a full disk included), the transaction is aborted and no write of it lands. `body` may await
 * only requests of `tx` (awaiting anything else lets IndexedDB commit early).
 */
export async function inTransaction<T, S extends StoreName[], M extends IDBTransactionMode>(
  db: Db,
  stores: S,
  mode: M,
  what: string,
  body: (tx: IDBPTransaction<DistilleryDb, S, M>) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(stores, mode);
  const done = tx.done;
  done.catch(() => undefined); // observed below; an abort must not surface as unhandled
  try {
    const result = await body(tx);
    await done;
    return result;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      // already committed or aborted
    }
    throw await toStorageError(e, what);
  }
}

/** Opens (creating or upgrading) the database; another tab asking for a newer version closes it. */
export async function openDb(name = DB_NAME): Promise<Db> {
  if (typeof indexedDB === 'undefined') {
    throw new StorageError('unavailable', 'This browser has no IndexedDB: runs cannot be saved.');
  }
  try {
    const db = await openDB<DistilleryDb>(name, DB_VERSION, {
      upgrade: (database, oldVersion) => upgradeDb(database, oldVersion),
      blocking: () => db.close(),
    });
    return db;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new StorageError('unavailable', `Could not open the run database: ${why}`, { cause: e });
  }
}
