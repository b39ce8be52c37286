// Resume through the worker handler on fake-indexeddb (wasm): a run whose tab "closed" (its worker
// left paused after a resume point landed, the page marking it interrupted) resumes in a fresh
// handler on a resumeRun message; the stored curve then equals an uninterrupted run's step for
// step, the run ends 'done' without a resume point, and the page gets the stored history first.
// The same with vanilla KD whose teacher was MLM-pretrained and trained in the run (reloaded from
// its checkpoint), with Pro-KD + SWA (method state and θ̄ stored and read back; the reloaded
// teacher has no footprints), and with a saved checkpoint as the teacher (reloaded by its key;
// refused once deleted), and with a Hugging Face teacher from a Hub URL (downloaded again through a
// fake fetch; refused when the download fails or serves another vocabulary), and with a Hugging Face
// teacher from picked files (saved as the run's teacher checkpoint at the start, reloaded from it in
// a worker without the files; refused when that checkpoint is missing), and with intermediate KD
// from a teacher ensemble trained in the run (each member saved, rebuilt in member order; refused
// when a member's checkpoint is missing). Refusals: the run this
// worker trains, a finished run, a run without a resume point, a handed-in teacher, other data; a
// refused resume changes nothing stored.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { beforeAll } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { defaultRunConfig } from '../config/defaults';
import type { RunConfig } from '../config/run-config';
import type { TaskData } from '../data/types';
import { kdDefaults } from '../kd';
import { PROTOCOL_VERSION, type FromWorker } from '../protocol';
import { RunStorage } from '../storage';
import { makeRng } from '../util/rng';
import { exportModel } from '../io';
import { loadCheckpointModel } from './inference';
import type { TeacherFile } from './teacher-source';
import { createWorkerHandler } from './worker-handler';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

function data(seed = 2): TaskData {
  const rng = makeRng(seed);
  const words = ['the', 'film', 'was', 'plot', 'acting', 'really', 'quite', 'story'];
  const make = (n: number) =>
    Array.from({ length: n }, () => {
      const good = rng.next() < 0.5;
      const toks = Array.from({ length: 2 + rng.int(4) }, () => words[rng.int(words.length)]!);
      toks.splice(rng.int(toks.length + 1), 0, good ? 'good' : 'bad');
      return { a: toks.join(' '), label: good ? 1 : 0 };
    });
  return {
    spec: {
      id: 'toy',
      name: 'Toy',
      kind: 'classification',
      numLabels: 2,
      labelNames: ['bad', 'good'],
      pair: false,
      metrics: ['accuracy'],
      mainMetric: 'accuracy',
    },
    train: make(96),
    dev: make(24),
    source: 'test',
  };
}

function config(steps: number, name = 'resume me'): RunConfig {
  const c = defaultRunConfig();
  c.name = name;
  c.model = {
    layers: 1,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    hiddenDropout: 0.1,
    attentionDropout: 0.1,
  };
  c.tokenizer = { ...c.tokenizer, vocabSize: 100, maxLen: 16 };
  c.train = { ...c.train, steps, batchSize: 8, evalEvery: 20 };
  c.backend = 'wasm';
  return c;
}

let dbSeq = 0;
// Each test trains two or three full runs with every write going through fake-indexeddb: 20-30 s
// on a quiet 2-core machine, over 120 s in CI beside the integration tests on the other core.
const SLOW = 480_000;

