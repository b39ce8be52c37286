// Everything the worker checks and loads before an interrupted run continues ('resumeRun'): the run
// and its resume point, whether it can resume at all (config/resume.ts), that the task the page
// loaded is the one it trained on (same vocabulary), and its teacher: a trained one from the run's
// teacher checkpoint (a trained ensemble from its members' checkpoints), a saved checkpoint that
// teaches from its key, a Hugging Face model from the Hub downloaded again from its location and
// revision, as at the start, and one from picked files from the teacher checkpoint the run saved
// of it when it started. Only then is the run
// rewound to the resume point's step (metrics and checkpoints after it dropped), so a refused
// resume changes nothing stored.
import { resumeRefusal } from '../config/resume';
import type { RunConfig } from '../config/run-config';
import type { TaskData } from '../data/types';
import {
  disposeTeacher,
  ensembleModel,
  freeze,
  kdNeedsTeacher,
  teacherBundle,
  type TeacherBundle,
} from '../kd';
import type { Model } from '../model';
import type { EvalPoint, TrainPoint } from '../protocol';
import type { RunRecord, RunStorage } from '../storage';
import { loadCheckpointModel } from './inference';
import type { ResumeState } from './loop';
import { resumeStateOf } from './persist';
import { prepareData } from './prepare';
import {
  adoptTeacherTokenizer,
  loadOutsideTeacher,
  TeacherSourceError,
  type LoadedTeacher,
} from './teacher-source';

/** Thrown when a run cannot resume; the message says why, for the page. */
export class ResumeError extends Error {}

/** A run ready to continue. The caller frees `teacher` (disposeTeacher) when the run ends. */
export interface ResumeContext {
  run: RunRecord;
  config: RunConfig;
  state: ResumeState;
  teacher: TeacherBundle | null;
  /** The task data the run trains on (with a saved checkpoint's vocabulary when it teaches). */
  data: TaskData;
  /** The metrics kept (up to the resume step), for the page's charts. */
  train: TrainPoint[];
  evals: EvalPoint[];
}

/** Frees what a resume loaded (its teacher). */
export function releaseResume(ctx: ResumeContext): void {
  if (ctx.teacher) disposeTeacher(ctx.teacher);
  ctx.teacher = null;
}

/** Statuses of a run whose tab closed (or whose worker is gone) mid-run. */
const RESUMABLE_STATUS: readonly string[] = ['interrupted', 'running', 'paused'];

