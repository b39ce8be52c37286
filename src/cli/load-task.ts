// Loads a task for the Node CLIs: the embedded task, or a GLUE/user task from a directory holding
// train and dev files, or from explicit train/dev paths.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { generateEmbeddedTask } from '../data/embedded';
import { loadTaskFromFiles, type NamedFile } from '../data/loaders';
import type { TaskData } from '../data/types';

function nodeFile(path: string): NamedFile {
  if (!existsSync(path)) throw new Error(`No such file: ${path}`);
  return {
    name: basename(path),
    text: async () => readFileSync(path, 'utf8'),
    arrayBuffer: async () => {
      const b = readFileSync(path);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
}

export interface TaskArgs {
  task: string;
  data?: string;
  train?: string;
  dev?: string;
  seed?: number;
  /** Keep only the first N training examples (quick runs). */
  maxTrain?: number;
}

/** The task the flags name. */
export async function loadTaskForCli(a: TaskArgs): Promise<TaskData> {
  let data: TaskData;
  if (a.task === 'embedded' && !a.data && !a.train) {
    data = generateEmbeddedTask(a.seed ?? 1);
  } else if (a.data) {
    if (!existsSync(a.data)) throw new Error(`--data: no such directory: ${a.data}`);
    const names = readdirSync(a.data);
    const pick = (re: RegExp) => names.find((n) => re.test(n));
    const train = pick(/^train\.(tsv|csv|txt)$/i);
    const dev = pick(/^(dev|dev_matched|validation)\.(tsv|csv|txt)$/i);
    if (!train || !dev) throw new Error(`--data ${a.data}: expected train.tsv and dev.tsv inside`);
    data = await loadTaskFromFiles(
      [nodeFile(join(a.data, train)), nodeFile(join(a.data, dev))],
      a.task,
    );
  } else if (a.train) {
    const files = [nodeFile(a.train), ...(a.dev ? [nodeFile(a.dev)] : [])];
    data = await loadTaskFromFiles(files, a.task);
  } else {
    throw new Error(`--task ${a.task} needs --data DIR or --train FILE [--dev FILE]`);
  }
  if (a.maxTrain !== undefined) data = { ...data, train: data.train.slice(0, a.maxTrain) };
  return data;
}
