// URL <-> store: a query string becomes the config and demo settings (bad keys reported and left
// out, the rest applied), and every config or demo change rewrites the address through
// replaceState, so the address decodes back to what the store holds.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import { DEMO_PRESET_NAMES, demoPresetRuns } from '../config/demo-presets';
import type { RunConfig } from '../config/run-config';
import { createAppStore, type AppStore } from './index';
import { configSlice, withTrain } from './slices/config';
import { initialDemoSlice } from './slices/demo';
import {
  applySetup,
  installUrlSync,
  isPresetRun,
  setupFromSearch,
  urlForState,
  type UrlHost,
} from './url-sync';

/** A window.location / window.history stand-in that records replaceState calls. */
function fakeHost(search: string): UrlHost & { writes: string[] } {
  const host = {
    writes: [] as string[],
    location: { pathname: '/app/', search, hash: '#top' },
    history: {
      state: { kept: true },
      replaceState(data: unknown, _unused: string, url: string) {
        expect(data).toEqual({ kept: true });
        host.writes.push(url);
        const u = new URL(url, 'http://x');
        host.location.search = u.search;
      },
    },
  };
  return host;
}

function storeFrom(search: string): AppStore {
  const store = createAppStore();
  applySetup(store, setupFromSearch(search));
  return store;
}

describe('setupFromSearch', () => {
  it('no query: the defaults, no demo settings, no problems', () => {
    const s = setupFromSearch('');
    expect(s.config).toEqual(defaultRunConfig());
    expect(s.demo).toEqual({ preset: null, run: 1, presenter: false, theme: null });
    expect(s.problems).toEqual([]);
  });

  it('applies run keys and demo flags', () => {
    const s = setupFromSearch('?seed=42&arch=tiny-L1-H32&steps=30&lr=0.01&presenter=1&theme=dark');
    expect(s.config.train).toMatchObject({ seed: 42, steps: 30, lr: 0.01 });
    expect(s.config.preset).toBe('tiny-L1-H32');
    expect(s.config.model.hidden).toBe(32);
    expect(s.demo).toMatchObject({ presenter: true, theme: 'dark' });
    expect(s.problems).toEqual([]);
  });

  it('reports each bad key and applies the rest, even when the config would fail validation', () => {
    const s = setupFromSearch('lr=abc&steps=0&foo=1&heads=3&seed=5&batch=16');
    expect(s.config.train).toMatchObject({ seed: 5, batchSize: 16, steps: 1200, lr: 0.001 });
    expect(s.config.model.heads).toBe(2);
    expect(s.problems).toEqual([
      { key: 'foo', value: '1', message: "unknown URL key 'foo' (ignored)" },
      { key: 'lr', value: 'abc', message: "'abc' is not a number" },
      {
        key: 'steps',
        value: '0',
        message: 'not applied: train.steps: Too small: expected number to be >=1',
      },
      {
        key: 'heads',
        value: '3',
        message:
          'not applied: model.hidden: model.hidden (128) must be divisible by model.heads (3)',
      },
    ]);
  });

  it('a KD method that needs a teacher it was not given is left out, with the reason', () => {
    const s = setupFromSearch('seed=3&kd=annealing');
    expect(s.config.kd).toBeUndefined();
    expect(s.config.train.seed).toBe(3);
    expect(s.problems.map((p) => p.key)).toEqual(['kd']);
    expect(s.problems[0]?.message).toMatch(/^not applied: /);
  });

  it("a demo preset loads the chosen run of its queue, with the URL's seed", () => {
    const s = setupFromSearch('preset=vanilla-vs-none&run=2&seed=7');
    const run2 = demoPresetRuns('vanilla-vs-none')[1]!;
    expect(s.config).toEqual({ ...run2, train: { ...run2.train, seed: 7 } });
    expect(s.demo).toMatchObject({ preset: 'vanilla-vs-none', run: 2 });
    expect(s.problems).toEqual([]);
  });

  it('a file task stays in the config, with a note that the files must be chosen again', () => {
    const s = setupFromSearch('seed=1&data=file&dataTask=sst2&files=["train.tsv","dev.tsv"]');
    expect(s.config.task).toEqual({
      source: 'file',
      task: 'sst2',
      files: ['train.tsv', 'dev.tsv'],
    });
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatchObject({ key: 'files', value: 'train.tsv, dev.tsv' });
    expect(s.problems[0]?.message).toMatch(/choose them again in the Task panel/);
  });
});

