// The Kronecker-vs-dense section of `npm run bench -- --kron`: at the paper's BERT-base shapes
// (attention 768×768 and both FFN matrices, with KroneckerBERT8's and KroneckerBERT21's factors,
// methods.md §1.2), forward and forward+backward time of the matrix-free Kronecker layer against the
// dense layer it replaces, next to their analytic FLOPs (Eq. 7), so the saving is measured.
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../config/run-config';
import {
  denseLinearFlops,
  kronLinearFlops,
  kronMatmul,
  kronOrder,
  kronParamCount,
  kronShapeFor,
  matMul,
  type KronShape,
} from '../model';
import { makeRng } from '../util/rng';

export interface KronBenchCase {
  /** e.g. 'K8 attention'. */
  name: string;
  out: number;
  inp: number;
  /** A is [m1, n1]; B follows from the matrix size. */
  m1: number;
  n1: number;
}

/** Paper Table 1: MHA A 384×384 (K8) / 384×48 (K21); FFN W1 A 8×2 / 16×2, W2 swapped. */
export const KRON_BENCH_CASES: KronBenchCase[] = [
  { name: 'K8 attention', out: 768, inp: 768, m1: 384, n1: 384 },
  { name: 'K8 ffn-up', out: 3072, inp: 768, m1: 8, n1: 2 },
  { name: 'K8 ffn-down', out: 768, inp: 3072, m1: 2, n1: 8 },
  { name: 'K21 attention', out: 768, inp: 768, m1: 384, n1: 48 },
  { name: 'K21 ffn-up', out: 3072, inp: 768, m1: 16, n1: 2 },
  { name: 'K21 ffn-down', out: 768, inp: 3072, m1: 2, n1: 16 },
];

function randn(shape: number[], seed: number, std: number): tf.Tensor {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * std),
    shape,
  );
}

/** Median wall time (ms) of `reps` runs of `fn` after `warmup` untimed ones; each run is awaited. */
async function timeIt(fn: () => tf.Tensor[], warmup: number, reps: number): Promise<number> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = fn();
    await Promise.all(out.map((t) => t.data())); // GPU→CPU sync: the work is done when this resolves
    const ms = performance.now() - t0;
    tf.dispose(out);
    return ms;
  };
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface KronBenchResult {
  case: string;
  backend: BackendName;
  tokens: number;
  shape: KronShape;
  order: string;
  denseParams: number;
  kronParams: number;
  /** Analytic forward FLOPs for all tokens (2 × multiply-adds). */
  denseFlops: number;
  kronFlops: number;
  flopRatio: number;
  denseForwardMs: number;
  kronForwardMs: number;
  /** Forward + gradients of x and of the weights (dense W, or A and B). */
  denseTrainMs: number;
  kronTrainMs: number;
  forwardSpeedup: number;
  trainSpeedup: number;
}

/** Benchmarks one case on the active backend with `tokens` input rows. */
export async function benchKronCase(
  c: KronBenchCase,
  backend: BackendName,
  tokens: number,
  reps: number,
): Promise<KronBenchResult> {
  const s = kronShapeFor(c.out, c.inp, c.m1, c.n1);
  const x = randn([tokens, c.inp], 1, 1) as tf.Tensor2D;
  const w = randn([c.out, c.inp], 2, 0.02) as tf.Tensor2D;
  const a = randn([1, s.m1, s.n1], 3, 0.14) as tf.Tensor3D;
  const b = randn([1, s.m2, s.n2], 4, 0.14) as tf.Tensor3D;
  const g = randn([tokens, c.out], 5, 1) as tf.Tensor2D;
  const dense = (x_: tf.Tensor2D, w_: tf.Tensor2D) => matMul(x_, w_, false, true);
  const kron = (x_: tf.Tensor2D, a_: tf.Tensor3D, b_: tf.Tensor3D) => kronMatmul(x_, a_, b_);
  const denseGrad = tf.grads((x_, w_) =>
    tf.sum(tf.mul(dense(x_ as tf.Tensor2D, w_ as tf.Tensor2D), g)),
  );
  const kronGrad = tf.grads((x_, a_, b_) =>
    tf.sum(tf.mul(kron(x_ as tf.Tensor2D, a_ as tf.Tensor3D, b_ as tf.Tensor3D), g)),
  );
  const warmup = 2;
  const denseForwardMs = await timeIt(() => [dense(x, w)], warmup, reps);
  const kronForwardMs = await timeIt(() => [kron(x, a, b)], warmup, reps);
  const denseTrainMs = await timeIt(() => denseGrad([x, w]), warmup, reps);
  const kronTrainMs = await timeIt(() => kronGrad([x, a, b]), warmup, reps);
  tf.dispose([x, w, a, b, g]);
  const denseFlops = tokens * denseLinearFlops(c.out, c.inp);
  const kronFlops = tokens * kronLinearFlops(s);
  const r2 = (v: number) => +v.toFixed(2);
  return {
    case: c.name,
    backend,
    tokens,
    shape: s,
    order: kronOrder(s),
    denseParams: c.out * c.inp,
    kronParams: kronParamCount(s),
    denseFlops,
    kronFlops,
    flopRatio: r2(denseFlops / kronFlops),
    denseForwardMs: r2(denseForwardMs),
    kronForwardMs: r2(kronForwardMs),
    denseTrainMs: r2(denseTrainMs),
    kronTrainMs: r2(kronTrainMs),
    forwardSpeedup: r2(denseForwardMs / kronForwardMs),
    trainSpeedup: r2(denseTrainMs / kronTrainMs),
  };
}
