// A KD run's teacher from outside the run (kd.teacher source 'checkpoint' or 'hf'), loaded in the
// worker: a saved checkpoint from IndexedDB, or a Hugging Face BERT from the Hub (fetched here) or
// from files the page handed over as bytes. Either must be a dense BERT classifier of the run's
// task; the run then tokenises with the teacher's vocabulary (the teacher's cached logits are
// computed on the run's own encoding, so both must read the same token ids), and its maxLen must
// fit the teacher's position embeddings.
import type { RunConfig } from '../config/run-config';
import type { TaskData, TaskSpec } from '../data/types';
import { filesFromMap, hubFiles, importCheckpoint, type WeightFiles } from '../io';
import { bertConfigOf, teacherBundle, type HfTeacherLocation, type TeacherBundle } from '../kd';
import type { Model } from '../model';
import type { RunStorage, StoredTokenizer } from '../storage';
import { loadCheckpointModel } from './inference';

/** Files of a Hugging Face teacher the page picked, as bytes (ToWorker 'start'.teacherFiles). */
export interface TeacherFile {
  name: string;
  bytes: ArrayBuffer;
}

/** A loaded outside teacher: the frozen bundle (the caller disposes it) and its tokenizer. */
export interface LoadedTeacher {
  bundle: TeacherBundle;
  tokenizer: StoredTokenizer;
  /** Position-embedding rows: the longest input the teacher reads. */
  maxPositions: number;
  /** For messages: 'checkpoint kd/…/step-40', 'hub:owner/name@main', 'picked files'. */
  source: string;
}

/** Why a teacher cannot be used; the message is for the Teacher panel. */
export class TeacherSourceError extends Error {}

export interface TeacherSourceEnv {
  storage?: () => Promise<RunStorage>;
  /** Picked Hugging Face files (source 'hf', kind 'files'). */
  files?: readonly TeacherFile[];
  fetch?: typeof fetch;
}

/** Whether a run's teacher is loaded from outside the run (and so fixes its tokenizer). */
export function hasOutsideTeacher(config: RunConfig): boolean {
  const s = config.kd?.teacher?.source;
  return s === 'checkpoint' || s === 'hf';
}

