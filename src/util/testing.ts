// Test helpers of the util realm: a fake Web Locks manager.
import type { LockManagerLike } from './web-locks';

/** Exclusive locks by name; `ifAvailable` calls back with null when the name is held. */
export function fakeLocks(): LockManagerLike {
  const held = new Set<string>();
  return {
    async request(name, options, callback) {
      if (held.has(name)) {
        if (options.ifAvailable) return callback(null);
        throw new Error('the fake only grants available locks');
      }
      held.add(name);
      try {
        return await callback({ name });
      } finally {
        held.delete(name);
      }
    },
  };
}
