// Golden values of the KD losses, each worked by hand below from the paper's equation (STYLE R13),
// plus gradients where a loss promises something about them, and leak checks (R11).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import {
  attentionScoreMse,
  batchMean,
  crossEntropy,
  headMean,
  hiddenMse,
  hinge,
  linearProjection,
  logitMse,
  softCrossEntropy,
  softTargetKl,
  squaredError,
} from './losses';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const LN2 = Math.log(2);
const LN3 = Math.log(3);
const LN15 = Math.log(1.5);
const t2 = (rows: number[][]) => tf.tensor2d(rows);
const read = (t: tf.Tensor) => Array.from(t.dataSync());

describe('softTargetKl (Hinton et al. 2015, T² scaled)', () => {
  it('matches the hand-worked KL at T = 1 and is T² times it at T = 2', () => {
    // Teacher [ln 3, 0] → p_T = [3/4, 1/4]; student [0, 0] → p_S = [1/2, 1/2].
    // KL = 3/4·ln(3/4 ÷ 1/2) + 1/4·ln(1/4 ÷ 1/2) = 0.75·ln 1.5 − 0.25·ln 2 = 0.1308120…
    const kl1 = 0.75 * LN15 - 0.25 * LN2;
    expect(kl1).toBeCloseTo(0.130812036, 8);
    tf.tidy(() => {
      const v = read(
        softTargetKl(
          t2([
            [0, 0],
            [LN3, 0],
          ]),
          t2([
            [LN3, 0],
            [LN3, 0],
          ]),
          1,
        ),
      );
      expect(v[0]).toBeCloseTo(kl1, 6);
      expect(v[1]).toBeCloseTo(0, 6); // identical distributions
      // At T = 2 a teacher [2 ln 3, 0] has the same p_T; the student [0, 0] the same p_S;
      // so the loss is T² · KL = 4 · 0.1308120 = 0.5232481.
      const v2 = read(softTargetKl(t2([[0, 0]]), t2([[2 * LN3, 0]]), 2));
      expect(v2[0]).toBeCloseTo(4 * kl1, 5);
    });
  });

  it('is invariant to adding a constant to a row of either side', () => {
    tf.tidy(() => {
      const a = read(softTargetKl(t2([[0.3, -1, 2]]), t2([[1, 0.5, -0.2]]), 3));
      const b = read(softTargetKl(t2([[5.3, 4, 7]]), t2([[-2, -2.5, -3.2]]), 3));
      expect(b[0]).toBeCloseTo(a[0]!, 5);
    });
  });
});

describe('cross-entropies', () => {
  it('softCrossEntropy of [0, 0] against [3/4, 1/4] is −ln(1/2) = ln 2', () => {
    tf.tidy(() => {
      expect(read(softCrossEntropy(t2([[0, 0]]), t2([[0.75, 0.25]])))[0]).toBeCloseTo(LN2, 6);
    });
  });

  it('crossEntropy of [ln 3, 0] is −ln(3/4) for class 0 and −ln(1/4) for class 1', () => {
    tf.tidy(() => {
      const v = read(
        crossEntropy(
          t2([
            [LN3, 0],
            [LN3, 0],
          ]),
          tf.tensor1d([0, 1]),
        ),
      );
      expect(v[0]).toBeCloseTo(-Math.log(0.75), 6); // 0.2876821
      expect(v[1]).toBeCloseTo(-Math.log(0.25), 6); // 1.3862944
    });
  });
});

describe('logit MSE and per-example squared error', () => {
  const a = [
    [1, 2],
    [3, 4],
  ];
  const zero = [
    [0, 0],
    [0, 0],
  ];

  it('logitMse is the mean over all B·C elements (F.mse_loss): (1+4+9+16)/4 = 7.5', () => {
    tf.tidy(() => {
      expect(read(logitMse(t2(a), t2(zero)))[0]).toBeCloseTo(7.5, 6);
    });
  });

  it("squaredError sums ('sum': [5, 25]) or averages ('mean': [2.5, 12.5]) over classes", () => {
    tf.tidy(() => {
      expect(read(squaredError(t2(a), t2(zero), 'sum'))).toEqual([5, 25]);
      expect(read(squaredError(t2(a), t2(zero), 'mean'))).toEqual([2.5, 12.5]);
      // Batch mean of the 'mean' form is F.mse_loss.
      expect(read(batchMean(squaredError(t2(a), t2(zero), 'mean')))[0]).toBeCloseTo(7.5, 6);
    });
  });
});