function handler(dbName: string, fetchImpl?: typeof fetch) {
  const posted: FromWorker[] = [];
  const handle = createWorkerHandler({
    post: (m) => posted.push(structuredClone(m)),
    selectBackend: async () => ({ name: 'wasm', adapter: 'WebAssembly (SIMD)' }),
    available: () => ['wasm', 'cpu'],
    openStorage: () => RunStorage.open(dbName),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const waitFor = async (pred: (m: FromWorker) => boolean, ms = 300_000) => {
    const t0 = Date.now();
    while (!posted.some(pred)) {
      if (Date.now() - t0 > ms)
        throw new Error(`timed out; got ${posted.map((m) => m.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return posted.find(pred)!;
  };
  return { posted, handle, waitFor };
}

const start = (runId: string, c: RunConfig, d: TaskData = data(), files?: TeacherFile[]) =>
  ({
    type: 'start',
    version: PROTOCOL_VERSION,
    runId,
    config: c,
    data: d,
    ...(files ? { teacherFiles: files } : {}),
  }) as const;
const resume = (runId: string, d: TaskData = data()) =>
  ({ type: 'resumeRun', version: PROTOCOL_VERSION, runId, data: d }) as const;

/** Trains `c` to the end as run `id` in a fresh handler on `db`. */
async function trainFull(
  db: string,
  id: string,
  c: RunConfig,
  fetchImpl?: typeof fetch,
  files?: TeacherFile[],
): Promise<void> {
  const h = handler(db, fetchImpl);
  await h.handle(start(id, c, data(), files));
  await h.waitFor((m) => m.type === 'phase' && m.phase === 'done');
  await h.waitFor((m) => m.type === 'stored' && m.what === 'status');
}

/** A two-layer teacher trained as run 'teach' on `db`, exported as Hugging Face files. */
async function exportedTeacher(db: string) {
  const t = config(20, 'teacher run');
  t.model = { ...t.model, layers: 2 };
  t.train = { ...t.train, evalEvery: 10 };
  await trainFull(db, 'teach', t);
  const storage = await RunStorage.open(db);
  const record = (await storage.loadCheckpoint((await storage.latestCheckpoint('teach'))!.key))!;
  const loaded = loadCheckpointModel(record);
  const files = await exportModel(loaded.model, {
    vocab: record.tokenizer!.vocab,
    lowercase: record.tokenizer!.lowercase,
    labels: ['bad', 'good'],
  });
  loaded.dispose();
  return { storage, record, files };
}

/**
 * Resumes the interrupted run 'cut' in `h` to the end: its steps after the cut at `k`, its curve,
 * evaluations and best then equal the uninterrupted run 'full' of `steps` steps.
 */
async function expectResumedLikeFull(
  h: ReturnType<typeof handler>,
  storage: RunStorage,
  k: number,
  steps: number,
): Promise<void> {
  await h.handle(resume('cut'));
  await h.waitFor((m) => m.type === 'phase' && m.phase === 'done');
  await h.waitFor((m) => m.type === 'stored' && m.what === 'status');
  const full = await storage.readMetrics('full');
  const cut = await storage.readMetrics('cut');
  expect(cut.train.filter((p) => p.step > k).length).toBe(steps - k);
  expect(cut.train).toEqual(full.train);
  expect(cut.evals).toEqual(full.evals);
  expect((await storage.getRun('cut'))!.status).toBe('done');
  expect((await storage.getRun('cut'))!.summary.best).toEqual(
    (await storage.getRun('full'))!.summary.best,
  );
}

/** A two-layer teacher trained in the run `c` for 20 steps (a dev pass every 10), no footprints. */
function smallTeacher(c: RunConfig) {
  return {
    source: 'train' as const,
    model: { ...c.model, layers: 2 },
    train: { ...c.train, steps: 20, evalEvery: 10 },
    footprintEvery: 0,
  };
}

/** The last checkpoint of the resumed run 'cut' holds the bytes of run 'full''s. */
async function expectSameLastWeights(storage: RunStorage): Promise<void> {
  const run = (await storage.getRun('cut'))!;
  const last = run.checkpoints[run.checkpoints.length - 1]!;
  const a = await storage.loadCheckpoint(last.key);
  const b = await storage.loadCheckpoint(last.key.replace('/cut/', '/full/'));
  // toStrictEqual: toEqual does not compare ArrayBuffer contents.
  expect(a!.weights).toStrictEqual(b!.weights);
}

/**
 * Asks `h` to resume the interrupted run 'cut2' and expects the refusal `why`, with its record,
 * metrics and resume point (at step `k`) unchanged.
 */
async function expectRefusedUnchanged(
  h: ReturnType<typeof handler>,
  storage: RunStorage,
  k: number,
  why: RegExp,
): Promise<void> {
  const before = await storage.getRun('cut2');
  const metrics = await storage.readMetrics('cut2');
  await h.handle(resume('cut2'));
  const e = await h.waitFor((m) => m.type === 'error');
  expect(e).toMatchObject({ runId: 'cut2', where: 'config' });
  expect(e.type === 'error' && e.message).toMatch(why);
  expect(await storage.getRun('cut2')).toEqual(before);
  expect(await storage.readMetrics('cut2')).toEqual(metrics);
  expect((await storage.loadResumePoint('cut2'))!.step).toBe(k);
}

/**
 * Starts `c` as run `id` and "closes the tab" once its first resume point has landed: the worker
 * is paused and abandoned (it writes nothing more), and the next page marks the run interrupted.
 */
async function trainCut(
  db: string,
  id: string,
  c: RunConfig,
  fetchImpl?: typeof fetch,
  files?: TeacherFile[],
): Promise<number> {
  const storage = await RunStorage.open(db);
  const h = handler(db, fetchImpl);
  await h.handle(start(id, c, data(), files));
  // Pause as soon as the first dev evaluation is reported (its resume point is being written).
  // Polling storage for the point first raced the run to its end on a loaded CI machine: the
  // store's transactions need event-loop turns that a training loop hands back only every 100 ms.
  await h.waitFor((m) => m.type === 'metrics' && m.evals.length > 0);
  await h.handle({ type: 'pause', runId: id });
  await h.waitFor((m) => m.type === 'phase' && m.phase === 'paused');
  const t0 = Date.now();
  while ((await storage.resumableRunIds()).length === 0) {
    if (Date.now() - t0 > 300_000) throw new Error('no resume point');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Its last writes (the metrics flushed on pause) land; then nothing more is written.
  let last = '';
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = JSON.stringify((await storage.getRun(id))!.metrics);
    if (now === last) break;
    last = now;
  }
  const step = (await storage.loadResumePoint(id))!.step;
  expect(await storage.markInterrupted()).toHaveLength(1);
  storage.close();
  return step;
}

describe('resumeRun through the worker handler', () => {
  it(
    'continues an interrupted run: the same curve as the uninterrupted run, ends done',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      const c = config(240);
      await trainFull(db, 'full', c);
      const k = await trainCut(db, 'cut', c);
      const storage = await RunStorage.open(db);
      const before = await storage.getRun('cut');
      expect(before?.status).toBe('interrupted');
      expect(before!.summary.step).toBeGreaterThanOrEqual(k);
      expect(k).toBeLessThan(240);

      const h = handler(db);
      // Another task: refused, nothing changes.
      await h.handle(resume('cut', data(9)));
      const refused = await h.waitFor((m) => m.type === 'error');
      expect(refused).toMatchObject({ runId: 'cut', where: 'config' });
      expect(refused.type === 'error' && refused.message).toMatch(/vocabulary differs/);
      expect(await storage.getRun('cut')).toEqual(before);

      h.posted.length = 0;
      await h.handle(resume('cut'));
      // Resuming it again while it trains is refused without touching it.
      await h.waitFor((m) => m.type === 'phase' && m.phase === 'training');
      await h.handle(resume('cut'));
      const twice = await h.waitFor((m) => m.type === 'stored' && m.error !== undefined);
      expect(twice.type === 'stored' && twice.error).toMatch(/cannot be resumed twice/);
      await h.waitFor((m) => m.type === 'phase' && m.phase === 'done');
      await h.waitFor((m) => m.type === 'stored' && m.what === 'status');

      // The page got the stored history up to k first, then steps k+1.. from training.
      const metrics = h.posted.flatMap((m) => (m.type === 'metrics' ? [m] : []));
      expect(metrics[0]!.train.map((p) => p.step)).toEqual(
        Array.from({ length: k }, (_, i) => i + 1),
      );
      expect(metrics[1]!.train[0]!.step).toBe(k + 1);
      const phases = h.posted.flatMap((m) => (m.type === 'phase' ? [m.phase] : []));
      expect(phases).not.toContain('failed');

      const full = await storage.readMetrics('full');
      const cut = await storage.readMetrics('cut');
      expect(cut.train.map((p) => p.step)).toEqual(full.train.map((p) => p.step));
      expect(cut.train).toEqual(full.train);
      expect(cut.evals).toEqual(full.evals);
      const run = (await storage.getRun('cut'))!;
      const fullRun = (await storage.getRun('full'))!;
      expect(run.status).toBe('done');
      expect(run.summary.step).toBe(240);
      expect(run.summary.best).toEqual(fullRun.summary.best);
      expect(run.checkpoints.map((m) => [m.step, m.label])).toEqual(
        fullRun.checkpoints.map((m) => [m.step, m.label]),
      );
      await expectSameLastWeights(storage);
      expect(await storage.resumableRunIds()).toEqual([]);

      // A finished run does not resume.
      const again = handler(db);
      await again.handle(resume('cut'));
      const e = await again.waitFor((m) => m.type === 'error');
      expect(e.type === 'error' && e.message).toMatch(/is done: only an interrupted run resumes/);
      storage.close();
    },
    SLOW,
  );

  it(
    'vanilla KD with a teacher trained in the run (MLM-pretrained first): resumes with the saved teacher',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      const c = config(200, 'kd resume');
      c.kd = {
        method: kdDefaults('vanilla'),
        teacher: {
          ...smallTeacher(c),
          // Its MLM head is not saved; vanilla KD reads only the fine-tuned teacher.
          mlm: { steps: 6, lr: 1e-3, batchSize: 16, maskProb: 0.15 },
        },
      };
      await trainFull(db, 'full', c);
      const k = await trainCut(db, 'cut', c);
      const h = handler(db);
      await h.handle(resume('cut'));
      await h.waitFor((m) => m.type === 'phase' && m.phase === 'done');
      await h.waitFor((m) => m.type === 'stored' && m.what === 'status');
      const storage = await RunStorage.open(db);
      const full = await storage.readMetrics('full');
      const cut = await storage.readMetrics('cut');
      expect(cut.train.filter((p) => p.step > k).length).toBe(200 - k);
      expect(cut.train).toEqual(full.train);
      expect(cut.evals).toEqual(full.evals);
      expect((await storage.getRun('cut'))!.status).toBe('done');
      const prepared = h.posted.find((m) => m.type === 'prepared');
      expect(prepared?.type === 'prepared' && prepared.info.teacher?.dev).toEqual(
        (await storage.latestCheckpoint('full', 'teacher'))!.metricsSummary.dev,
      );
      storage.close();
    },
    SLOW,
  );

  it(
    "Pro-KD with SWA, teacher trained in the run: the footprints' logits and θ̄ go through storage",
    async () => {
      const db = `resume-h-${++dbSeq}`;
      const c = config(200, 'pro-kd resume');
      c.kd = {
        method: { ...kdDefaults('pro-kd'), checkpoints: 3 },
        // 4 footprints; the student follows the 2nd and the 4th.
        teacher: { ...smallTeacher(c), footprintEvery: 5 },
        swa: { start: 0.05, every: 2, lrScale: 1 }, // θ̄ from step 10, so the first point has one
      };
      await trainFull(db, 'full', c);
      const k = await trainCut(db, 'cut', c);
      const storage = await RunStorage.open(db);
      const point = (await storage.loadResumePoint('cut'))!;
      expect(point.method!.numbers).toEqual({ footprints: 2 });
      expect(Object.keys(point.method!.tensors)).toEqual(['footprint.0', 'footprint.1']);
      expect(point.swa!.count).toBeGreaterThan(0);
      const h = handler(db);
      await h.handle(resume('cut'));
      await h.waitFor((m) => m.type === 'phase' && m.phase === 'done');
      await h.waitFor((m) => m.type === 'stored' && m.what === 'status');
      const full = await storage.readMetrics('full');
      const cut = await storage.readMetrics('cut');
      expect(cut.train.filter((p) => p.step > k).length).toBe(200 - k);
      expect(new Set(cut.train.map((p) => p.terms!['footprint']))).toEqual(new Set([0, 1, 2]));
      expect(cut.train).toEqual(full.train);
      expect(cut.evals).toEqual(full.evals);
      const run = (await storage.getRun('cut'))!;
      expect(run.status).toBe('done');
      await expectSameLastWeights(storage);
      storage.close();
    },
    SLOW,
  );

  it(
    'intermediate KD from a teacher ensemble trained in the run: each member saved, rebuilt in order; a missing member refuses',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      const c = config(200, 'ensemble resume');
      c.kd = {
        // Layer matching reads member 0's hidden states: a rebuild in another order changes it.
        method: kdDefaults('intermediate'),
        teacher: { ...smallTeacher(c), ensemble: 2 },
      };
      await trainFull(db, 'full', c);
      const storage = await RunStorage.open(db);
      const teachers = (await storage.getRun('full'))!.checkpoints.filter(
        (m) => m.role === 'teacher',
      );
      expect(teachers.map((m) => [m.key.replace(/step-\d+$/, ''), m.member])).toEqual([
        ['kd/full/teacher/', 0],
        ['kd/full/teacher-2/', 1],
      ]);
      // Two members of one recipe, different seeds: different weights.
      const [m0, m1] = await Promise.all(teachers.map((m) => storage.loadCheckpoint(m.key)));
      expect(m0!.weights).not.toStrictEqual(m1!.weights);
      expect((await storage.latestCheckpoint('full', 'teacher', 1))!.key).toBe(teachers[1]!.key);

      const k = await trainCut(db, 'cut', c);
      const k2 = await trainCut(db, 'cut2', c);
      const h = handler(db);
      await expectResumedLikeFull(h, storage, k, 200);
      const prepared = h.posted.find((m) => m.type === 'prepared');
      expect(prepared?.type === 'prepared' && prepared.info.teacher?.params).toBeGreaterThan(0);
      await expectSameLastWeights(storage);

      // The second member's checkpoint deleted: refused, nothing else stored changes.
      const second = (await storage.latestCheckpoint('cut2', 'teacher', 1))!.key;
      await storage.deleteCheckpoint(second);
      await expectRefusedUnchanged(
        handler(db),
        storage,
        k2,
        /cannot resume: member 2 of its 2-teacher ensemble has no saved checkpoint/,
      );
      storage.close();
    },
    SLOW,
  );

  it(
    'vanilla KD from a saved checkpoint as the teacher: reloaded by its key; once deleted, refused',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      const t = config(20, 'teacher run');
      t.model = { ...t.model, layers: 2 };
      t.train = { ...t.train, evalEvery: 10 };
      await trainFull(db, 'teach', t);
      const storage = await RunStorage.open(db);
      const key = (await storage.latestCheckpoint('teach'))!.key;
      const c = config(200, 'ckpt teacher');
      c.kd = { method: kdDefaults('vanilla'), teacher: { source: 'checkpoint', key } };
      await trainFull(db, 'full', c);
      const k = await trainCut(db, 'cut', c);
      const k2 = await trainCut(db, 'cut2', c);
      const h = handler(db);
      await h.handle(resume('cut'));
      await h.waitFor((m) => m.type === 'phase' && m.phase === 'done');
      await h.waitFor((m) => m.type === 'stored' && m.what === 'status');
      const full = await storage.readMetrics('full');
      const cut = await storage.readMetrics('cut');
      expect(cut.train.filter((p) => p.step > k).length).toBe(200 - k);
      expect(cut.train).toEqual(full.train);
      expect(cut.evals).toEqual(full.evals);
      expect((await storage.getRun('cut'))!.status).toBe('done');
      // The teacher's run deleted (its checkpoints with it): refused, nothing stored changes.
      await storage.deleteRun('teach');
      await expectRefusedUnchanged(
        handler(db),
        storage,
        k2,
        /cannot resume: its teacher, no saved checkpoint .* \(was its run deleted\?\)/,
      );
      storage.close();
    },
    SLOW,
  );

  it(
    'vanilla KD from a Hub URL: downloaded again on resume; a failed download or another model is refused',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      // The teacher: a trained two-layer BERT exported as Hugging Face files, served by a fake Hub.
      const { storage, record, files } = await exportedTeacher(db);
      const bytes = (v: Uint8Array | string): ArrayBuffer => {
        const u = typeof v === 'string' ? new TextEncoder().encode(v) : v;
        return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
      };
      const hub =
        (served: Map<string, Uint8Array | string>): typeof fetch =>
        async (input) => {
          const m = /^http:\/\/hub\.test\/me\/tiny\/resolve\/v1\/(.+)$/.exec(String(input));
          const f = m ? served.get(m[1]!) : undefined;
          return f === undefined
            ? new Response('not found', { status: 404 })
            : new Response(bytes(f), { status: 200 });
        };
      const online = hub(files);
      const c = config(200, 'hub teacher');
      c.kd = {
        method: kdDefaults('vanilla'),
        teacher: {
          source: 'hf',
          from: { kind: 'hub', model: 'http://hub.test/me/tiny', revision: 'v1' },
        },
      };
      await trainFull(db, 'full', c, online);
      const k = await trainCut(db, 'cut', c, online);
      const k2 = await trainCut(db, 'cut2', c, online);
      const h = handler(db, online);
      await expectResumedLikeFull(h, storage, k, 200);
      // The page hears that the teacher is being downloaded again.
      expect(h.posted).toContainEqual({
        type: 'phase',
        runId: 'cut',
        phase: 'preparing',
        detail: 'downloading the teacher again',
      });

      // Offline, or the Hub now serving another vocabulary: refused, nothing stored changes.
      const offline: typeof fetch = async () => {
        throw new TypeError('Failed to fetch');
      };
      const vocab = record.tokenizer!.vocab.slice();
      const n = vocab.length;
      [vocab[n - 2], vocab[n - 1]] = [vocab[n - 1]!, vocab[n - 2]!];
      const other = hub(new Map([...files, ['vocab.txt', `${vocab.join('\n')}\n`]]));
      for (const [f, why] of [
        [offline, /cannot resume: its teacher, .*could not fetch \(Failed to fetch\)/],
        [
          other,
          new RegExp(
            `cannot resume: its teacher downloaded again from hub:me/tiny@v1 is not the one it trained with \\(its vocabulary differs at token ${n - 2}\\)`,
          ),
        ],
      ] as const) {
        await expectRefusedUnchanged(handler(db, f), storage, k2, why);
      }
      storage.close();
    },
    SLOW,
  );

  it(
    'vanilla KD from picked Hugging Face files: saved as the teacher checkpoint, reloaded on resume',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      // The teacher: a trained two-layer BERT exported as Hugging Face files the page "picked".
      const { storage, record, files: exported } = await exportedTeacher(db);
      const files: TeacherFile[] = [...exported].map(([name, v]) => {
        const u = typeof v === 'string' ? new TextEncoder().encode(v) : v;
        return {
          name,
          bytes: u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer,
        };
      });
      const c = config(200, 'picked teacher');
      c.kd = {
        method: kdDefaults('vanilla'),
        teacher: { source: 'hf', from: { kind: 'files', names: files.map((f) => f.name) } },
      };
      await trainFull(db, 'full', c, undefined, files);
      const k = await trainCut(db, 'cut', c, undefined, files);
      const k2 = await trainCut(db, 'cut2', c, undefined, files);
      // The teacher was saved at the start with its vocabulary, task and encoder configuration.
      const saved = (await storage.latestCheckpoint('cut', 'teacher'))!;
      expect(saved.key).toBe('kd/cut/teacher/step-0');
      expect(saved.tokenizer!.vocab).toEqual(record.tokenizer!.vocab);
      expect(saved.task!.id).toBe('toy');
      expect(saved.arch).toMatchObject({
        numHiddenLayers: 2,
        hiddenSize: 16,
        numAttentionHeads: 2,
      });
      // Resumed in a fresh worker that has no files: the same curve and evaluations.
      await expectResumedLikeFull(handler(db), storage, k, 200);

      // A run whose teacher checkpoint did not land (a full disk): refused, nothing else changes.
      await storage.deleteCheckpoint('kd/cut2/teacher/step-0');
      await expectRefusedUnchanged(
        handler(db),
        storage,
        k2,
        /cannot resume: its teacher came from picked files and no teacher checkpoint of it was saved/,
      );
      storage.close();
    },
    SLOW,
  );

  it(
    'refuses runs without a resume point or with state it cannot save, changing nothing',
    async () => {
      const db = `resume-h-${++dbSeq}`;
      const storage = await RunStorage.open(db);
      await storage.createRun(config(40, 'early'), { id: 'early', status: 'interrupted' });
      const outside = config(40, 'outside');
      outside.kd = {
        method: { kind: 'vanilla', temperature: 4, alpha: 0.5 },
        teacher: { source: 'provided' },
      };
      await storage.createRun(outside, { id: 'outside', status: 'interrupted' });
      const h = handler(db);
      for (const [id, why] of [
        ['early', /has no resume point: it stopped before its first dev evaluation/],
        ['outside', /its teacher was handed in from outside the run/],
        ['nope', /no saved run 'nope'/],
      ] as const) {
        h.posted.length = 0;
        await h.handle(resume(id));
        const e = await h.waitFor((m) => m.type === 'error');
        expect(e).toMatchObject({ runId: id, where: 'config' });
        expect(e.type === 'error' && e.message).toMatch(why);
      }
      expect((await storage.getRun('early'))!.status).toBe('interrupted');
      storage.close();
    },
    SLOW,
  );
});
