// URL state: decode(encode(c)) equals c for the defaults, for hand-picked configs and for
// fast-check-generated valid configs (KD methods, teachers, students included); only the diff from
// the defaults is written, the seed always; bad keys and values are reported, never dropped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KD_DEFAULTS } from '../kd/defaults';
import { glitterAddonDefaults } from './kd-methods';
import { defaultRunConfig } from './defaults';
import { MODEL_PRESETS, modelPreset } from './presets';
import type { RunConfig } from './run-config';
import {
  decodeRunConfig,
  decodeUrlState,
  encodeRunConfig,
  encodeUrlState,
  mergeDiff,
  mergePatch,
  runsOfUrlState,
  URL_FIELDS,
} from './url';
import { parseRunConfig, validateRunConfig } from './validate';

function roundTrip(c: RunConfig): RunConfig | null {
  const text = encodeRunConfig(c).toString();
  const back = decodeRunConfig(new URLSearchParams(text));
  expect(back.problems).toEqual([]);
  return back.config;
}

describe('encodeRunConfig / decodeRunConfig', () => {
  it('encodes the defaults as the seed alone, and decodes that back to the defaults', () => {
    const c = defaultRunConfig();
    expect(encodeRunConfig(c).toString()).toBe('seed=1');
    expect(decodeRunConfig(new URLSearchParams('seed=1'))).toEqual({
      config: c,
      problems: [],
      hasRunKeys: true,
    });
    expect(decodeRunConfig(new URLSearchParams('')).config).toEqual(c);
  });

  it('writes only what differs: a learning rate, steps and a seed', () => {
    const c = defaultRunConfig();
    c.train.lr = 3e-4;
    c.train.steps = 50;
    c.train.seed = 7;
    expect(encodeRunConfig(c).toString()).toBe('seed=7&steps=50&lr=0.0003');
    expect(roundTrip(c)).toEqual(c);
  });

  it('an architecture preset sets the architecture; edits on top of it are written as such', () => {
    const c = defaultRunConfig();
    c.preset = 'bert-L4-H256';
    c.model = modelPreset('bert-L4-H256')!;
    expect(encodeRunConfig(c).toString()).toBe('seed=1&arch=bert-L4-H256');
    c.model.hiddenDropout = 0;
    expect(encodeRunConfig(c).toString()).toBe('seed=1&arch=bert-L4-H256&dropout=0');
    expect(roundTrip(c)).toEqual(c);
  });

  it('KD: the method kind plus a merge patch on its paper defaults; the teacher on the run', () => {
    const c = defaultRunConfig();
    c.kd = {
      method: { ...KD_DEFAULTS.vanilla, alpha: 0.25 },
      teacher: {
        source: 'train',
        model: modelPreset('bert-L4-H256')!,
        train: { ...c.train, steps: 600 },
        footprintEvery: 0,
      },
    };
    const p = encodeRunConfig(c);
    expect(p.get('kd')).toBe('vanilla');
    expect(JSON.parse(p.get('kd.params')!)).toEqual({ alpha: 0.25 });
    expect(p.get('teacher')).toBe('train');
    expect(JSON.parse(p.get('teacher.params')!)).toEqual({
      // The preset's dropout 0.1 differs from the default run's 0.
      model: {
        layers: 4,
        hidden: 256,
        heads: 4,
        intermediate: 1024,
        hiddenDropout: 0.1,
        attentionDropout: 0.1,
      },
      train: { steps: 600 },
    });
    expect(roundTrip(c)).toEqual(c);
  });

  it('every KD method at its defaults is just its kind', () => {
    for (const [kind, method] of Object.entries(KD_DEFAULTS)) {
      const c = defaultRunConfig();
      c.kd = { method: structuredClone(method), teacher: { source: 'provided' } };
      const p = encodeRunConfig(c);
      expect(p.get('kd'), kind).toBe(kind);
      expect(p.has('kd.params'), kind).toBe(false);
      expect(roundTrip(c), kind).toEqual(c);
    }
  });

  it('task sources, including names with commas, ampersands and non-ASCII text', () => {
    const tasks: RunConfig['task'][] = [
      { source: 'embedded', seed: 42 },
      { source: 'file', task: 'sst2', files: ['a,b & c.tsv', 'dév=1.tsv'] },
      {
        source: 'url',
        task: 'own',
        trainUrl: 'https://x.test/t.tsv?a=1&b=2#f',
        devUrl: 'https://x.test/d.tsv',
      },
      { source: 'hub', task: 'sst2', dataset: 'nyu-mll/glue', config: '' },
    ];
    for (const task of tasks) {
      const c = { ...defaultRunConfig(), task, name: 'Ünïcode & spaces + plus' };
      expect(roundTrip(c)).toEqual(c);
    }
  });

  it('keeps tiny, huge and long numbers exactly', () => {
    const c = defaultRunConfig();
    c.train.warmup = 0.30000000000000004;
    c.train.lr = 1e-7 / 3;
    c.train.clipNorm = 1e300;
    expect(roundTrip(c)).toStrictEqual(c);
  });

  it('removing the KD block and the student when defaults would have them: "-"', () => {
    const c = defaultRunConfig();
    c.student = { kind: 'bilstm', embed: 32, hidden: 16, dropout: 0 };
    const p = encodeRunConfig(c);
    expect(p.get('student')).toBe('bilstm');
    expect(JSON.parse(p.get('student.params')!)).toEqual({ embed: 32, hidden: 16, dropout: 0 });
    p.set('student', '-');
    p.delete('student.params');
    expect(decodeRunConfig(p).config).toEqual(defaultRunConfig());
  });
});

