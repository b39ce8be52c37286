// The per-method section of `npm run bench -- --methods a,b`: what one training step of each KD
// method costs, on the embedded task with the BERT-Tiny student of the `embedded` experiment
// preset, through the real training loop (so a method's extra forwards, candidate pools and
// meta-steps are all counted). The teacher is an untrained BERT-Tiny: its weights change no
// shape or kernel, only the numbers, and a trained one would cost minutes to make.
import * as tf from '@tensorflow/tfjs';
import { defaultRunConfig } from '../config/defaults';
import { modelPreset } from '../config/presets';
import type { BackendName, RunConfig } from '../config/run-config';
import { generateEmbeddedTask } from '../data/embedded';
import { methodPreset, type MethodPresetName } from '../kd/presets';
import { disposeTeacher, teacherBundle, type Footprint } from '../kd/teacher';
import { bertModel, initBertParams } from '../model';
import { runTraining } from '../train/loop';
import { prepareData } from '../train/prepare';

export interface MethodBenchResult {
  method: MethodPresetName;
  backend: BackendName;
  /** Wall time from the start to the first step's readback: pools, caches, pre-training. */
  setupSec: number;
  /** Mean over the timed steps (after `warmup` untimed ones), readbacks included. */
  msPerStep: number;
  /** msPerStep relative to 'none' in the same invocation, when 'none' was timed first. */
  relativeToNone: number | null;
  timedSteps: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

/** The bench's run: embedded task (2,000 / 200), BERT-Tiny, batch 32, length 32. */
function benchConfig(method: MethodPresetName, steps: number): RunConfig {
  const c = defaultRunConfig();
  c.name = `bench-${method}`;
  c.preset = 'custom';
  c.model = { ...modelPreset('bert-L2-H128')! };
  c.tokenizer = { vocab: 'build', vocabSize: 2000, lowercase: true, maxLen: 32 };
  c.train = { ...c.train, steps, evalEvery: steps, batchSize: 32, lr: 1e-3, seed: 1 };
  const preset = methodPreset(method);
  // RW-KD holds out metaSize training rows for its meta objective (default 1,000 of the task's):
  // 200 here, 10% of these 2,000, as the experiment presets do.
  if (preset.method.kind === 'rw-kd') preset.method = { ...preset.method, metaSize: 200 };
  c.kd = { ...preset, teacher: { source: 'provided' } };
  return c;
}

/**
 * Times `warmup + steps` training steps of `method`. The clock runs between the first readback
 * at or past step `warmup` and the last one (readbacks come every few steps, so the timed span
 * is measured in steps actually read, not assumed).
 */
export async function benchMethod(
  method: MethodPresetName,
  backend: BackendName,
  steps: number,
  warmup: number,
): Promise<Omit<MethodBenchResult, 'relativeToNone'>> {
  const data = generateEmbeddedTask(1, { trainSize: 2000, devSize: 200 });
  const config = benchConfig(method, warmup + steps);
  const { modelConfig } = prepareData(config, data);
  const tensorsBefore = tf.memory().numTensors;
  const model = bertModel(modelConfig, initBertParams(modelConfig, 7));
  // Pro-KD reads footprints: four snapshots of the same weights cost the same as real ones.
  const arrays = await model.params.toArrays();
  const footprints: Footprint[] = [1, 2, 3, 4].map((step) => ({
    step,
    weights: { kind: 'cpu', arrays },
  }));
  const teacher = teacherBundle(model, footprints);
  const t0 = performance.now();
  let first: number | null = null;
  let start: { step: number; at: number } | null = null;
  let end: { step: number; at: number } | null = null;
  try {
    const r = await runTraining(config, data, {
      backend,
      teacher,
      flushMs: 0,
      hooks: {
        train: (points) => {
          const at = performance.now();
          const step = points.at(-1)?.step ?? 0;
          first ??= at;
          if (!start && step >= warmup) start = { step, at };
          else if (start) end = { step, at };
        },
      },
    });
    r.model.dispose();
  } finally {
    disposeTeacher(teacher);
  }
  const s = start as { step: number; at: number } | null;
  const e = end as { step: number; at: number } | null;
  if (!s || !e || e.step <= s.step) {
    throw new Error(`${method}: too few steps read back to time (raise --steps)`);
  }
  return {
    method,
    backend,
    setupSec: +(((first ?? t0) - t0) / 1000).toFixed(2),
    msPerStep: +((e.at - s.at) / (e.step - s.step)).toFixed(2),
    timedSteps: e.step - s.step,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  };
}
