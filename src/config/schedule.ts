// Schedules as data turned into (step) => number (optax style, STYLE R7): learning rate, KD weights
// and temperatures all use this one mechanism. Plain numbers, never tensors, so the training loop,
// the KD methods and the UI's schedule previews share it (src/train/schedule re-exports it).

export type Schedule = (step: number) => number;

export type ScheduleSpec =
  | { kind: 'constant'; value: number }
  /** From `from` at step `begin` (default 0) to `to` at `begin + steps`, flat outside. */
  | { kind: 'linear'; from: number; to: number; steps: number; begin?: number }
  /** 0 → peak over `warmup` steps, then linearly to 0 at `total` (BERT's schedule). */
  | { kind: 'warmupLinear'; peak: number; warmup: number; total: number }
  /** 0 → peak over `warmup` steps, then cosine to `floor` at `total`. */
  | { kind: 'warmupCosine'; peak: number; warmup: number; total: number; floor: number }
  /** parts[i] runs from boundaries[i-1] (or 0); each part sees steps relative to its start. */
  | { kind: 'join'; parts: ScheduleSpec[]; boundaries: number[] };

function assertNever(x: never): never {
  throw new Error(`Unknown schedule: ${JSON.stringify(x)}`);
}

/** Builds the step function of a schedule spec. Steps are 0-based optimiser steps. */
export function buildSchedule(spec: ScheduleSpec): Schedule {
  switch (spec.kind) {
    case 'constant':
      return () => spec.value;
    case 'linear': {
      const begin = spec.begin ?? 0;
      return (step) => {
        if (spec.steps <= 0) return step < begin ? spec.from : spec.to;
        const frac = Math.min(Math.max((step - begin) / spec.steps, 0), 1);
        return spec.from + (spec.to - spec.from) * frac;
      };
    }
    case 'warmupLinear':
      return (step) => {
        if (step < spec.warmup) return (spec.peak * step) / spec.warmup;
        const rest = spec.total - spec.warmup;
        if (rest <= 0) return spec.peak;
        return spec.peak * Math.max(0, (spec.total - step) / rest);
      };
    case 'warmupCosine':
      return (step) => {
        if (step < spec.warmup) return (spec.peak * step) / spec.warmup;
        const rest = spec.total - spec.warmup;
        if (rest <= 0) return spec.peak;
        const frac = Math.min((step - spec.warmup) / rest, 1);
        return spec.floor + (spec.peak - spec.floor) * 0.5 * (1 + Math.cos(Math.PI * frac));
      };
    case 'join': {
      if (spec.parts.length !== spec.boundaries.length + 1) {
        throw new Error('join schedule: need exactly one more part than boundaries');
      }
      const parts = spec.parts.map(buildSchedule);
      return (step) => {
        let i = 0;
        while (i < spec.boundaries.length && step >= spec.boundaries[i]!) i++;
        const start = i === 0 ? 0 : spec.boundaries[i - 1]!;
        return parts[i]!(step - start);
      };
    }
    default:
      return assertNever(spec);
  }
}
