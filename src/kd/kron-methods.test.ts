// The KD methods beyond the four of the KroneckerBERT tables train a KroneckerBERT student
// NKP-initialised from its teacher, as the `embedded-kron` and `sst2-kron` presets run it when
// `--methods` names them: a few toy steps each through the comparison runner (wasm), a dev curve
// for each, no tensor leak. Combined-KD is the exception: its generator rewrites the student's
// word embeddings, which a KroneckerBERT keeps factored, so it refuses that student with a message.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { runExperiment, type ExperimentPreset } from './experiments';
import { TOY_KRON_FACTORS, TOY_TEACHER, toyTask, toyTrain } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** The methods the KroneckerBERT tables have not run (RESULTS.md, last section), but Combined-KD. */
const OTHERS = [
  'annealing',
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

  it('Combined-KD refuses the KroneckerBERT student with a message, and leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    await expect(
      runExperiment('toy-kron', kronPreset(['combined'], 10), toyTask(3, 200, 40), {
        backend: 'wasm',
      }),
    ).rejects.toThrow(/Combined-KD rewrites BERT inputs: teacher and student must be BERT/);
    expect(tf.memory().numTensors).toBe(tensors);
  }, 120_000);
});
