// What a regression run measures, what a baseline holds, and the comparison between them (pure).
// Tolerances: on the machine, browser and adapter that wrote the baseline, a deterministic run
// (seeded, atomics-free kernels) repeats bit for bit, so the check is exact up to float32 rounding
// of the readback; anywhere else (another GPU, driver, or Chromium build) kernels may sum in another
// order, and the numbers drift apart over the steps, so only gross changes fail.
import { z } from 'zod';

/** Where a run ran: its fingerprint decides which tolerance applies. */
export interface RunEnv {
  backend: string;
  /** The adapter the backend badge names (e.g. 'google · swiftshader'). */
  adapter: string;
  /** Browser name and version. */
  browser: string;
}

/** A run's measured curve and final numbers, as read through window.__kdTest. */
export interface RunMeasure {
  /** Train-loss points received (one per step). */
  lossCount: number;
  /** Loss of point i (0-based; point i is step i + 1), null where the poll missed it. */
  losses: (number | null)[];
  evalCount: number;
  /** Dev main metric of evaluation i, null where the poll missed it. */
  mains: (number | null)[];
  /** Mean of the first 3 and the last 5 losses. */
  firstLoss: number;
  finalLoss: number;
  /** Main metric of the last evaluation. */
  finalMain: number | null;
  wallSec: number;
}

/** A committed baseline (e2e/regress/baselines/<case>.json). */
export interface Baseline {
  case: string;
  /** The case's run config as URL state: a change makes the baseline stale. */
  configUrl: string;
  env: RunEnv;
  createdAt: string;
  measure: RunMeasure;
}

const nullableNumbers = z.array(z.number().nullable());
const baselineSchema = z.strictObject({
  case: z.string(),
  configUrl: z.string(),
  env: z.strictObject({ backend: z.string(), adapter: z.string(), browser: z.string() }),
  createdAt: z.string(),
  measure: z.strictObject({
    lossCount: z.number().int().min(0),
    losses: nullableNumbers,
    evalCount: z.number().int().min(0),
    mains: nullableNumbers,
    firstLoss: z.number(),
    finalLoss: z.number(),
    finalMain: z.number().nullable(),
    wallSec: z.number(),
  }),
});

