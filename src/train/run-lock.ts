// A Web Lock per run ('distillery-run:<runId>') that a worker holds while it trains the run. The
// browser releases it when the run ends or its tab closes, so a resume can tell a run another
// tab still trains (lock held: refused) from one whose tab is gone. Where Web Locks are missing
// (Node tests, old browsers) nothing is held and nothing is refused.
import { defaultLocks, lockHeld, tryHoldLock, type LockManagerLike } from '../util/web-locks';

export type { LockManagerLike } from '../util/web-locks';

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
  return (await tryHoldLock(runLockName(runId), locks)).release;
}

/** Whether some worker (this tab's or another's) holds the run's lock now. */
export async function runLockHeld(
  runId: string,
  locks: LockManagerLike | null = defaultLocks(),
): Promise<boolean> {
  return lockHeld(runLockName(runId), locks);
}
