// RunConfig.student: the schema accepts every preset and each student kind, and the cross-field
// checks name the offending factor, the missing teacher and a teacher of another shape.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from './defaults';
import { modelPreset } from './presets';
import type { RunConfig } from './run-config';
import { KRON_PRESETS, checkKronFactors, kronPresetSpec, type StudentSpec } from './student';
import { validateRunConfig } from './validate';

function withStudent(student: StudentSpec, model = modelPreset('bert-L4-H256')!): RunConfig {
  const c = defaultRunConfig();
  c.model = model;
  c.student = student;
  c.kd = {
    method: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
    teacher: { source: 'train', model: { ...model }, train: { ...c.train }, footprintEvery: 0 },
  };
  return c;
}

describe('student specs', () => {
  it('every Kronecker preset tiles its teacher and validates with NKP init', () => {
    for (const [name, preset] of Object.entries(KRON_PRESETS)) {
      const arch = modelPreset(preset.teacher)!;
      expect(checkKronFactors(preset.factors, arch), name).toEqual([]);
      expect(validateRunConfig(withStudent(kronPresetSpec(name)!, arch)), name).toEqual([]);
    }
    expect(kronPresetSpec('nope')).toBeUndefined();
  });

  it('accepts TextCNN, BiLSTM and explicit BERT students, and configs without one', () => {
    const specs: StudentSpec[] = [
      { kind: 'bert' },
      { kind: 'textcnn', embed: 64, filters: 32, widths: [2, 3, 4], dropout: 0.1 },
      { kind: 'bilstm', embed: 64, hidden: 64, dropout: 0.1 },
    ];
    for (const s of specs) expect(validateRunConfig(withStudent(s))).toEqual([]);
    expect(validateRunConfig(defaultRunConfig())).toEqual([]);
  });

  it('names factors that do not tile the matrices', () => {
    const spec = kronPresetSpec('kron-mini-8x')!;
    if (spec.kind !== 'kron-bert') throw new Error('unreachable');
    spec.factors.attention = { m1: 96, n1: 64, sums: 1 };
    spec.factors.embedding = { n: 24, sums: 1 };
    const errors = validateRunConfig(withStudent(spec));
    expect(errors).toEqual([
      {
        path: 'student.factors.embedding.n',
        message: 'student.factors.embedding.n (24) must divide the hidden size (256)',
      },
      {
        path: 'student.factors.attention',
        message:
          'student.factors.attention: A [96, 64] does not tile the [256, 256] matrix (m1 must divide 256 and n1 must divide 256)',
      },
    ]);
  });

  it('NKP init needs a teacher of the same shape', () => {
    const c = withStudent(kronPresetSpec('kron-mini-4x')!);
    delete c.kd;
    expect(validateRunConfig(c).map((e) => e.path)).toEqual(['student.init']);
    const d = withStudent(kronPresetSpec('kron-mini-4x')!);
    if (d.kd?.teacher?.source !== 'train') throw new Error('unreachable');
    d.kd.teacher.model.layers = 6;
    expect(validateRunConfig(d)[0]?.message).toMatch(/KroneckerBERT keeps the teacher shape/);
    const e = withStudent({ ...kronPresetSpec('kron-mini-4x')!, init: 'random' } as StudentSpec);
    delete e.kd;
    expect(validateRunConfig(e)).toEqual([]);
  });

  it('rejects unknown fields and out-of-range values', () => {
    const bad = withStudent({ kind: 'bilstm', embed: 4, hidden: 64, dropout: 0.1 });
    expect(validateRunConfig(bad).map((e) => e.path)).toEqual(['student.embed']);
    const extra = { ...withStudent({ kind: 'bert' }), student: { kind: 'bert', layers: 2 } };
    expect(validateRunConfig(extra)).toHaveLength(1);
  });
});
