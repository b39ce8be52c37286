// A Hugging Face teacher from picked files: the page holds their bytes and sends them with the
// run's start; a start whose files are no longer held (a reload) is refused in place, with a
// message for the Teacher panel, and nothing reaches the worker.
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskData } from '../data/types';
import type { ToWorker } from '../protocol';
import { createActions, type TaskLoaders } from './actions';
import { WorkerBridge, type WorkerLike } from './bridge';
import { createAppStore } from './index';
import { withHfTeacher, withTeacherSource } from './slices/pipeline';
import { createTaskRegistry } from './task-registry';
import {
  clearTeacherFiles,
  heldTeacherFileList,
  heldTeacherFiles,
  holdTeacherFiles,
} from './teacher-files';
import { negPosSpec } from './testing';

const picked = (name: string, text: string) => ({
  name,
  arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
});

const FILES = [
  picked('bert/config.json', '{"model_type":"bert"}'),
  picked('bert/model.safetensors', 'weights'),
  picked('bert/vocab.txt', '[PAD]\n[UNK]\n'),
];

function setup() {
  const store = createAppStore();
  const posted: ToWorker[] = [];
  const worker: WorkerLike = {
    postMessage: (m: ToWorker) => posted.push(m),
    addEventListener: () => {},
    terminate: () => {},
  };
  const data: TaskData = {
    spec: negPosSpec('toy', 'Toy'),
    train: Array.from({ length: 40 }, (_, i) => ({ a: `s ${i}`, label: i % 2 })),
    dev: Array.from({ length: 8 }, (_, i) => ({ a: `d ${i}`, label: i % 2 })),
    source: 'toy',
  };
  const loaders = { embedded: async () => data } as unknown as TaskLoaders;
  const actions = createActions(
    store,
    new WorkerBridge(store, () => worker),
    loaders,
    createTaskRegistry(),
  );
  return { store, posted, actions };
}

afterEach(() => clearTeacherFiles());

describe('picked Hugging Face teacher files', () => {
  it('holds them by base name and hands out the named ones', async () => {
    const names = await holdTeacherFiles(FILES);
    expect(names).toEqual(['config.json', 'model.safetensors', 'vocab.txt']);
    expect(heldTeacherFileList().map((f) => f.bytes)).toEqual([21, 7, 12]);
    const got = heldTeacherFiles(['config.json', 'vocab.txt'])!;
    expect(new TextDecoder().decode(got[1]!.bytes)).toBe('[PAD]\n[UNK]\n');
    expect(heldTeacherFiles(['config.json', 'tokenizer.json'])).toBeNull();
  });

  it('sends the held files with the start, and refuses a start without them', async () => {
    const { store, posted, actions } = setup();
    await actions.loadEmbedded(1);
    actions.updateConfig((c) => {
      const kd = withTeacherSource(
        { ...c, kd: { method: { kind: 'vanilla', temperature: 2, alpha: 0.5 } } },
        'hf',
      );
      return withHfTeacher(kd, {
        kind: 'files',
        names: ['config.json', 'model.safetensors', 'vocab.txt'],
      });
    });
    expect(store.getState().config.errors).toEqual([]);
    // Nothing held (as after a reload): refused with a message, nothing posted.
    expect(actions.start()).toBeNull();
    expect(store.getState().run.error).toMatchObject({ where: 'teacher' });
    expect(store.getState().run.error?.message).toMatch(/pick the Hugging Face files again/);
    expect(posted.filter((m) => m.type === 'start')).toHaveLength(0);
    await holdTeacherFiles(FILES);
    expect(actions.start()).not.toBeNull();
    const start = posted.find((m) => m.type === 'start');
    expect(start?.type === 'start' && start.teacherFiles?.map((f) => f.name)).toEqual([
      'config.json',
      'model.safetensors',
      'vocab.txt',
    ]);
  });
});
