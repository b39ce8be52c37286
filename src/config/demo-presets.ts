// Demo presets (STYLE R3: named data, not code paths): each is a queue of runs to compare, with a
// title and a description, for talks (?preset=<name>) and the regression suites. All runs use the
// embedded task, so nothing is downloaded. Sized by step count for about a minute on a laptop GPU
// (see docs/regression.md); runs of one preset share one teacher recipe, so the page can train it
// once and hand it to every run as a provided teacher.
import { kdDefaults } from '../kd/defaults';
import type { KdConfig, TeacherRef } from '../kd/spec';
import { DEFAULT_RUN_CONFIG } from './defaults';
import { modelPreset } from './presets';
import type { ModelArch, RunConfig, TrainConfig } from './run-config';
import { kronPresetSpec, type StudentSpec } from './student';

export interface DemoPreset {
  /** One line, as the preset picker shows it. */
  title: string;
  /** What it shows and what to look for, for the presenter. */
  description: string;
  /** The runs, in queue order. */
  runs: RunConfig[];
}

function arch(name: string): ModelArch {
  const a = modelPreset(name);
  if (!a) throw new Error(`demo presets: unknown model preset '${name}'`);
  return a;
}

/** The default run with a name, an architecture preset, and training overrides. */
function run(name: string, preset: string, train: Partial<TrainConfig>): RunConfig {
  return {
    ...structuredClone(DEFAULT_RUN_CONFIG),
    name,
    preset,
    model: arch(preset),
    train: { ...DEFAULT_RUN_CONFIG.train, ...train },
  };
}

/** A teacher trained first, on the same task, with the default training settings. */
function trainedTeacher(preset: string, train: Partial<TrainConfig>): TeacherRef {
  return {
    source: 'train',
    model: arch(preset),
    train: { ...DEFAULT_RUN_CONFIG.train, ...train },
    footprintEvery: 0,
  };
}

function withKd(c: RunConfig, kd: KdConfig, student?: StudentSpec): RunConfig {
  return { ...c, kd, ...(student ? { student } : {}) };
}

// BERT-Tiny (2 layers, width 128) reaches ~89% dev accuracy on the embedded task in 1,200 steps;
// 600 steps of it make a good-enough teacher for a minute-long demo. The student is the 2-layer,
// width-64 shape, which learns the task more slowly.
const TEACHER_TINY = trainedTeacher('bert-L2-H128', { steps: 600, evalEvery: 600 });
const STUDENT_STEPS = { steps: 600, evalEvery: 100 };

// BERT-Mini (4 layers, width 256) as the teacher of its own Kronecker-factored twin: NKP
// initialisation needs a teacher of the student's shape.
const TEACHER_MINI = trainedTeacher('bert-L4-H256', { steps: 400, evalEvery: 400, lr: 5e-4 });

/** The named demo presets. */
export const DEMO_PRESETS: Record<string, DemoPreset> = {
  'annealing-vs-vanilla': {
    title: 'Annealing-KD against vanilla KD on the embedded task in about a minute',
    description:
      'One BERT-Tiny teacher (600 steps), two 2-layer width-64 students (600 steps each): vanilla ' +
      'KD (Hinton, T = 2, α = 0.5) and Annealing-KD (Jafari et al. 2021: phase 1 matches the ' +
      "teacher's logits scaled up from 1/τ_max, phase 2 fine-tunes on labels). Watch the phase " +
      'marker and the dev accuracy after it.',
    runs: [
      withKd(run('Vanilla KD', 'tiny-L2-H64', STUDENT_STEPS), {
        method: kdDefaults('vanilla'),
        teacher: TEACHER_TINY,
      }),
      withKd(run('Annealing-KD', 'tiny-L2-H64', STUDENT_STEPS), {
        method: kdDefaults('annealing'),
        teacher: TEACHER_TINY,
      }),
    ],
  },
  'vanilla-vs-none': {
    title: 'Vanilla KD against no KD',
    description:
      'The same 2-layer width-64 student, seed and steps, trained on labels alone and with ' +
      "vanilla KD from a BERT-Tiny teacher: the KD run's dev accuracy should rise faster.",
    runs: [
      run('No KD', 'tiny-L2-H64', STUDENT_STEPS),
      withKd(run('Vanilla KD', 'tiny-L2-H64', STUDENT_STEPS), {
        method: kdDefaults('vanilla'),
        teacher: TEACHER_TINY,
      }),
    ],
  },
  'kron-bert-8x': {
    title: 'KroneckerBERT at 8×',
    description:
      'BERT-Mini (4 layers, width 256) compressed about 8× with Kronecker factors (Tahaei et al. ' +
      '2022): NKP-initialised from the trained teacher and distilled layer by layer, against the ' +
      'same factored student trained from random weights on labels alone.',
    runs: [
      withKd(
        run('KroneckerBERT 8×, NKP + layer KD', 'bert-L4-H256', { steps: 400, evalEvery: 100 }),
        { method: kdDefaults('intermediate'), teacher: TEACHER_MINI },
        kronPresetSpec('kron-mini-8x'),
      ),
      {
        ...run('KroneckerBERT 8×, random init, no KD', 'bert-L4-H256', {
          steps: 400,
          evalEvery: 100,
        }),
        student: { ...requireKron('kron-mini-8x'), init: 'random' },
      },
    ],
  },
  'students-zoo': {
    title: 'A CNN and an LSTM learn from BERT',
    description:
      'Vanilla KD from one BERT-Tiny teacher into three students of different families: a ' +
      '2-layer BERT, a TextCNN (widths 3, 4, 5) and a BiLSTM. The embedded task hinges on word ' +
      'order (negation, contrast), which the bag-of-n-grams CNN sees least of.',
    runs: [
      withKd(run('BERT student', 'tiny-L2-H64', STUDENT_STEPS), {
        method: kdDefaults('vanilla'),
        teacher: TEACHER_TINY,
      }),
      withKd(
        run('TextCNN student', 'tiny-L2-H64', STUDENT_STEPS),
        { method: kdDefaults('vanilla'), teacher: TEACHER_TINY },
        { kind: 'textcnn', embed: 64, filters: 64, widths: [3, 4, 5], dropout: 0.1 },
      ),
      withKd(
        run('BiLSTM student', 'tiny-L2-H64', STUDENT_STEPS),
        { method: kdDefaults('vanilla'), teacher: TEACHER_TINY },
        { kind: 'bilstm', embed: 64, hidden: 64, dropout: 0.1 },
      ),
    ],
  },
};

function requireKron(name: string): Extract<StudentSpec, { kind: 'kron-bert' }> {
  const s = kronPresetSpec(name);
  if (s?.kind !== 'kron-bert') throw new Error(`demo presets: unknown Kronecker preset '${name}'`);
  return s;
}

/** Names of the demo presets, in display order. */
export const DEMO_PRESET_NAMES: readonly string[] = Object.keys(DEMO_PRESETS);

/** A deep copy of a demo preset's runs; throws on an unknown name (callers check names first). */
export function demoPresetRuns(name: string): RunConfig[] {
  const p = Object.prototype.hasOwnProperty.call(DEMO_PRESETS, name) ? DEMO_PRESETS[name] : null;
  if (!p) throw new Error(`unknown demo preset '${name}'`);
  return structuredClone(p.runs);
}
