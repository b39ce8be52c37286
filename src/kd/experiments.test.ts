// The comparison runner: summary statistics worked by hand, and a two-method, two-seed run on the
// toy task with one shared teacher (wasm), its table and its markdown, without leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import {
  constantTerms,
  EXPERIMENT_PRESETS,
  lateTermMeans,
  mergeReports,
  methodConfig,
  parseExperimentFile,
  pairedDeltas,
  reportMarkdown,
  runExperiment,
  summarise,
  type ExperimentFile,
  type ExperimentPreset,
  type ExperimentReport,
} from './experiments';
import { METHOD_PRESETS } from './presets';
import { TOY_STUDENT, TOY_TEACHER, toyTask, toyTrain } from './testing';
import { validateRunConfig } from '../config/validate';
import { filesFromMap } from '../io';
import { bertConfig, bertModel, initBertParams } from '../model';
import { disposeTeacher, teacherBundle } from './teacher';
import {
  ensembleTeacher,
  teacherFromFiles,
  teacherToFiles,
  withTeacherVocab,
  type LoadedTeacherFiles,
} from './teacher-files';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('summarise', () => {
  it('gives mean, sample sd (n − 1), min and max', () => {
    // [0.5, 0.7, 0.9]: mean 0.7; squared deviations 0.04 + 0 + 0.04 = 0.08; /2 = 0.04; sd 0.2.
    const s = summarise([0.5, 0.7, 0.9]);
    expect(s.mean).toBeCloseTo(0.7, 12);
    expect(s.sd).toBeCloseTo(0.2, 12);
    expect([s.min, s.max]).toEqual([0.5, 0.9]);
    expect(summarise([0.8]).sd).toBe(0);
  });
});

/** A report file of the smoke preset with the given (method, seed, best) runs. */
function reportFile(runs: [string, number, number][], teacherDev = 0.9): ExperimentFile {
  const preset = structuredClone(EXPERIMENT_PRESETS.smoke!);
  const methods = [...new Set(runs.map((r) => r[0]))];
  return {
    command: `run ${runs.map((r) => r.join(':')).join(' ')}`,
    preset: { ...preset, seeds: [...new Set(runs.map((r) => r[1]))], methods } as ExperimentPreset,
    report: {
      preset: 'smoke',
      description: preset.description,
      metric: 'accuracy',
      backend: 'wasm',
      seeds: [],
      student: { arch: preset.student, kind: 'bert', params: 1234, steps: 60 },
      teacher: {
        arch: preset.teacher.model,
        params: 5678,
        steps: 80,
        mlmSteps: 0,
        dev: teacherDev,
        metrics: { accuracy: teacherDev },
        wallSec: 10,
        loadedFrom: null,
      },
      rows: methods.map((m) => {
        const rs = runs
          .filter((r) => r[0] === m)
          .map(([, seed, best]) => ({ seed, best, final: best, bestStep: 60, wallSec: 2 }));
        return {
          method: m as ExperimentPreset['methods'][number],
          runs: rs,
          ...summarise(rs.map((r) => r.best)),
          wallSec: 2,
        };
      }),
      startedAt: `2026-01-0${runs[0]![1]}T00:00:00.000Z`,
      wallSec: 100,
    },
  };
}