/** Checks and loads run `runId` for resuming on `data`, then rewinds it to its resume point. */
export async function prepareResume(
  storage: RunStorage,
  runId: string,
  data: TaskData,
  env: {
    fetch?: typeof fetch;
    /** Hears what is being loaded (a teacher download can take a while), for the page. */
    progress?: (detail: string) => void;
  } = {},
): Promise<ResumeContext> {
  const run = await storage.getRun(runId);
  if (!run) throw new ResumeError(`There is no saved run '${runId}' to resume`);
  const name = run.config.name;
  if (!RESUMABLE_STATUS.includes(run.status)) {
    throw new ResumeError(`Run '${name}' is ${run.status}: only an interrupted run resumes`);
  }
  const refusal = resumeRefusal(run.config);
  if (refusal) throw new ResumeError(refusal);
  const config = run.config;
  const nkp = config.student?.kind === 'kron-bert' && config.student.init === 'nkp';
  const teacherUsed = config.kd !== undefined && (kdNeedsTeacher(config.kd) || nkp);
  // A saved checkpoint or a Hugging Face model from the Hub that teaches is loaded again as at the
  // start (the run adopted its vocabulary), before anything stored changes: a deleted checkpoint, a
  // failed download or a Hub model that is not the one the run trained with refuses the resume.
  let teacher: TeacherBundle | null = null;
  let taskData = data;
  const hasPoint = (await storage.resumableRunIds()).includes(runId);
  const ref = config.kd?.teacher;
  const reload = ref?.source === 'checkpoint' || (ref?.source === 'hf' && ref.from.kind === 'hub');
  if (hasPoint && teacherUsed && reload) {
    env.progress?.(
      ref.source === 'hf' ? 'downloading the teacher again' : 'loading the teacher checkpoint',
    );
    let loaded;
    try {
      loaded = await loadOutsideTeacher(config, data.spec, {
        storage: async () => storage,
        ...(env.fetch ? { fetch: env.fetch } : {}),
      });
    } catch (e) {
      if (!(e instanceof TeacherSourceError)) throw e;
      throw new ResumeError(`Run '${name}' cannot resume: its teacher, ${e.message}`);
    }
    teacher = loaded.bundle;
    try {
      if (ref.source === 'hf') await checkSameHubTeacher(storage, run, loaded);
    } catch (e) {
      disposeTeacher(teacher);
      throw e;
    }
    taskData = adoptTeacherTokenizer(config, data, loaded.tokenizer).data;
  }
  // A Hugging Face teacher from picked files was saved as the run's teacher checkpoint at its
  // start (with its encoder configuration and vocabulary): reloaded from there, as the start did.
  const picked = ref?.source === 'hf' && ref.from.kind === 'files';
  if (hasPoint && teacherUsed && picked) {
    const t = await storage.latestCheckpoint(runId, 'teacher');
    if (!t?.tokenizer || !t.arch) {
      throw new ResumeError(
        `Run '${name}' cannot resume: its teacher came from picked files and no teacher checkpoint of it was saved (the browser's storage may have been full): start it again`,
      );
    }
    let loaded;
    try {
      loaded = loadCheckpointModel(t);
    } catch (e) {
      throw new ResumeError(
        `Run '${name}' cannot resume: its saved teacher, ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    teacher = teacherBundle(loaded.model);
    teacher.dev = t.metricsSummary.dev;
    taskData = adoptTeacherTokenizer(config, data, t.tokenizer).data;
  }
  try {
    return await checkAndRewind(storage, run, data, taskData, teacher);
  } catch (e) {
    if (teacher) disposeTeacher(teacher);
    throw e;
  }
}

/**
 * A Hub teacher downloaded again must be the one the run trained with: its vocabulary (the run
 * tokenised with it, and the run's checkpoints keep it) and its lower-casing (the run's config
 * adopted it). The run keeps nothing else of the teacher (no hash of its files, no shapes), so a
 * model re-uploaded under the same revision with the same vocabulary is not told apart.
 */
async function checkSameHubTeacher(
  storage: RunStorage,
  run: RunRecord,
  loaded: LoadedTeacher,
): Promise<void> {
  const name = run.config.name;
  const saved = (await storage.latestCheckpoint(run.id))?.tokenizer;
  const why = (what: string) =>
    new ResumeError(
      `Run '${name}' cannot resume: its teacher downloaded again from ${loaded.source} is not the one it trained with (${what})`,
    );
  if (!saved) throw why('the run kept no vocabulary to compare with');
  const vocab = loaded.tokenizer.vocab;
  if (vocab.length !== saved.vocab.length) {
    throw why(`its vocabulary has ${vocab.length} tokens, the run's ${saved.vocab.length}`);
  }
  const i = vocab.findIndex((w, j) => w !== saved.vocab[j]);
  if (i >= 0) throw why(`its vocabulary differs at token ${i}`);
  if (loaded.tokenizer.lowercase !== run.config.tokenizer.lowercase) {
    throw why(
      loaded.tokenizer.lowercase
        ? 'it lower-cases, the run did not'
        : 'it keeps case, the run lower-cased',
    );
  }
}

/**
 * The teacher the run trained, from its teacher checkpoint; a trained ensemble is rebuilt from its
 * members' checkpoints in member order (the order its logits were averaged and its intermediate
 * outputs taken from, member 0's), with no dev result: the loop evaluates the ensemble again.
 */
async function trainedTeacher(storage: RunStorage, run: RunRecord): Promise<TeacherBundle> {
  const name = run.config.name;
  const ref = run.config.kd?.teacher;
  const count = ref?.source === 'train' ? (ref.ensemble ?? 1) : 1;
  if (count === 1) {
    const t = await storage.latestCheckpoint(run.id, 'teacher');
    if (!t) {
      throw new ResumeError(
        `Run '${name}' has no saved teacher checkpoint to resume with: start it again`,
      );
    }
    const teacher = teacherBundle(loadCheckpointModel(t).model);
    teacher.dev = t.metricsSummary.dev;
    return teacher;
  }
  const members: { model: Model; dev: TeacherBundle['dev'] }[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const t = await storage.latestCheckpoint(run.id, 'teacher', k);
      if (!t) {
        throw new ResumeError(
          `Run '${name}' cannot resume: member ${k + 1} of its ${count}-teacher ensemble has no saved checkpoint (the browser's storage may have been full, or it was deleted): start it again`,
        );
      }
      members.push({ model: loadCheckpointModel(t).model, dev: t.metricsSummary.dev });
    }
  } catch (e) {
    members.forEach((m) => m.model.dispose());
    throw e;
  }
  // teacherBundle freezes the ensemble's params, which are member 0's: freeze every member.
  members.forEach((m) => freeze(m.model));
  const teacher = teacherBundle(ensembleModel(members.map((m) => m.model)));
  teacher.members = members;
  return teacher;
}

/** The checks on the resume point and the task, the trained teacher's reload, then the rewind. */
async function checkAndRewind(
  storage: RunStorage,
  run: RunRecord,
  data: TaskData,
  taskData: TaskData,
  outside: TeacherBundle | null,
): Promise<ResumeContext> {
  const runId = run.id;
  const name = run.config.name;
  const config = run.config;
  const record = await storage.loadResumePoint(runId);
  if (!record) {
    throw new ResumeError(
      `Run '${name}' has no resume point: it stopped before its first dev evaluation. Start it again`,
    );
  }
  // The vocabulary is built from the training text: the same data gives the same one.
  const saved = await storage.latestCheckpoint(runId);
  if (saved?.task && saved.task.id !== data.spec.id) {
    throw new ResumeError(
      `Run '${name}' trained on task '${saved.task.id}', the loaded task is '${data.spec.id}': load its data and resume again`,
    );
  }
  if (saved?.tokenizer) {
    const { tokenizer } = prepareData(config, taskData);
    const same =
      tokenizer.vocab.length === saved.tokenizer.vocab.length &&
      tokenizer.vocab.every((w, i) => w === saved.tokenizer!.vocab[i]);
    if (!same) {
      throw new ResumeError(
        `The loaded task is not the data run '${name}' trained on (its vocabulary differs): load that data and resume again`,
      );
    }
  }
  const state = resumeStateOf(record);
  let teacher: TeacherBundle | null = outside;
  const nkp = config.student?.kind === 'kron-bert' && config.student.init === 'nkp';
  if (!teacher && config.kd && (kdNeedsTeacher(config.kd) || nkp)) {
    teacher = await trainedTeacher(storage, run);
  }
  try {
    const { train, evals, run: rewound } = await storage.rewindRun(runId, state.step);
    return { run: rewound, config, state, teacher, data: taskData, train, evals };
  } catch (e) {
    // The outside teacher is the caller's to free.
    if (teacher && teacher !== outside) disposeTeacher(teacher);
    throw e;
  }
}
