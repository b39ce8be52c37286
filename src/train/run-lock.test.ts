// The run lock over a fake Web Locks manager with the API's ifAvailable semantics: holding a run's
// lock makes it read as held until released, other runs stay free, a held lock is not waited for,
// and without Web Locks nothing is held.
import { describe, expect, it } from 'vitest';
import { fakeLocks } from '../util/testing';
import { holdRunLock, runLockHeld } from './run-lock';

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