/** Splits a Hub model field into repo id and endpoint: 'owner/name' or 'https://host/owner/name'. */
export function hubLocation(model: string): { repo: string; endpoint?: string } {
  const m = /^(https?:\/\/[^/]+)\/(.+?)\/*$/.exec(model.trim());
  if (!m) return { repo: model.trim() };
  // A copied browser address may end in /tree/main or /resolve/…: the repo is the first two parts.
  const parts = m[2]!.split('/');
  const repo =
    parts.length >= 2 && !['tree', 'resolve', 'blob'].includes(parts[1]!)
      ? parts.slice(0, 2).join('/')
      : parts[0]!;
  return { repo, endpoint: m[1]! };
}

function labelsText(t: TaskSpec): string {
  return t.kind === 'regression' ? 'a regression score' : `${t.numLabels} labels`;
}

/** Checks a teacher model against the task; throws TeacherSourceError naming the difference. */
function checkModel(model: Model, where: string, task: TaskSpec, maxLen: number): number {
  if (model.kind !== 'bert') {
    const what = model.kind === 'kron-bert' ? 'a KroneckerBERT' : `a ${model.kind}`;
    throw new TeacherSourceError(
      `${where} is ${what}, not a dense BERT: a teacher must be a BERT classifier`,
    );
  }
  const c = bertConfigOf(model);
  if (!c) throw new TeacherSourceError(`${where}: its BERT configuration cannot be read`);
  const want = task.kind === 'regression' ? 1 : task.numLabels;
  if (c.numLabels !== want) {
    throw new TeacherSourceError(
      `${where} predicts ${c.numLabels} classes; the task ${task.name} has ${labelsText(task)}`,
    );
  }
  if (maxLen > c.maxPositionEmbeddings) {
    throw new TeacherSourceError(
      `${where} reads at most ${c.maxPositionEmbeddings} tokens; lower the max length (${maxLen}) to that`,
    );
  }
  return c.maxPositionEmbeddings;
}

async function fromCheckpoint(
  key: string,
  config: RunConfig,
  task: TaskSpec,
  env: TeacherSourceEnv,
): Promise<LoadedTeacher> {
  const where = `checkpoint ${key}`;
  if (!env.storage) throw new TeacherSourceError('saved checkpoints are not available here');
  const storage = await env.storage();
  const record = await storage.loadCheckpoint(key);
  if (!record) {
    throw new TeacherSourceError(
      `no saved checkpoint ${key} in this browser (was its run deleted?): pick another`,
    );
  }
  if (!record.tokenizer || !record.task) {
    throw new TeacherSourceError(
      `${where} was saved without its vocabulary and task, so it cannot teach`,
    );
  }
  const student = record.role === 'teacher' ? undefined : record.runConfig.student;
  if (student && student.kind !== 'bert') {
    const what = student.kind === 'kron-bert' ? 'a KroneckerBERT' : `a ${student.kind}`;
    throw new TeacherSourceError(
      `${where} is ${what} student, not a dense BERT: a teacher must be a BERT classifier`,
    );
  }
  const t = record.task;
  if (
    t.id !== task.id ||
    t.kind !== task.kind ||
    t.numLabels !== task.numLabels ||
    t.pair !== task.pair
  ) {
    throw new TeacherSourceError(
      `${where} was trained on ${t.name} (${labelsText(t)}); the loaded task is ${task.name} (${labelsText(task)})`,
    );
  }
  if (t.labelNames.join('\u0000') !== task.labelNames.join('\u0000')) {
    throw new TeacherSourceError(
      `${where} has the labels ${t.labelNames.join(', ')}; the task has ${task.labelNames.join(', ')}`,
    );
  }
  let loaded;
  try {
    loaded = loadCheckpointModel(record);
  } catch (e) {
    throw new TeacherSourceError(e instanceof Error ? e.message : String(e));
  }
  try {
    const maxPositions = checkModel(loaded.model, where, task, config.tokenizer.maxLen);
    const bundle = teacherBundle(loaded.model);
    return { bundle, tokenizer: { ...record.tokenizer }, maxPositions, source: where };
  } catch (e) {
    loaded.dispose();
    throw e;
  }
}

function filesOf(from: HfTeacherLocation, env: TeacherSourceEnv): WeightFiles {
  if (from.kind === 'files') {
    const files = env.files ?? [];
    const byName = new Map(
      files.map((f) => [f.name.split('/').pop() ?? f.name, new Uint8Array(f.bytes)]),
    );
    const missing = from.names.map((n) => n.split('/').pop() ?? n).filter((n) => !byName.has(n));
    if (files.length === 0 || missing.length > 0) {
      throw new TeacherSourceError(
        `the picked teacher files did not reach the worker (${missing.join(', ') || 'none'}): pick them again`,
      );
    }
    return filesFromMap(byName, 'picked files');
  }
  const { repo, endpoint } = hubLocation(from.model);
  try {
    return hubFiles(repo, {
      revision: from.revision,
      ...(endpoint ? { endpoint } : {}),
      ...(env.fetch ? { fetch: env.fetch } : {}),
    });
  } catch (e) {
    throw new TeacherSourceError(e instanceof Error ? e.message : String(e));
  }
}

async function fromHf(
  from: HfTeacherLocation,
  config: RunConfig,
  task: TaskSpec,
  env: TeacherSourceEnv,
): Promise<LoadedTeacher> {
  const files = filesOf(from, env);
  let imported;
  try {
    imported = await importCheckpoint(files, { seed: config.train.seed });
  } catch (e) {
    throw new TeacherSourceError(e instanceof Error ? e.message : String(e));
  }
  const { model } = imported;
  try {
    const where = files.source;
    const maxPositions = checkModel(model, where, task, config.tokenizer.maxLen);
    if (imported.initialised.some((n) => n.startsWith('classifier.'))) {
      throw new TeacherSourceError(
        `${where} has no classification head (a BertModel, or a head of another size): ` +
          `a teacher must already be fine-tuned on ${task.name}`,
      );
    }
    if (imported.vocab === null) {
      throw new TeacherSourceError(
        `${where}: no vocab.txt or tokenizer.json, so its token ids are unknown`,
      );
    }
    const rows = bertConfigOf(model)!.vocabSize;
    // Embedding rows past the vocabulary file (padding to a multiple of 8, say) get placeholder
    // tokens the tokenizer never produces, so the student's vocabulary has the teacher's size.
    const vocab = imported.vocab.slice();
    for (let i = vocab.length; i < rows; i++) vocab.push(`[unused-row-${i}]`);
    const lowercase = imported.lowercase ?? config.tokenizer.lowercase;
    return {
      bundle: teacherBundle(model),
      tokenizer: { vocab, lowercase },
      maxPositions,
      source: where,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Loads the teacher of a run whose kd.teacher is 'checkpoint' or 'hf'. Throws TeacherSourceError
 * with a message naming what is wrong (missing checkpoint or file, another task, wrong number of
 * labels, a KroneckerBERT, maxLen beyond the teacher's positions).
 */
export async function loadOutsideTeacher(
  config: RunConfig,
  task: TaskSpec,
  env: TeacherSourceEnv,
): Promise<LoadedTeacher> {
  const ref = config.kd?.teacher;
  if (ref?.source === 'checkpoint') return fromCheckpoint(ref.key, config, task, env);
  if (ref?.source === 'hf') return fromHf(ref.from, config, task, env);
  throw new TeacherSourceError(`kd.teacher is not a checkpoint or Hugging Face teacher`);
}

/**
 * The run as it trains with an outside teacher's tokenizer: tokenizer.vocab 'provided' with the
 * teacher's vocabulary as the task's, and the teacher's lower-casing. maxLen stays the run's (the
 * teacher's positions bound it: loadOutsideTeacher checks). vocabSize is left as set; a 'provided'
 * vocabulary ignores it.
 */
export function adoptTeacherTokenizer(
  config: RunConfig,
  data: TaskData,
  tokenizer: StoredTokenizer,
): { config: RunConfig; data: TaskData } {
  return {
    config: {
      ...config,
      tokenizer: { ...config.tokenizer, vocab: 'provided', lowercase: tokenizer.lowercase },
    },
    data: { ...data, vocab: tokenizer.vocab },
  };
}
