// The regression machinery that runs in Node: the comparison and its tolerances, the failure text
// (which metric moved, by how much, against what limit), curve rebuilding from polls, baseline
// parsing, the HTML report, what the form controls can express, and the CLI's command line.
import { describe, expect, it } from 'vitest';
import {
  compareRun,
  CROSS_ENV,
  CurveRecorder,
  describeFailures,
  parseBaseline,
  type Baseline,
  type RunEnv,
  type RunMeasure,
} from '../../e2e/regress/compare';
import { controlsGaps } from '../../e2e/regress/driver';
import { renderHtml, svgChart } from '../../e2e/regress/report';
import { suiteCases, suiteFromEnv } from '../../e2e/regress/suites';
import { defaultRunConfig } from '../config/defaults';
import { encodeRunConfig } from '../config/url';
import { validateRunConfig } from '../config/validate';
import { regressCommand } from './regress';

const ENV: RunEnv = { backend: 'webgpu', adapter: 'google · swiftshader', browser: 'chromium 156' };
const OTHER: RunEnv = { ...ENV, adapter: 'nvidia · ampere' };

function measure(over: Partial<RunMeasure> = {}): RunMeasure {
  const losses = Array.from({ length: 40 }, (_, i) => 0.7 * Math.exp(-i / 15));
  return {
    lossCount: 40,
    losses,
    evalCount: 2,
    mains: [0.75, 0.90625],
    firstLoss: (losses[0]! + losses[1]! + losses[2]!) / 3,
    finalLoss: losses.slice(-5).reduce((a, b) => a + b, 0) / 5,
    finalMain: 0.90625,
    wallSec: 50,
    ...over,
  };
}

const baseline = (m = measure(), env = ENV): Baseline => ({
  case: 'c',
  configUrl: 'seed=1',
  env,
  createdAt: '2025-01-01T00:00:00Z',
  measure: m,
});

describe('compareRun', () => {
  it('passes an identical run on the same environment', () => {
    const v = compareRun('c', 'seed=1', ENV, measure(), baseline());
    expect(v.ok).toBe(true);
    expect(v.tolerance).toBe('same-env');
    expect(v.checks.map((c) => c.metric)).toEqual([
      'lossCount',
      'evalCount',
      'firstLoss',
      'finalLoss',
      'finalMain',
      'loss at step 1 (worst of 40 points)',
    ]);
  });

  it('same environment: one loss point moved by 1e-4 fails and is named', () => {
    const m = measure();
    m.losses[11] = m.losses[11]! + 1e-4;
    const v = compareRun('c', 'seed=1', ENV, m, baseline());
    expect(v.ok).toBe(false);
    expect(describeFailures(v)).toMatch(
      /^c: loss at step 12 \(worst of 40 points\) moved from 0\.\d+ to 0\.\d+, \|Δ\| = 1\.000e-4 \(0\.0\d+%\); allowed 1\.000e-6 \(same-env\)$/,
    );
  });

  it('another environment: 5% drift passes, a 25% jump in the final loss fails', () => {
    const drift = measure({
      finalLoss: measure().finalLoss * 1.05,
      firstLoss: measure().firstLoss * 0.97,
    });
    expect(compareRun('c', 'seed=1', OTHER, drift, baseline()).ok).toBe(true);
    const jump = measure({ finalLoss: measure().finalLoss * 1.25 + 0.05 });
    const v = compareRun('c', 'seed=1', OTHER, jump, baseline());
    expect(v.ok).toBe(false);
    expect(v.tolerance).toBe('cross-env');
    expect(describeFailures(v)).toMatch(
      /^c: finalLoss moved from .* allowed 0\.0500000 \(cross-env\)$/,
    );
  });

  it('a dev metric beyond the limit, and a different number of evaluations, fail', () => {
    const v = compareRun(
      'c',
      'seed=1',
      OTHER,
      measure({ finalMain: 0.75, evalCount: 3 }),
      baseline(),
    );
    const failed = v.checks.filter((c) => !c.ok).map((c) => c.metric);
    expect(failed).toEqual(['evalCount', 'finalMain']);
    expect(describeFailures(v)).toContain(`allowed ${CROSS_ENV.mainAbs.toPrecision(6)}`);
  });

  it('a changed config makes the baseline stale', () => {
    const v = compareRun('c', 'seed=2', ENV, measure(), baseline());
    expect(v.ok).toBe(false);
    expect(describeFailures(v)).toMatch(/config changed since its baseline.*--update/);
  });

  it('a NaN final loss never passes', () => {
    expect(compareRun('c', 'seed=1', OTHER, measure({ finalLoss: NaN }), baseline()).ok).toBe(
      false,
    );
  });
});

