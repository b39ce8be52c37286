// A KD run's teacher from outside the run (fake-indexeddb, wasm backend): a saved teacher
// checkpoint taught by the worker handler (its dev result reported as a trained teacher's, its
// vocabulary adopted by the student, nothing leaked), a Hugging Face BERT from picked files and
// from a Hub URL served by a fake fetch, and the bad teachers refused before anything is saved.
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import type { RunConfig } from '../config/run-config';
import { validateRunConfig } from '../config/validate';
import type { TaskData } from '../data/types';
import { exportModel, parseSafetensors, writeSafetensors } from '../io';
import type { TeacherFileBytes } from '../protocol';
import { loadCheckpointModel } from './inference';
import { adoptTeacherTokenizer, hubLocation } from './teacher-source';
import { filmTask, handlerHarness, tinyRunConfig } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const data = (seed = 2, spec: Partial<TaskData['spec']> = {}): TaskData =>
  filmTask(seed, { capital: true, spec });

const config = (steps: number, seed = 1): RunConfig =>
  tinyRunConfig(steps, { evalEvery: 3, lr: 0.01, warmup: 0, seed }, `toy ${seed}`);

/** A KD config distilling from `teacher` with vanilla KD. */
function student(teacher: NonNullable<RunConfig['kd']>['teacher'], steps = 6): RunConfig {
  const c = config(steps, 7);
  // A tokenizer that differs from the teacher's in size and casing: the teacher's must win.
  c.tokenizer = { ...c.tokenizer, vocabSize: 120, lowercase: false };
  c.kd = { method: { kind: 'vanilla', temperature: 2, alpha: 0.5 }, teacher };
  return c;
}

