// The page's library singleton: the saved-runs store and its actions over the real IndexedDB
// storage, the app's worker bridge and task registry. Importing it opens nothing; the Runs panel
// calls `library.start()` once when it mounts.
import { RunStorage } from '../storage';
import { actions, bridge, taskRegistry } from './app';
import { loadTaskOf } from './demo-actions';
import { appStore } from './index';
import { createLibrary, createLibraryStore, useLibraryStore, type LibraryState } from './library';

export const libraryStore = createLibraryStore();
export const library = createLibrary({
  store: libraryStore,
  app: appStore,
  bridge,
  registry: taskRegistry,
  openStorage: () => RunStorage.open(),
  loadTask: (ref) => loadTaskOf(actions, ref),
});

/** Subscribes a component to one value of the library; keep selectors narrow. */
export function useLibrary<T>(selector: (s: LibraryState) => T): T {
  return useLibraryStore(libraryStore, selector);
}
