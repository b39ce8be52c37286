// The pure size arithmetic of src/config/model-size.ts (what the UI's Students panel shows) agrees
// with the models the worker builds: parameter counts against the tensors actually allocated, and
// FLOPs per token against the factor shapes read off the allocated KroneckerBERT tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import {
  bertFlops,
  denseLinearFlops,
  kronLinearFlops,
  runStudentSize,
  studentParamsAndFlops,
  type SizeContext,
} from '../config/model-size';
import { KRON_PRESETS, kronPresetSpec, modelPreset } from '../config/presets';
import type { ModelArch } from '../config/run-config';
import type { StudentSpec } from '../config/student';
import { bertConfig } from './config';
import { createStudent, modelSize } from './students';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const ctx = (vocabSize: number, numLabels: number, seqLen = 32): SizeContext => ({
  vocabSize,
  numLabels,
  maxPositions: Math.max(512, seqLen),
  seqLen,
});

/** A student spec with random init (NKP needs a teacher; the size does not depend on init). */
function random(spec: StudentSpec): StudentSpec {
  return spec.kind === 'kron-bert' ? { ...spec, init: 'random' } : spec;
}

const CASES: { name: string; arch: ModelArch; spec: StudentSpec; V: number; C: number }[] = [
  { name: 'dense tiny', arch: modelPreset('tiny-L1-H32')!, spec: { kind: 'bert' }, V: 300, C: 2 },
  { name: 'dense mini', arch: modelPreset('bert-mini')!, spec: { kind: 'bert' }, V: 1000, C: 3 },
  ...['kron-mini-4x', 'kron-mini-8x', 'kron-mini-16x'].map((name) => ({
    name,
    arch: modelPreset(KRON_PRESETS[name]!.teacher)!,
    spec: random(kronPresetSpec(name)!),
    V: 2048,
    C: 2,
  })),
  {
    name: 'kron with sums 2 and a dense FFN down',
    arch: modelPreset('tiny-L2-H64')!,
    spec: {
      kind: 'kron-bert',
      init: 'random',
      factors: {
        embedding: { n: 4, sums: 2 },
        attention: { m1: 8, n1: 16, sums: 2 },
        ffnUp: { m1: 4, n1: 2, sums: 1 },
        ffnDown: null,
      },
    },
    V: 512,
    C: 1,
  },
  {
    name: 'textcnn',
    arch: modelPreset('tiny-L1-H32')!,
    spec: { kind: 'textcnn', embed: 24, filters: 10, widths: [3, 4, 5], dropout: 0 },
    V: 400,
    C: 3,
  },
  {
    name: 'bilstm',
    arch: modelPreset('tiny-L1-H32')!,
    spec: { kind: 'bilstm', embed: 20, hidden: 12, dropout: 0 },
    V: 400,
    C: 2,
  },
];

describe('config/model-size agrees with the allocated models', () => {
  for (const c of CASES) {
    it(`${c.name}: parameters and FLOPs per token`, () => {
      const seqLen = 48;
      const bert = bertConfig(c.arch, c.V, c.C, { maxPositions: 512 });
      const model = createStudent(c.spec, bert, 1);
      try {
        const pure = studentParamsAndFlops(c.spec, c.arch, ctx(c.V, c.C, seqLen));
        expect(pure.params).toBe(model.params.count());
        expect(pure.flopsPerToken).toBe(modelSize(model, seqLen).flopsPerToken);
        if (c.spec.kind === 'kron-bert') {
          // FLOPs rebuilt from the factor tensors the model holds, independently of the config.
          let flops = bertFlops(c.arch, seqLen);
          const shapes = new Map<string, number[]>();
          for (const [name, v] of model.params.vars) shapes.set(name, v.shape);
          for (const [name, a] of shapes) {
            if (!name.endsWith('.kron_a')) continue;
            const b = shapes.get(name.replace('.kron_a', '.kron_b'))!;
            const s = { sums: a[0]!, m1: a[1]!, n1: a[2]!, m2: b[1]!, n2: b[2]! };
            if (name.startsWith('bert.embeddings')) flops += c.arch.hidden * (2 * s.sums - 1);
            else flops += kronLinearFlops(s) - denseLinearFlops(s.m1 * s.m2, s.n1 * s.n2);
          }
          expect(pure.flopsPerToken).toBe(flops);
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('compression: against the trained teacher, else a KroneckerBERT against its dense twin', () => {
    const arch = modelPreset('bert-mini')!;
    const spec = random(kronPresetSpec('kron-mini-8x')!);
    const bert = bertConfig(arch, 2048, 2, { maxPositions: 512 });
    const dense = createStudent({ kind: 'bert' }, bert, 1);
    const kron = createStudent(spec, bert, 1);
    try {
      const c = ctx(2048, 2);
      const alone = runStudentSize({ model: arch, student: spec }, c);
      expect(alone.referenceParams).toBe(dense.params.count());
      expect(alone.compression).toBeCloseTo(modelSize(kron, 32).compression!, 12);
      const teacherArch = modelPreset('bert-L4-H512')!;
      const teacherModel = createStudent({ kind: 'bert' }, bertConfig(teacherArch, 2048, 2), 2);
      try {
        const withTeacher = runStudentSize(
          {
            model: arch,
            student: spec,
            kd: {
              method: { kind: 'none' },
              teacher: {
                source: 'train',
                model: teacherArch,
                train: { ...defaultsTrain },
                footprintEvery: 0,
              },
            },
          },
          c,
        );
        expect(withTeacher.compression).toBeCloseTo(
          modelSize(kron, 32, teacherModel).compression!,
          12,
        );
      } finally {
        teacherModel.dispose();
      }
    } finally {
      dense.dispose();
      kron.dispose();
    }
  });
});

const defaultsTrain = {
  seed: 1,
  batchSize: 8,
  steps: 10,
  lr: 1e-3,
  warmup: 0,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-6,
  clipNorm: 1,
  evalEvery: 5,
  deterministic: true,
  groupByLength: false,
};
