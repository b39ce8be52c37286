// SWA (§3.2 properties): θ̄ is the mean of the snapshots in any order, a frozen model averages to
// itself, a linear model's averaged output is the mean output, t_swa past the end is plain
// training, and in the loop the learning rate goes constant and evaluations use θ̄ (wasm).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { Params } from '../model';
import { runTraining } from '../train/loop';
import { swaPlan, WeightAverage } from './swa';
import { toyConfig, toyTask } from './testing';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

function oneVar(values: number[]): Params {
  return Params.fromArrays(
    new Map([['w', { shape: [values.length], data: Float32Array.from(values) }]]),
  );
}

/** Averages the snapshots in the given order; returns θ̄. */
async function averageOf(snapshots: number[][]): Promise<number[]> {
  const p = oneVar(snapshots[0]!);
  const avg = new WeightAverage(p);
  for (const s of snapshots) {
    p.vars.get('w')!.assign(tf.tensor1d(s));
    avg.update();
  }
  let out: number[] = [];
  await avg.withAverage(async () => {
    out = Array.from(p.vars.get('w')!.dataSync());
  });
  avg.dispose();
  p.dispose();
  return out;
}

describe('WeightAverage', () => {
  it('after n updates θ̄ is the arithmetic mean of the n snapshots, in any order', async () => {
    const snaps = [
      [1, -2],
      [3, 0],
      [8, 5],
      [0, 1],
    ];
    // Mean: [(1+3+8+0)/4, (−2+0+5+1)/4] = [3, 1].
    const a = await averageOf(snaps);
    expect(a[0]).toBeCloseTo(3, 5);
    expect(a[1]).toBeCloseTo(1, 5);
    const b = await averageOf([snaps[2]!, snaps[0]!, snaps[3]!, snaps[1]!]);
    expect(b[0]).toBeCloseTo(a[0]!, 5);
    expect(b[1]).toBeCloseTo(a[1]!, 5);
  });

  it('a frozen model averages to itself and withAverage puts θ back', async () => {
    const p = oneVar([0.25, -4]);
    const avg = new WeightAverage(p);
    avg.update();
    avg.update();
    avg.update();
    p.vars.get('w')!.assign(tf.tensor1d([9, 9])); // training moves θ …
    await avg.withAverage(async () => {
      expect(Array.from(p.vars.get('w')!.dataSync())).toEqual([0.25, -4]); // … θ̄ did not
    });
    expect(Array.from(p.vars.get('w')!.dataSync())).toEqual([9, 9]);
    avg.dispose();
    p.dispose();
  });

  it("a linear model's output under θ̄ is the mean of the snapshots' outputs", async () => {
    const snaps = [
      [1, 2, 3, 4],
      [0, -1, 2, 0.5],
      [2, 2, -2, 1],
    ];
    const x = [0.5, -1.5];
    const out = (w: number[]) => [w[0]! * x[0]! + w[1]! * x[1]!, w[2]! * x[0]! + w[3]! * x[1]!];
    const mean = [0, 1].map((i) => snaps.reduce((s, w) => s + out(w)[i]!, 0) / snaps.length);
    const avg = out(await averageOf(snaps));
    expect(avg[0]).toBeCloseTo(mean[0]!, 5);
    expect(avg[1]).toBeCloseTo(mean[1]!, 5);
  });
});

describe('swaPlan', () => {
  it('averages every c steps from t_swa, at a constant rate', () => {
    const p = swaPlan({ start: 0.5, every: 3, lrScale: 0.5 }, 11, 20, 2e-3);
    expect(p.startStep).toBe(21);
    expect(p.lr).toBeCloseTo(1e-3, 12);
    const at = Array.from({ length: 30 }, (_, i) => i + 1).filter((s) => p.averagesAt(s));
    expect(at).toEqual([21, 24, 27, 30]);
    expect(swaPlan({ start: 1, every: 1, lrScale: 1 }, 1, 30, 1).startStep).toBe(31); // never
  });
});

describe('SWA in the training loop (wasm)', () => {
  const data = toyTask(3, 400, 80);

  it('with t_swa past the end is exactly plain training', async () => {
    const plain = await runTraining(toyConfig(30), data, { backend: 'wasm' });
    const late = await runTraining(
      toyConfig(30, { method: { kind: 'none' }, swa: { start: 1, every: 1, lrScale: 3 } }),
      data,
      { backend: 'wasm' },
    );
    expect(late.train.map((p) => p.loss)).toEqual(plain.train.map((p) => p.loss));
    expect(late.best).toEqual(plain.best);
    plain.model.dispose();
    late.model.dispose();
  });

  it('switches to the constant rate, evaluates θ̄, learns, and leaks nothing', async () => {
    const tensors = tf.memory().numTensors;
    const c = toyConfig(60, {
      method: { kind: 'none' },
      swa: { start: 0.5, every: 2, lrScale: 0.5 },
    });
    c.train.evalEvery = 20;
    const r = await runTraining(c, data, { backend: 'wasm' });
    expect(r.train.slice(30).every((p) => Math.abs(p.lr - 0.5 * c.train.lr) < 1e-12)).toBe(true);
    expect(r.evals.map((e) => e.stage)).toEqual([undefined, 'swa', 'swa']);
    expect(r.best!.main).toBeGreaterThan(0.8);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
