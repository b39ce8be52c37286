// Which runs may resume (resumeRefusal): every KD method and both add-ons with a teacher trained
// in the run (MLM-pretrained or not, single or an ensemble), from a saved checkpoint, from a
// Hugging Face Hub URL or from picked Hugging Face files (reloaded from the teacher checkpoint the
// run saves of it); a handed-in teacher is refused with its reason, and so is an add-on this
// version does not know.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from './defaults';
import { glitterAddonDefaults, KD_DEFAULTS, kdDefaults, type KdKind } from './kd-methods';
import { RESUMABLE_METHODS, resumeRefusal, stateResumeRefusal } from './resume';
import type { RunConfig } from './run-config';

function kdRun(kind: KdKind, teacher?: NonNullable<RunConfig['kd']>['teacher']): RunConfig {
  const c = defaultRunConfig();
  c.kd = {
    method: kdDefaults(kind),
    teacher: teacher ?? {
      source: 'train',
      model: { ...c.model },
      train: { ...c.train },
      footprintEvery: 100,
    },
  };
  return c;
}

describe('resumeRefusal', () => {
  it('every KD method resumes with a teacher trained in the run, with SWA and Glitter on top', () => {
    const kinds = Object.keys(KD_DEFAULTS) as KdKind[];
    expect([...RESUMABLE_METHODS].sort()).toEqual([...kinds].sort());
    for (const kind of kinds) {
      const c = kdRun(kind);
      expect(resumeRefusal(c)).toBeNull();
      c.kd!.swa = { start: 0.5, every: 10, lrScale: 0.5 };
      if (kind !== 'glitter') c.kd!.glitter = glitterAddonDefaults();
      expect(resumeRefusal(c)).toBeNull();
    }
    expect(resumeRefusal(defaultRunConfig())).toBeNull();
  });

  it('refuses a teacher whose state is not saved with the run, saying why', () => {
    // A saved checkpoint is reloaded by its key and a Hub model downloaded again, as at the start
    // (the worker refuses then if that fails); picked files from the teacher checkpoint the run
    // saved of them (the worker refuses a run whose save failed).
    expect(
      resumeRefusal(kdRun('vanilla', { source: 'checkpoint', key: 'kd/a/step-1' })),
    ).toBeNull();
    expect(
      resumeRefusal(
        kdRun('vanilla', {
          source: 'hf',
          from: { kind: 'hub', model: 'https://huggingface.co/a/b', revision: 'v1' },
        }),
      ),
    ).toBeNull();
    expect(
      resumeRefusal(
        kdRun('vanilla', {
          source: 'hf',
          from: { kind: 'files', names: ['config.json', 'model.safetensors', 'vocab.txt'] },
        }),
      ),
    ).toBeNull();
    expect(resumeRefusal(kdRun('vanilla', { source: 'provided' }))).toMatch(/handed in/);
    const ensemble = kdRun('vanilla');
    if (ensemble.kd!.teacher!.source === 'train') ensemble.kd!.teacher!.ensemble = 3;
    // A trained ensemble resumes: each member is saved as a teacher checkpoint.
    expect(resumeRefusal(ensemble)).toBeNull();
    // A teacher MLM-pretrained first: its checkpoint holds the fine-tuned teacher, which is all
    // the methods read (KroneckerBERT's student MLM head is trained state in the resume point).
    for (const kind of ['vanilla', 'combined', 'kronecker'] as const) {
      const c = kdRun(kind);
      if (c.kd!.teacher!.source === 'train') {
        c.kd!.teacher!.mlm = { steps: 10, lr: 1e-3, batchSize: 8, maskProb: 0.15 };
      }
      expect(resumeRefusal(c)).toBeNull();
    }
    // The training state alone is fine for an outside teacher: the loop is handed the teacher.
    const outside = kdRun('vanilla', { source: 'provided' });
    expect(resumeRefusal(outside)).toMatch(/handed in/);
    expect(stateResumeRefusal(outside)).toBeNull();
  });

  it('refuses a KD add-on it does not know (its state could not be in the resume point)', () => {
    const c = kdRun('vanilla');
    // A record from a newer app, say, with an add-on this version has no state for.
    Object.assign(c.kd!, { mixup: { alpha: 0.2 } });
    expect(stateResumeRefusal(c)).toMatch(/the add-on kd.mixup keeps state that is not saved/);
  });
});
