// Web Locks (navigator.locks, in windows and workers) held for as long as a holder wants: the
// browser releases a lock when its holder lets go or its tab closes, so a lock tells one tab that
// another is still alive and doing the same thing. Where Web Locks are missing (Node tests, old
// browsers) every request counts as granted and nothing is refused.

/** The part of the Web Locks API used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown>;
}

/** navigator.locks where there is one. */
export function defaultLocks(): LockManagerLike | null {
  const nav: { locks?: LockManagerLike } | undefined = (
    globalThis as { navigator?: { locks?: LockManagerLike } }
  ).navigator;
  return nav?.locks ?? null;
}

/**
 * Takes lock `name` if it is free and holds it until `release` is called (or the tab closes).
 * Never waits: `held` is false when another holder has it (and true without Web Locks).
 */
export async function tryHoldLock(
  name: string,
  locks: LockManagerLike | null = defaultLocks(),
): Promise<{ held: boolean; release: () => void }> {
  if (!locks) return { held: true, release: () => undefined };
  let release: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = await new Promise<boolean>((answer) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        answer(lock !== null);
        return lock === null ? Promise.resolve() : holding;
      })
      .catch(() => answer(false));
  });
  return { held, release };
}

/** Whether some holder (in this tab or another) has lock `name` now (false without Web Locks). */
export async function lockHeld(
  name: string,
  locks: LockManagerLike | null = defaultLocks(),
): Promise<boolean> {
  if (!locks) return false;
  return new Promise<boolean>((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        resolve(lock === null);
        return Promise.resolve();
      })
      .catch(() => resolve(false));
  });
}