describe('mergeReports', () => {
  it('puts seeds split across files into one table with mean and spread over all of them', () => {
    const a = reportFile([
      ['none', 1, 0.5],
      ['vanilla', 1, 0.7],
    ]);
    const b = reportFile([
      ['vanilla', 2, 0.9],
      ['none', 2, 0.7],
      ['none', 1, 0.5], // seen in a too, same result: kept once
    ]);
    const m = mergeReports([b, a], ['none', 'vanilla']);
    expect(m.report.rows.map((r) => r.method)).toEqual(['none', 'vanilla']);
    // Without an order, the preset's own list, not b's first appearance (vanilla first).
    expect(mergeReports([b, a]).report.rows.map((r) => r.method)).toEqual(['none', 'vanilla']);
    expect(mergeReports([b, a], []).report.rows.map((r) => r.method)).toEqual(['vanilla', 'none']);
    const none = m.report.rows[0]!;
    expect(none.runs.map((r) => [r.seed, r.best])).toEqual([
      [1, 0.5],
      [2, 0.7],
    ]);
    expect(none.mean).toBeCloseTo(0.6, 12);
    expect(none.sd).toBeCloseTo(Math.sqrt(0.02), 12); // (0.01 + 0.01) / 1
    expect(m.report.rows[1]!.mean).toBeCloseTo(0.8, 12);
    expect(m.report.seeds).toEqual([1, 2]);
    expect(m.report.wallSec).toBe(200);
    expect(m.report.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(m.preset.methods).toEqual(['none', 'vanilla']);
    const md = reportMarkdown(m.report, 'merge');
    // Both seeds gain 20 points: the paired difference has no spread, unlike the means.
    expect(md).toContain(
      '| vanilla | 80.00 ± 14.14 (n = 2) | 70.00 – 90.00 | +20.00 | +20.00 ± 0.00 (n = 2) | s1 70.00, s2 90.00 |',
    );
    expect(md).toContain(
      '| none | 60.00 ± 14.14 (n = 2) | 50.00 – 70.00 |  |  | s1 50.00, s2 70.00 |',
    );
    expect(md).not.toContain('dev curve'); // these runs keep no curve
  });

  it('pairs a method with none over the seeds both have, and lists every curve', () => {
    const f = reportFile([
      ['none', 1, 0.5],
      ['none', 2, 0.8],
      ['vanilla', 2, 0.7],
      ['vanilla', 3, 0.9],
    ]);
    const [none, vanilla] = f.report.rows;
    expect(pairedDeltas(vanilla!, none!).map((d) => +d.toFixed(12))).toEqual([-0.1]); // seed 2 only
    vanilla!.runs[0]!.curve = [
      [30, 0.6],
      [60, 0.7],
    ];
    const md = reportMarkdown(f.report, 'x');
    // The means say +15 points; the one seed both ran says −10.
    expect(md).toContain('| +15.00 | −10.00 ± 0.00 (n = 1) | s2 70.00, s3 90.00 |');
    expect(md).toContain('| run | dev curve |');
    expect(md).toContain('| vanilla, seed 2 | 30: 60.0, 60: 70.0 |');
    expect(md.split('\n').filter((l) => l.includes(', seed ')).length).toBe(1);
    // A difference that rounds to zero has no sign; a NaN best is a dash, not "NaN".
    none!.runs[1]!.best = 0.70001;
    expect(reportMarkdown(f.report, 'x')).toContain('| 0.00 ± 0.00 (n = 1) |');
    vanilla!.runs[0]!.best = NaN;
    expect(reportMarkdown(f.report, 'x')).toContain('| — ± 0.00 (n = 1) |');
  });

  it("keeps the terms that held one value over a run, and lists them as the method's diagnostics", () => {
    const points: { terms: Record<string, number> }[] = [
      { terms: { ce: 0.9, relabelled: 0.125, noiseAfter: 0.21 } },
      { terms: { ce: 0.4, relabelled: 0.125, noiseAfter: 0.21 } },
      { terms: { ce: 0.3, relabelled: 0.125 } }, // noiseAfter missing here: not constant
    ];
    expect(constantTerms(points)).toEqual({ relabelled: 0.125 });
    expect(constantTerms(points.slice(0, 2))).toEqual({ relabelled: 0.125, noiseAfter: 0.21 });
    expect(constantTerms([{ terms: { ce: 1 } }, { terms: { ce: 2 } }])).toBeNull();
    expect(constantTerms([{}, {}])).toBeNull();
    expect(constantTerms([])).toBeNull();
    expect(constantTerms(points.slice(0, 1))).toBeNull(); // one step cannot show a term is constant
    // The last quarter of 8 points is the last 2; a term is averaged over the points that have it.
    const eight = [0, 1, 2, 3, 4, 5, 6, 7].map((i): { terms: Record<string, number> } => ({
      terms: i === 7 ? { ce: 0.2 } : { ce: i / 10, dropped: 0.5 },
    }));
    expect(lateTermMeans(eight)).toEqual({ ce: (0.6 + 0.2) / 2, dropped: 0.5 });
    expect(lateTermMeans(eight.slice(0, 3))).toEqual({ ce: 0.2, dropped: 0.5 }); // the last one
    expect(lateTermMeans([{}, {}])).toBeNull();
    expect(lateTermMeans([])).toBeNull();
    const f = reportFile([
      ['none', 1, 0.5],
      ['vanilla', 1, 0.7],
    ]);
    expect(reportMarkdown(f.report, 'x')).not.toContain('Method diagnostics');
    f.report.rows[1]!.runs[0]!.constants = { relabelled: 0.123456, relabelRight: 0.9 };
    const md = reportMarkdown(f.report, 'x');
    expect(md).toContain('| vanilla, seed 1 | relabelled 0.1235, relabelRight 0.9 |');
    expect(md.split('\n').filter((l) => l.includes(', seed 1 |')).length).toBe(1);
  });

  it('refuses another teacher, another setup, and one run with two results', () => {
    const a = reportFile([['none', 1, 0.5]]);
    expect(() => mergeReports([a, reportFile([['none', 2, 0.5]], 0.8)])).toThrow(/another teacher/);
    const b = reportFile([['none', 2, 0.5]]);
    b.preset.train = { ...b.preset.train, steps: 61 };
    expect(() => mergeReports([a, b])).toThrow(/another setup/);
    const cased = reportFile([['none', 2, 0.5]]);
    cased.preset.tokenizer = { ...cased.preset.tokenizer, lowercase: false };
    expect(() => mergeReports([a, cased])).toThrow(/another setup/);
    // A run with the saved teacher loaded tokenises with its vocabulary ('provided'): same table.
    const loaded = reportFile([['none', 2, 0.7]]);
    loaded.preset.tokenizer = { ...loaded.preset.tokenizer, vocab: 'provided', vocabSize: 403 };
    loaded.report.teacher!.loadedFrom = 'reports/teacher';
    const m = mergeReports([loaded, a]);
    expect(m.report.rows[0]!.runs.map((r) => r.seed)).toEqual([1, 2]);
    expect(m.report.teacher!.loadedFrom).toBeNull(); // the trained teacher's header is kept
    expect(() => mergeReports([a, reportFile([['none', 1, 0.6]])])).toThrow(
      /none, seed 1 has two different results/,
    );
  });

  it('merges a run without a teacher into one with a teacher, and refuses another vocabulary', () => {
    const a = reportFile([['vanilla', 1, 0.7]]);
    a.report.vocab = { size: 403, hash: '0badcafe' };
    const alone = reportFile([['none', 1, 0.5]]);
    alone.report.teacher = null; // a run of 'none' alone trains no teacher
    alone.report.vocab = { size: 403, hash: '0badcafe' };
    const back = parseExperimentFile(JSON.stringify(alone), 'alone.json');
    expect(back.report.teacher).toBeNull();
    for (const files of [
      [back, a],
      [a, back],
    ]) {
      const m = mergeReports(files, ['none', 'vanilla']);
      expect(m.report.rows.map((r) => r.method)).toEqual(['none', 'vanilla']);
      expect(m.report.teacher).toMatchObject({ params: 5678, dev: 0.9 }); // the run that had one
      expect(m.report.vocab).toEqual({ size: 403, hash: '0badcafe' });
    }
    expect(reportMarkdown(back.report, 'x')).toContain(
      '- teacher: none (no method of this run uses one)',
    );
    const other = reportFile([['none', 2, 0.5]]);
    other.report.teacher = null;
    other.report.vocab = { size: 403, hash: '12345678' };
    expect(() => mergeReports([a, other])).toThrow(
      /another vocabulary \(403 tokens, hash 12345678/,
    );
  });

  it('merges a teacher-less run of another preset with the same student setup, and only that', () => {
    const a = reportFile([['vanilla', 1, 0.7]]);
    // 'none' and 'swa' of a preset that differs from a's in the teacher alone: no teacher trained.
    const alone = reportFile([
      ['none', 1, 0.5],
      ['swa', 1, 0.55],
    ]);
    alone.report.teacher = null;
    alone.report.preset = 'smoke-big-teacher';
    alone.preset.teacher = {
      ...alone.preset.teacher,
      train: { ...alone.preset.teacher.train, steps: 999 },
    } as ExperimentPreset['teacher'];
    alone.preset.teacherTask = { source: 'embedded', seed: 2, trainSize: 900, devSize: 200 };
    for (const files of [
      [alone, a],
      [a, alone],
    ]) {
      const m = mergeReports(files); // rows in the order of the teacher's preset, 'smoke'
      expect(m.report.preset).toBe('smoke');
      expect(m.preset.teacher).toEqual(a.preset.teacher); // the teacher's preset, not alone's
      expect(m.preset.teacherTask).toBeUndefined();
      expect(m.report.rows.map((r) => [r.method, r.mean])).toEqual([
        ['none', 0.5],
        ['vanilla', 0.7],
        ['swa', 0.55],
      ]);
    }
    // With a teacher, another preset is another table.
    const taught = reportFile([['none', 2, 0.5]]);
    taught.report.preset = 'smoke-big-teacher';
    expect(() => mergeReports([a, taught])).toThrow(/is preset 'smoke-big-teacher', not 'smoke'/);
    // Without one, the student's setup must still be the same: task, student, training.
    const wider = structuredClone(alone);
    wider.preset.student = { ...wider.preset.student, hidden: 48 };
    expect(() => mergeReports([a, wider])).toThrow(/another student setup than preset 'smoke'/);
    const longer = structuredClone(alone);
    longer.preset.train = { ...longer.preset.train, steps: 61 };
    expect(() => mergeReports([longer, a])).toThrow(/another student setup/);
    const task = structuredClone(alone);
    task.preset.task = { ...task.preset.task, trainSize: 700 } as ExperimentPreset['task'];
    expect(() => mergeReports([a, task])).toThrow(/another student setup/);
  });

  it('parses its own JSON back and says what is wrong with a file that is not a report', () => {
    const a = reportFile([['none', 1, 0.5]], NaN);
    a.report.rows[0]!.runs[0]!.constants = { relabelled: 0.25 };
    const back = parseExperimentFile(JSON.stringify(a), 'a.json');
    expect(back.report.teacher!.dev).toBeNaN(); // JSON wrote NaN as null
    expect(back.report.rows[0]!.runs[0]!.constants).toEqual({ relabelled: 0.25 });
    expect(mergeReports([back, back]).report.rows[0]!.runs).toHaveLength(1);
    expect(() => parseExperimentFile('{', 'x.json')).toThrow(/x.json is not JSON/);
    expect(() => parseExperimentFile('{"command": "c"}', 'y.json')).toThrow(
      /y.json is not an experiment report.*preset/,
    );
    const bad = structuredClone(a) as unknown as { report: { rows: { method: string }[] } };
    bad.report.rows[0]!.method = 'nope';
    expect(() => parseExperimentFile(JSON.stringify(bad), 'z.json')).toThrow(
      /unknown method 'nope'/,
    );
  });
});

describe('presets', () => {
  it('every experiment preset gives valid run configs for every method it lists', () => {
    for (const [name, p] of Object.entries(EXPERIMENT_PRESETS)) {
      for (const m of p.methods) {
        const c = methodConfig(p, p.overrides?.[m] ?? METHOD_PRESETS[m], p.seeds[0]!);
        c.kd = { ...c.kd!, teacher: p.teacher };
        expect([name, m, validateRunConfig(c)]).toEqual([name, m, []]);
      }
    }
  });
});

/** A toy preset: students of `steps` steps, a teacher of `teacherSteps`, footprints every n. */
function toyPreset(
  steps: number,
  teacherSteps: number,
  footprintEvery: number,
  methods: ExperimentPreset['methods'],
  seeds: number[],
): ExperimentPreset {
  return {
    description: 'toy',
    task: { source: 'embedded', seed: 1 },
    tokenizer: { vocab: 'build', vocabSize: 120, lowercase: true, maxLen: 16 },
    student: TOY_STUDENT,
    train: toyTrain(steps),
    teacher: {
      source: 'train',
      model: TOY_TEACHER,
      train: toyTrain(teacherSteps, 9),
      footprintEvery,
    },
    methods,
    seeds,
  };
}

describe('runExperiment (wasm)', () => {
  const preset = toyPreset(60, 60, 0, ['none', 'vanilla'], [1, 2]);
  const data = toyTask(3, 400, 80);
  let withTeacher: ExperimentReport | null = null;

  it('trains one teacher, runs each method for each seed, and tabulates', async () => {
    const tensors = tf.memory().numTensors;
    const partial: number[] = [];
    const r = await runExperiment('toy', preset, data, {
      backend: 'wasm',
      onReport: (x) => partial.push(x.rows.length),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    // Seed-major: after each run the table holds every method seen so far.
    expect(partial).toEqual([1, 2, 2, 2]);
    expect(r.teacher!.dev).toBeGreaterThan(0.9);
    expect(r.rows.map((x) => [x.method, x.runs.map((y) => y.seed)])).toEqual([
      ['none', [1, 2]],
      ['vanilla', [1, 2]],
    ]);
    for (const row of r.rows) {
      expect(row.mean).toBeCloseTo(summarise(row.runs.map((x) => x.best)).mean, 12);
      // Each run keeps its dev curve, which its best and final come from.
      for (const run of row.runs) {
        const curve = run.curve!;
        expect(curve.map(([step]) => step)).toEqual([30, 60]);
        expect(Math.max(...curve.map(([, m]) => m))).toBe(run.best);
        expect(curve.find(([step]) => step === run.bestStep)![1]).toBe(run.best);
        expect(curve.at(-1)![1]).toBe(run.final);
      }
      expect(row.max).toBeGreaterThan(0.9); // a plumbing test: the toy runs are on a knife edge
      // Vanilla KD's loss has terms (ce, kd), so its runs keep their late means.
      for (const run of row.runs) {
        if (row.method === 'vanilla') expect(Object.keys(run.lateTerms!)).toContain('kd');
      }
    }
    const md = reportMarkdown(r, 'npm run experiment -- toy');
    expect(md).toContain('| method | dev accuracy (%) mean ± sd |');
    expect(
      md.split('\n').filter((l) => l.startsWith('| none |') || l.startsWith('| vanilla |')).length,
    ).toBe(2);
    expect(
      md.split('\n').filter((l) => /^\| (none|vanilla), seed [12] \| 30: /.test(l)).length,
    ).toBe(4);
    withTeacher = r;
  });

  it('trains no teacher when no method uses one, and its rows merge with the run that had one', async () => {
    expect(withTeacher).not.toBeNull();
    const alone = { ...preset, methods: ['none' as const], seeds: [2] };
    const said: string[] = [];
    const tensors = tf.memory().numTensors;
    const r = await runExperiment('toy', alone, data, {
      backend: 'wasm',
      onProgress: (m) => said.push(m),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r.teacher).toBeNull();
    expect(said).toContain('teacher: none (no method of this run uses one)');
    expect(r.vocab).toEqual(withTeacher!.vocab);
    // The same student run as in the experiment that trained a teacher (seeded, same data).
    const none2 = withTeacher!.rows[0]!.runs.find((x) => x.seed === 2)!;
    expect(r.rows[0]!.runs[0]!.best).toBe(none2.best);
    const m = mergeReports(
      [
        { command: 'alone', preset: alone, report: r },
        { command: 'with', preset, report: withTeacher! },
      ],
      preset.methods,
    );
    expect(m.report.teacher).toEqual(withTeacher!.teacher);
    expect(m.report.rows.map((x) => x.runs.length)).toEqual([2, 2]);
  });
});

describe('a saved teacher (wasm)', () => {
  const preset = toyPreset(30, 40, 10, ['vanilla', 'pro-kd'], [1]);
  const data = toyTask(3, 400, 80);

  it('saved with --save-teacher and loaded with --teacher gives the same table, footprints and all', async () => {
    const tensors = tf.memory().numTensors;
    let files: Map<string, Uint8Array | string> | null = null;
    const first = await runExperiment('toy', preset, data, {
      backend: 'wasm',
      onTeacherTrained: async (t, tokenizer, wallSec) => {
        files = await teacherToFiles(t, tokenizer, wallSec);
      },
    });
    expect([...files!.keys()].sort()).toEqual([
      'config.json',
      'footprint-10.safetensors',
      'footprint-20.safetensors',
      'footprint-30.safetensors',
      'footprint-40.safetensors',
      'model.safetensors',
      'teacher.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    const loaded = await teacherFromFiles(filesFromMap(files!, 'saved'));
    expect(loaded.bundle.footprints.map((f) => f.step)).toEqual([10, 20, 30, 40]);
    expect(loaded.bundle.dev?.main).toBe(first.teacher!.dev);
    const t = withTeacherVocab(preset, data, loaded);
    expect(t.tokenizer).toMatchObject({ vocab: 'provided', lowercase: true });
    const again = await runExperiment('toy', { ...preset, tokenizer: t.tokenizer }, t.data, {
      backend: 'wasm',
      teacher: { bundle: loaded.bundle, wallSec: loaded.wallSec, from: 'saved' },
    });
    expect(again.teacher).toMatchObject({ dev: first.teacher!.dev, loadedFrom: 'saved', steps: 0 });
    // The saved vocabulary is the one the first run built: the reports may share a table.
    expect(again.vocab).toEqual(first.vocab);
    expect(again.rows.map((r) => r.runs.map((x) => x.best))).toEqual(
      first.rows.map((r) => r.runs.map((x) => x.best)),
    );
    expect(reportMarkdown(again, 'x')).toContain('loaded from saved');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses a teacher.json that is not its format and a missing footprint, and frees the model', async () => {
    const tensors = tf.memory().numTensors;
    const t = teacherBundle(
      bertModel(bertConfig(TOY_TEACHER, 50, 2), initBertParams(bertConfig(TOY_TEACHER, 50, 2), 1)),
    );
    const files = await teacherToFiles(
      t,
      { vocab: Array.from({ length: 50 }, (_, i) => `w${i}`), lowercase: true },
      1,
    );
    disposeTeacher(t);
    const bad = new Map(files);
    bad.set('teacher.json', '{"format":"other"}');
    await expect(teacherFromFiles(filesFromMap(bad, 'd'))).rejects.toThrow(
      /d\/teacher.json: format/,
    );
    const gone = new Map(files);
    gone.set(
      'teacher.json',
      JSON.stringify({
        format: 'distillery-teacher',
        version: 1,
        dev: null,
        wallSec: null,
        footprints: [5],
      }),
    );
    await expect(teacherFromFiles(filesFromMap(gone, 'd'))).rejects.toThrow(
      'd/footprint-5.safetensors: not found',
    );
    expect(() => withTeacherVocab(preset, data, { vocab: null, lowercase: null })).toThrow(
      /no vocabulary/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('a teacher ensemble (wasm)', () => {
  const single = toyPreset(30, 40, 20, ['vanilla', 'pro-kd'], [1]);
  const preset: ExperimentPreset = { ...single, teacher: { ...single.teacher, ensemble: 2 } };
  const data = toyTask(3, 400, 80);

  /** The teacher files a run trains and saves (`--teacher-only --save-teacher`: no student). */
  async function trainedFiles(p: ExperimentPreset): Promise<Map<string, Uint8Array | string>> {
    let files: Map<string, Uint8Array | string> | null = null;
    const r = await runExperiment('toy', { ...p, methods: [] }, data, {
      backend: 'wasm',
      onTeacherTrained: async (t, tokenizer, wallSec) => {
        files = await teacherToFiles(t, tokenizer, wallSec);
      },
    });
    expect(r.rows).toEqual([]);
    return files!;
  }

  it('saves as its members, reloads, and equals its members trained apart and loaded together', async () => {
    const tensors = tf.memory().numTensors;
    let files: Map<string, Uint8Array | string> | null = null;
    const trained = await runExperiment('toy', preset, data, {
      backend: 'wasm',
      onTeacherTrained: async (t, tokenizer, wallSec) => {
        files = await teacherToFiles(t, tokenizer, wallSec);
      },
    });
    expect(trained.teacher!.ensemble).toBe(2);
    expect(reportMarkdown(trained, 'x')).toContain('an ensemble of 2 2×32 BERTs');
    const names = [...files!.keys()].sort();
    expect(names).toContain('member-2-model.safetensors');
    expect(names.filter((n) => !n.startsWith('member-'))).toEqual([
      'footprint-20.safetensors',
      'footprint-40.safetensors',
      'teacher.json',
    ]);
    // No weights of its own: a loader that does not know ensembles cannot take member 1 for it.
    expect(files!.has('model.safetensors')).toBe(false);

    // Read back: the same ensemble (dev result, footprints, every student run).
    const loaded = await teacherFromFiles(filesFromMap(files!, 'saved'));
    expect(loaded.bundle.members!.length).toBe(2);
    expect(loaded.bundle.dev!.main).toBe(trained.teacher!.dev);
    expect(loaded.bundle.footprints.map((f) => f.step)).toEqual([20, 40]);
    const rerun = async (t: LoadedTeacherFiles, from: string) => {
      const v = withTeacherVocab(preset, data, t);
      return runExperiment('toy', { ...preset, tokenizer: v.tokenizer }, v.data, {
        backend: 'wasm',
        teacher: { bundle: t.bundle, wallSec: t.wallSec, from },
      });
    };
    const again = await rerun(loaded, 'saved');
    const bests = (r: ExperimentReport) => r.rows.map((x) => x.runs.map((y) => y.best));
    expect(bests(again)).toEqual(bests(trained));
    expect(again.teacher).toMatchObject({ ensemble: 2, params: trained.teacher!.params });
    // `--teacher DIR --teacher-only`: no student, the loaded teacher evaluated on dev alone.
    const bare = await teacherFromFiles(filesFromMap(files!, 'saved'));
    bare.bundle.dev = null;
    const v = withTeacherVocab(preset, data, bare);
    const judged = await runExperiment(
      'toy',
      { ...preset, tokenizer: v.tokenizer, methods: [] },
      v.data,
      { backend: 'wasm', teacher: { bundle: bare.bundle, wallSec: null, from: 'saved' } },
    );
    expect(judged.rows).toEqual([]);
    expect(judged.teacher!.dev).toBe(trained.teacher!.dev);

    // Its members trained in two runs (teacher seeds 9 and 10, one teacher each), then loaded
    // together: the same teacher, so the same table (how the CLI splits an ensemble's training).
    const member = (seed: number) =>
      trainedFiles({
        ...preset,
        teacher: { ...preset.teacher, ensemble: 1, train: { ...preset.teacher.train, seed } },
      });
    const parts = [
      await teacherFromFiles(filesFromMap(await member(9), 'm1')),
      await teacherFromFiles(filesFromMap(await member(10), 'm2')),
    ];
    const together = ensembleTeacher(parts);
    expect(together.bundle.dev).toBeNull(); // the first student run evaluates it
    const apart = await rerun(together, 'm1,m2');
    expect(apart.teacher!.dev).toBe(trained.teacher!.dev);
    expect(bests(apart)).toEqual(bests(trained));
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses members that tokenise differently or predict another label count', async () => {
    const tensors = tf.memory().numTensors;
    const part = (vocab: number, labels: number, word = 'w'): LoadedTeacherFiles => {
      const c = bertConfig(TOY_TEACHER, vocab, labels);
      return {
        bundle: teacherBundle(bertModel(c, initBertParams(c, 1))),
        vocab: Array.from({ length: vocab }, (_, i) => `${word}${i}`),
        lowercase: true,
        wallSec: 1,
      };
    };
    const cases: [LoadedTeacherFiles[], RegExp][] = [
      [[part(50, 2), part(50, 2, 'x')], /teacher 2 of the ensemble has another vocabulary/],
      [[part(50, 2), { ...part(50, 2), lowercase: false }], /another casing/],
      [[part(50, 2), part(50, 3)], /teacher 2 of the ensemble has 3 labels, teacher 1 has 2/],
    ];
    for (const [parts, message] of cases) {
      expect(() => ensembleTeacher(parts)).toThrow(message);
      parts.forEach((p) => disposeTeacher(p.bundle));
    }
    expect(() => ensembleTeacher([])).toThrow(/at least one/);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('a teacher with its own training data (wasm)', () => {
  const preset = toyPreset(30, 40, 0, ['vanilla'], [1]);
  const data = toyTask(3, 400, 80);
  // More labelled text for the teacher, with a word the students' vocabulary lacks.
  const more = toyTask(4, 400, 0).train.map((e) => ({ ...e, a: `${e.a} zyzzyva` }));
  const teacherData = { ...data, train: [...data.train, ...more] };

  it("trains on it with the students' vocabulary, and is refused without it", async () => {
    const tensors = tf.memory().numTensors;
    const seen: { vocab: readonly string[]; loss: number }[] = [];
    const run = (p: ExperimentPreset, own?: typeof teacherData) =>
      runExperiment('toy', p, data, {
        backend: 'wasm',
        ...(own ? { teacherData: own } : {}),
        onTeacherTrained: async (t, tokenizer) => {
          seen.push({ vocab: tokenizer.vocab, loss: t.dev!.loss });
        },
      });
    const plain = await run(preset);
    const withOwn = await run(
      { ...preset, teacherTask: { source: 'embedded', seed: 4 } },
      teacherData,
    );
    // One id space: the students' vocabulary (built from their 400 rows) tokenised the teacher's.
    expect(withOwn.vocab).toEqual(plain.vocab);
    expect(seen[1]!.vocab).toEqual(seen[0]!.vocab);
    expect(seen[0]!.vocab).not.toContain('zyzzyva');
    // Another teacher (it saw 800 rows), still a good one, and the students ran from it.
    expect(seen[1]!.loss).not.toBe(seen[0]!.loss);
    expect(withOwn.teacher!.dev).toBeGreaterThan(0.9);
    expect(withOwn.rows[0]!.runs).toHaveLength(1);
    await expect(run({ ...preset, teacherTask: { source: 'embedded', seed: 4 } })).rejects.toThrow(
      /teacherTask\): pass teacherData/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
