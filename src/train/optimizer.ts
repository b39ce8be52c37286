// AdamW (Loshchilov & Hutter 2019, decoupled weight decay) with global-norm gradient clipping, as
// PyTorch's torch.optim.AdamW and clip_grad_norm_ compute them.
// Two layouts with identical arithmetic: on WebGPU/WebGL the update runs on one concatenated vector
// of all parameters (a few dozen kernels per step instead of ~15 per tensor: small-model training
// there is bound by kernel dispatches); on wasm and cpu it runs per tensor, because wasm's Slice
// and Concat kernels are element-by-element loops (40 slices of 720k floats: 380 ms).
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

export type AdamWLayout = 'flat' | 'perTensor';

/** The faster layout for the active backend. */
export function defaultLayout(): AdamWLayout {
  const b = tf.getBackend();
  return b === 'webgpu' || b === 'webgl' ? 'flat' : 'perTensor';
}

/**
 * AdamW over a fixed, ordered set of variables. Per step t (1-based), with g clipped:
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p·(1 − lr·λ·decay_p) − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 * Clipping: g ← g · min(1, clipNorm / (‖g‖₂ + 1e-6)) over all parameters together.
 */
export class AdamW {
  readonly names: string[];
  readonly layout: AdamWLayout;
  private readonly vars: tf.Variable[];
  private readonly sizes: number[];
  private readonly decays: boolean[];
  /** One moment pair per variable ('perTensor') or a single flat pair ('flat'). */
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly decayMask: tf.Tensor1D | null;
  private t = 0;

  /**
   * @param params the variables to train, by name (order is kept)
   * @param noDecay names that get no weight decay (BERT: biases and LayerNorm)
   */
  constructor(
    params: Map<string, tf.Variable>,
    readonly config: AdamWConfig,
    noDecay: (name: string) => boolean,
    layout: AdamWLayout = defaultLayout(),
  ) {
    this.layout = layout;
    this.names = [...params.keys()];
    this.vars = [...params.values()];
    this.sizes = this.vars.map((v) => v.size);
    this.decays = this.names.map((n) => !noDecay(n));
    const zeros = (n: number) => tf.tidy(() => tf.variable(tf.zeros([n]), false)); // frees the init tensor
    if (layout === 'flat') {
      const total = this.sizes.reduce((a, b) => a + b, 0);
      const mask = new Float32Array(total);
      let offset = 0;
      this.sizes.forEach((size, i) => {
        if (this.decays[i]) mask.fill(1, offset, offset + size);
        offset += size;
      });
      this.decayMask = tf.keep(tf.tensor1d(mask));
      this.m = [zeros(total)];
      this.v = [zeros(total)];
    } else {
      this.decayMask = null;
      this.m = this.sizes.map(zeros);
      this.v = this.sizes.map(zeros);
    }
  }

  /** Completed steps. */
  get step(): number {
    return this.t;
  }

  /**
   * One update from `grads` (keyed by tf.Variable name, as tf.variableGrads returns them) at
   * learning rate `lr`. Returns the global gradient norm before clipping (the only tensor that
   * survives; the caller disposes it). Does not dispose `grads`.
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    this.t += 1;
    return tf.tidy(() => {
      const g = this.vars.map((v) => {
        const gi = grads[v.name];
        return gi ? tf.reshape(gi, [-1]) : tf.zeros([v.size]);
      });
      const { beta1, beta2, epsilon, weightDecay, clipNorm } = this.config;
      const k = {
        b1: beta1,
        b2: beta2,
        eps: epsilon,
        invSqrtBc2: 1 / Math.sqrt(1 - beta2 ** this.t),
        stepSize: lr / (1 - beta1 ** this.t),
        decay: lr * weightDecay,
      };
      if (this.layout === 'flat') {
        const flat = tf.concat(g); // [P]
        const norm = tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
        const scale = clipNorm > 0 ? clipScale(norm, clipNorm) : null;
        const p = tf.concat(this.vars.map((x) => tf.reshape(x, [-1])));
        const next = adamUpdate(
          p,
          scale ? tf.mul(flat, scale) : flat,
          this.m[0]!,
          this.v[0]!,
          k,
          this.decayMask!,
        );
        const parts = tf.split(next, this.sizes);
        this.vars.forEach((x, i) => x.assign(tf.reshape(parts[i]!, x.shape)));
        return norm;
      }
      const norm = tf.sqrt(tf.addN(g.map((gi) => tf.sum(tf.square(gi))))) as tf.Scalar;
      const scale = clipNorm > 0 ? clipScale(norm, clipNorm) : null;
      this.vars.forEach((x, i) => {
        const gi = scale ? tf.mul(g[i]!, scale) : g[i]!;
        const next = adamUpdate(
          tf.reshape(x, [-1]),
          gi,
          this.m[i]!,
          this.v[i]!,
          k,
          this.decays[i]! ? 1 : 0,
        );
        x.assign(tf.reshape(next, x.shape));
      });
      return norm;
    });
  }

  /** Reads the state back (async) for a checkpoint. */
  async getState(): Promise<AdamWState> {
    const read = async (parts: tf.Variable[]) => {
      const arrays = await Promise.all(parts.map((p) => p.data()));
      const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
      let o = 0;
      for (const a of arrays) {
        out.set(a, o);
        o += a.length;
      }
      return out;
    };
    return {
      step: this.t,
      names: this.names.slice(),
      m: await read(this.m),
      v: await read(this.v),
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
    const total = this.sizes.reduce((a, b) => a + b, 0);
    if (state.m.length !== total || state.v.length !== total) {
      throw new Error('Optimizer state has the wrong size');
    }
    this.t = state.step;
    const write = (parts: tf.Variable[], data: Float32Array) => {
      let o = 0;
      for (const p of parts) {
        p.assign(tf.tensor1d(data.subarray(o, o + p.size)));
        o += p.size;
      }
    };
    tf.tidy(() => {
      write(this.m, state.m);
      write(this.v, state.v);
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
    this.decayMask?.dispose();
  }
}

/** min(1, clipNorm / (‖g‖ + 1e-6)), as torch.nn.utils.clip_grad_norm_. */
function clipScale(norm: tf.Scalar, clipNorm: number): tf.Scalar {
  return tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6)));
}

/** The AdamW arithmetic on flat tensors; updates the moment variables, returns the new p. */
function adamUpdate(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  k: { b1: number; b2: number; eps: number; invSqrtBc2: number; stepSize: number; decay: number },
  decayMask: tf.Tensor | number,
): tf.Tensor {
  const m1 = tf.add(tf.mul(m, k.b1), tf.mul(g, 1 - k.b1));
  const v1 = tf.add(tf.mul(v, k.b2), tf.mul(tf.square(g), 1 - k.b2));
  m.assign(m1);
  v.assign(v1);
  const denom = tf.add(tf.mul(tf.sqrt(v1), k.invSqrtBc2), k.eps);
  const update = tf.mul(tf.div(m1, denom), k.stepSize);
  const decayed =
    typeof decayMask === 'number'
      ? decayMask === 0 || k.decay === 0
        ? p
        : tf.mul(p, 1 - k.decay)
      : tf.sub(p, tf.mul(p, tf.mul(decayMask, k.decay)));
  return tf.sub(decayed, update);
}
