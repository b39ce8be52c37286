// The app's task loaders: adapters from the UI's choices to src/data's readers. Runs on the main
// thread (parsing a 67k-row TSV takes a fraction of a second); the rows go to the task registry.
import {
  generateEmbeddedTask,
  loadTaskFromFiles,
  loadTaskFromHub,
  loadTaskFromUrls,
} from '../data';
import type { TaskLoaders } from './actions';
import { OWN_DATA } from './slices/task';

/** GLUE ids pass through; the own-data layout lets the reader name the task after the file. */
function taskId(task: string): string | undefined {
  return task === OWN_DATA ? undefined : task;
}

/** Loaders over src/data, with the browser's fetch. */
export const defaultLoaders: TaskLoaders = {
  embedded: async (seed) => generateEmbeddedTask(seed),
  files: (files, task) => loadTaskFromFiles(files, taskId(task)),
  urls: (task, trainUrl, devUrl) => {
    const t = taskId(task);
    return loadTaskFromUrls({
      ...(t !== undefined ? { task: t } : {}),
      trainUrl,
      ...(devUrl !== '' ? { devUrl } : {}),
    });
  },
  hub: (dataset, config, task) => {
    const t = taskId(task);
    return loadTaskFromHub({ dataset, config, ...(t !== undefined ? { task: t } : {}) });
  },
};