describe('problems are reported, not dropped', () => {
  it('unknown keys, repeated keys and unparsable values; the rest still applies', () => {
    const r = decodeRunConfig(new URLSearchParams('seed=3&lrr=0.1&steps=ten&batch=8&batch=16'));
    expect(r.config?.train.seed).toBe(3);
    expect(r.config?.train.batchSize).toBe(16);
    expect(r.config?.train.steps).toBe(defaultRunConfig().train.steps);
    expect(r.problems).toEqual([
      { key: 'lrr', value: '0.1', message: "unknown URL key 'lrr' (ignored)" },
      {
        key: 'batch',
        value: '16',
        message: "'batch' is given more than once; the last one counts",
      },
      { key: 'steps', value: 'ten', message: "'ten' is not a number" },
    ]);
  });

  it('validation errors come back under the key that sets the field, and no config', () => {
    const r = decodeRunConfig(new URLSearchParams('seed=1&steps=1.5&lr=0'));
    expect(r.config).toBeNull();
    expect(r.problems.map((p) => [p.key, p.value])).toEqual([
      ['steps', '1.5'],
      ['lr', '0'],
    ]);
    expect(r.problems[0]?.message).toMatch(/^train\.steps: .*int/);
    // Cross-field rules run once the shapes are right.
    const cross = decodeRunConfig(new URLSearchParams('hidden=100&heads=3'));
    expect(cross.config).toBeNull();
    expect(cross.problems).toEqual([
      {
        key: 'hidden',
        value: '100',
        message: 'model.hidden: model.hidden (100) must be divisible by model.heads (3)',
      },
    ]);
  });

  it('a teacher without a KD method, bad JSON, an unknown kind', () => {
    const r = decodeRunConfig(
      new URLSearchParams('teacher=train&kd=magic&student=textcnn&student.params={oops'),
    );
    expect(r.problems.map((p) => [p.key, p.message])).toEqual([
      ['kd', expect.stringContaining("'magic' is not one of none, vanilla")],
      ['teacher', 'a teacher needs a KD method: give kd first'],
      ['student.params', expect.stringContaining('not valid JSON')],
    ]);
    expect(r.config?.student).toEqual({
      kind: 'textcnn',
      embed: 128,
      filters: 100,
      widths: [3, 4, 5],
      dropout: 0.5,
    });
  });

  it('a method that needs a teacher but has none fails validation under kd/teacher', () => {
    const r = decodeRunConfig(new URLSearchParams('kd=vanilla'));
    expect(r.config).toBeNull();
    expect(r.problems).toEqual([
      {
        key: 'teacher',
        message: "kd.teacher: kd.method 'vanilla' distils from a teacher: set kd.teacher",
      },
    ]);
  });
});

