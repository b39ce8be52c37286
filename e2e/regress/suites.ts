// Regression suites: named runs whose final metrics and losses are held to committed baselines.
// `short` is sized for software WebGPU (SwiftShader, ~1 step/s for a 1-layer width-32 model): tiny
// models and a 160-row task served by Playwright at a fixed URL, so a case takes about a minute.
// `full` adds every demo preset's runs, sized for a real GPU (minutes each on SwiftShader).
import { DEFAULT_RUN_CONFIG } from '../../src/config/defaults';
import { DEMO_PRESETS } from '../../src/config/demo-presets';
import { modelPreset } from '../../src/config/presets';
import type { RunConfig } from '../../src/config/run-config';
import { kdDefaults } from '../../src/kd/defaults';
import { easyTaskFiles } from '../fixtures';

/** One regression case: a run config, and any files it needs served at its task URLs. */
export interface RegressCase {
  /** Baseline file name: letters, digits, '-' and '_'. */
  name: string;
  title: string;
  config: RunConfig;
  /** Absolute URL → file text, served by Playwright's router (the page fetches them). */
  serve: Record<string, string>;
}

export type SuiteName = 'short' | 'full';

/** The preview server's origin (playwright.config.ts: vite preview on 127.0.0.1:4173). */
export const ORIGIN = 'http://127.0.0.1:4173';

/** The e2e "easy" task (fixtures.ts: 128 train, 32 dev rows) at fixed same-origin URLs. */
function easyTask(): { task: RunConfig['task']; serve: Record<string, string> } {
  const [train, dev] = easyTaskFiles();
  if (!train || !dev) throw new Error('easyTaskFiles() returned fewer than two files');
  const trainUrl = `${ORIGIN}/__regress/${train.name}`;
  const devUrl = `${ORIGIN}/__regress/${dev.name}`;
  return {
    task: { source: 'url', task: 'own', trainUrl, devUrl },
    serve: { [trainUrl]: train.buffer.toString('utf8'), [devUrl]: dev.buffer.toString('utf8') },
  };
}

/** A tiny run on the easy task: 1 layer of width 32, batch 8, 24 tokens, 40 steps. */
function tinyRun(name: string): RunConfig {
  return {
    ...structuredClone(DEFAULT_RUN_CONFIG),
    name,
    task: easyTask().task,
    tokenizer: { ...DEFAULT_RUN_CONFIG.tokenizer, maxLen: 24 },
    preset: 'tiny-L1-H32',
    model: modelPreset('tiny-L1-H32')!,
    train: {
      ...DEFAULT_RUN_CONFIG.train,
      steps: 40,
      batchSize: 8,
      lr: 0.01,
      warmup: 0,
      evalEvery: 20,
    },
  };
}

const SHORT: RegressCase[] = [
  {
    name: 'easy-tiny-plain',
    title: 'Plain training: 1-layer width-32 BERT, 40 steps on the easy task',
    config: tinyRun('regress: plain'),
    serve: easyTask().serve,
  },
  {
    name: 'easy-tiny-vanilla-kd',
    // The teacher has the student's shape, so its kernels are compiled once for both (compilation
    // dominates on SwiftShader); a different seed makes it a different model.
    title: 'Vanilla KD from a teacher of the same shape (40 steps, seed 2) into the same student',
    config: {
      ...tinyRun('regress: vanilla KD'),
      kd: {
        method: kdDefaults('vanilla'),
        teacher: {
          source: 'train',
          model: modelPreset('tiny-L1-H32')!,
          train: { ...tinyRun('').train, seed: 2, evalEvery: 40 },
          footprintEvery: 0,
        },
      },
    },
    serve: easyTask().serve,
  },
];

/** Every demo preset's runs, one case each (`<preset>--<run index>`). */
function demoCases(): RegressCase[] {
  return Object.entries(DEMO_PRESETS).flatMap(([preset, p]) =>
    p.runs.map((config, i) => ({
      name: `${preset}--${i + 1}`,
      title: `${p.title}: ${config.name}`,
      config,
      serve: {},
    })),
  );
}

/** The cases of a suite. */
export function suiteCases(suite: SuiteName): RegressCase[] {
  return suite === 'short' ? SHORT : [...SHORT, ...demoCases()];
}

/** Reads a suite name ('short' unless REGRESS_SUITE says 'full'). */
export function suiteFromEnv(value: string | undefined): SuiteName {
  if (value === undefined || value === '' || value === 'short') return 'short';
  if (value === 'full') return 'full';
  throw new Error(`REGRESS_SUITE must be short or full, not '${value}'`);
}
