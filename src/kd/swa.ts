// Stochastic weight averaging for fine-tuning compact models (Lu, Kobyzev, Rezagholizadeh, Rashid,
// Ghodsi & Langlais, Findings of EMNLP 2022, arXiv:2212.05956; SWA of Izmailov et al. 2018) with the
// paper's three adaptations: a high constant learning rate once averaging starts, averaging over
// steps (not epochs), and an early start. The values are the paper's unknowns (dossier §3, §14.5),
// so they are parameters. Combines with any method: it averages the student's weights in the
// method's last stage, and dev evaluations from then on use the averaged weights.
import * as tf from '@tensorflow/tfjs';
import type { Params } from '../model';

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
