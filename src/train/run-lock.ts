// A Web Lock per run ('distillery-run:<runId>') that a worker holds while it trains the run. The
// browser releases it when the run ends or its tab closes, so a resume can tell a run another
// tab still trains (lock held: refused) from one whose tab is gone. Where Web Locks are missing
// (Node tests, old browsers) nothing is held and nothing is refused.

/** The part of the Web Locks API used here (navigator.locks in windows and workers). */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown>;
}

function defaultLocks(): LockManagerLike | null {
  const nav: { locks?: LockManagerLike } | undefined = (
    globalThis as { navigator?: { locks?: LockManagerLike } }
  ).navigator;
  return nav?.locks ?? null;
}

export function runLockName(runId: string): string {
  return `distillery-run:${runId}`;
}

/**
 * Takes the run's lock if it is free and holds it until the returned function is called. Never
 * waits for a lock another holder has (the run trains unlocked then).
 */
export async function holdRunLock(
  runId: string,
  locks: LockManagerLike | null = defaultLocks(),
): Promise<() => void> {
  if (!locks) return () => undefined;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await new Promise<void>((taken) => {
    locks
      .request(runLockName(runId), { ifAvailable: true }, (lock) => {
        taken();
        return lock === null ? Promise.resolve() : held;
      })
      .catch(() => taken());
  });
  return release;
}

/** Whether some worker (this tab's or another's) holds the run's lock now. */
export async function runLockHeld(
  runId: string,
  locks: LockManagerLike | null = defaultLocks(),
): Promise<boolean> {
  if (!locks) return false;
  return new Promise<boolean>((resolve) => {
    locks
      .request(runLockName(runId), { ifAvailable: true }, (lock) => {
        resolve(lock === null);
        return Promise.resolve();
      })
      .catch(() => resolve(false));
  });
}
