// A teacher as files, so an experiment can train it once and reuse it (`npm run experiment --
// --save-teacher DIR`, then `--teacher DIR`), or start from a Hugging Face BERT: the checkpoint
// files of src/io (config.json, model.safetensors, vocab.txt, tokenizer_config.json), plus, for a
// teacher trained here, its Pro-KD footprints (footprint-<step>.safetensors, the same tensor names)
// and teacher.json (its dev result, training wall time and footprint steps). Node- and DOM-free:
// the caller reads and writes the files.
import { z } from 'zod';
import {
  exportModel,
  importCheckpoint,
  parseSafetensors,
  writeSafetensors,
  type CheckpointFiles,
  type WeightFiles,
} from '../io';
import type { TokenizerConfig } from '../config/run-config';
import type { TaskData } from '../data/types';
import type { ParamArray } from '../model';
import type { EvalPoint } from '../protocol';
import { teacherBundle, type Footprint, type TeacherBundle } from './teacher';

export const TEACHER_JSON = 'teacher.json';

const teacherJsonSchema = z.strictObject({
  format: z.literal('distillery-teacher'),
  version: z.literal(1),
  /** The dev evaluation of the saved weights, when known. */
  dev: z
    .strictObject({
      step: z.number(),
      loss: z.number(),
      main: z.number(),
      metrics: z.record(z.string(), z.number()),
      stage: z.string().optional(),
    })
    .nullable(),
  /** Seconds its training took where it was trained. */
  wallSec: z.number().nullable(),
  /** Steps of the footprints saved beside it, in training order. */
  footprints: z.array(z.number().int().nonnegative()),
});
export type TeacherJson = z.infer<typeof teacherJsonSchema>;

const footprintFile = (step: number) => `footprint-${step}.safetensors`;

async function footprintArrays(f: Footprint): Promise<Map<string, ParamArray>> {
  if (f.weights.kind === 'cpu') return f.weights.arrays;
  const out = new Map<string, ParamArray>();
  for (const [name, t] of f.weights.tensors) {
    out.set(name, { shape: t.shape.slice(), data: (await t.data()) as Float32Array });
  }
  return out;
}

/** The files of a teacher bundle with its vocabulary (and casing). */
export async function teacherToFiles(
  t: TeacherBundle,
  tokenizer: { vocab: readonly string[]; lowercase: boolean },
  wallSec: number | null,
): Promise<CheckpointFiles> {
  const files = await exportModel(t.model, {
    vocab: tokenizer.vocab,
    lowercase: tokenizer.lowercase,
  });
  for (const f of t.footprints) {
    files.set(footprintFile(f.step), writeSafetensors(await footprintArrays(f), { format: 'pt' }));
  }
  const meta: TeacherJson = {
    format: 'distillery-teacher',
    version: 1,
    dev: t.dev ? { ...t.dev, metrics: { ...t.dev.metrics } as Record<string, number> } : null,
    wallSec,
    footprints: t.footprints.map((f) => f.step),
  };
  files.set(TEACHER_JSON, `${JSON.stringify(meta, null, 2)}\n`);
  return files;
}

/** A teacher read back from files: the frozen bundle (caller disposes) and its tokenizer. */
export interface LoadedTeacherFiles {
  bundle: TeacherBundle;
  vocab: string[] | null;
  lowercase: boolean | null;
  wallSec: number | null;
}

/**
 * Reads a teacher written by teacherToFiles, or any BERT checkpoint (a Hugging Face one: no
 * teacher.json, no footprints, dev unknown). Every footprint must have the model's tensors.
 */
export async function teacherFromFiles(files: WeightFiles): Promise<LoadedTeacherFiles> {
  const imported = await importCheckpoint(files);
  const model = imported.model;
  try {
    if (model.kind !== 'bert') {
      throw new Error(`${files.source}: a teacher must be a BERT, this is a ${model.kind}`);
    }
    const raw = await files.get(TEACHER_JSON);
    let meta: TeacherJson | null = null;
    if (raw !== null) {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(raw));
      } catch (e) {
        throw new Error(`${files.source}/${TEACHER_JSON}: not JSON (${(e as Error).message})`, {
          cause: e,
        });
      }
      const parsed = teacherJsonSchema.safeParse(json);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new Error(`${files.source}/${TEACHER_JSON}: ${i.path.join('.')}: ${i.message}`);
      }
      meta = parsed.data;
    }
    const shapes = new Map([...model.params.vars].map(([n, v]) => [n, v.shape]));
    const footprints: Footprint[] = [];
    for (const step of meta?.footprints ?? []) {
      const name = footprintFile(step);
      const bytes = await files.get(name);
      if (bytes === null) throw new Error(`${files.source}/${name}: not found`);
      const file = parseSafetensors(bytes, `${files.source}/${name}`);
      const arrays = new Map<string, ParamArray>();
      for (const [n, shape] of shapes) {
        const info = file.tensors.get(n);
        if (!info || info.shape.join() !== shape.join()) {
          throw new Error(`${file.source}: tensor '${n}' missing or not [${shape}]`);
        }
        arrays.set(n, { shape: shape.slice(), data: file.read(n) });
      }
      footprints.push({ step, weights: { kind: 'cpu', arrays } });
    }
    const bundle = teacherBundle(model, footprints);
    bundle.dev = meta?.dev ? ({ ...meta.dev } as EvalPoint) : null;
    return {
      bundle,
      vocab: imported.vocab,
      lowercase: imported.lowercase,
      wallSec: meta?.wallSec ?? null,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The tokenizer settings and data for students of a loaded teacher: they must read the teacher's
 * token ids, so its vocabulary becomes the task's provided one (its casing where it says). A
 * teacher saved by this project from the same preset has the vocabulary the preset would build,
 * so its results equal a freshly trained teacher's.
 */
export function withTeacherVocab(
  preset: { tokenizer: TokenizerConfig },
  data: TaskData,
  loaded: Pick<LoadedTeacherFiles, 'vocab' | 'lowercase'>,
): { tokenizer: TokenizerConfig; data: TaskData } {
  if (!loaded.vocab) {
    throw new Error('the teacher has no vocabulary (vocab.txt): students could not read its ids');
  }
  return {
    tokenizer: {
      ...preset.tokenizer,
      vocab: 'provided',
      vocabSize: loaded.vocab.length,
      lowercase: loaded.lowercase ?? preset.tokenizer.lowercase,
    },
    data: { ...data, vocab: loaded.vocab },
  };
}
