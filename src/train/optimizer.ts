// AdamW (Loshchilov & Hutter 2019, decoupled weight decay) with global-norm gradient clipping, as
// PyTorch's torch.optim.AdamW and clip_grad_norm_ compute them. The update runs on one flat vector
// of all parameters, so a step costs a few dozen kernels instead of ~15 per parameter tensor:
// WebGPU training of small models is bound by kernel dispatches, not FLOPs.
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled decay: p ← p·(1 − lr·weightDecay) for parameters that decay. */
  weightDecay: number;
  /** Max global L2 norm of the gradient; 0 disables clipping. */
  clipNorm: number;
}

/** Optimiser state for checkpoints: moments as flat arrays in the parameter order, and the step. */
export interface AdamWState {
  step: number;
  names: string[];
  m: Float32Array;
  v: Float32Array;
}

/**
 * AdamW over a fixed, ordered set of variables. Per step t (1-based), with g clipped:
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p·(1 − lr·λ·decay_p) − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 * Clipping: g ← g · min(1, clipNorm / (‖g‖₂ + 1e-6)) over all parameters together.
 */
export class AdamW {
  readonly names: string[];
  private readonly vars: tf.Variable[];
  private readonly sizes: number[];
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly decayMask: tf.Tensor1D;
  private readonly consts: { b1: tf.Scalar; b1c: tf.Scalar; b2: tf.Scalar; b2c: tf.Scalar };
  private t = 0;

  /**
   * @param params the variables to train, by name (order is kept)
   * @param noDecay names that get no weight decay (BERT: biases and LayerNorm)
   */
  constructor(
    params: Map<string, tf.Variable>,
    readonly config: AdamWConfig,
    noDecay: (name: string) => boolean,
  ) {
    this.names = [...params.keys()];
    this.vars = [...params.values()];
    this.sizes = this.vars.map((v) => v.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const mask = new Float32Array(total);
    let offset = 0;
    this.names.forEach((name, i) => {
      const size = this.sizes[i]!;
      if (!noDecay(name)) mask.fill(1, offset, offset + size);
      offset += size;
    });
    this.decayMask = tf.keep(tf.tensor1d(mask));
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
    const { beta1, beta2 } = config;
    this.consts = {
      b1: tf.keep(tf.scalar(beta1)),
      b1c: tf.keep(tf.scalar(1 - beta1)),
      b2: tf.keep(tf.scalar(beta2)),
      b2c: tf.keep(tf.scalar(1 - beta2)),
    };
  }

  /** Completed steps. */
  get step(): number {
    return this.t;
  }

  /** Number of scalar parameters updated. */
  get size(): number {
    return this.m.size;
  }

  /**
   * One update from `grads` (keyed by tf.Variable name, as tf.variableGrads returns them) at
   * learning rate `lr`. Returns the global gradient norm before clipping (the only tensor that
   * survives; the caller disposes it). Does not dispose `grads`.
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    this.t += 1;
    return tf.tidy(() => this.update(grads, lr));
  }

  private update(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    const { beta1, beta2, epsilon, weightDecay, clipNorm } = this.config;
    const flat: tf.Tensor[] = this.vars.map((v) => {
      const g = grads[v.name];
      return g ? tf.reshape(g, [-1]) : tf.zeros([v.size]);
    });
    const g0 = tf.concat(flat); // [P]
    const norm = tf.sqrt(tf.sum(tf.square(g0))) as tf.Scalar;
    const g = clipNorm > 0 ? tf.mul(g0, tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6)))) : g0;
    const c = this.consts;
    const m = tf.add(tf.mul(this.m, c.b1), tf.mul(g, c.b1c));
    const v = tf.add(tf.mul(this.v, c.b2), tf.mul(tf.square(g), c.b2c));
    this.m.assign(m);
    this.v.assign(v);
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    // Two per-step scalars in one upload: [lr·λ, lr / bc1].
    const s = tf.tensor1d([lr * weightDecay, lr / bc1]);
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), epsilon);
    const update = tf.mul(tf.div(m, denom), tf.slice(s, [1], [1]));
    const p = tf.concat(this.vars.map((x) => tf.reshape(x, [-1])));
    const decayed = tf.sub(p, tf.mul(tf.mul(p, this.decayMask), tf.slice(s, [0], [1])));
    const next = tf.sub(decayed, update);
    const parts = tf.split(next, this.sizes);
    this.vars.forEach((x, i) => x.assign(tf.reshape(parts[i]!, x.shape)));
    return norm;
  }

  /** Reads the state back (async) for a checkpoint. */
  async getState(): Promise<AdamWState> {
    const [m, v] = await Promise.all([this.m.data(), this.v.data()]);
    return {
      step: this.t,
      names: this.names.slice(),
      m: Float32Array.from(m),
      v: Float32Array.from(v),
    };
  }

  /** Restores a saved state; the parameter list must be the same. */
  setState(state: AdamWState): void {
    if (
      state.names.length !== this.names.length ||
      state.names.some((n, i) => n !== this.names[i])
    ) {
      throw new Error('Optimizer state belongs to a different parameter list');
    }
    if (state.m.length !== this.m.size || state.v.length !== this.v.size) {
      throw new Error('Optimizer state has the wrong size');
    }
    this.t = state.step;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m));
      this.v.assign(tf.tensor1d(state.v));
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.decayMask.dispose();
    Object.values(this.consts).forEach((t) => t.dispose());
  }
}
