// Integration: KroneckerBERT end to end on the embedded task (issue 3, items 4 and 8). A dense
// teacher of the student's shape is trained; a KroneckerBERT initialised from it by nearest
// Kronecker products (no training yet) must start far above chance; after the two KD stages
// (label-free layer matching, then Eq. 14 with logits and labels) it must come within a few
// points of the teacher. Sized for a shared 2-core CPU: the measured numbers are printed and
// quoted in docs/kronecker.md (teacher 89.6%, NKP start 81.4%, 89.4% after stage 1, 90.1% after
// stage 2; 137-163 s of CPU, 315-795 s wall on the shared 2-core machine depending on its load).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/cli/node-backend';
import { defaultRunConfig } from '../../src/config/defaults';
import type { RunConfig } from '../../src/config/run-config';
import type { KronFactors } from '../../src/config/student';
import { evalBatches } from '../../src/data/batcher';
import { generateEmbeddedTask } from '../../src/data/embedded';
import { bertConfigOf, disposeTeacher, kdDefaults, teacherBundle } from '../../src/kd';
import { buildStudent, evalLogits } from '../../src/model';
import { evaluate } from '../../src/train/evaluate';
import { runTraining } from '../../src/train/loop';
import { prepareData } from '../../src/train/prepare';

/** The teacher, and the student's dense shape: 2 layers of width 64, no dropout. */
const SHAPE = {
  layers: 2,
  hidden: 64,
  heads: 2,
  intermediate: 256,
  hiddenDropout: 0,
  attentionDropout: 0,
};

/**
 * The FFN matrices factored 8× (up: A 4×2, B 64×32; down: A 2×4, B 32×64), attention and
 * embeddings dense: 1.54× overall. NKP on the attention matrices or the embedding of this small
 * teacher loses most of its function on this task (measured: 50-68% dev accuracy before KD; see
 * docs/kronecker.md), which would leave nothing to check about the NKP start.
 */
const FACTORS: KronFactors = {
  embedding: null,
  attention: null,
  ffnUp: { m1: 4, n1: 2, sums: 1 },
  ffnDown: { m1: 2, n1: 4, sums: 1 },
};

const TEACHER_STEPS = 600;
const KD_STEPS = 300;

function config(steps: number): RunConfig {
  const c = defaultRunConfig();
  c.preset = 'custom';
  c.model = { ...SHAPE };
  c.train = { ...c.train, steps, evalEvery: 200, lr: 1e-3, batchSize: 32 };
  c.backend = 'wasm';
  return c;
}

describe('KroneckerBERT two-stage KD on the embedded task (wasm)', () => {
  it('starts far above chance from NKP and ends within a few points of its teacher', async () => {
    await useNodeBackend('wasm');
    const t0 = performance.now();
    const data = generateEmbeddedTask(1, { trainSize: 4000 });
    const before = tf.memory().numTensors;

    // 1. The dense teacher.
    const tr = await runTraining(config(TEACHER_STEPS), data, { backend: 'wasm' });
    const teacher = teacherBundle(tr.model);
    teacher.dev = tr.best;
    const teacherAcc = tr.best!.metrics.accuracy!;
    const tTeacher = (performance.now() - t0) / 1000;

    // 2. The KroneckerBERT straight from NKP, evaluated before any KD.
    const kc = config(KD_STEPS);
    kc.student = { kind: 'kron-bert', factors: structuredClone(FACTORS), init: 'nkp' };
    kc.kd = { method: kdDefaults('kronecker'), teacher: { source: 'provided' } };
    const { dev, buckets, modelConfig, tokenizer } = prepareData(kc, data);
    const nkp = await buildStudent(kc.student, modelConfig, kc.train.seed, {
      config: bertConfigOf(teacher.model)!,
      params: teacher.model.params,
    });
    const batches = evalBatches(dev, 32, buckets, tokenizer.specialIds.pad);
    const r0 = await evaluate((b) => evalLogits(nkp, b), data.spec, batches, dev.n, dev.labels);
    const nkpAcc = r0.metrics['accuracy']!;
    const compression = Number(nkp.summary().config['compression']);
    const params = nkp.summary().params;
    nkp.dispose();

    // 3. The two stages.
    const t1 = performance.now();
    const kd = await runTraining(kc, data, { backend: 'wasm', teacher });
    const tKd = (performance.now() - t1) / 1000;
    const afterStage1 = kd.evals.filter((e) => e.stage === 'intermediate').at(-1)!.main;
    const kdAcc = kd.best!.metrics.accuracy!;
    kd.model.dispose();
    disposeTeacher(teacher);
    expect(tf.memory().numTensors).toBe(before);

    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `KroneckerBERT two-stage KD, embedded task (4,000 train, 800 dev), wasm: ` +
        `teacher 2×64 (${teacher.model.summary().params.toLocaleString('en')} params) ${pct(teacherAcc)} ` +
        `after ${TEACHER_STEPS} steps (${tTeacher.toFixed(0)} s); KroneckerBERT ${params.toLocaleString('en')} params ` +
        `(${compression.toFixed(2)}×): ${pct(nkpAcc)} from NKP before KD, ${pct(afterStage1)} after stage 1, ` +
        `${pct(kdAcc)} after stage 2 (${KD_STEPS} KD steps, ${tKd.toFixed(0)} s); ` +
        `evals ${kd.evals.map((e) => `${e.step}:${e.main.toFixed(3)}`).join(' ')}; ` +
        `total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    expect(teacherAcc).toBeGreaterThan(0.85);
    expect(nkpAcc).toBeGreaterThan(0.7); // chance is 50%; measured 81% (600-step teacher)
    expect(kdAcc).toBeGreaterThan(teacherAcc - 0.04);
  });
});
