// The run queue across a reload, on fake-indexeddb: a page's queued runs come back in a new page
// (a new store over the same database) in order with their names, colours and configs and a
// notice; a running queue comes back held; started and ended runs are not written; every queue
// change (add, remove, reorder, start, hold, an entry starting, clear) updates the stored copy;
// bursts of changes are coalesced into few writes; a malformed record or a failing storage gives a
// notice and never throws; a second tab, the queue lock taken, leaves the stored queue alone.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { RunConfig } from '../config/run-config';
import type { TaskData } from '../data/types';
import { QUEUE_STATE_KEY, readStoredQueue, RunStorage } from '../storage';
import { createAppStore, type AppStore } from './index';
import {
  installQueuePersistence,
  OTHER_TAB_NOTICE,
  QUEUE_LOCK,
  restoreNotice,
  type QueuePersistence,
  type QueueStateStorage,
} from './queue-persist';
import { createSession, type SessionActions, type SessionBridge } from './session';
import { configSlice } from './slices/config';
import { summariseTask } from './slices/task';
import { createTaskRegistry } from './task-registry';
import { fakeLocks } from '../util/testing';
import { tryHoldLock } from '../util/web-locks';
import { tinyTask } from './testing';

const task: TaskData = tinyTask();

/** One page: a store with the task loaded, its session over a fake bridge, its persistence. */
interface Page {
  store: AppStore;
  session: SessionActions;
  persist: QueuePersistence;
  started: string[];
}

let dbName = '';
let seq = 0;
const opened: RunStorage[] = [];
const pages: Page[] = [];

async function openStorage(): Promise<RunStorage> {
  const s = await RunStorage.open(dbName);
  opened.push(s);
  return s;
}

/** Opens a page on the test's database and waits for its restore. */
async function openPage(
  open: () => Promise<QueueStateStorage> = openStorage,
  claim?: () => Promise<boolean>,
): Promise<Page> {
  const store = createAppStore();
  const registry = createTaskRegistry();
  registry.set(task);
  const config = defaultRunConfig();
  store.setState({
    task: { summary: summariseTask(task, config.task), loading: null, error: null },
    config: configSlice(config),
  });
  const started: string[] = [];
  const bridge: SessionBridge = {
    start(c: RunConfig, _data: TaskData, runId?: string) {
      started.push(c.name);
      const id = runId ?? `run-${started.length}`;
      store.setState((s) => ({ run: { ...s.run, runId: id, phase: 'preparing' } }));
      return id;
    },
    subscribe: () => () => {},
  };
  const session = createSession(store, bridge, registry);
  const persist = installQueuePersistence(store, open, claim ? { claim } : {});
  await persist.ready;
  const page = { store, session, persist, started };
  pages.push(page);
  return page;
}

function setSeed(p: Page, seed: number): void {
  p.store.setState((s) => ({
    config: configSlice({ ...s.config.config, train: { ...s.config.config.train, seed } }),
  }));
}

/** The queue as stored now (after the page's writes have landed). */
async function stored(p: Page) {
  await p.persist.idle();
  const storage = await openStorage();
  const record = await storage.loadAppState(QUEUE_STATE_KEY);
  const read = readStoredQueue(record?.value);
  if (!read.ok) throw new Error(read.reason);
  return { running: read.queue.running, names: read.queue.entries.map((e) => e.name) };
}

const names = (p: Page) => p.store.getState().session.runs.map((r) => [r.name, r.status]);

/** The run of `p` ends (the run slice's phase, as the bridge sets it). */
function endRun(p: Page, phase: 'done' | 'failed' = 'done'): void {
  p.store.setState((s) => ({ run: { ...s.run, phase } }));
}

beforeEach(() => {
  dbName = `queue-persist-${++seq}`;
});

afterEach(() => {
  for (const p of pages.splice(0)) {
    p.persist.dispose();
    p.session.dispose();
  }
  for (const s of opened.splice(0)) s.close();
});

