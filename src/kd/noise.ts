// Label-noise injection for the KD-with-noisy-labels setting (Bhardwaj et al., W-NUT 2021,
// arXiv:2109.10147). The paper's noise model could not be read (dossier §6, §14.3); we offer the two
// standard ones of the noisy-label literature: uniform (symmetric) flips to a different class drawn
// uniformly, and class-conditional pair flips c → (c + 1) mod C (Han et al. 2018, Co-teaching).
// Only the training split changes; dev stays clean. Seeded: the same seed flips the same examples.
import type { TaskData } from '../data/types';
import { makeRng } from '../util/rng';
import type { LabelNoiseSpec } from './spec';

export interface NoisyTask {
  data: TaskData;
  /** 1 where the training label was changed. */
  flipped: Uint8Array;
}

/**
 * Each training label flips with probability `rate`: to a uniformly drawn other class
 * ('uniform'), or to (c + 1) mod C ('class-conditional'). A flipped label never equals the
 * original. rate 0 returns the data unchanged.
 */
export function applyLabelNoise(data: TaskData, spec: LabelNoiseSpec): NoisyTask {
  const { spec: task } = data;
  if (task.kind !== 'classification') {
    throw new Error(`Label noise needs a classification task; ${task.name} is a regression`);
  }
  const C = task.numLabels;
  const flipped = new Uint8Array(data.train.length);
  if (spec.rate <= 0 || C < 2) return { data, flipped };
  const rng = makeRng(spec.seed, 0x6e015e);
  const train = data.train.map((ex, i) => {
    const u = rng.next();
    const draw = rng.int(C - 1); // drawn for every example so the stream does not depend on flips
    if (u >= spec.rate) return ex;
    flipped[i] = 1;
    const y = ex.label;
    const label = spec.kind === 'uniform' ? (draw >= y ? draw + 1 : draw) : (y + 1) % C;
    return { ...ex, label };
  });
  return { data: { ...data, train }, flipped };
}
