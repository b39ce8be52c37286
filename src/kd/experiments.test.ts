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
