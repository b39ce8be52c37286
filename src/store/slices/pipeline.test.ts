// The KD pipeline panels' config updaters: plain training stays plain, a method starts from its
// paper defaults, the teacher and SWA switch on and off, Kronecker presets set the student's and
// the teacher's shape, and every result passes (or fails with the worker's message) validation.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../config/defaults';
import { KD_DEFAULTS } from '../../config/kd-methods';
import { validateRunConfig } from '../../config/validate';
import {
  presetOfShape,
  setAtPath,
  withFootprintEvery,
  withTeacherEnsemble,
  withKronPreset,
  withMethodKind,
  withMethodParam,
  withStudentKind,
  withStudentParam,
  withGlitterEnabled,
  withGlitterParam,
  withLabelNoiseEnabled,
  withLabelNoiseParam,
  withSwaEnabled,
  withSwaParam,
  withTeacherPreset,
  withTeacherSource,
  withTeacherTrain,
} from './pipeline';

describe('KD pipeline updaters', () => {
  it('a method with its defaults; back to none without a teacher drops kd', () => {
    const c0 = defaultRunConfig();
    const c1 = withMethodKind(c0, 'annealing');
    expect(c1.kd?.method).toEqual(KD_DEFAULTS.annealing);
    expect(c1.kd!.method).not.toBe(KD_DEFAULTS.annealing); // a copy, not the shared defaults
    expect(validateRunConfig(c1).map((e) => e.path)).toEqual(['kd.teacher']);
    const c2 = withMethodKind(c1, 'none');
    expect(c2.kd).toBeUndefined();
    expect(validateRunConfig(c2)).toEqual([]);
  });

  it('edits a nested parameter without touching the defaults', () => {
    const c = withMethodParam(withMethodKind(defaultRunConfig(), 'glitter'), ['weights', 'aug'], 2);
    expect(c.kd?.method).toMatchObject({ kind: 'glitter', weights: { ce: 0.5, kd: 0.5, aug: 2 } });
    expect(KD_DEFAULTS.glitter.weights.aug).toBe(0.5);
    expect(withMethodParam(c, ['kind'], 'vanilla')).toBe(c); // the kind is not a parameter
  });

  it('a trained teacher: preset, steps, lr and footprints; none removes it', () => {
    let c = withMethodKind(defaultRunConfig(), 'pro-kd');
    c = withTeacherSource(c, 'train');
    expect(c.kd?.teacher?.source).toBe('train');
    c = withTeacherPreset(c, 'tiny-L1-H32');
    c = withTeacherTrain(c, 'steps', 40);
    c = withTeacherTrain(c, 'lr', 0.01);
    // Pro-KD with 4 checkpoints needs footprints: the worker's own message.
    expect(validateRunConfig(c).map((e) => e.path)).toEqual(['kd.teacher.footprintEvery']);
    c = withFootprintEvery(c, 10);
    expect(validateRunConfig(c)).toEqual([]);
    const t = c.kd!.teacher!;
    expect(t.source === 'train' && [presetOfShape(t.model), t.train.steps, t.train.lr]).toEqual([
      'tiny-L1-H32',
      40,
      0.01,
    ]);
    expect(withTeacherSource(c, 'none').kd?.teacher).toBeUndefined();
    // An ensemble of three; back to one removes the key; 0 is refused by validation.
    const three = withTeacherEnsemble(c, 3);
    expect(three.kd?.teacher).toMatchObject({ source: 'train', ensemble: 3 });
    expect(validateRunConfig(three)).toEqual([]);
    expect(withTeacherEnsemble(three, 1).kd?.teacher).not.toHaveProperty('ensemble');
    expect(validateRunConfig(withTeacherEnsemble(c, 0)).map((e) => e.path)).toEqual([
      'kd.teacher.ensemble',
    ]);
  });

  it('SWA on and off, with plain training', () => {
    const on = withSwaEnabled(defaultRunConfig(), true);
    expect(on.kd).toEqual({
      method: { kind: 'none' },
      swa: { start: 0.5, every: 10, lrScale: 0.5 },
    });
    expect(validateRunConfig(on)).toEqual([]);
    expect(withSwaParam(on, 'every', 3).kd?.swa?.every).toBe(3);
    expect(withSwaEnabled(on, false).kd).toBeUndefined();
  });

  it('the Glitter add-on: on with the method defaults, validated, off again', () => {
    // 'kd' setup on plain training: it needs a teacher, the worker's own message says so.
    const on = withGlitterEnabled(defaultRunConfig(), true);
    expect(on.kd?.glitter).toMatchObject({ setup: 'kd', candidates: 8, select: 2, weight: 0.5 });
    expect(validateRunConfig(on).map((e) => e.path)).toEqual(['kd.teacher']);
    const uda = withGlitterParam(on, ['setup'], 'consistency');
    expect(validateRunConfig(uda)).toEqual([]);
    expect(validateRunConfig(withGlitterParam(uda, ['select'], 9)).map((e) => e.path)).toEqual([
      'kd.glitter.select',
    ]);
    expect(withGlitterParam(uda, ['eda', 'swaps'], 3).kd?.glitter?.eda.swaps).toBe(3);
    // Not on top of the Glitter method itself.
    const twice = withMethodKind(withTeacherSource(uda, 'train'), 'glitter');
    expect(validateRunConfig(twice).map((e) => e.path)).toEqual(['kd.glitter']);
    // A method with a teacher, plus the add-on: valid; switching it off keeps the rest.
    const annealing = withMethodKind(withTeacherSource(on, 'train'), 'annealing');
    expect(validateRunConfig(annealing)).toEqual([]);
    expect(withGlitterEnabled(annealing, false).kd).toMatchObject({
      method: { kind: 'annealing' },
    });
    expect(withGlitterEnabled(annealing, false).kd?.glitter).toBeUndefined();
    expect(withGlitterEnabled(on, false).kd).toBeUndefined();
  });

  it('label noise on and off; its rate is bounded', () => {
    const on = withLabelNoiseEnabled(defaultRunConfig(), true);
    expect(on.kd).toEqual({
      method: { kind: 'none' },
      labelNoise: { kind: 'uniform', rate: 0.2, seed: 1 },
    });
    expect(validateRunConfig(on)).toEqual([]);
    const cc = withLabelNoiseParam(on, 'kind', 'class-conditional');
    expect(cc.kd?.labelNoise?.kind).toBe('class-conditional');
    expect(validateRunConfig(withLabelNoiseParam(cc, 'rate', 1)).map((e) => e.path)).toEqual([
      'kd.labelNoise.rate',
    ]);
    expect(withLabelNoiseEnabled(on, false).kd).toBeUndefined();
  });

  it('a Kronecker preset sets the student and the trained teacher to its dense shape', () => {
    const c = withKronPreset(withTeacherSource(defaultRunConfig(), 'train'), 'kron-mini-4x');
    expect(c.preset).toBe('bert-L4-H256');
    expect(presetOfShape(c.model)).toBe('bert-L4-H256');
    expect(c.model.hiddenDropout).toBe(defaultRunConfig().model.hiddenDropout); // dropout kept
    expect(c.student).toMatchObject({ kind: 'kron-bert', init: 'nkp' });
    expect(c.kd?.teacher?.source === 'train' && presetOfShape(c.kd.teacher.model)).toBe(
      'bert-L4-H256',
    );
    expect(validateRunConfig(c)).toEqual([]);
    // A factor that does not tile: the worker's message, on the field's path.
    const bad = withStudentParam(c, ['factors', 'attention', 'm1'], 100);
    expect(validateRunConfig(bad).map((e) => e.path)).toEqual(['student.factors.attention']);
  });

  it('student kinds: TextCNN and BiLSTM defaults validate; BERT drops the spec', () => {
    const cnn = withStudentKind(defaultRunConfig(), 'textcnn');
    expect(cnn.student).toMatchObject({ kind: 'textcnn', widths: [3, 4, 5] });
    expect(validateRunConfig(cnn)).toEqual([]);
    const lstm = withStudentKind(cnn, 'bilstm');
    expect(validateRunConfig(lstm)).toEqual([]);
    expect(withStudentKind(lstm, 'bert').student).toBeUndefined();
  });

  it('setAtPath copies every object on the way', () => {
    const a = { x: { y: 1, z: 2 }, w: 3 };
    const b = setAtPath(a, ['x', 'y'], 5);
    expect(b).toEqual({ x: { y: 5, z: 2 }, w: 3 });
    expect(a.x.y).toBe(1);
  });
});
