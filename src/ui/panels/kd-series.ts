// Pure helpers of the KD charts: where the phase markers go and which loss terms a run has.
import type { TrainPoint } from '../../protocol';

/** Where a stage starts (1-based step) and its name. */
export interface StageMarker {
  step: number;
  name: string;
}

/** The first step of every stage after the first, from the stages the worker reported. */
export function stageMarkers(stages: readonly { name: string; steps: number }[]): StageMarker[] {
  const out: StageMarker[] = [];
  let start = 1;
  stages.forEach((s, i) => {
    if (i > 0) out.push({ step: start, name: s.name });
    start += s.steps;
  });
  return out;
}

/** The term names of a run's points, in first-seen order. */
export function termNames(points: readonly TrainPoint[]): string[] {
  const seen = new Set<string>();
  for (const p of points) if (p.terms) for (const k of Object.keys(p.terms)) seen.add(k);
  return [...seen];
}
