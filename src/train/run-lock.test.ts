// The run lock over a fake Web Locks manager with the API's ifAvailable semantics: holding a run's
// lock makes it read as held until released, other runs stay free, a held lock is not waited for,
// and without Web Locks nothing is held.
import { describe, expect, it } from 'vitest';
import { holdRunLock, runLockHeld, type LockManagerLike } from './run-lock';

/** Exclusive locks by name; `ifAvailable` calls back with null when the name is held. */
function fakeLocks(): LockManagerLike {
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

describe('run lock', () => {
  it('is held while a worker trains the run, and free after', async () => {
    const locks = fakeLocks();
    expect(await runLockHeld('a', locks)).toBe(false);
    const release = await holdRunLock('a', locks);
    expect(await runLockHeld('a', locks)).toBe(true);
    expect(await runLockHeld('b', locks)).toBe(false);
    // A second holder does not wait for the first.
    const second = await holdRunLock('a', locks);
    second();
    expect(await runLockHeld('a', locks)).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await runLockHeld('a', locks)).toBe(false);
  });

  it('holds nothing and refuses nothing without Web Locks', async () => {
    const release = await holdRunLock('a', null);
    expect(await runLockHeld('a', null)).toBe(false);
    release();
  });
});
