// The stored run queue's format: a queue written through RunStorage's app record reads back equal
// (fake-indexeddb); malformed records and records of a newer schema are refused as a whole with the
// reason; an entry whose config no longer validates is left out by name and the rest kept in order.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import { QUEUE_SCHEMA, QUEUE_STATE_KEY, readStoredQueue, type StoredQueue } from './queue';
import { RunStorage } from './runs';

let dbSeq = 0;
let storage: RunStorage;

beforeEach(async () => {
  storage = await RunStorage.open(`queue-test-${++dbSeq}`);
});
afterEach(() => storage.close());

function entry(name: string, seed: number, colour: number) {
  const config = defaultRunConfig();
  return { name, colour, config: { ...config, name, train: { ...config.train, seed } } };
}

const queue = (): StoredQueue => ({
  schema: QUEUE_SCHEMA,
  running: true,
  entries: [entry('b first', 2, 4), entry('a second', 1, 0)],
});

describe('readStoredQueue', () => {
  it('reads back a queue written to the app store, entries in order', async () => {
    await storage.saveAppState(QUEUE_STATE_KEY, queue(), 5);
    const record = await storage.loadAppState(QUEUE_STATE_KEY);
    expect(record?.savedAt).toBe(5);
    const read = readStoredQueue(record?.value);
    expect(read).toEqual({ ok: true, queue: queue(), dropped: [] });
  });

  it('refuses malformed records with the reason', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /malformed record \(\(root\): /],
      ['queue', /malformed record/],
      [{ schema: 1, entries: [] }, /running: /],
      [{ schema: 1, running: false, entries: {} }, /entries: /],
      [
        { schema: 1, running: false, entries: [{ name: '', colour: 0, config: {} }] },
        /entries\.0\.name/,
      ],
      [
        { schema: 1, running: false, entries: [{ name: 'x', colour: -1, config: {} }] },
        /entries\.0\.colour/,
      ],
      [{ schema: 'one', running: false, entries: [] }, /schema: /],
    ];
    for (const [value, reason] of cases) {
      const read = readStoredQueue(value);
      expect(read.ok, JSON.stringify(value)).toBe(false);
      if (!read.ok) expect(read.reason).toMatch(reason);
    }
  });

  it('refuses a newer schema (reload to update) and an older one', () => {
    const newer = readStoredQueue({ ...queue(), schema: QUEUE_SCHEMA + 1 });
    expect(newer).toEqual({
      ok: false,
      reason: expect.stringMatching(/queue schema 2 is newer than this app reads \(1\): reload/),
    });
    expect(readStoredQueue({ ...queue(), schema: 0 }).ok).toBe(false);
  });

  it('drops an entry whose config no longer validates, by name, and keeps the rest in order', () => {
    const bad = entry('broken', 3, 1);
    const value = {
      ...queue(),
      entries: [
        queue().entries[0],
        { ...bad, config: { ...bad.config, model: { ...bad.config.model, heads: 7 } } },
        { name: 'old', colour: 2, config: { schema: 1, name: 'old' } },
        queue().entries[1],
      ],
    };
    const read = readStoredQueue(value);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.queue.entries.map((e) => e.name)).toEqual(['b first', 'a second']);
    expect(read.queue.running).toBe(true);
    expect(read.dropped).toHaveLength(2);
    expect(read.dropped[0]).toMatch(/^'broken' \(model\.hidden: .*divisible by model\.heads \(7\)/);
    expect(read.dropped[1]).toMatch(/^'old' \(/);
  });
});
