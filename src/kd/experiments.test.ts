// The comparison runner: summary statistics worked by hand, and a two-method, two-seed run on the
// toy task with one shared teacher (wasm), its table and its markdown, without leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import {
  EXPERIMENT_PRESETS,
  methodConfig,
  reportMarkdown,
  runExperiment,
  summarise,
  type ExperimentPreset,
} from './experiments';
import { METHOD_PRESETS } from './presets';
import { TOY_STUDENT, TOY_TEACHER, toyTask, toyTrain } from './testing';
import { validateRunConfig } from '../config/validate';
import { filesFromMap } from '../io';
import { bertConfig, bertModel, initBertParams } from '../model';
import { disposeTeacher, teacherBundle } from './teacher';
import { teacherFromFiles, teacherToFiles, withTeacherVocab } from './teacher-files';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('summarise', () => {
  it('gives mean, sample sd (n − 1), min and max', () => {
    // [0.5, 0.7, 0.9]: mean 0.7; squared deviations 0.04 + 0 + 0.04 = 0.08; /2 = 0.04; sd 0.2.
    const s = summarise([0.5, 0.7, 0.9]);
    expect(s.mean).toBeCloseTo(0.7, 12);
    expect(s.sd).toBeCloseTo(0.2, 12);
    expect([s.min, s.max]).toEqual([0.5, 0.9]);
    expect(summarise([0.8]).sd).toBe(0);
  });
});

describe('presets', () => {
  it('every experiment preset gives valid run configs for every method it lists', () => {
    for (const [name, p] of Object.entries(EXPERIMENT_PRESETS)) {
      for (const m of p.methods) {
        const c = methodConfig(p, p.overrides?.[m] ?? METHOD_PRESETS[m], p.seeds[0]!);
        c.kd = { ...c.kd!, teacher: p.teacher };
        expect([name, m, validateRunConfig(c)]).toEqual([name, m, []]);
      }
    }
  });
});

describe('runExperiment (wasm)', () => {
  it('trains one teacher, runs each method for each seed, and tabulates', async () => {
    const preset: ExperimentPreset = {
      description: 'toy',
      task: { source: 'embedded', seed: 1 },
      tokenizer: { vocab: 'build', vocabSize: 120, lowercase: true, maxLen: 16 },
      student: TOY_STUDENT,
      train: toyTrain(60),
      teacher: { source: 'train', model: TOY_TEACHER, train: toyTrain(60, 9), footprintEvery: 0 },
      methods: ['none', 'vanilla'],
      seeds: [1, 2],
    };
    const tensors = tf.memory().numTensors;
    const partial: number[] = [];
    const r = await runExperiment('toy', preset, toyTask(3, 400, 80), {
      backend: 'wasm',
      onReport: (x) => partial.push(x.rows.length),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    // Seed-major: after each run the table holds every method seen so far.
    expect(partial).toEqual([1, 2, 2, 2]);
    expect(r.teacher.dev).toBeGreaterThan(0.9);
    expect(r.rows.map((x) => [x.method, x.runs.map((y) => y.seed)])).toEqual([
      ['none', [1, 2]],
      ['vanilla', [1, 2]],
    ]);
    for (const row of r.rows) {
      expect(row.mean).toBeCloseTo(summarise(row.runs.map((x) => x.best)).mean, 12);
      expect(row.max).toBeGreaterThan(0.9); // a plumbing test: the toy runs are on a knife edge
    }
    const md = reportMarkdown(r, 'npm run experiment -- toy');
    expect(md).toContain('| method | dev accuracy (%) mean ± sd |');
    expect(
      md.split('\n').filter((l) => l.startsWith('| none') || l.startsWith('| vanilla')).length,
    ).toBe(2);
  });
});

describe('a saved teacher (wasm)', () => {
  const preset: ExperimentPreset = {
    description: 'toy',
    task: { source: 'embedded', seed: 1 },
    tokenizer: { vocab: 'build', vocabSize: 120, lowercase: true, maxLen: 16 },
    student: TOY_STUDENT,
    train: toyTrain(30),
    teacher: { source: 'train', model: TOY_TEACHER, train: toyTrain(40, 9), footprintEvery: 10 },
    methods: ['vanilla', 'pro-kd'],
    seeds: [1],
  };
  const data = toyTask(3, 400, 80);

  it('saved with --save-teacher and loaded with --teacher gives the same table, footprints and all', async () => {
    const tensors = tf.memory().numTensors;
    let files: Map<string, Uint8Array | string> | null = null;
    const first = await runExperiment('toy', preset, data, {
      backend: 'wasm',
      onTeacherTrained: async (t, tokenizer, wallSec) => {
        files = await teacherToFiles(t, tokenizer, wallSec);
      },
    });
    expect([...files!.keys()].sort()).toEqual([
      'config.json',
      'footprint-10.safetensors',
      'footprint-20.safetensors',
      'footprint-30.safetensors',
      'footprint-40.safetensors',
      'model.safetensors',
      'teacher.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    const loaded = await teacherFromFiles(filesFromMap(files!, 'saved'));
    expect(loaded.bundle.footprints.map((f) => f.step)).toEqual([10, 20, 30, 40]);
    expect(loaded.bundle.dev?.main).toBe(first.teacher.dev);
    const t = withTeacherVocab(preset, data, loaded);
    expect(t.tokenizer).toMatchObject({ vocab: 'provided', lowercase: true });
    const again = await runExperiment('toy', { ...preset, tokenizer: t.tokenizer }, t.data, {
      backend: 'wasm',
      teacher: { bundle: loaded.bundle, wallSec: loaded.wallSec, from: 'saved' },
    });
    expect(again.teacher).toMatchObject({ dev: first.teacher.dev, loadedFrom: 'saved', steps: 0 });
    expect(again.rows.map((r) => r.runs.map((x) => x.best))).toEqual(
      first.rows.map((r) => r.runs.map((x) => x.best)),
    );
    expect(reportMarkdown(again, 'x')).toContain('loaded from saved');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses a teacher.json that is not its format and a missing footprint, and frees the model', async () => {
    const tensors = tf.memory().numTensors;
    const t = teacherBundle(
      bertModel(bertConfig(TOY_TEACHER, 50, 2), initBertParams(bertConfig(TOY_TEACHER, 50, 2), 1)),
    );
    const files = await teacherToFiles(
      t,
      { vocab: Array.from({ length: 50 }, (_, i) => `w${i}`), lowercase: true },
      1,
    );
    disposeTeacher(t);
    const bad = new Map(files);
    bad.set('teacher.json', '{"format":"other"}');
    await expect(teacherFromFiles(filesFromMap(bad, 'd'))).rejects.toThrow(
      /d\/teacher.json: format/,
    );
    const gone = new Map(files);
    gone.set(
      'teacher.json',
      JSON.stringify({
        format: 'distillery-teacher',
        version: 1,
        dev: null,
        wallSec: null,
        footprints: [5],
      }),
    );
    await expect(teacherFromFiles(filesFromMap(gone, 'd'))).rejects.toThrow(
      'd/footprint-5.safetensors: not found',
    );
    expect(() => withTeacherVocab(preset, data, { vocab: null, lowercase: null })).toThrow(
      /no vocabulary/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