describe('queue persistence', () => {
  it('restores the queued runs after a reload, in order, with colours, configs and a notice', async () => {
    const a = await openPage();
    expect(a.store.getState().session.notice).toBeNull(); // nothing stored yet
    for (const [seed, name] of [
      [1, 'one'],
      [2, ''],
      [3, 'three'],
    ] as const) {
      setSeed(a, seed);
      expect(a.session.enqueue(name)).toBe(true);
    }
    a.session.move('r3', -1); // one, three, auto-named seed 2
    const before = a.store.getState().session.runs;
    expect(await stored(a)).toEqual({
      running: false,
      names: ['one', 'three', before[2]!.name],
    });

    const b = await openPage();
    const runs = b.store.getState().session.runs;
    expect(runs.map((r) => [r.name, r.status, r.origin, r.colour, r.config.train.seed])).toEqual([
      ['one', 'queued', 'queue', 0, 1],
      ['three', 'queued', 'queue', 2, 3],
      [before[2]!.name, 'queued', 'queue', 1, 2],
    ]);
    expect(runs.map((r) => r.config)).toEqual(before.map((r) => r.config));
    expect(runs.map((r) => r.config.task)).toEqual(runs.map(() => defaultRunConfig().task));
    expect(b.store.getState().session.auto).toBe(false);
    expect(b.store.getState().session.notice).toBe(
      '3 queued runs restored. Press Start queue to run them.',
    );
    expect(b.store.getState().session.noticeTone).toBe('info');
    expect(b.started).toEqual([]);
    // New runs take colours and keys past the restored ones.
    b.session.enqueue('four');
    const four = b.store.getState().session.runs[3]!;
    expect(four.colour).toBe(3);
    expect(new Set(b.store.getState().session.runs.map((r) => r.key)).size).toBe(4);

    // Starting runs the restored queue from its first entry and clears the notice.
    b.session.startQueue();
    expect(b.started).toEqual(['one']);
    expect(b.store.getState().session.notice).toBeNull();
    expect(await stored(b)).toEqual({ running: true, names: ['three', before[2]!.name, 'four'] });
  });

  it('a queue that was running comes back held; started and ended runs are not stored', async () => {
    const a = await openPage();
    for (const seed of [1, 2, 3]) {
      setSeed(a, seed);
      a.session.enqueue(`s${seed}`);
    }
    a.session.startQueue();
    expect(a.started).toEqual(['s1']);
    expect(await stored(a)).toEqual({ running: true, names: ['s2', 's3'] });
    endRun(a); // s1 done: s2 starts
    expect(a.started).toEqual(['s1', 's2']);
    expect(names(a)).toEqual([
      ['s1', 'done'],
      ['s2', 'running'],
      ['s3', 'queued'],
    ]);
    expect(await stored(a)).toEqual({ running: true, names: ['s3'] });

    // The tab closes while s2 trains.
    const b = await openPage();
    expect(names(b)).toEqual([['s3', 'queued']]);
    expect(b.store.getState().session.auto).toBe(false);
    expect(b.store.getState().session.notice).toMatch(
      /^1 queued run restored\. The queue was running when the page closed; it is held, so nothing starts by itself: press Start queue/,
    );
    expect(b.started).toEqual([]);
    // The restored page writes the held state back at once.
    expect(await stored(b)).toEqual({ running: false, names: ['s3'] });
  });

  it('every queue change updates the stored copy: add, remove, reorder, start, hold, clear', async () => {
    const a = await openPage();
    for (const seed of [1, 2, 3, 4]) {
      setSeed(a, seed);
      a.session.enqueue(`s${seed}`);
    }
    expect(await stored(a)).toEqual({ running: false, names: ['s1', 's2', 's3', 's4'] });
    a.session.remove('r2');
    expect(await stored(a)).toEqual({ running: false, names: ['s1', 's3', 's4'] });
    a.session.move('r4', -1);
    expect(await stored(a)).toEqual({ running: false, names: ['s1', 's4', 's3'] });
    a.session.startQueue();
    expect(await stored(a)).toEqual({ running: true, names: ['s4', 's3'] });
    a.session.holdQueue();
    expect(await stored(a)).toEqual({ running: false, names: ['s4', 's3'] });
    endRun(a, 'failed'); // held: nothing new starts
    expect(a.started).toEqual(['s1']);
    a.session.requeue('r1');
    expect(await stored(a)).toEqual({ running: false, names: ['s4', 's3', 's1 (2)'] });
    a.session.clearFinished(); // s1 has ended; the queued runs stay
    expect(await stored(a)).toEqual({ running: false, names: ['s4', 's3', 's1 (2)'] });
    for (const key of ['r4', 'r3', 'r5']) a.session.remove(key);
    expect(await stored(a)).toEqual({ running: false, names: [] });
    expect((await openPage()).store.getState().session.runs).toEqual([]);
  });

  it('coalesces a burst of changes into few writes, the last state winning', async () => {
    let writes = 0;
    const counting = async (): Promise<QueueStateStorage> => {
      const s = await openStorage();
      return {
        loadAppState: (key) => s.loadAppState(key),
        saveAppState: (key, value, now) => {
          writes++;
          return s.saveAppState(key, value, now);
        },
      };
    };
    const a = await openPage(counting);
    await a.persist.idle();
    const initial = writes;
    for (let seed = 1; seed <= 50; seed++) {
      setSeed(a, seed);
      a.session.enqueue(`s${seed}`);
    }
    // Series updates of the session (no queue change) write nothing.
    a.store.setState((s) => ({ session: { ...s.session, smoothing: 0.5 } }));
    const last = await stored(a);
    expect(last.names).toHaveLength(50);
    expect(last.names[49]).toBe('s50');
    expect(writes - initial).toBeLessThanOrEqual(2);
  });

  it('a second tab (the queue lock taken) neither restores nor writes the queue, and says so', async () => {
    const locks = fakeLocks();
    const claim = async () => (await tryHoldLock(QUEUE_LOCK, locks)).held;
    const a = await openPage(openStorage, claim);
    a.session.enqueue('first tab');
    expect(await stored(a)).toEqual({ running: false, names: ['first tab'] });
    expect(a.store.getState().session.notice).toBeNull();

    // Opened while the first lives: it would run 'first tab' a second time if it restored it.
    const b = await openPage(openStorage, claim);
    expect(names(b)).toEqual([]);
    expect(b.store.getState().session.notice).toBe(OTHER_TAB_NOTICE);
    expect(b.store.getState().session.noticeTone).toBe('problem');
    b.session.enqueue('second tab');
    await b.persist.idle();
    expect(await stored(a)).toEqual({ running: false, names: ['first tab'] });
    // The first tab goes on keeping it.
    a.session.enqueue('first tab again');
    expect(await stored(a)).toEqual({ running: false, names: ['first tab', 'first tab again'] });
  });

  it('drops a malformed stored record with a notice and replaces it', async () => {
    const s = await openStorage();
    await s.saveAppState(QUEUE_STATE_KEY, { schema: 1, running: 'yes', entries: 'lots' });
    const a = await openPage();
    expect(a.store.getState().session.runs).toEqual([]);
    expect(a.store.getState().session.notice).toMatch(
      /^The saved run queue could not be read, so it was dropped: malformed record \(running: .*entries: /,
    );
    expect(a.store.getState().session.noticeTone).toBe('problem');
    expect(await stored(a)).toEqual({ running: false, names: [] });
  });

  it('keeps the valid entries of a record with an invalid config, naming the dropped one', async () => {
    const good = { ...defaultRunConfig(), name: 'good' };
    const s = await openStorage();
    await s.saveAppState(QUEUE_STATE_KEY, {
      schema: 1,
      running: false,
      entries: [
        { name: 'old', colour: 0, config: { ...good, name: 'old', retired: true } },
        { name: 'good', colour: 1, config: good },
      ],
    });
    const a = await openPage();
    expect(names(a)).toEqual([['good', 'queued']]);
    expect(a.store.getState().session.notice).toMatch(
      /^1 queued run restored\. Press Start queue to run them\. 1 queued run could not be restored, its config no longer valid: 'old' \(/,
    );
    expect(a.store.getState().session.noticeTone).toBe('problem'); // something was lost
    expect(await stored(a)).toEqual({ running: false, names: ['good'] });
  });

  it('a storage that cannot open or write gives a notice, and the queue still works', async () => {
    const a = await openPage(() => Promise.reject(new Error('IndexedDB is blocked')));
    expect(a.store.getState().session.notice).toBe(
      'The run queue cannot be kept across reloads: IndexedDB is blocked',
    );
    expect(a.session.enqueue('x')).toBe(true);

    const b = await openPage(() =>
      Promise.resolve({
        loadAppState: () => Promise.resolve(null),
        saveAppState: () => Promise.reject(new Error('Browser storage is full')),
      }),
    );
    b.session.enqueue('y');
    await b.persist.idle();
    expect(b.store.getState().session.notice).toBe(
      'The run queue could not be saved, so a reload would lose it: Browser storage is full',
    );
    expect(b.store.getState().session.noticeTone).toBe('problem');
    expect(names(b)).toEqual([['y', 'queued']]);
  });
});

describe('restoreNotice', () => {
  it('says what came back and what did not', () => {
    const c = defaultRunConfig();
    const fileTask = { ...c, task: { source: 'file' as const, task: 'own', files: ['a.tsv'] } };
    expect(restoreNotice({ schema: 1, running: false, entries: [] }, [])).toBeNull();
    expect(
      restoreNotice(
        { schema: 1, running: false, entries: [{ name: 'f', colour: 0, config: fileTask }] },
        [],
      ),
    ).toBe(
      '1 queued run restored. Press Start queue to run them. Runs queued for picked files start once those files are loaded again.',
    );
    expect(
      restoreNotice({ schema: 1, running: true, entries: [] }, ["'x' (why)", "'y' (why)"]),
    ).toBe(
      "2 queued runs could not be restored, their config no longer valid: 'x' (why); 'y' (why).",
    );
  });
});
