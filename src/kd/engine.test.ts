// The KD engine's plumbing: stage clock (stages laid end to end, learning rate restarting at a
// fresh optimiser), the step with named terms (one kept tensor), the teacher's logits cache and
// footprint replay, freezing, and the BERT config recovery.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { modelPreset } from '../config/presets';
import { encodeSplit, lengthBuckets } from '../data/batcher';
import { buildVocab, WordPieceTokenizer } from '../data/tokenizer';
import { bertConfig, bertModel, evalLogits, initBertParams } from '../model';
import { stageClock } from '../train/loop';
import { AdamW } from '../train/optimizer';
import { trainStepTerms } from '../train/step';
import { bertConfigOf } from './bert';
import {
  batchLogits,
  cachedLogits,
  computeLogits,
  splitKey,
  takeFootprint,
  teacherBundle,
  disposeTeacher,
} from './teacher';
import { toyTask } from './testing';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('stageClock', () => {
  const clock = stageClock(
    [
      { name: 'a', steps: 10, fromBest: false, freshOptimizer: true },
      { name: 'b', steps: 5, fromBest: false, freshOptimizer: false },
      { name: 'c', steps: 4, fromBest: true, freshOptimizer: true },
    ],
    1,
    0.2,
  );

  it('places each step in its stage', () => {
    expect(clock.starts).toEqual([1, 11, 16]);
    expect(clock.at(1)).toEqual({ step: 1, stage: 0, stageStep: 1, stageSteps: 10 });
    expect(clock.at(10)).toEqual({ step: 10, stage: 0, stageStep: 10, stageSteps: 10 });
    expect(clock.at(11)).toEqual({ step: 11, stage: 1, stageStep: 1, stageSteps: 5 });
    expect(clock.at(19)).toEqual({ step: 19, stage: 2, stageStep: 4, stageSteps: 4 });
  });

  it('runs one warm-up/decay over stages sharing an optimiser and restarts it at a fresh one', () => {
    // Segment 1 = stages a+b, 15 steps, warm-up round(0.2·15) = 3: lr(step) at offset step−1.
    expect(clock.lr(1)).toBe(0);
    expect(clock.lr(4)).toBe(1); // offset 3 = end of warm-up
    expect(clock.lr(11)).toBeCloseTo((15 - 10) / 12, 10); // decay continues into stage b
    // Segment 2 = stage c, 4 steps, warm-up round(0.8) = 1.
    expect(clock.lr(16)).toBe(0);
    expect(clock.lr(17)).toBe(1);
    expect(clock.lr(19)).toBeCloseTo((4 - 3) / 3, 10);
  });
});

describe('trainStepTerms', () => {
  it('returns [loss, gradNorm, ...terms] as the only surviving tensor and updates only vars', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'kdtest.w');
    const frozen = tf.variable(tf.tensor1d([3]), false, 'kdtest.frozen');
    const opt = new AdamW(
      new Map([['w', w]]),
      {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        weightDecay: 0,
        clipNorm: 0,
      },
      () => true,
    );
    const before = tf.memory().numTensors;
    const out = trainStepTerms(
      [w],
      opt,
      () => {
        const a = tf.sum(tf.square(w)) as tf.Scalar; // 1 + 4 = 5
        const b = tf.sum(tf.mul(w, frozen)) as tf.Scalar; // 3 + 6 = 9
        return { total: tf.add(a, b) as tf.Scalar, terms: { a, b } };
      },
      0.1,
    );
    expect(out.names).toEqual(['a', 'b']);
    const v = Array.from(out.values.dataSync());
    expect(v[0]).toBeCloseTo(14, 5);
    // ∇ = 2w + frozen = [5, 7]; ‖∇‖ = √74.
    expect(v[1]).toBeCloseTo(Math.sqrt(74), 4);
    expect(v.slice(2)).toEqual([5, 9]);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(frozen.dataSync()[0]).toBe(3);
    out.values.dispose();
    opt.dispose();
    tf.dispose([w, frozen]);
  });
});

describe('teacher cache and footprints', () => {
  const data = toyTask(5, 40, 10);
  const vocab = buildVocab(
    data.train.map((e) => e.a),
    { vocabSize: 100, lowercase: true },
  );
  const tok = new WordPieceTokenizer(vocab, { lowercase: true });
  const split = encodeSplit(data.train, tok, data.spec, 16);
  const cfg = bertConfig(modelPreset('tiny-L1-H32')!, tok.vocabSize, 2);
  const model = bertModel(cfg, initBertParams(cfg, 3));
  const bundle = teacherBundle(model);
  afterAll(() => disposeTeacher(bundle));

  it('freezes the teacher and recovers its BertConfig', () => {
    expect([...model.params.vars.values()].every((v) => !v.trainable)).toBe(true);
    expect(bertConfigOf(model)).toEqual(cfg);
  });

  it('caches eval logits per split row, equal to a direct forward of that row', async () => {
    const { logits, C } = await computeLogits(
      model,
      split,
      8,
      lengthBuckets(16),
      tok.specialIds.pad,
    );
    expect(C).toBe(2);
    expect(logits.length).toBe(40 * 2);
    const row = 17;
    const direct = tf.tidy(() => {
      const T = split.lengths[row]!;
      const ids = tf.tensor2d(split.ids.slice(row * 16, row * 16 + T), [1, T], 'int32');
      return evalLogits(model, {
        ids,
        typeIds: tf.zeros([1, T], 'int32') as tf.Tensor2D,
        mask: tf.ones([1, T]) as tf.Tensor2D,
      }).dataSync();
    });
    expect(logits[row * 2]).toBeCloseTo(direct[0]!, 4);
    expect(logits[row * 2 + 1]).toBeCloseTo(direct[1]!, 4);
    // batchLogits gathers rows (padding rows are zero).
    const b = batchLogits(logits, 2, Int32Array.from([row, 0]), 3);
    expect(Array.from(b.dataSync())).toEqual([logits[34], logits[35], logits[0], logits[1], 0, 0]);
    b.dispose();
  });

  it('replays a footprint and restores the final weights; caches per footprint', async () => {
    const tensors = tf.memory().numTensors;
    const pad = tok.specialIds.pad;
    const final = await cachedLogits(bundle, split, 8, lengthBuckets(16), pad);
    const other = bertModel(cfg, initBertParams(cfg, 99));
    const fp = await takeFootprint(other, 10, 'cpu');
    other.dispose();
    const replay = await cachedLogits(bundle, split, 8, lengthBuckets(16), pad, fp);
    expect(replay).not.toEqual(final);
    // The teacher has its own weights back, and the cache answers without recomputing.
    const again = await computeLogits(model, split, 8, lengthBuckets(16), pad);
    expect(again.logits).toEqual(final);
    expect(bundle.cache.get(`${splitKey(split)}@10`)).toBe(replay);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
