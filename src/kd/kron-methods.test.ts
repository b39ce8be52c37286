// The KD methods beyond the four of the KroneckerBERT tables train a KroneckerBERT student
// NKP-initialised from its teacher, as the `embedded-kron` and `sst2-kron` presets run it when
// `--methods` names them: a few toy steps each through the comparison runner (wasm), a dev curve
// for each, no tensor leak. Combined-KD's generator rewrites the student's word embeddings, which
// a KroneckerBERT keeps factored: it appends the rewritten rows to the factors
// (combined.test.ts checks that against the materialised table).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { runExperiment, type ExperimentPreset } from './experiments';
import { METHOD_PRESETS } from './presets';
import { TOY_KRON_FACTORS, TOY_STUDENT, TOY_TEACHER, toyTask, toyTrain } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** The methods beyond the paper's ablation (none, vanilla, intermediate, two-stage). */
const OTHERS = [
  'annealing',
  'combined',
  'continuation',
  'pro-kd',
  'rw-kd',
  'universal',
  'glitter',
  'swa',
  'vanilla+swa',
] as const;

/** The toy KroneckerBERT preset: 12 student steps, a teacher of `teacherSteps` (footprints too). */
function kronPreset(methods: ExperimentPreset['methods'], teacherSteps: number): ExperimentPreset {
  return {
    description: 'toy KroneckerBERT',
    task: { source: 'embedded', seed: 1 },
    tokenizer: { vocab: 'build', vocabSize: 120, lowercase: true, maxLen: 16 },
    student: TOY_TEACHER,
    studentSpec: { kind: 'kron-bert', factors: structuredClone(TOY_KRON_FACTORS), init: 'nkp' },
    train: toyTrain(12),
    teacher: {
      source: 'train',
      model: TOY_TEACHER,
      train: toyTrain(teacherSteps, 9),
      footprintEvery: Math.floor(teacherSteps / 3),
    },
    methods,
    overrides: {
      // A toy generator, and 1 generator step in 4, so the 12 steps hold both kinds.
      combined: {
        method: {
          ...METHOD_PRESETS.combined.method,
          generatorSteps: 1,
          studentSteps: 3,
          generator: {
            model: { ...TOY_STUDENT },
            mlm: { steps: 10, lr: 5e-3, batchSize: 16, maskProb: 0.15 },
          },
        },
      },
    },
    seeds: [1],
  };
}

describe('the other KD methods on a KroneckerBERT student (wasm)', () => {
  it('each trains the NKP-started student through the runner, without leaks', async () => {
    const preset = kronPreset([...OTHERS], 150);
    const tensors = tf.memory().numTensors;
    const r = await runExperiment('toy-kron', preset, toyTask(3, 1200, 80), { backend: 'wasm' });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r.student.kind).toBe('kron-bert');
    expect(r.teacher!.dev).toBeGreaterThan(0.9);
    expect(r.rows.map((x) => x.method).sort()).toEqual([...OTHERS].sort());
    for (const row of r.rows) {
      const run = row.runs[0]!;
      expect(run.curve!.at(-1)![0]).toBe(12); // it ran all its steps
      expect(Number.isFinite(run.best)).toBe(true);
    }
  }, 600_000);
});
