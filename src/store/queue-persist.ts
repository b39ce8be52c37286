// The run queue across reloads: the queued (not yet started) runs and whether the queue was running
// are written to IndexedDB (the `app` record 'queue', format in src/storage/queue.ts) whenever they
// change, and put back in the session when the page loads, with a notice. A restored queue is held:
// a reload never starts training by itself (a run cut off mid-training is a saved run, listed as
// interrupted, and resumes from the Runs panel). Started and ended runs are saved runs already, so
// they are not written here. One tab keeps the stored queue: the first to open holds a Web Lock for
// its life, and a second tab opened meanwhile neither restores nor writes the queue (it would run
// the first tab's queued runs a second time, and each tab's writes would undo the other's); it
// says so. Built over an injected storage opener and lock, so tests drive it in Node.
import {
  QUEUE_SCHEMA,
  QUEUE_STATE_KEY,
  readStoredQueue,
  type RunStorage,
  type StoredQueue,
} from '../storage';
import { tryHoldLock } from '../util/web-locks';
import type { AppStore } from './index';
import {
  queuedSnapshot,
  withNotice,
  withRestoredQueue,
  type SessionRun,
  type SessionSlice,
} from './slices/session';

/** What the queue's persistence needs of storage (RunStorage fits; tests may pass a fake). */
export type QueueStateStorage = Pick<RunStorage, 'saveAppState' | 'loadAppState'>;

/** The stored form of a session's queue: its queued runs in order, and whether it runs. */
export function storedQueueOf(s: SessionSlice): StoredQueue {
  return { schema: QUEUE_SCHEMA, running: s.auto, entries: queuedSnapshot(s) };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The notice shown after a restore (null when there is nothing to say). */
export function restoreNotice(queue: StoredQueue, dropped: readonly string[]): string | null {
  const n = queue.entries.length;
  const parts: string[] = [];
  if (n > 0) {
    parts.push(`${plural(n, 'queued run', 'queued runs')} restored.`);
    parts.push(
      queue.running
        ? 'The queue was running when the page closed; it is held, so nothing starts by itself: ' +
            'press Start queue to go on (a run cut off mid-training is under Saved runs, where it ' +
            'can resume).'
        : 'Press Start queue to run them.',
    );
    if (queue.entries.some((e) => e.config.task.source === 'file')) {
      parts.push('Runs queued for picked files start once those files are loaded again.');
    }
  }
  if (dropped.length > 0) {
    parts.push(
      `${plural(dropped.length, 'queued run', 'queued runs')} could not be restored, ` +
        `${dropped.length === 1 ? 'its' : 'their'} config no longer valid: ${dropped.join('; ')}.`,
    );
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The Web Lock held for its life by the tab that keeps the stored queue. */
export const QUEUE_LOCK = 'distillery-queue';

/** The notice of a tab that does not keep the stored queue. */
export const OTHER_TAB_NOTICE =
  'Another Distillery tab keeps the run queue, so runs queued in this tab are not saved and a ' +
  'reload loses them. Queue them in that tab, or close it and reload this one.';

/** A running queue persistence. */
export interface QueuePersistence {
  /** Settles once the stored queue has been read back (or found absent or unreadable). */
  readonly ready: Promise<void>;
  /** Settles when no write is in flight or waiting (tests). */
  idle(): Promise<void>;
  /** Stops writing (tests). */
  dispose(): void;
}

/**
 * Restores the stored queue into `store`'s session, then keeps the stored copy in step with the
 * session's queued runs and its running flag. Writes are coalesced: one in flight at a time, and
 * changes made meanwhile are written together once it lands (each write is one atomic `put` of the
 * whole queue). A record that cannot be read is replaced by the current queue, with a notice.
 */
export function installQueuePersistence(
  store: AppStore,
  open: () => Promise<QueueStateStorage>,
  opts: {
    /**
     * Whether this tab keeps the stored queue (default: takes QUEUE_LOCK if free and holds it
     * while the tab lives; true where there are no Web Locks).
     */
    claim?: () => Promise<boolean>;
  } = {},
): QueuePersistence {
  const claim = opts.claim ?? (async () => (await tryHoldLock(QUEUE_LOCK)).held);
  let storage: QueueStateStorage | null = null;
  let disposed = false;
  let unsubscribe = (): void => {};
  let lastJson: string | null = null;
  let chain: Promise<void> = Promise.resolve();
  let waiting = false;
  // The queued runs and flag last seen, to skip the many session updates (series) that leave the
  // queue alone without serialising it.
  let seenQueued: readonly SessionRun[] = [];
  let seenAuto = false;

  // Notices are problems (a queue that cannot be kept or was dropped) unless said otherwise.
  const notify = (notice: string, tone: 'info' | 'problem' = 'problem'): void => {
    const s = store.getState();
    const session = withNotice(s.session, notice, tone);
    if (session !== s.session) store.setState({ session });
  };

  const writeNow = async (): Promise<void> => {
    if (!storage || disposed) return;
    const queue = storedQueueOf(store.getState().session);
    const json = JSON.stringify(queue);
    if (json === lastJson) return;
    try {
      await storage.saveAppState(QUEUE_STATE_KEY, queue);
      lastJson = json;
    } catch (e) {
      notify(`The run queue could not be saved, so a reload would lose it: ${errorText(e)}`);
    }
  };

  const schedule = (): void => {
    if (waiting) return;
    waiting = true;
    chain = chain.then(() => {
      waiting = false;
      return writeNow();
    });
  };

  const queueChanged = (session: SessionSlice): boolean => {
    const queued = session.runs.filter((r) => r.status === 'queued');
    const same =
      session.auto === seenAuto &&
      queued.length === seenQueued.length &&
      queued.every((r, i) => r === seenQueued[i]);
    seenQueued = queued;
    seenAuto = session.auto;
    return !same;
  };

  const restore = async (): Promise<void> => {
    let owner = true;
    try {
      owner = await claim();
    } catch {
      // A lock manager that fails: keep the queue as if alone.
    }
    if (disposed) return;
    if (!owner) {
      notify(OTHER_TAB_NOTICE);
      return;
    }
    try {
      storage = await open();
    } catch (e) {
      notify(`The run queue cannot be kept across reloads: ${errorText(e)}`);
      return;
    }
    if (disposed) return;
    let record: { value: unknown } | null = null;
    try {
      record = await storage.loadAppState(QUEUE_STATE_KEY);
    } catch (e) {
      notify(`The saved run queue could not be read, so it was dropped: ${errorText(e)}`);
    }
    if (record) {
      const read = readStoredQueue(record.value);
      if (!read.ok) {
        notify(`The saved run queue could not be read, so it was dropped: ${read.reason}.`);
      } else {
        const s = store.getState();
        const notice = restoreNotice(read.queue, read.dropped);
        const session = withRestoredQueue(s.session, read.queue.entries);
        const tone = read.dropped.length > 0 ? 'problem' : 'info';
        store.setState({
          session: notice === null ? session : withNotice(session, notice, tone),
        });
      }
    }
    if (disposed) return;
    queueChanged(store.getState().session);
    unsubscribe = store.subscribe((s, prev) => {
      if (s.session !== prev.session && queueChanged(s.session)) schedule();
    });
    // The store as it now stands replaces the record: a dropped record or entries are gone for
    // good, and anything queued before the record was read is kept.
    schedule();
  };

  const ready = restore();
  return {
    ready,
    async idle() {
      await ready;
      let seen: Promise<void> | null = null;
      while (seen !== chain) {
        seen = chain;
        await chain;
      }
    },
    dispose() {
      disposed = true;
      unsubscribe();
    },
  };
}
