// App actions, outside components (zustand "actions outside the store"): load a task, edit the
// config, pick a backend, start / pause / resume / stop a run. Built over an injected store,
// bridge, loaders and task registry, so tests drive them in Node with fakes.
import type { BackendPref, RunConfig, TaskRef } from '../config/run-config';
import type { TaskData } from '../data';
import type { WorkerBridge } from './bridge';
import type { AppStore } from './index';
import { configSlice, withBackend, withTask } from './slices/config';
import { isActive } from './slices/run';
import { summariseTask, toDataErrorView, type TaskSource } from './slices/task';
import type { TaskRegistry } from './task-registry';
import { heldTeacherFiles } from './teacher-files';

/** A file to read: a browser File fits. */
export interface FileLike {
  readonly name: string;
  text(): Promise<string>;
}

/** How each task source turns into TaskData. Each rejects with a DataError-like error. */
export interface TaskLoaders {
  embedded(seed: number): Promise<TaskData>;
  /** `task`: the GLUE task id whose layout the files follow, or the own-data layout's id. */
  files(files: readonly FileLike[], task: string): Promise<TaskData>;
  urls(task: string, trainUrl: string, devUrl: string): Promise<TaskData>;
  /** `task`: a GLUE task id (its spec and columns), or the own-data id (read the features). */
  hub(dataset: string, config: string, task: string): Promise<TaskData>;
}

export interface AppActions {
  loadEmbedded(seed: number): Promise<boolean>;
  loadFiles(files: readonly FileLike[], task: string): Promise<boolean>;
  loadUrls(task: string, trainUrl: string, devUrl: string): Promise<boolean>;
  loadHub(dataset: string, config: string, task: string): Promise<boolean>;
  /** Replaces the config (from a field edit); errors are recomputed. */
  updateConfig(update: (c: RunConfig) => RunConfig): void;
  setBackend(pref: BackendPref): void;
  /** Starts a run on the loaded task; returns its id, or null if it could not start. */
  start(): string | null;
  pause(): void;
  resume(): void;
  stop(): void;
}

/** Actions over one store, bridge, set of loaders and task registry. */
export function createActions(
  store: AppStore,
  bridge: WorkerBridge,
  loaders: TaskLoaders,
  registry: TaskRegistry,
): AppActions {
  let loadSeq = 0;

  /**
   * Loads a task completely before anything changes: on success the registry, the summary and
   * config.task switch together; on failure the previous task stays and the error shows. A load
   * superseded by a newer one is discarded.
   */
  async function load(
    source: TaskSource,
    ref: TaskRef,
    run: () => Promise<TaskData>,
  ): Promise<boolean> {
    const seq = ++loadSeq;
    store.setState((s) => ({ task: { ...s.task, loading: source, error: null } }));
    try {
      const data = await run();
      const summary = summariseTask(data, ref);
      if (seq !== loadSeq) return false;
      registry.set(data);
      store.setState((s) => ({
        task: { summary, loading: null, error: null },
        config: configSlice(withTask(s.config.config, ref)),
      }));
      return true;
    } catch (err) {
      if (seq !== loadSeq) return false;
      store.setState((s) => ({ task: { ...s.task, loading: null, error: toDataErrorView(err) } }));
      return false;
    }
  }

  return {
    loadEmbedded: (seed) =>
      load('embedded', { source: 'embedded', seed }, () => loaders.embedded(seed)),
    loadFiles: (files, task) =>
      load('file', { source: 'file', task, files: files.map((f) => f.name) }, () =>
        loaders.files(files, task),
      ),
    loadUrls: (task, trainUrl, devUrl) =>
      load('url', { source: 'url', task, trainUrl, devUrl }, () =>
        loaders.urls(task, trainUrl, devUrl),
      ),
    loadHub: (dataset, config, task) =>
      load('hub', { source: 'hub', task, dataset, config }, () =>
        loaders.hub(dataset, config, task),
      ),
    updateConfig(update) {
      store.setState((s) => ({ config: configSlice(update(s.config.config)) }));
    },
    setBackend(pref) {
      if (isActive(store.getState().run.phase)) return;
      store.setState((s) => ({ config: configSlice(withBackend(s.config.config, pref)) }));
      bridge.init(pref);
    },
    start() {
      const s = store.getState();
      if (isActive(s.run.phase) || s.config.errors.length > 0) return null;
      const data = registry.get();
      if (!data) {
        store.setState({
          run: { ...s.run, error: { where: 'data', message: 'load a task before starting a run' } },
        });
        return null;
      }
      const teacher = s.config.config.kd?.teacher;
      if (teacher?.source === 'hf' && teacher.from.kind === 'files') {
        const files = heldTeacherFiles(teacher.from.names);
        if (!files) {
          const message = `Teacher: pick the Hugging Face files again (${teacher.from.names.join(', ')}); a reload forgets them`;
          store.setState({ run: { ...s.run, error: { where: 'teacher', message } } });
          return null;
        }
        return bridge.start(s.config.config, data, undefined, files);
      }
      return bridge.start(s.config.config, data);
    },
    pause: () => bridge.pause(),
    resume: () => bridge.resume(),
    stop: () => bridge.stop(),
  };
}
