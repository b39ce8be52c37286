// The run queue as the page keeps it across reloads: the not-yet-started entries (name, palette
// colour, config snapshot with the task they were queued with, in queue order) and whether the
// queue was running. Stored as the `app` record QUEUE_STATE_KEY (RunStorage.saveAppState); this
// module is its format and its check on the way back in (zod, then validateRunConfig per entry).
import { z } from 'zod';
import type { RunConfig } from '../config/run-config';
import { parseRunConfig, validateRunConfig } from '../config/validate';

/** Key of the queue's record in the `app` store. */
export const QUEUE_STATE_KEY = 'queue';
/** Version of the queue value (inside the app record's envelope, which has its own `schema`). */
export const QUEUE_SCHEMA = 1;
/** Most entries a stored queue may hold (a guard against a corrupt record, not a product limit). */
export const QUEUE_MAX_ENTRIES = 1000;

/** One queued, not-yet-started run. */
export interface StoredQueueEntry {
  /** Its name in the queue (also its config's `name`). */
  name: string;
  /** Palette index (0-based), so the run keeps its colour after a reload. */
  colour: number;
  /** The config snapshot it runs, `task` included: the task it was queued with. */
  config: RunConfig;
}

/** The stored queue: its entries in queue order and whether it was running (auto-advancing). */
export interface StoredQueue {
  schema: typeof QUEUE_SCHEMA;
  running: boolean;
  entries: StoredQueueEntry[];
}

const entrySchema = z.object({
  name: z.string().min(1).max(200),
  colour: z.number().int().min(0).max(1_000_000),
  config: z.unknown(),
});

const queueSchema = z.object({
  schema: z.number().int(),
  running: z.boolean(),
  entries: z.array(entrySchema).max(QUEUE_MAX_ENTRIES),
});

/** What a stored value reads back as. */
export type StoredQueueRead =
  /** The queue, minus `dropped`: one message per entry whose config no longer validates. */
  | { ok: true; queue: StoredQueue; dropped: string[] }
  /** The record as a whole is unreadable (malformed, or from a newer app): why. */
  | { ok: false; reason: string };

/**
 * Checks a value read from the `app` store as a stored queue. A malformed record or one of a newer
 * schema is refused as a whole with the reason; an entry whose config fails `validateRunConfig`
 * (an older app's config, say) is left out with a message naming it and its first problems, and
 * the rest is kept in order.
 */
export function readStoredQueue(value: unknown): StoredQueueRead {
  const parsed = queueSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: `malformed record (${issues.join('; ')})` };
  }
  const { schema, running, entries } = parsed.data;
  if (schema > QUEUE_SCHEMA) {
    return {
      ok: false,
      reason: `queue schema ${schema} is newer than this app reads (${QUEUE_SCHEMA}): reload to update the app`,
    };
  }
  if (schema < QUEUE_SCHEMA) {
    return { ok: false, reason: `queue schema ${schema} is older than any this app wrote` };
  }
  const kept: StoredQueueEntry[] = [];
  const dropped: string[] = [];
  for (const e of entries) {
    const errors = validateRunConfig(e.config);
    if (errors.length > 0) {
      const first = errors
        .slice(0, 2)
        .map((x) => `${x.path}: ${x.message}`)
        .join('; ');
      dropped.push(`'${e.name}' (${first}${errors.length > 2 ? '; …' : ''})`);
      continue;
    }
    // Valid (checked above), so this parse cannot throw; it gives the typed config.
    kept.push({ name: e.name, colour: e.colour, config: parseRunConfig(e.config) });
  }
  return { ok: true, queue: { schema: QUEUE_SCHEMA, running, entries: kept }, dropped };
}
