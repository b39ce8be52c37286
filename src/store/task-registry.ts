// Holds the loaded task's rows outside the reactive store. Only its summary goes into zustand;
// the rows are read once, when a run starts and they are posted to the worker.
import type { TaskData } from '../data';

/** The current task's data, replaced only by a task that loaded completely. */
export interface TaskRegistry {
  get(): TaskData | null;
  set(data: TaskData): void;
  clear(): void;
}

/** A registry with no task. */
export function createTaskRegistry(): TaskRegistry {
  let current: TaskData | null = null;
  return {
    get: () => current,
    set: (data) => {
      current = data;
    },
    clear: () => {
      current = null;
    },
  };
}
