// The files of a Hugging Face teacher the person picked (kd.teacher source 'hf', kind 'files'),
// read into memory when picked and sent with each 'start' (the worker cannot read the page's
// files). The config keeps only their names; a reload forgets the bytes, so they are picked again.
import type { TeacherFileBytes } from '../protocol';

/** A picked file: a browser File fits. */
export interface PickedBytes {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

let held: TeacherFileBytes[] = [];

/** Reads picked files into memory (replacing any held ones); returns their base names. */
export async function holdTeacherFiles(files: readonly PickedBytes[]): Promise<string[]> {
  const read = await Promise.all(
    files.map(async (f) => ({
      name: f.name.split('/').pop() ?? f.name,
      bytes: await f.arrayBuffer(),
    })),
  );
  held = read;
  return read.map((f) => f.name);
}

/** The held files whose names are in `names`, or null when one of them is not held. */
export function heldTeacherFiles(names: readonly string[]): TeacherFileBytes[] | null {
  const out: TeacherFileBytes[] = [];
  for (const n of names) {
    const f = held.find((h) => h.name === (n.split('/').pop() ?? n));
    if (!f) return null;
    out.push(f);
  }
  return out;
}

/** Names and sizes of the held files (for the Teacher panel). */
export function heldTeacherFileList(): { name: string; bytes: number }[] {
  return held.map((f) => ({ name: f.name, bytes: f.bytes.byteLength }));
}

/** Forgets the held files. */
export function clearTeacherFiles(): void {
  held = [];
}
