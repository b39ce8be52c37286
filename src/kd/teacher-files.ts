// A teacher as files, so an experiment can train it once and reuse it (`npm run experiment --
// --save-teacher DIR`, then `--teacher DIR`), or start from a Hugging Face BERT: the checkpoint
// files of src/io (config.json, model.safetensors, vocab.txt, tokenizer_config.json), plus, for a
// teacher trained here, its Pro-KD footprints (footprint-<step>.safetensors, the same tensor names)
// and teacher.json (its dev result, training wall time and footprint steps). A teacher ensemble
// (kd/ensemble) is saved as its members' files, each name prefixed `member-<k>-`, beside one
// teacher.json (`members`, the ensemble's dev result) and member 1's footprints. Node- and
// DOM-free: the caller reads and writes the files.
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
import { bertConfigOf } from './bert';
import { ensembleModel } from './ensemble';
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
  /** An ensemble's member count: its members' files are prefixed `member-<k>-` (k from 1). */
  members: z.number().int().min(2).max(16).optional(),
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

const memberPrefix = (k: number) => `member-${k}-`;

/**
 * The files of a teacher bundle with its vocabulary (and casing); an ensemble (`t.members`) as its
 * members' files under `member-<k>-` names.
 */
export async function teacherToFiles(
  t: TeacherBundle,
  tokenizer: { vocab: readonly string[]; lowercase: boolean },
  wallSec: number | null,
): Promise<CheckpointFiles> {
  const members = t.members && t.members.length > 1 ? t.members : null;
  const files: CheckpointFiles = new Map();
  if (members) {
    for (const [k, m] of members.entries()) {
      const part = await modelFiles(m.model, tokenizer, [], m.dev, null);
      for (const [name, body] of part) files.set(`${memberPrefix(k + 1)}${name}`, body);
    }
  }
  // The ensemble's own files: no weights of its own, member 1's footprints, its dev result.
  const own = await modelFiles(
    members ? null : t.model,
    tokenizer,
    t.footprints,
    t.dev,
    wallSec,
    members?.length,
  );
  for (const [name, body] of own) files.set(name, body);
  return files;
}

/**
 * A model's checkpoint files (none for null), its footprints and its teacher.json (with `members`,
 * an ensemble's member count, where given).
 */
async function modelFiles(
  model: TeacherBundle['model'] | null,
  tokenizer: { vocab: readonly string[]; lowercase: boolean },
  footprints: readonly Footprint[],
  dev: EvalPoint | null,
  wallSec: number | null,
  members?: number,
): Promise<CheckpointFiles> {
  const files: CheckpointFiles = model
    ? await exportModel(model, { vocab: tokenizer.vocab, lowercase: tokenizer.lowercase })
    : new Map();
  for (const f of footprints) {
    files.set(footprintFile(f.step), writeSafetensors(await footprintArrays(f), { format: 'pt' }));
  }
  const meta: TeacherJson = {
    format: 'distillery-teacher',
    version: 1,
    dev: dev ? { ...dev, metrics: { ...dev.metrics } as Record<string, number> } : null,
    wallSec,
    footprints: footprints.map((f) => f.step),
    ...(members ? { members } : {}),
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

/** teacher.json of `files`, or null where there is none (a Hugging Face checkpoint). */
async function readTeacherJson(files: WeightFiles): Promise<TeacherJson | null> {
  const raw = await files.get(TEACHER_JSON);
  if (raw === null) return null;
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
  return parsed.data;
}

/** The footprints at `steps` beside a teacher; each must have every tensor of `model`. */
async function readFootprints(
  files: WeightFiles,
  steps: readonly number[],
  model: TeacherBundle['model'],
): Promise<Footprint[]> {
  const shapes = new Map([...model.params.vars].map(([n, v]) => [n, v.shape]));
  const footprints: Footprint[] = [];
  for (const step of steps) {
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
  return footprints;
}

/**
 * Reads a teacher written by teacherToFiles (an ensemble's members too), or any BERT checkpoint
 * (a Hugging Face one: no teacher.json, no footprints, dev unknown). Every footprint must have
 * the model's tensors (an ensemble's, member 1's).
 */
export async function teacherFromFiles(files: WeightFiles): Promise<LoadedTeacherFiles> {
  const meta = await readTeacherJson(files);
  if (meta?.members) return ensembleFromFiles(files, meta, meta.members);
  const imported = await importCheckpoint(files);
  const model = imported.model;
  try {
    if (model.kind !== 'bert') {
      throw new Error(`${files.source}: a teacher must be a BERT, this is a ${model.kind}`);
    }
    const footprints = await readFootprints(files, meta?.footprints ?? [], model);
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

/** The `member-<k>-` files of a saved ensemble, read back as one ensemble teacher. */
async function ensembleFromFiles(
  files: WeightFiles,
  meta: TeacherJson,
  count: number,
): Promise<LoadedTeacherFiles> {
  const parts: LoadedTeacherFiles[] = [];
  try {
    for (let k = 1; k <= count; k++) {
      const prefix = memberPrefix(k);
      parts.push(
        await teacherFromFiles({
          source: `${files.source} (member ${k})`,
          get: (name) => files.get(`${prefix}${name}`),
        }),
      );
    }
    const footprints = await readFootprints(files, meta.footprints, parts[0]!.bundle.model);
    const out = ensembleTeacher(parts, footprints);
    out.bundle.dev = meta.dev ? ({ ...meta.dev } as EvalPoint) : null;
    out.wallSec = meta.wallSec;
    return out;
  } catch (e) {
    parts.forEach((p) => p.bundle.model.dispose());
    throw e;
  }
}

/**
 * Several loaded teachers as one ensemble teacher (logits averaged, kd/ensemble): they must share
 * the vocabulary, casing and label count, since one tokenisation feeds them all. Its footprints
 * are `footprints` (by default the first teacher's), its dev result unknown (the first student
 * run evaluates it), its wall time the sum of theirs where all are known. Owns the parts' models;
 * on a refusal the caller still owns them.
 */
export function ensembleTeacher(
  parts: readonly LoadedTeacherFiles[],
  footprints: Footprint[] = parts[0]?.bundle.footprints ?? [],
): LoadedTeacherFiles {
  const first = parts[0];
  if (!first) throw new Error('an ensemble needs at least one teacher');
  const labels = (p: LoadedTeacherFiles) => bertConfigOf(p.bundle.model)?.numLabels;
  for (const [i, p] of parts.entries()) {
    const which = `teacher ${i + 1} of the ensemble`;
    if (p.vocab?.join('\n') !== first.vocab?.join('\n')) {
      throw new Error(`${which} has another vocabulary than teacher 1: they must tokenise alike`);
    }
    if (p.lowercase !== first.lowercase) {
      throw new Error(`${which} has another casing than teacher 1: they must tokenise alike`);
    }
    if (labels(p) !== labels(first)) {
      throw new Error(`${which} has ${labels(p)} labels, teacher 1 has ${labels(first)}`);
    }
  }
  if (parts.length === 1) return first;
  const bundle = teacherBundle(ensembleModel(parts.map((p) => p.bundle.model)), footprints);
  bundle.members = parts.map((p) => ({ model: p.bundle.model, dev: p.bundle.dev }));
  const walls = parts.map((p) => p.wallSec);
  return {
    bundle,
    vocab: first.vocab,
    lowercase: first.lowercase,
    wallSec: walls.every((w) => w !== null) ? walls.reduce((a, w) => a + w!, 0) : null,
  };
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
