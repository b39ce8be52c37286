// The app's singletons: the store's worker bridge (the real module worker), the task registry and
// the actions the components call. Importing this creates no Worker; the first message does.
import { createActions } from './actions';
import { createTrainingWorker, WorkerBridge } from './bridge';
import { createDemoActions, loadTaskOf } from './demo-actions';
import { appStore } from './index';
import { defaultLoaders } from './loaders';
import { createSession } from './session';
import { createTaskRegistry } from './task-registry';

export const taskRegistry = createTaskRegistry();
export const bridge = new WorkerBridge(appStore, createTrainingWorker);
export const actions = createActions(appStore, bridge, defaultLoaders, taskRegistry);
/** The run queue and the session's overlaid runs (src/store/session.ts). */
export const session = createSession(appStore, bridge, taskRegistry);
export const demoActions = createDemoActions(appStore, actions, () => session);

/**
 * Starts the app's background work once: backend `init` and the task the config names (the
 * embedded one by default; the page URL may name another, see url-sync.ts).
 */
export function startApp(): void {
  const { config } = appStore.getState().config;
  bridge.init(config.backend);
  void loadTaskOf(actions, config.task);
}
