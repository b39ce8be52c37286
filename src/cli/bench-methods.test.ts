// The per-method bench: a real timing of a few training steps through the loop, the set-up apart,
// without leaking tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchMethod } from './bench-methods';
import { useNodeBackend } from './node-backend';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('benchMethod (wasm)', () => {
  it('times the steps after the warm-up, apart from the set-up, and frees its tensors', async () => {
    const tensors = tf.memory().numTensors;
    const r = await benchMethod('vanilla', 'wasm', 3, 1);
    expect(r).toMatchObject({ method: 'vanilla', backend: 'wasm', timedSteps: 3 });
    expect(r.msPerStep).toBeGreaterThan(0);
    expect(r.setupSec).toBeGreaterThan(0);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