describe('urlForState', () => {
  const demo = initialDemoSlice;

  it('the defaults are the seed alone; flags follow', () => {
    expect(urlForState(defaultRunConfig(), demo)?.toString()).toBe('seed=1');
    expect(
      urlForState(defaultRunConfig(), { ...demo, presenter: true, theme: 'light' })?.toString(),
    ).toBe('seed=1&presenter=1&theme=light');
  });

  it('round trip: the address of any state decodes back to its config and flags', () => {
    const configs: RunConfig[] = [
      defaultRunConfig(),
      withTrain(withTrain(defaultRunConfig(), 'lr', 3e-4), 'seed', 123),
      ...demoPresetRuns('annealing-vs-vanilla'),
      ...demoPresetRuns('students-zoo'),
    ];
    for (const config of configs) {
      const flags = { ...demo, presenter: true, theme: 'dark' as const };
      const q = urlForState(config, flags)!.toString();
      const back = setupFromSearch(q);
      expect(back.problems).toEqual([]);
      expect(back.config).toEqual(config);
      expect(back.demo).toMatchObject({ presenter: true, theme: 'dark' });
    }
  });

  it('every demo preset run and a URL task come back whole from their full address', () => {
    const urlTask: RunConfig = {
      ...defaultRunConfig(),
      task: {
        source: 'url',
        task: 'own',
        trainUrl: 'http://127.0.0.1:4173/__regress/easy_train.tsv',
        devUrl: 'http://127.0.0.1:4173/__regress/easy_dev.tsv',
      },
    };
    const all = [urlTask, ...DEMO_PRESET_NAMES.flatMap((n) => demoPresetRuns(n))];
    for (const config of all) {
      const back = setupFromSearch(urlForState(config, initialDemoSlice)!.toString());
      expect(back.problems).toEqual([]);
      expect(back.config).toEqual(config);
    }
  });

  it("a preset's run as loaded is the short form; an edit turns it into the full config", () => {
    const run = demoPresetRuns('annealing-vs-vanilla')[1]!;
    const d = { ...demo, preset: 'annealing-vs-vanilla', run: 2 };
    const seeded = withTrain(run, 'seed', 9);
    expect(isPresetRun(seeded, d)).toBe(true);
    expect(urlForState(seeded, d)?.toString()).toBe('seed=9&preset=annealing-vs-vanilla&run=2');
    // This machine's backend choice does not make it another run.
    expect(isPresetRun({ ...seeded, backend: 'webgpu' }, d)).toBe(true);
    const edited = withTrain(seeded, 'lr', 0.01);
    const q = urlForState(edited, d)!;
    expect(q.has('preset')).toBe(false);
    expect(setupFromSearch(q.toString()).config).toEqual(edited);
    // The same config under another run number is not that run.
    expect(isPresetRun(seeded, { ...d, run: 1 })).toBe(false);
  });

  it('a config the table cannot express (NaN from an emptied number field) gives null', () => {
    expect(urlForState(withTrain(defaultRunConfig(), 'lr', Number.NaN), demo)).toBeNull();
  });
});

describe('installUrlSync', () => {
  it('writes the address at once, then on config and demo changes only', () => {
    const store = storeFrom('?lr=0.01&seed=4');
    const host = fakeHost('?lr=0.01&seed=4');
    const stop = installUrlSync(store, host);
    // The canonical order is the table's: seed first.
    expect(host.writes).toEqual(['/app/?seed=4&lr=0.01#top']);

    store.setState((s) => ({ config: configSlice(withTrain(s.config.config, 'steps', 50)) }));
    expect(host.writes.at(-1)).toBe('/app/?seed=4&steps=50&lr=0.01#top');
    expect(setupFromSearch(host.location.search).config).toEqual(store.getState().config.config);

    store.setState((s) => ({ demo: { ...s.demo, presenter: true } }));
    expect(host.writes.at(-1)).toBe('/app/?seed=4&steps=50&lr=0.01&presenter=1#top');

    const count = host.writes.length;
    store.setState((s) => ({ metrics: { ...s.metrics, firstLosses: [1] } }));
    store.setState((s) => ({ demo: { ...s.demo, helpOpen: true } }));
    expect(host.writes).toHaveLength(count);

    // An unexpressible edit leaves the last good address.
    store.setState((s) => ({ config: configSlice(withTrain(s.config.config, 'lr', Number.NaN)) }));
    expect(host.writes).toHaveLength(count);

    stop();
    store.setState((s) => ({ config: configSlice(withTrain(s.config.config, 'lr', 0.5)) }));
    expect(host.writes).toHaveLength(count);
  });

  it('does not write when the address already says it', () => {
    const store = storeFrom('?seed=1');
    const host = fakeHost('?seed=1');
    installUrlSync(store, host);
    expect(host.writes).toEqual([]);
  });

  it('applySetup puts the problems in the demo slice and the config through validation', () => {
    const store = storeFrom('?seed=2&nope=1');
    const s = store.getState();
    expect(s.config.config.train.seed).toBe(2);
    expect(s.config.errors).toEqual([]);
    expect(s.demo.problems.map((p) => p.key)).toEqual(['nope']);
  });
});
