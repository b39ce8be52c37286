import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { AdamW, type AdamWLayout } from './optimizer';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

function setup(clipNorm: number, layout: AdamWLayout = 'perTensor') {
  const params = new Map<string, tf.Variable>([
    ['w.weight', tf.variable(tf.tensor1d([1, -2]), true, `w${Math.random()}`)],
    ['w.bias', tf.variable(tf.tensor1d([0.5]), true, `b${Math.random()}`)],
  ]);
  const opt = new AdamW(
    params,
    { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, clipNorm },
    (n) => n.endsWith('.bias'),
    layout,
  );
  const grads = (gw: number[], gb: number[]) => ({
    [params.get('w.weight')!.name]: tf.tensor1d(gw),
    [params.get('w.bias')!.name]: tf.tensor1d(gb),
  });
  return { params, opt, grads };
}

describe.each<AdamWLayout>(['perTensor', 'flat'])('AdamW (%s)', (layout) => {
  it('first step matches the hand-worked update', async () => {
    const { params, opt, grads } = setup(0, layout);
    // m = 0.1·g, v = 0.001·g², bc1 = 0.1, bc2 = 0.001 ⇒ m̂/√v̂ = sign(g): each parameter moves by
    // lr = 0.01 against its gradient; decay multiplies the weight (not the bias) by 1 − 0.01·0.1.
    // w: [1, −2]·0.999 − 0.01 = [0.989, −2.008]; b: 0.5 + 0.01 = 0.51.
    const norm = tf.tidy(() => opt.apply(grads([0.1, 0.2], [-0.3]), 0.01).dataSync()[0]!);
    expect(norm).toBeCloseTo(Math.sqrt(0.14), 6);
    expect(Array.from(await params.get('w.weight')!.data())).toEqual([
      expect.closeTo(0.989, 6),
      expect.closeTo(-2.008, 6),
    ]);
    expect((await params.get('w.bias')!.data())[0]).toBeCloseTo(0.51, 6);
    expect(opt.step).toBe(1);
  });

  it('second step follows the bias-corrected moments', async () => {
    const { params, opt, grads } = setup(0, layout);
    tf.tidy(() => opt.apply(grads([0.1, 0.2], [-0.3]), 0.01));
    tf.tidy(() => opt.apply(grads([0.3, 0], [0]), 0.01));
    // w[0]: m = 0.9·0.01 + 0.1·0.3 = 0.039; v = 0.999·1e-5 + 0.001·0.09 = 9.999e-5
    // bc1 = 0.19, bc2 = 1 − 0.999² = 0.001999; denom = √v/√bc2 + 1e-8 = 0.2236515...
    // update = (0.039/0.2236515)·(0.01/0.19) = 0.0091776...; w = 0.989·0.999 − update.
    const denom = Math.sqrt(9.999e-5) / Math.sqrt(1 - 0.999 ** 2) + 1e-8;
    const expected = 0.989 * 0.999 - (0.039 / denom) * (0.01 / 0.19);
    expect((await params.get('w.weight')!.data())[0]).toBeCloseTo(expected, 6);
  });

  it('clips the global norm and keeps state in checkpoints', async () => {
    const { opt, grads } = setup(0.1, layout);
    tf.tidy(() => opt.apply(grads([0.1, 0.2], [-0.3]), 0.01));
    const state = await opt.getState();
    const scale = 0.1 / (Math.sqrt(0.14) + 1e-6);
    // m = (1 − β1)·g·scale
    expect(Array.from(state.m)).toEqual(
      [0.1, 0.2, -0.3].map((g) => expect.closeTo(0.1 * g * scale, 7)),
    );
    expect(state.step).toBe(1);
    const { opt: other } = setup(0.1, layout);
    other.setState(state);
    expect(Array.from((await other.getState()).v)).toEqual(Array.from(state.v));
  });

  it('leaves no tensors behind', () => {
    const { opt, grads } = setup(1, layout);
    const g = grads([0.1, 0.2], [-0.3]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.apply(g, 0.01).dispose(); // outside tidy: every intermediate must go
    expect(tf.memory().numTensors).toBe(before);
  });
});
