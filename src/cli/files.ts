// Checkpoint files on disk for the CLI: a directory read as WeightFiles (a missing file reads as
// null), and a set of files written to a new directory all at once (into a temporary sibling that
// is renamed at the end, so an interrupted write never leaves a half-written checkpoint).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CheckpointFiles, WeightFiles } from '../io';

/** The files of directory `dir`; names with a path separator are refused. */
export function filesFromDir(dir: string): WeightFiles {
  const root = resolve(dir);
  if (!existsSync(root)) throw new Error(`${dir}: no such directory`);
  return {
    source: dir,
    get: (name) => {
      if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
        return Promise.reject(new Error(`${dir}: refusing file name '${name}'`));
      }
      const p = join(root, name);
      return Promise.resolve(existsSync(p) ? new Uint8Array(readFileSync(p)) : null);
    },
  };
}

/** Writes `files` as the new directory `dir`; refuses an existing one. */
export function writeFilesToNewDir(dir: string, files: CheckpointFiles): void {
  const target = resolve(dir);
  if (existsSync(target)) throw new Error(`${dir} exists already: remove it or pick another path`);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    for (const [name, body] of files) writeFileSync(join(tmp, name), body);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
