// Parameters as a flat map from Hugging Face names to tf.Variables (kernels [out, in] as in
// PyTorch), so importing and exporting checkpoints is a name table. Seeded init in plain JS: the
// same seed gives the same weights on every backend.
import * as tf from '@tensorflow/tfjs';
import { hashString, makeRng } from '../util/rng';
import { bertParamShapes, type BertConfig } from './config';

/** A named parameter's values on the CPU (for checkpoints, export and tests). */
export interface ParamArray {
  shape: number[];
  data: Float32Array;
}

/** Read access to parameters by name, as the forward functions see them. */
export interface ParamSource {
  get(name: string): tf.Tensor;
  has(name: string): boolean;
}

/** Trainable parameters of one model. Owns its variables: call `dispose()` when done. */
export class Params implements ParamSource {
  readonly vars: Map<string, tf.Variable>;

  constructor(vars: Map<string, tf.Variable>) {
    this.vars = vars;
  }

  /** Builds variables from CPU arrays (checkpoint load, import). */
  static fromArrays(arrays: Map<string, ParamArray>, trainable = true): Params {
    const vars = new Map<string, tf.Variable>();
    for (const [name, { shape, data }] of arrays) {
      // Inside tidy so the initial-value tensor is released; the variable keeps the data.
      const v = tf.tidy(() =>
        tf.variable(tf.tensor(data, shape, 'float32'), trainable, uniqueVarName(name)),
      );
      vars.set(name, v);
    }
    return new Params(vars);
  }

  get(name: string): tf.Tensor {
    const v = this.vars.get(name);
    if (!v) throw new Error(`Missing parameter '${name}'`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Total number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Clones of the current values (GPU-side, no readback); the caller disposes them. */
  snapshot(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, v] of this.vars) out.set(name, tf.keep(v.clone()));
    return out;
  }

  /** Writes a snapshot back into the variables (shapes must match). */
  restore(snapshot: Map<string, tf.Tensor>): void {
    for (const [name, v] of this.vars) {
      const t = snapshot.get(name);
      if (!t) throw new Error(`Snapshot lacks parameter '${name}'`);
      v.assign(t);
    }
  }

  /** Reads every parameter back to the CPU (one async readback per tensor). */
  async toArrays(): Promise<Map<string, ParamArray>> {
    const out = new Map<string, ParamArray>();
    for (const [name, v] of this.vars) {
      const data = await v.data();
      out.set(name, { shape: v.shape.slice(), data: Float32Array.from(data) });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

let varCounter = 0;
/** tfjs requires globally unique variable names; keep the HF name readable inside it. */
function uniqueVarName(name: string): string {
  varCounter += 1;
  return `${name}#${varCounter}`;
}

/** True for parameters that get no weight decay: biases and LayerNorm weights (BERT's rule). */
export function isNoDecay(name: string): boolean {
  // '.bias_' covers PyTorch LSTM names (lstm.bias_ih_l0, lstm.bias_hh_l0_reverse).
  return name.endsWith('.bias') || name.includes('.bias_') || name.includes('LayerNorm');
}

/**
 * Initial values for an encoder, as CPU arrays: weights ~ N(0, initializerRange²), biases 0,
 * LayerNorm weight 1 and bias 0, the padding row of the word embeddings 0 (as Hugging Face's
 * `_init_weights`). Each parameter draws from its own stream (seed, hash of its name), so adding or
 * resizing one parameter (say, the classifier) leaves the others' initial values unchanged.
 */
export function initBertArrays(c: BertConfig, seed: number): Map<string, ParamArray> {
  const out = new Map<string, ParamArray>();
  for (const [name, shape] of bertParamShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.includes('LayerNorm') && name.endsWith('.weight')) data.fill(1);
    else if (!name.endsWith('.bias') && !name.includes('LayerNorm')) {
      const rng = makeRng(seed, hashString(name));
      for (let i = 0; i < size; i++) data[i] = rng.normal() * c.initializerRange;
      if (name === 'bert.embeddings.word_embeddings.weight') {
        const H = shape[1] ?? 0;
        data.fill(0, c.padTokenId * H, (c.padTokenId + 1) * H);
      }
    }
    out.set(name, { shape, data });
  }
  return out;
}

/** Freshly initialised, trainable encoder parameters. */
export function initBertParams(c: BertConfig, seed: number): Params {
  return Params.fromArrays(initBertArrays(c, seed));
}