describe('CurveRecorder', () => {
  it('rebuilds the curve from overlapping windows of the latest losses; gaps stay null', () => {
    const r = new CurveRecorder();
    r.addLosses(3, [1, 2, 3]);
    r.addLosses(5, [2, 3, 4, 5]);
    r.addLosses(
      30,
      Array.from({ length: 20 }, (_, i) => 11 + i),
    );
    expect(r.losses.slice(0, 6)).toEqual([1, 2, 3, 4, 5, null]);
    expect(r.losses.slice(9)).toEqual(
      Array.from({ length: 21 }, (_, i) => (i === 0 ? null : 10 + i)),
    );
    r.addEval(0, null);
    r.addEval(2, 0.8);
    expect(r.mains).toEqual([null, 0.8]);
  });
});

describe('baselines and report', () => {
  it('parses a baseline, and names the file and field of a broken one', () => {
    const b = baseline();
    expect(parseBaseline(JSON.stringify(b), 'x.json')).toEqual(b);
    const broken = { ...b, measure: { ...b.measure, lossCount: 'many' } };
    expect(() => parseBaseline(JSON.stringify(broken), 'x.json')).toThrow(
      /^x\.json: not a regression baseline: measure\.lossCount: .*--update/,
    );
  });

  it('draws curves as inline SVG and escapes text; the page fetches nothing', () => {
    const svg = svgChart('loss <a&b>', 'step', [
      {
        name: 'this run',
        points: [
          [1, 0.5],
          [2, null],
          [3, 0.25],
          [4, 0.2],
        ],
        color: '#00f',
      },
    ]);
    expect(svg).toContain('loss &lt;a&amp;b&gt;');
    expect(svg).toMatch(/<circle /); // the lone point before the gap
    expect(svg).toMatch(/<polyline [^>]*points="[\d., ]+"/);
    const html = renderHtml({
      suite: 'short',
      createdAt: 'now',
      update: false,
      cases: [
        {
          name: 'c',
          title: 'T',
          configUrl: 'seed=1',
          status: 'fail',
          reason: 'c: finalLoss moved',
          env: ENV,
          measure: measure(),
          baseline: baseline(),
          verdict: compareRun('c', 'seed=1', ENV, measure(), baseline()),
        },
      ],
    });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('1 fail');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/);
  });
});

describe('suites and controls', () => {
  it('every case has a unique file-safe name and a valid config; the short suite is first in full', () => {
    const full = suiteCases('full');
    expect(new Set(full.map((c) => c.name)).size).toBe(full.length);
    for (const c of full) {
      expect(c.name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(validateRunConfig(c.config), c.name).toEqual([]);
      expect(() => encodeRunConfig(c.config)).not.toThrow();
    }
    expect(full.slice(0, suiteCases('short').length)).toEqual(suiteCases('short'));
    expect(suiteFromEnv(undefined)).toBe('short');
    expect(() => suiteFromEnv('long')).toThrow(/short or full/);
  });

  it('the plain short case can be set through the form; KD and students cannot', () => {
    const [plain, kd] = suiteCases('short');
    expect(controlsGaps(plain!.config)).toEqual([]);
    expect(controlsGaps(kd!.config)).toEqual(['kd']);
    const c = defaultRunConfig();
    c.train.beta2 = 0.98;
    c.student = { kind: 'bilstm', embed: 8, hidden: 8, dropout: 0 };
    expect(controlsGaps(c)).toEqual(['train.beta2', 'student']);
  });
});

describe('regressCommand', () => {
  it('runs the regression spec with the suite and update flag in the environment', () => {
    expect(regressCommand([])).toEqual({
      args: ['playwright', 'test', 'e2e/regress.spec.ts', '--reporter=list'],
      env: { REGRESS_SUITE: 'short', REGRESS_UPDATE: '0' },
    });
    const full = regressCommand(['--suite', 'full', '--update', '--grep', 'plain']);
    expect(full.env).toEqual({ REGRESS_SUITE: 'full', REGRESS_UPDATE: '1' });
    expect(full.args.slice(-2)).toEqual(['--grep', 'plain']);
    expect(() => regressCommand(['--suite', 'huge'])).toThrow(/--suite must be short or full/);
    expect(() => regressCommand(['--bogus'])).toThrow();
  });
});
