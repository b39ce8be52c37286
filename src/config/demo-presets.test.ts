// Demo presets: every run validates, round-trips through the URL, uses only KD methods and student
// kinds that exist, and stays within the step budget the presets are sized by.
import { describe, expect, it } from 'vitest';
import { KD_DEFAULTS } from '../kd/defaults';
import { DEMO_PRESET_NAMES, DEMO_PRESETS, demoPresetRuns } from './demo-presets';
import { decodeRunConfig, decodeUrlState, encodeRunConfig, runsOfUrlState } from './url';
import { validateRunConfig } from './validate';

const STUDENT_KINDS = ['bert', 'kron-bert', 'textcnn', 'bilstm'];

describe('demo presets', () => {
  it('has the presets the talks use', () => {
    expect(DEMO_PRESET_NAMES).toEqual(
      expect.arrayContaining(['annealing-vs-vanilla', 'vanilla-vs-none', 'kron-bert-8x']),
    );
  });

  for (const [name, preset] of Object.entries(DEMO_PRESETS)) {
    describe(name, () => {
      it('has a title, a description and at least two runs with distinct names', () => {
        expect(preset.title.length).toBeGreaterThan(10);
        expect(preset.description.length).toBeGreaterThan(40);
        expect(preset.runs.length).toBeGreaterThanOrEqual(2);
        expect(new Set(preset.runs.map((r) => r.name)).size).toBe(preset.runs.length);
      });

      it('every run passes validateRunConfig', () => {
        for (const run of preset.runs) expect(validateRunConfig(run), run.name).toEqual([]);
      });

      it('every run encodes to a URL and back unchanged', () => {
        for (const run of preset.runs) {
          const text = encodeRunConfig(run).toString();
          const back = decodeRunConfig(new URLSearchParams(text));
          expect(back.problems, text).toEqual([]);
          expect(back.config, text).toStrictEqual(run);
        }
      });

      it('?preset= gives a copy of its runs', () => {
        const runs = runsOfUrlState(decodeUrlState(`preset=${name}`));
        expect(runs).toStrictEqual(preset.runs);
        runs[0]!.train.steps = -1;
        expect(DEMO_PRESETS[name]!.runs[0]!.train.steps).not.toBe(-1);
      });

      it('uses only existing KD methods and student kinds, on the embedded task', () => {
        for (const run of preset.runs) {
          if (run.kd) expect(Object.keys(KD_DEFAULTS)).toContain(run.kd.method.kind);
          if (run.student) expect(STUDENT_KINDS).toContain(run.student.kind);
          expect(run.task.source).toBe('embedded');
        }
      });

      it('is sized for about a minute: at most 2,400 optimiser steps in all', () => {
        // Teachers with the same recipe are trained once (see the module header).
        const teachers = new Set<string>();
        let steps = 0;
        for (const run of preset.runs) {
          steps += run.train.steps;
          const t = run.kd?.teacher;
          if (t?.source === 'train' && !teachers.has(JSON.stringify(t))) {
            teachers.add(JSON.stringify(t));
            steps += t.train.steps;
          }
        }
        expect(steps).toBeLessThanOrEqual(2_400);
      });
    });
  }

  it('demoPresetRuns rejects an unknown name', () => {
    expect(() => demoPresetRuns('nope')).toThrow(/unknown demo preset 'nope'/);
  });
});
