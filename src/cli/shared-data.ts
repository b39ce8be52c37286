// Locates the shared real data (GLUE TSVs, BERT vocab) that tests, benchmarks and the CLI use.
// The app never needs it; tests that use it skip with a clear message when it is absent.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The shared data directory, or null if absent: $DISTILLERY_DATA if set, else `../shared/data`
 * beside the repository root.
 */
export function sharedDataDir(): string | null {
  const candidates = [
    process.env['DISTILLERY_DATA'],
    resolve(import.meta.dirname, '../../../shared/data'),
  ];
  for (const dir of candidates) if (dir && existsSync(dir)) return dir;
  return null;
}

/** A file under the shared data directory, or null if the directory or the file is absent. */
export function sharedDataFile(...parts: string[]): string | null {
  const dir = sharedDataDir();
  if (!dir) return null;
  const path = resolve(dir, ...parts);
  return existsSync(path) ? path : null;
}

/** The message tests print when they skip for lack of shared data. */
export const SHARED_DATA_MISSING =
  'shared data not found: set DISTILLERY_DATA or place GLUE data at ../shared/data (see README)';