/** Reads a baseline file's JSON text; throws naming the file and the first problems. */
export function parseBaseline(text: string, file: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`, {
      cause: e,
    });
  }
  const r = baselineSchema.safeParse(json);
  if (!r.success) {
    const why = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
      .join('; ');
    throw new Error(`${file}: not a regression baseline: ${why} (rewrite it with --update)`);
  }
  return r.data;
}

export interface Tolerance {
  /** Allowed |Δ| on a loss: max(lossAbs, lossRel × |baseline|). */
  lossAbs: number;
  lossRel: number;
  /** Allowed |Δ| on the dev main metric (accuracy, F1, … in [0, 1]). */
  mainAbs: number;
}

/**
 * Same machine, browser and adapter: float32 values read back into doubles repeat exactly; the
 * slack covers one float32 ulp at loss ~1 (6e-8) and nothing more.
 */
export const SAME_ENV: Tolerance = { lossAbs: 1e-6, lossRel: 1e-6, mainAbs: 0 };

/**
 * Elsewhere: reduction order differs across GPUs and drivers; over 40 steps of a tiny model the
 * curves stay within a few percent (the loss scale is ~0.1–0.7). 15% or 0.05 on a loss and 0.1 on
 * accuracy (3 of 32 dev rows) fail a real regression (a broken gradient, a wrong schedule, a data
 * change) without failing on float noise.
 */
export const CROSS_ENV: Tolerance = { lossAbs: 0.05, lossRel: 0.15, mainAbs: 0.1 };

/** Whether two environments are the same for bitwise comparison. */
export function sameEnv(a: RunEnv, b: RunEnv): boolean {
  return a.backend === b.backend && a.adapter === b.adapter && a.browser === b.browser;
}

export interface Check {
  metric: string;
  baseline: number | null;
  current: number | null;
  /** |current − baseline|, or null when one side is missing. */
  delta: number | null;
  allowed: number;
  ok: boolean;
}

export interface CaseVerdict {
  case: string;
  ok: boolean;
  tolerance: 'same-env' | 'cross-env';
  checks: Check[];
  /** Problems that are not a metric (stale baseline, a failed run). */
  notes: string[];
}

function check(
  metric: string,
  baseline: number | null,
  current: number | null,
  allowed: number,
): Check {
  if (baseline === null || current === null) {
    const ok = baseline === current;
    return { metric, baseline, current, delta: null, allowed, ok };
  }
  const delta = Math.abs(current - baseline);
  return {
    metric,
    baseline,
    current,
    delta,
    allowed,
    ok: Number.isFinite(current) && delta <= allowed,
  };
}

const lossAllowed = (t: Tolerance, baseline: number): number =>
  Math.max(t.lossAbs, t.lossRel * Math.abs(baseline));

/**
 * Compares a run with its baseline: point and evaluation counts exactly; first and final loss and
 * the final dev metric within the tolerance of the environment; on the same environment also every
 * loss point both sides have (the largest deviation is the check).
 */
export function compareRun(
  name: string,
  configUrl: string,
  env: RunEnv,
  m: RunMeasure,
  b: Baseline,
): CaseVerdict {
  const same = sameEnv(env, b.env);
  const t = same ? SAME_ENV : CROSS_ENV;
  const notes: string[] = [];
  if (b.configUrl !== configUrl) {
    notes.push(
      `the case's config changed since its baseline (baseline ${b.configUrl}, now ${configUrl}): ` +
        'rerun with --update if the change is intended',
    );
  }
  const b0 = b.measure;
  const checks: Check[] = [
    check('lossCount', b0.lossCount, m.lossCount, 0),
    check('evalCount', b0.evalCount, m.evalCount, 0),
    check('firstLoss', b0.firstLoss, m.firstLoss, lossAllowed(t, b0.firstLoss)),
    check('finalLoss', b0.finalLoss, m.finalLoss, lossAllowed(t, b0.finalLoss)),
    check('finalMain', b0.finalMain, m.finalMain, t.mainAbs),
  ];
  if (same) {
    // Every point both sides have; the first failing one, else the largest deviation, is reported.
    const points: Check[] = [];
    b0.losses.forEach((bl, i) => {
      const cl = m.losses[i];
      if (bl !== null && cl !== null && cl !== undefined) {
        points.push(check(`loss at step ${i + 1}`, bl, cl, lossAllowed(t, bl)));
      }
    });
    const worst =
      points.find((c) => !c.ok) ??
      points.reduce<Check | null>((w, c) => (!w || (c.delta ?? 0) > (w.delta ?? 0) ? c : w), null);
    if (worst)
      checks.push({ ...worst, metric: `${worst.metric} (worst of ${points.length} points)` });
  }
  const ok = notes.length === 0 && checks.every((c) => c.ok);
  return { case: name, ok, tolerance: same ? 'same-env' : 'cross-env', checks, notes };
}

const fmt = (x: number | null): string =>
  x === null ? 'none' : Math.abs(x) >= 1e-3 || x === 0 ? x.toPrecision(6) : x.toExponential(3);

/** One line per failed check: which metric moved, from what to what, by how much, and the limit. */
export function describeFailures(v: CaseVerdict): string {
  const lines = v.checks
    .filter((c) => !c.ok)
    .map((c) => {
      const rel =
        c.delta !== null && c.baseline
          ? ` (${((100 * c.delta) / Math.abs(c.baseline)).toFixed(2)}%)`
          : '';
      return (
        `${v.case}: ${c.metric} moved from ${fmt(c.baseline)} to ${fmt(c.current)}, ` +
        `|Δ| = ${fmt(c.delta)}${rel}; allowed ${fmt(c.allowed)} (${v.tolerance})`
      );
    });
  return [...lines, ...v.notes.map((n) => `${v.case}: ${n}`)].join('\n');
}

/** Mean of finite numbers (NaN for none). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Rebuilds the loss curve from polls of the test hook: each poll gives the count received so far
 * and the latest up-to-20 losses, i.e. points [count − k, count). Later polls overwrite nothing
 * they agree on; a gap between polls stays null.
 */
export class CurveRecorder {
  readonly losses: (number | null)[] = [];
  readonly mains: (number | null)[] = [];

  addLosses(count: number, latest: readonly number[]): void {
    const start = count - latest.length;
    while (this.losses.length < count) this.losses.push(null);
    latest.forEach((v, i) => {
      this.losses[start + i] = v;
    });
  }

  addEval(count: number, lastMain: number | null): void {
    while (this.mains.length < count) this.mains.push(null);
    if (count > 0 && lastMain !== null) this.mains[count - 1] = lastMain;
  }
}