describe('demo flags', () => {
  it('decodes preset, presenter and theme; reports bad ones', () => {
    const s = decodeUrlState('?preset=annealing-vs-vanilla&presenter=1&theme=dark');
    expect(s.demo).toEqual({
      preset: 'annealing-vs-vanilla',
      run: 1,
      presenter: true,
      theme: 'dark',
    });
    expect(s.problems).toEqual([]);
    expect(s.hasRunKeys).toBe(false);
    const bad = decodeUrlState('preset=nope&presenter=yes&theme=blue');
    expect(bad.demo).toEqual({ preset: null, run: 1, presenter: false, theme: null });
    expect(bad.problems.map((p) => p.key)).toEqual(['preset', 'presenter', 'theme']);
  });

  it('run picks a run of the preset (1-based); out of range or without a preset is reported', () => {
    expect(decodeUrlState('preset=vanilla-vs-none&run=2').demo.run).toBe(2);
    const over = decodeUrlState('preset=vanilla-vs-none&run=3');
    expect(over.demo.run).toBe(1);
    expect(over.problems).toEqual([
      { key: 'run', value: '3', message: "'3' is not a run of vanilla-vs-none (1 to 2)" },
    ]);
    expect(decodeUrlState('preset=vanilla-vs-none&run=1.5').problems.map((p) => p.key)).toEqual([
      'run',
    ]);
    const alone = decodeUrlState('run=2');
    expect(alone.demo.run).toBe(1);
    expect(alone.problems[0]?.message).toMatch(/give preset too/);
    expect(encodeUrlState({ demo: { preset: 'vanilla-vs-none', run: 2 } }).toString()).toBe(
      'preset=vanilla-vs-none&run=2',
    );
    expect(encodeUrlState({ demo: { preset: 'vanilla-vs-none', run: 1 } }).toString()).toBe(
      'preset=vanilla-vs-none',
    );
  });

  it('with a preset, run keys other than seed are reported as ignored', () => {
    const s = decodeUrlState('preset=vanilla-vs-none&seed=3&lr=0.1');
    expect(s.problems).toEqual([
      {
        key: 'lr',
        value: '0.1',
        message: "'lr' is ignored with a demo preset (only seed applies to its runs)",
      },
    ]);
    expect(runsOfUrlState(s).every((r) => r.train.seed === 3 && r.train.lr !== 0.1)).toBe(true);
  });

  it('encodes flags after the run keys and leaves defaults out', () => {
    expect(encodeUrlState({ demo: { presenter: true } }).toString()).toBe('presenter=1');
    const c = defaultRunConfig();
    expect(encodeUrlState({ config: c, demo: { theme: 'dark' } }).toString()).toBe(
      'seed=1&theme=dark',
    );
  });

  it("a preset's runs take the URL's seed when it has one", () => {
    const plain = runsOfUrlState(decodeUrlState('preset=vanilla-vs-none'));
    expect(plain.length).toBeGreaterThan(1);
    const seeded = runsOfUrlState(decodeUrlState('preset=vanilla-vs-none&seed=9'));
    expect(seeded.map((r) => r.train.seed)).toEqual(plain.map(() => 9));
    expect(seeded.map((r) => r.name)).toEqual(plain.map((r) => r.name));
    expect(runsOfUrlState(decodeUrlState('seed=4'))).toEqual([
      { ...defaultRunConfig(), train: { ...defaultRunConfig().train, seed: 4 } },
    ]);
  });
});

describe('merge patches', () => {
  it('diff then patch gives the value back; null deletes', () => {
    const base = { a: 1, b: { c: 2, d: [1, 2] }, e: 'x' };
    const value = { a: 1, b: { c: 3, d: [1, 2] }, f: true };
    const d = mergeDiff(value, base);
    expect(d).toEqual({ b: { c: 3 }, f: true, e: null });
    expect(mergePatch(base, d)).toEqual(value);
    expect(mergeDiff(base, structuredClone(base))).toBeUndefined();
  });
});

