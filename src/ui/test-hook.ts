// Installs window.__kdTest, the typed read-only hook the Playwright tests poll (STYLE R14).
import type { AppStore } from '../store';
import { createTestHook, type KdTestHook } from '../store/test-hook';

declare global {
  interface Window {
    /** Read-only app state for end-to-end tests; see src/store/test-hook.ts. */
    __kdTest?: KdTestHook;
  }
}

/** Puts the test hook for `store` on `window` (read-only: it exposes getters and a snapshot). */
export function installTestHook(store: AppStore): void {
  Object.defineProperty(window, '__kdTest', {
    value: Object.freeze(createTestHook(() => store.getState())),
    configurable: false,
    writable: false,
  });
}
