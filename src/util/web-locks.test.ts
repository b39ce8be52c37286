// tryHoldLock over a fake Web Locks manager (ifAvailable semantics): the first holder gets the
// lock, a second is told it is taken without waiting, and gets it once the first lets go; without
// Web Locks every request is granted.
import { describe, expect, it } from 'vitest';
import { fakeLocks } from './testing';
import { lockHeld, tryHoldLock } from './web-locks';

describe('tryHoldLock', () => {
  it('grants a free lock, tells a second holder it is taken, and frees it on release', async () => {
    const locks = fakeLocks();
    const first = await tryHoldLock('q', locks);
    expect(first.held).toBe(true);
    expect(await lockHeld('q', locks)).toBe(true);
    const second = await tryHoldLock('q', locks);
    expect(second.held).toBe(false);
    expect((await tryHoldLock('other', locks)).held).toBe(true);
    first.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await lockHeld('q', locks)).toBe(false);
    expect((await tryHoldLock('q', locks)).held).toBe(true);
  });

  it('without Web Locks: granted, and never held by anyone else', async () => {
    expect((await tryHoldLock('q', null)).held).toBe(true);
    expect(await lockHeld('q', null)).toBe(false);
  });
});