// --- fast-check: arbitrary valid run configs --------------------------------------------------

const text = fc.string({ unit: 'grapheme', maxLength: 16 });
const nonEmpty = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 });
/** Doubles in [min, max], -0 made +0 (JSON, and so the URL, has no -0). */
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => x + 0);
const unitDouble = dbl(0, 1);
const below1 = dbl(0, 0.999);
const positive = dbl(1e-9, 1);

const arch = fc
  .record({
    layers: fc.integer({ min: 1, max: 6 }),
    heads: fc.integer({ min: 1, max: 8 }),
    headDim: fc.integer({ min: 1, max: 32 }),
    intermediate: fc.integer({ min: 8, max: 512 }),
    hiddenDropout: dbl(0, 0.9),
    attentionDropout: fc.constantFrom(0, 0.1, 0.5),
  })
  .filter((a) => a.heads * a.headDim >= 8)
  .map(({ headDim, ...a }) => ({ ...a, hidden: a.heads * headDim }));

const train = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  batchSize: fc.integer({ min: 1, max: 512 }),
  steps: fc.integer({ min: 1, max: 10_000_000 }),
  lr: positive,
  warmup: unitDouble,
  weightDecay: unitDouble,
  beta1: below1,
  beta2: below1,
  epsilon: positive,
  clipNorm: dbl(0, 1e9),
  evalEvery: fc.integer({ min: 1, max: 5000 }),
  deterministic: fc.boolean(),
  groupByLength: fc.boolean(),
});

