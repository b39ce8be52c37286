// Glitter (§2.5 properties): k = pool size is plain augmentation, the selected candidates are the
// worst ones, selection is shift-invariant, a student equal to its teacher has δ = 0, duplicates
// are never picked; and runs in the KD and consistency setups (wasm).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { runTraining } from '../../train/loop';
import { kdDefaults } from '../defaults';
import { softTargetKl } from '../losses';
import { glitterAddonDefaults } from '../../config/kd-methods';
import type { GlitterAddonSpec, GlitterSpec } from '../spec';
import { disposeTeacher, type TeacherBundle } from '../teacher';
import { toyConfig, toyTask, trainToyTeacher } from '../testing';
import { glitterSelect, selectedMean } from './glitter';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('glitterSelect', () => {
  const delta = () =>
    tf.tensor2d([
      [0.1, 0.9, 0.4, 0.7],
      [2, 0.5, 1, 0.2],
    ]);
  const allValid = () => tf.ones([2, 4]) as tf.Tensor2D;

  it('keeps the k largest δ per row: min(selected) ≥ max(unselected)', () => {
    tf.tidy(() => {
      const m = glitterSelect(delta(), allValid(), 2, 'worst', 1).arraySync();
      expect(m).toEqual([
        [0, 1, 0, 1],
        [1, 0, 1, 0],
      ]);
      const d = delta().arraySync();
      m.forEach((row, b) => {
        const sel = d[b]!.filter((_, k) => row[k] === 1);
        const rest = d[b]!.filter((_, k) => row[k] === 0);
        expect(Math.min(...sel)).toBeGreaterThanOrEqual(Math.max(...rest));
      });
    });
  });

  it('with k = pool size it is plain augmentation (every valid candidate)', () => {
    tf.tidy(() => {
      const valid = tf.tensor2d([
        [1, 1, 0, 1],
        [1, 1, 1, 1],
      ]);
      const worst = glitterSelect(delta(), valid, 4, 'worst', 1).arraySync();
      expect(worst).toEqual(glitterSelect(delta(), valid, 4, 'all', 1).arraySync());
      const loss = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
      // Mean over the 7 valid candidates: (1+2+4+5+6+7+8)/7 = 33/7.
      expect(selectedMean(loss, tf.tensor2d(worst)).dataSync()[0]).toBeCloseTo(33 / 7, 5);
    });
  });

  it('keeps exactly k when δ ties (identical candidates), the earlier first', () => {
    tf.tidy(() => {
      const tied = tf.tensor2d([
        [0.3, 0.9, 0.9, 0.9],
        [0.5, 0.5, 0.5, 0.1],
      ]);
      const m = glitterSelect(tied, allValid(), 2, 'worst', 1).arraySync();
      expect(m).toEqual([
        [0, 1, 1, 0],
        [1, 1, 0, 0],
      ]);
    });
  });

  it('never picks an invalid (duplicate) candidate, even a large-δ one', () => {
    tf.tidy(() => {
      const valid = tf.tensor2d([
        [1, 0, 1, 1],
        [0, 1, 1, 1],
      ]);
      const m = glitterSelect(delta(), valid, 2, 'worst', 1).arraySync();
      expect(m[0]![1]).toBe(0);
      expect(m[1]![0]).toBe(0);
      expect(m.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([2, 2]);
    });
  });

  it('is invariant to a per-row constant on the logits, and δ = 0 when student = teacher', () => {
    tf.tidy(() => {
      const zs = tf.tensor2d([
        [0.1, 2],
        [1, -1],
        [0.5, 0.5],
        [3, 0],
        [0, 0],
        [1, 2],
        [2, 1],
        [-1, 1],
      ]);
      const zt = tf.tensor2d([
        [1, 0],
        [0, 1],
        [2, 2],
        [-1, 3],
        [1, 1],
        [0, 0],
        [1, 2],
        [2, -2],
      ]);
      const d1 = tf.reshape(softTargetKl(zs, zt, 2), [2, 4]) as tf.Tensor2D;
      const d2 = tf.reshape(
        softTargetKl(tf.add(zs, 5) as tf.Tensor2D, tf.sub(zt, 3) as tf.Tensor2D, 2),
        [2, 4],
      ) as tf.Tensor2D;
      const v = tf.ones([2, 4]) as tf.Tensor2D;
      expect(glitterSelect(d2, v, 2, 'worst', 1).arraySync()).toEqual(
        glitterSelect(d1, v, 2, 'worst', 1).arraySync(),
      );
      const same = softTargetKl(zt, zt, 2);
      expect(Array.from(same.dataSync()).every((x) => Math.abs(x) < 1e-6)).toBe(true);
      expect(
        selectedMean(
          same,
          glitterSelect(tf.reshape(same, [2, 4]) as tf.Tensor2D, v, 2, 'worst', 1),
        ).dataSync()[0],
      ).toBeCloseTo(0, 6);
    });
  });
});

// One toy task and one teacher (trained once) for every run below.
const data = toyTask(3, 400, 80);
let teacher: TeacherBundle;

beforeAll(async () => {
  teacher = await trainToyTeacher(data);
});
afterAll(() => disposeTeacher(teacher));

describe('Glitter in the training loop (wasm)', () => {
  const eda = (over: Partial<GlitterSpec>): GlitterSpec => ({
    ...kdDefaults('glitter'),
    augment: 'eda',
    candidates: 4,
    ...over,
  });

  it('KD setup: trains on the 2 worst of 4 candidates, learns, leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const r = await runTraining(
      toyConfig(60, { method: eda({}), teacher: { source: 'provided' } }),
      data,
      {
        backend: 'wasm',
        teacher,
      },
    );
    expect(Object.keys(r.train[0]!.terms!)).toEqual(['ce', 'kd', 'aug', 'picked']);
    expect(r.train.every((p) => p.terms!['picked']! <= 2)).toBe(true);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("pass 'two' trains on the same picks as 'single' (no dropout): the same curve, less work", async () => {
    const tensors = tf.memory().numTensors;
    // Without dropout the evaluation-mode selection forward sees what the training forward sees,
    // so both passes pick the same k and the losses and updates agree up to float rounding.
    const run = async (over: Partial<GlitterSpec>) => {
      const c = toyConfig(6, {
        method: eda(over),
        ...(over.setup === 'consistency' ? {} : { teacher: { source: 'provided' as const } }),
      });
      c.model = { ...c.model, hiddenDropout: 0, attentionDropout: 0 };
      const r = await runTraining(c, data, { backend: 'wasm', teacher });
      r.model.dispose();
      return r.train;
    };
    for (const over of [
      {},
      { selection: 'random' as const },
      { setup: 'consistency' as const },
    ] satisfies Partial<GlitterSpec>[]) {
      const one = await run({ ...over, pass: 'single' });
      const two = await run({ ...over, pass: 'two' });
      expect(two.map((p) => p.terms!['picked'])).toEqual(one.map((p) => p.terms!['picked']));
      two.forEach((p, i) => {
        expect(p.loss).toBeCloseTo(one[i]!.loss, 4);
        const aug = over.setup === 'consistency' ? 'uda' : 'aug';
        expect(p.terms![aug]!).toBeCloseTo(one[i]!.terms![aug]!, 4);
      });
      expect(two.at(-1)!.loss).not.toBe(two[0]!.loss); // it trained
    }
    // 'all' trains on every candidate: the second pass has nothing to save, the curve is the same.
    const all1 = await run({ selection: 'all', pass: 'single' });
    const all2 = await run({ selection: 'all', pass: 'two' });
    expect(all2.map((p) => p.loss)).toEqual(all1.map((p) => p.loss));
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("pass 'two' with dropout: trains on at most k per example, learns, leaks nothing", async () => {
    const tensors = tf.memory().numTensors;
    const r = await runTraining(
      toyConfig(60, { method: eda({ pass: 'two' }), teacher: { source: 'provided' } }),
      data,
      { backend: 'wasm', teacher },
    );
    // At most k = 2 per example: fewer where a sentence has fewer than 2 candidates that differ
    // from it (EDA on a short sentence can give back the original, which is never picked).
    const picked = r.train.map((p) => p.terms!['picked']!);
    expect(picked.every((x) => x > 1 && x <= 2)).toBe(true);
    expect(r.train.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('builds MLM candidates with a masked LM pre-trained on the task text, without leaks', async () => {
    const tensors = tf.memory().numTensors;
    const spec = eda({
      augment: 'both',
      candidates: 2,
      select: 1,
      generator: {
        model: {
          layers: 1,
          hidden: 16,
          heads: 2,
          intermediate: 32,
          hiddenDropout: 0,
          attentionDropout: 0,
        },
        mlm: { steps: 10, lr: 1e-3, batchSize: 16, maskProb: 0.15 },
      },
    });
    const r = await runTraining(
      toyConfig(10, { method: spec, teacher: { source: 'provided' } }),
      data,
      {
        backend: 'wasm',
        teacher,
      },
    );
    expect(r.train.length).toBe(10);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('consistency setup: no teacher at all, learns, leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const r = await runTraining(toyConfig(60, { method: eda({ setup: 'consistency' }) }), data, {
      backend: 'wasm',
    });
    expect(r.teacher).toBeNull();
    expect(Object.keys(r.train[0]!.terms!)).toEqual(['ce', 'uda', 'picked']);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('Glitter as an add-on to another method (wasm)', () => {
  const addon = (over: Partial<GlitterAddonSpec>): GlitterAddonSpec => ({
    ...glitterAddonDefaults(),
    augment: 'eda',
    candidates: 4,
    ...over,
  });

  const vanilla = (steps: number, glitter?: GlitterAddonSpec) =>
    toyConfig(steps, {
      method: kdDefaults('vanilla'),
      teacher: { source: 'provided' },
      ...(glitter ? { glitter } : {}),
    });

  it('adds weight × the selected-candidate term to the method loss, and nothing at weight 0', async () => {
    const plain = await runTraining(vanilla(4), data, { backend: 'wasm', teacher });
    const zero = await runTraining(vanilla(4, addon({ weight: 0 })), data, {
      backend: 'wasm',
      teacher,
    });
    const half = await runTraining(vanilla(4, addon({ weight: 0.5 })), data, {
      backend: 'wasm',
      teacher,
    });
    // Weight 0: the same curve as the method alone (the add-on changes no gradient).
    expect(zero.train.map((p) => p.loss)).toEqual(plain.train.map((p) => p.loss));
    // The method's own terms, then the add-on's.
    expect(Object.keys(half.train[0]!.terms!)).toEqual([
      ...Object.keys(plain.train[0]!.terms!),
      'glitter',
      'picked',
    ]);
    // Step 1 starts from the same weights: total = vanilla's total + 0.5 × the Glitter term.
    const h = half.train[0]!;
    expect(h.loss).toBeCloseTo(plain.train[0]!.loss + 0.5 * h.terms!['glitter']!, 5);
    expect(h.terms!['glitter']!).toBeGreaterThan(0);
    expect(h.terms!['picked']).toBe(2);
    [plain, zero, half].forEach((r) => r.model.dispose());
  });

  it('on a two-phase method (Annealing-KD) the term is there in both phases; it learns, leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const c = toyConfig(60, {
      method: { ...kdDefaults('annealing'), tauMax: 2, phase1Units: 2, phase2Units: 1 },
      teacher: { source: 'provided' },
      glitter: addon({}),
    });
    const r = await runTraining(c, data, { backend: 'wasm', teacher });
    const stages = new Set(r.train.map((p) => p.stage));
    expect(stages.size).toBe(2);
    expect(r.train.every((p) => Number.isFinite(p.terms!['glitter']))).toBe(true);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("consistency setup on 'none': no teacher is made, the term is trained on", async () => {
    const tensors = tf.memory().numTensors;
    const r = await runTraining(
      toyConfig(30, { method: kdDefaults('none'), glitter: addon({ setup: 'consistency' }) }),
      data,
      { backend: 'wasm' },
    );
    expect(r.teacher).toBeNull();
    expect(Object.keys(r.train[0]!.terms!)).toEqual(['glitter', 'picked']);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