describe('hinge (Continuation-KD Eq. 4)', () => {
  it('is max(0, x − m) with zero gradient inside the margin', () => {
    const x = tf.tensor1d([0.5, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(hinge(v, 1)))(x);
    tf.tidy(() => {
      expect(read(hinge(x, 1))).toEqual([0, 1]);
    });
    expect(read(g)).toEqual([0, 1]);
    tf.dispose([x, g]);
  });
});

describe('intermediate-layer losses', () => {
  it('hiddenMse averages over real tokens and features: (1² + 2²)/(1 token · 2) = 2.5', () => {
    tf.tidy(() => {
      const s = tf.tensor3d([
        [
          [1, 2],
          [3, 4],
        ],
      ]); // [1, 2, 2]
      const z = tf.zeros([1, 2, 2]) as tf.Tensor3D;
      expect(read(hiddenMse(s, z, t2([[1, 0]])))[0]).toBeCloseTo(2.5, 6);
      // Without a mask every position counts: (1 + 4 + 9 + 16)/4 = 7.5.
      expect(read(hiddenMse(s, z, null))[0]).toBeCloseTo(7.5, 6);
    });
  });

  it('attentionScoreMse keeps only (query, key) pairs of real tokens, averaged over heads', () => {
    tf.tidy(() => {
      // Head 0 [[1,2],[3,4]], head 1 [[5,6],[7,8]]; only token 0 is real, so only pair (0,0):
      // (1² + 5²) / (1 pair · 2 heads) = 13.
      const s = tf.tensor4d([
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
      ]);
      const z = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
      expect(read(attentionScoreMse(s, z, t2([[1, 0]])))[0]).toBeCloseTo(13, 5);
      // All pairs: (1+4+9+16+25+36+49+64)/8 = 204/8 = 25.5.
      expect(read(attentionScoreMse(s, z, null))[0]).toBeCloseTo(25.5, 5);
      // Head mean: [[3,4],[5,6]] → with the mask only 3² = 9.
      expect(read(attentionScoreMse(headMean(s), headMean(z), t2([[1, 0]])))[0]).toBeCloseTo(9, 5);
    });
  });

  it('linearProjection maps [1, 2] through W = [[1,0],[0,1],[1,1]] to [1, 2, 3]', () => {
    tf.tidy(() => {
      const y = linearProjection(
        tf.tensor3d([[[1, 2]]]),
        t2([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
      );
      expect(y.shape).toEqual([1, 1, 3]);
      expect(read(y)).toEqual([1, 2, 3]);
    });
  });
});

describe('leaks', () => {
  it('every loss leaves only its result alive', () => {
    const s = t2([[0.2, 0.1]]);
    const t = t2([[1, -1]]);
    const h = tf.ones([1, 2, 2]) as tf.Tensor3D;
    const a = tf.ones([1, 1, 2, 2]) as tf.Tensor4D;
    const m = t2([[1, 1]]);
    const y = tf.tensor1d([1]);
    const before = tf.memory().numTensors;
    const outs = [
      softTargetKl(s, t, 2),
      softCrossEntropy(s, tf.softmax(t) as tf.Tensor2D),
      crossEntropy(s, y),
      logitMse(s, t),
      squaredError(s, t, 'sum'),
      hinge(y, 0.5),
      hiddenMse(h, h, m),
      attentionScoreMse(a, a, m),
      linearProjection(h, t2([[1, 0]])),
    ];
    // softCrossEntropy's argument (softmax) is one extra tensor made out here, plus the W above.
    expect(tf.memory().numTensors).toBe(before + outs.length + 2);
    tf.dispose(outs);
    tf.dispose([s, t, h, a, m, y]);
  });
});