function setup(fetchImpl?: typeof fetch) {
  const h = handlerHarness({ db: 'teacher-source', ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const start = (runId: string, c: RunConfig, d = data(), teacherFiles?: TeacherFileBytes[]) =>
    h.start(runId, c, d, teacherFiles);
  return { ...h, start };
}

type Setup = ReturnType<typeof setup>;

/** Trains a KD run whose teacher is trained in it; returns the teacher checkpoint's key and dev. */
async function trainTeacher(s: Setup) {
  const c = config(6, 4);
  c.kd = {
    method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
    teacher: {
      source: 'train',
      model: { ...c.model, layers: 2 },
      train: { ...c.train, steps: 9 },
      footprintEvery: 0,
    },
  };
  await s.start('first', c);
  await s.waitFor('stored', (m) => m.runId === 'first' && m.what === 'status');
  const storage = await s.open();
  const run = (await storage.getRun('first'))!;
  const meta = run.checkpoints.find((m) => m.role === 'teacher')!;
  const record = (await storage.loadCheckpoint(meta.key))!;
  storage.close();
  return { key: meta.key, dev: meta.metricsSummary.best!, record };
}

/** The errors a run got, and whether anything was saved for it. */
async function refused(s: Setup, runId: string) {
  const err = await s.waitFor('error', (m) => m.runId === runId);
  const storage = await s.open();
  const run = await storage.getRun(runId);
  storage.close();
  return { err, saved: run !== null };
}

describe('teacher from outside the run', () => {
  it('teaches from a saved teacher checkpoint: its dev result, its vocabulary, no retraining', async () => {
    const s = setup();
    const teacher = await trainTeacher(s);
    const before = tf.memory().numTensors;
    await s.start('student', student({ source: 'checkpoint', key: teacher.key }));
    await s.waitFor('stored', (m) => m.runId === 'student' && m.what === 'status');
    const done = await s.waitFor('done', (m) => m.runId === 'student');
    expect(done.best).not.toBeNull();
    const prepared = await s.waitFor('prepared', (m) => m.runId === 'student');
    // The teacher's dev result is evaluated again on this run's dev split: the saved one.
    expect(prepared.info.teacher!.source).toBe(`checkpoint ${teacher.key}`);
    expect(prepared.info.teacher!.dev!.main).toBeCloseTo(teacher.dev.main, 6);
    expect(prepared.info.teacher!.dev!.loss).toBeCloseTo(teacher.dev.loss, 4);
    // The student tokenised with the teacher's vocabulary, not one built from its own (cased) text.
    const vocab = teacher.record.tokenizer!.vocab;
    expect(prepared.info.vocabSize).toBe(vocab.length);
    // No teacher was trained: the phases say 'loading the teacher', never 'training the teacher'.
    const details = s.posted.flatMap((m) =>
      m.type === 'phase' && m.runId === 'student' && m.detail ? [m.detail] : [],
    );
    expect(details).toContain('loading the teacher');
    expect(details.some((d) => d.startsWith('training the teacher'))).toBe(false);
    const storage = await s.open();
    const run = (await storage.getRun('student'))!;
    // The saved config is the one it trained with: the teacher's vocabulary and casing.
    expect(run.config.tokenizer).toMatchObject({
      vocab: 'provided',
      lowercase: teacher.record.tokenizer!.lowercase,
    });
    expect(run.checkpoints.some((m) => m.role === 'teacher')).toBe(false);
    const best = (await storage.loadCheckpoint(run.checkpoints[0]!.key))!;
    expect(best.tokenizer!.vocab).toEqual(vocab);
    // The student checkpoint runs (its config says 'provided', its record holds the vocabulary).
    loadCheckpointModel(best).dispose();
    storage.close();
    // Teacher, student and their caches are freed.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a missing checkpoint, another task, another label count and a KroneckerBERT', async () => {
    const s = setup();
    const teacher = await trainTeacher(s);
    await s.start('missing', student({ source: 'checkpoint', key: 'kd/gone/step-3' }));
    const missing = await refused(s, 'missing');
    expect(missing.err.where).toBe('teacher');
    expect(missing.err.message).toMatch(/no saved checkpoint kd\/gone\/step-3 in this browser/);
    expect(missing.saved).toBe(false);

    await s.start(
      'other-task',
      student({ source: 'checkpoint', key: teacher.key }),
      data(2, { id: 'other', name: 'Other' }),
    );
    const other = await refused(s, 'other-task');
    expect(other.err.message).toMatch(/trained on Toy \(2 labels\); the loaded task is Other/);
    expect(other.saved).toBe(false);

    const three = data(2, { numLabels: 3, labelNames: ['a', 'b', 'c'] });
    await s.start('labels', student({ source: 'checkpoint', key: teacher.key }), three);
    expect((await refused(s, 'labels')).err.message).toMatch(/\(2 labels\).*\(3 labels\)/);

    // A KroneckerBERT run's checkpoint: refused before its weights are read.
    const storage = await s.open();
    const kron = config(3, 9);
    kron.student = {
      kind: 'kron-bert',
      factors: { embedding: null, attention: null, ffnUp: null, ffnDown: null },
      init: 'random',
    };
    expect(validateRunConfig(kron)).toEqual([]);
    await storage.createRun(kron, { id: 'kron', status: 'done' });
    const meta = await storage.saveCheckpoint({
      runId: 'kron',
      step: 3,
      label: 'best',
      weights: teacher.record.weights,
      metricsSummary: teacher.record.metricsSummary,
      tokenizer: teacher.record.tokenizer!,
      task: teacher.record.task!,
    });
    storage.close();
    await s.start('kron-teacher', student({ source: 'checkpoint', key: meta.key }));
    const k = await refused(s, 'kron-teacher');
    expect(k.err.message).toMatch(/is a KroneckerBERT student, not a dense BERT/);
    expect(k.saved).toBe(false);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('teaches from a Hugging Face BERT in picked files and from a Hub URL (local fetch)', async () => {
    const s0 = setup();
    const teacher = await trainTeacher(s0);
    const loaded = loadCheckpointModel(teacher.record);
    const files = await exportModel(loaded.model, {
      vocab: teacher.record.tokenizer!.vocab,
      lowercase: teacher.record.tokenizer!.lowercase,
      labels: ['bad', 'good'],
    });
    loaded.dispose();
    const bytes = (v: Uint8Array | string): ArrayBuffer => {
      const u = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
    };
    const picked = [...files].map(([name, v]) => ({ name, bytes: bytes(v) }));
    const names = picked.map((f) => f.name);

    const s = setup();
    await s.start(
      'hf-files',
      student({ source: 'hf', from: { kind: 'files', names } }),
      data(),
      picked,
    );
    await s.waitFor('stored', (m) => m.runId === 'hf-files' && m.what === 'status');
    const prepared = await s.waitFor('prepared', (m) => m.runId === 'hf-files');
    expect(prepared.info.teacher!.source).toBe('picked files');
    expect(prepared.info.teacher!.dev!.main).toBeCloseTo(teacher.dev.main, 6);
    expect(prepared.info.vocabSize).toBe(teacher.record.tokenizer!.vocab.length);

    // Files named in the config but not handed over: refused, nothing saved.
    await s.start('hf-lost', student({ source: 'hf', from: { kind: 'files', names } }));
    const lost = await refused(s, 'hf-lost');
    expect(lost.err.message).toMatch(/did not reach the worker.*pick them again/);
    expect(lost.saved).toBe(false);

    // The Hub: a URL of a repo, resolved as {endpoint}/{repo}/resolve/{revision}/{file}.
    const urls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      const url = String(input);
      urls.push(url);
      const m = /^http:\/\/hub\.test\/me\/tiny\/resolve\/main\/(.+)$/.exec(url);
      const f = m ? files.get(m[1]!) : undefined;
      return f === undefined
        ? new Response('not found', { status: 404 })
        : new Response(bytes(f), { status: 200 });
    };
    const hub = setup(fakeFetch);
    const c = student({
      source: 'hf',
      from: { kind: 'hub', model: 'http://hub.test/me/tiny', revision: 'main' },
    });
    await hub.start('hf-hub', c);
    await hub.waitFor('stored', (m) => m.runId === 'hf-hub' && m.what === 'status');
    const p = await hub.waitFor('prepared', (m) => m.runId === 'hf-hub');
    expect(p.info.teacher!.source).toBe('hub:me/tiny@main');
    expect(p.info.teacher!.dev!.main).toBeCloseTo(teacher.dev.main, 6);
    expect(urls).toContain('http://hub.test/me/tiny/resolve/main/config.json');

    // A head of another size: refused with the counts.
    const three = data(2, { numLabels: 3, labelNames: ['a', 'b', 'c'] });
    await hub.start('hf-labels', c, three);
    expect((await refused(hub, 'hf-labels')).err.message).toMatch(
      /predicts 2 classes; the task Toy has 3 labels/,
    );
    // A maxLen beyond the teacher's position embeddings: refused, naming the bound.
    // (A model of 12 positions: config.json says so and the position table keeps 12 rows.)
    const json = JSON.parse(files.get('config.json') as string) as Record<string, unknown>;
    files.set('config.json', JSON.stringify({ ...json, max_position_embeddings: 12 }));
    const st = parseSafetensors(files.get('model.safetensors') as Uint8Array, 'model');
    const arrays = new Map(
      [...st.tensors].map(([name, info]) => {
        const data = st.read(name);
        if (name !== 'bert.embeddings.position_embeddings.weight') {
          return [name, { shape: info.shape, data }];
        }
        const width = info.shape[1]!;
        return [name, { shape: [12, width], data: data.slice(0, 12 * width) }];
      }),
    );
    files.set('model.safetensors', writeSafetensors(arrays, { format: 'pt' }));
    await hub.start('hf-long', c);
    const long = await refused(hub, 'hf-long');
    expect(long.err.message).toMatch(
      /hub:me\/tiny@main reads at most 12 tokens; lower the max length \(16\) to that/,
    );
    expect(long.saved).toBe(false);
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe('tokenizer adoption', () => {
  it("uses the teacher's vocabulary and casing, keeps maxLen, and leaves the input alone", () => {
    const c = config(5);
    c.tokenizer = { vocab: 'build', vocabSize: 40, lowercase: false, maxLen: 24 };
    const d = data();
    const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'film'];
    const out = adoptTeacherTokenizer(c, d, { vocab, lowercase: true });
    expect(out.config.tokenizer).toEqual({
      vocab: 'provided',
      vocabSize: 40,
      lowercase: true,
      maxLen: 24,
    });
    expect(out.data.vocab).toBe(vocab);
    expect(out.data.train).toBe(d.train);
    expect(c.tokenizer.vocab).toBe('build');
    expect(d.vocab).toBeUndefined();
  });

  it('reads Hub model fields as repo ids or URLs', () => {
    expect(hubLocation('google/bert_uncased_L-2_H-128_A-2')).toEqual({
      repo: 'google/bert_uncased_L-2_H-128_A-2',
    });
    expect(hubLocation('https://huggingface.co/owner/name/tree/main')).toEqual({
      repo: 'owner/name',
      endpoint: 'https://huggingface.co',
    });
    expect(hubLocation('http://127.0.0.1:8000/me/tiny/')).toEqual({
      repo: 'me/tiny',
      endpoint: 'http://127.0.0.1:8000',
    });
  });
});