const task = fc.oneof(
  fc.record({ source: fc.constant('embedded'), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
  fc.record({
    source: fc.constant('file'),
    task: nonEmpty,
    files: fc.array(text, { maxLength: 3 }),
  }),
  fc.record({ source: fc.constant('url'), task: nonEmpty, trainUrl: nonEmpty, devUrl: nonEmpty }),
  fc.record({ source: fc.constant('hub'), task: nonEmpty, dataset: nonEmpty, config: text }),
);

/** A JSON value like `v` with some numbers and flags changed (the result is validated later). */
function perturb(v: unknown): fc.Arbitrary<unknown> {
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? fc.oneof(fc.constant(v), fc.integer({ min: 1, max: 40 }))
      : fc.oneof(fc.constant(v), dbl(0.01, 0.99));
  }
  if (typeof v === 'boolean') return fc.boolean();
  if (Array.isArray(v) || typeof v !== 'object' || v === null) return fc.constant(v);
  const entries = Object.entries(v).map(([k, x]) => [k, perturb(x)] as const);
  return fc.record(Object.fromEntries(entries));
}

const method = fc.constantFrom(...Object.values(KD_DEFAULTS)).chain((m) => perturb(m));

const teacher = fc.oneof(
  fc.constant({ source: 'provided' }),
  fc.record(
    {
      source: fc.constant('train'),
      model: arch,
      train,
      footprintEvery: fc.integer({ min: 0, max: 100 }),
      mlm: fc.record({
        steps: fc.integer({ min: 1, max: 100 }),
        lr: positive,
        batchSize: fc.integer({ min: 1, max: 64 }),
        maskProb: dbl(0.01, 0.9),
      }),
    },
    { requiredKeys: ['source', 'model', 'train', 'footprintEvery'] },
  ),
);

const kd = fc
  .record(
    {
      method,
      teacher,
      swa: fc.record({
        start: dbl(0, 2),
        every: fc.integer({ min: 1, max: 50 }),
        lrScale: dbl(0, 2),
      }),
      labelNoise: fc.record({
        kind: fc.constantFrom('uniform', 'class-conditional'),
        rate: below1,
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
      glitter: fc
        .tuple(perturb(glitterAddonDefaults()), fc.constantFrom('kd', 'consistency'))
        .map(([g, setup]) => ({ ...(g as object), setup })),
    },
    { requiredKeys: ['method'] },
  )
  .map((k) => {
    // The add-on is refused on the Glitter method: drop it there rather than lose the sample.
    if ((k.method as { kind: string }).kind !== 'glitter' || !('glitter' in k)) return k;
    const { glitter: _g, ...rest } = k;
    return rest;
  });

const factor = fc.option(
  fc.record({
    m1: fc.constantFrom(1, 2, 4),
    n1: fc.constantFrom(1, 2, 4),
    sums: fc.integer({ min: 1, max: 3 }),
  }),
  { nil: null },
);

const student = fc.oneof(
  fc.constant({ kind: 'bert' }),
  fc.record({
    kind: fc.constant('kron-bert'),
    factors: fc.record({
      embedding: fc.option(fc.record({ n: fc.constantFrom(1, 2), sums: fc.constant(1) }), {
        nil: null,
      }),
      attention: factor,
      ffnUp: factor,
      ffnDown: factor,
    }),
    init: fc.constantFrom('nkp', 'random'),
  }),
  fc.record({
    kind: fc.constant('textcnn'),
    embed: fc.integer({ min: 8, max: 64 }),
    filters: fc.integer({ min: 1, max: 64 }),
    widths: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    dropout: dbl(0, 0.9),
  }),
  fc.record({
    kind: fc.constant('bilstm'),
    embed: fc.integer({ min: 8, max: 64 }),
    hidden: fc.integer({ min: 8, max: 64 }),
    dropout: fc.constantFrom(0, 0.25),
  }),
);

const presetName = fc.constantFrom('custom', 'bert-tiny', ...Object.keys(MODEL_PRESETS));

/** Valid RunConfigs: generated as plain data, kept when validateRunConfig accepts them. */
const runConfig: fc.Arbitrary<RunConfig> = fc
  .record(
    {
      schema: fc.constant(1),
      name: text,
      task,
      tokenizer: fc.record({
        vocab: fc.constantFrom('build', 'provided'),
        vocabSize: fc.integer({ min: 100, max: 60000 }),
        lowercase: fc.boolean(),
        maxLen: fc.integer({ min: 8, max: 512 }),
      }),
      preset: presetName,
      model: arch,
      train,
      backend: fc.constantFrom('auto', 'webgpu', 'webgl', 'wasm', 'cpu'),
      kd,
      student,
    },
    {
      requiredKeys: ['schema', 'name', 'task', 'tokenizer', 'preset', 'model', 'train', 'backend'],
    },
  )
  .filter((c) => validateRunConfig(c).length === 0)
  .map((c) => parseRunConfig(c));

describe('round trip of generated configs', () => {
  it('decode(encode(c)) deep-equals c, with no problems', () => {
    fc.assert(
      fc.property(runConfig, (c) => {
        const params = new URLSearchParams(encodeRunConfig(c).toString());
        expect(params.get('seed')).toBe(String(c.train.seed));
        const back = decodeRunConfig(params);
        expect(back.problems).toEqual([]);
        expect(back.config).toStrictEqual(c);
      }),
      { numRuns: 400 },
    );
  });

  it('generates every KD kind and student kind (the property covers them)', () => {
    const samples = fc.sample(runConfig, { numRuns: 400, seed: 1 });
    const kinds = new Set(samples.map((c) => c.kd?.method.kind ?? 'no kd'));
    for (const k of Object.keys(KD_DEFAULTS)) expect(kinds, k).toContain(k);
    const students = new Set(samples.map((c) => c.student?.kind ?? 'none'));
    expect([...students].sort()).toEqual(['bert', 'bilstm', 'kron-bert', 'none', 'textcnn']);
    // The Glitter add-on, in both setups, on some other method.
    const withGlitter = samples.filter((c) => c.kd?.glitter);
    expect(new Set(withGlitter.map((c) => c.kd!.glitter!.setup))).toEqual(
      new Set(['kd', 'consistency']),
    );
  });

  it('the table covers every RunConfig leaf (a new field must get a key)', () => {
    const paths = URL_FIELDS.map((f) => f.path.join('.'));
    const leaves = (v: unknown, prefix: string): string[] =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k))
        : [prefix];
    for (const leaf of leaves(defaultRunConfig(), '')) {
      if (leaf === 'schema') continue;
      const covered = paths.some((p) => leaf === p || leaf.startsWith(`${p}.`));
      expect(covered, leaf).toBe(true);
    }
  });
});
