// Stochastic weight averaging for fine-tuning compact models (Lu, Kobyzev, Rezagholizadeh, Rashid,
// Ghodsi & Langlais, Findings of EMNLP 2022, arXiv:2212.05956; SWA of Izmailov et al. 2018) with the
// paper's three adaptations: a high constant learning rate once averaging starts, averaging over
// steps (not epochs), and an early start. The values are the paper's unknowns (dossier §3, §14.5),
// so they are parameters. Combines with any method: it averages the student's weights in the
// method's last stage, and dev evaluations from then on use the averaged weights.
import * as tf from '@tensorflow/tfjs';
import type { ParamArray, Params } from '../model';

// The averaging plan is pure (shared with the UI's preview).
export { swaPlan, type SwaPlan } from '../config/kd-schedules';

/** A running average θ̄ of a model's variables (2× parameter memory, on the backend). */
export class WeightAverage {
  private readonly avg = new Map<string, tf.Variable>();
  private n = 0;

  constructor(private readonly params: Params) {}

  /** Snapshots averaged so far. */
  get count(): number {
    return this.n;
  }

  /** θ̄ ← (n·θ̄ + θ)/(n + 1): after n updates θ̄ is the mean of the n snapshots. */
  update(): void {
    const n = this.n;
    tf.tidy(() => {
      for (const [name, v] of this.params.vars) {
        const a = this.avg.get(name);
        if (!a) this.avg.set(name, tf.variable(v.clone(), false));
        else a.assign(tf.add(tf.mul(a, n / (n + 1)), tf.mul(v, 1 / (n + 1))));
      }
    });
    this.n += 1;
  }

  /** θ̄ and its count read back (a resume point). */
  async getState(): Promise<{ count: number; average: Map<string, ParamArray> }> {
    const average = new Map<string, ParamArray>();
    for (const [name, a] of this.avg) {
      average.set(name, { shape: a.shape.slice(), data: Float32Array.from(await a.data()) });
    }
    return { count: this.n, average };
  }

  /**
   * Continues from a saved θ̄ of `count` snapshots (count ≥ 1; every parameter, same shapes).
   * Throws, changing nothing, when the arrays do not fit the model.
   */
  setState(count: number, average: Map<string, ParamArray>): void {
    if (!Number.isInteger(count) || count < 1) throw new Error(`SWA count ${count} is not >= 1`);
    for (const [name, v] of this.params.vars) {
      const a = average.get(name);
      if (!a) throw new Error(`its SWA average lacks '${name}'`);
      if (a.shape.join('x') !== v.shape.join('x')) {
        throw new Error(
          `its SWA average of '${name}' has shape [${a.shape}], the model [${v.shape}]`,
        );
      }
    }
    if (average.size !== this.params.vars.size) {
      throw new Error(
        `its SWA average has ${average.size} tensors, the model ${this.params.vars.size}`,
      );
    }
    this.dispose();
    tf.tidy(() => {
      for (const [name, a] of average) {
        this.avg.set(name, tf.variable(tf.tensor(a.data, a.shape, 'float32'), false));
      }
    });
    this.n = count;
  }

  /** Runs `fn` with θ̄ in the model's variables, then puts θ back (no-op before any update). */
  async withAverage<R>(fn: () => Promise<R>): Promise<R> {
    if (this.n === 0) return fn();
    const saved = this.params.snapshot();
    try {
      this.params.restore(this.avg);
      return await fn();
    } finally {
      this.params.restore(saved);
      saved.forEach((t) => t.dispose());
    }
  }

  dispose(): void {
    this.avg.forEach((a) => a.dispose());
    this.avg.clear();
  }
}
