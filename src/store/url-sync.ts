// The page URL and the store, both ways (STYLE R15): at load the query string becomes the config
// and the demo settings (every problem kept for the page to show, the rest applied); afterwards
// every config or demo-setting change rewrites the address with history.replaceState, so copying
// it reproduces the setup, seed included. The codec itself is src/config/url.ts.
import { DEFAULT_RUN_CONFIG } from '../config/defaults';
import { DEMO_PRESETS, demoPresetRuns } from '../config/demo-presets';
import type { RunConfig } from '../config/run-config';
import {
  decodeUrlState,
  encodeUrlState,
  jsonEqual,
  runsOfUrlState,
  URL_FIELDS,
  type UrlProblem,
  type UrlState,
} from '../config/url';
import type { AppState, AppStore } from './index';
import { configSlice } from './slices/config';
import type { DemoSlice } from './slices/demo';

/** What a page URL sets up: the config to hold, the demo settings, and what it got wrong. */
export interface PageSetup {
  config: RunConfig;
  demo: Pick<DemoSlice, 'presenter' | 'theme' | 'preset' | 'run'>;
  problems: UrlProblem[];
}

const RUN_KEYS: ReadonlySet<string> = new Set(URL_FIELDS.map((f) => f.key));

function sameProblem(a: UrlProblem, b: UrlProblem): boolean {
  return a.key === b.key && a.message === b.message && a.value === b.value;
}

/** `params` without the key `key` (every occurrence). */
function without(params: URLSearchParams, key: string): URLSearchParams {
  return new URLSearchParams([...params].filter(([k]) => k !== key));
}

/**
 * The URL's run keys minus the few it takes to make a valid config, found greedily: each round
 * drops the key whose removal validates the config (or else clears the most problems), preferring
 * keys the problems name, then later keys. Each dropped key is reported with the problems its
 * removal cleared. Null when no removal helps (the defaults then stand in).
 */
function dropInvalidKeys(
  params: URLSearchParams,
): { params: URLSearchParams; dropped: UrlProblem[] } | null {
  let current = params;
  let state = decodeUrlState(current);
  const dropped: UrlProblem[] = [];
  while (state.config === null) {
    const named = new Set(state.problems.map((p) => p.key));
    const keys = [...new Set([...current.keys()])].filter((k) => RUN_KEYS.has(k)).reverse();
    keys.sort((a, b) => Number(named.has(b)) - Number(named.has(a)));
    const clears = (next: UrlState): number =>
      state.problems.filter((p) => !next.problems.some((q) => sameProblem(p, q))).length;
    let best: { key: string; state: UrlState; cleared: number } | null = null;
    for (const key of keys) {
      const next = decodeUrlState(without(current, key));
      const cleared = clears(next);
      if (next.config !== null) {
        best = { key, state: next, cleared };
        break;
      }
      if (cleared > (best?.cleared ?? 0)) best = { key, state: next, cleared };
    }
    if (best === null) return null;
    const after = best.state.problems;
    const cleared = state.problems.filter((p) => !after.some((q) => sameProblem(p, q)));
    const value = current.get(best.key) ?? undefined;
    dropped.push({
      key: best.key,
      ...(value !== undefined ? { value } : {}),
      message: `not applied: ${cleared.map((p) => p.message).join('; ')}`,
    });
    current = without(current, best.key);
    state = best.state;
  }
  return { params: current, dropped };
}

/**
 * Decodes a query string into a page setup. A config that fails validation is not thrown away: the
 * fewest keys that make it fail are left out (each reported, with why) and the rest applied; the
 * other problems (unknown keys, unreadable values) are reported too. A demo preset loads run `run`
 * of its queue (with the URL's seed, if any). A file task is kept in the config, with a note that
 * the files must be chosen again (a page cannot open a person's files by itself).
 */
export function setupFromSearch(search: string): PageSetup {
  let state: UrlState = decodeUrlState(search);
  let problems: UrlProblem[] = state.problems;
  if (state.config === null) {
    const repaired = dropInvalidKeys(new URLSearchParams(search));
    if (repaired !== null) {
      state = decodeUrlState(repaired.params);
      problems = [...state.problems, ...repaired.dropped];
    }
  }
  const { preset, run, presenter, theme } = state.demo;
  let config: RunConfig = state.config ?? structuredClone(DEFAULT_RUN_CONFIG);
  if (preset !== null) config = runsOfUrlState(state)[run - 1] ?? config;
  if (config.task.source === 'file') {
    const files = config.task.files.join(', ');
    problems = [
      ...problems,
      {
        key: 'files',
        value: files,
        message:
          `the setup trained on your files (${files}); a page cannot open them by itself: ` +
          'choose them again in the Task panel (the embedded task is loaded meanwhile)',
      },
    ];
  }
  return { config, demo: { preset, run, presenter, theme }, problems };
}

/** The preset's run `run` with the given seed, or null (unknown preset or run). */
function presetRun(preset: string, run: number, seed: number): RunConfig | null {
  if (!Object.prototype.hasOwnProperty.call(DEMO_PRESETS, preset)) return null;
  const r = demoPresetRuns(preset)[run - 1];
  return r ? { ...r, train: { ...r.train, seed } } : null;
}

/**
 * Whether `config` is run `demo.run` of `demo.preset` as loaded (its seed aside; the backend is a
 * choice of this machine, not of the demo).
 */
export function isPresetRun(config: RunConfig, demo: Pick<DemoSlice, 'preset' | 'run'>): boolean {
  if (demo.preset === null) return false;
  const r = presetRun(demo.preset, demo.run, config.train.seed);
  return r !== null && jsonEqual({ ...config, backend: r.backend }, r);
}

/**
 * The query string for a state: `preset=…&run=…&seed=…` while the config is still that preset's
 * run, else every config key that differs from the defaults (seed always); then the presenter and
 * theme flags. Null when the URL table cannot express the config (a field the form holds as NaN):
 * the address then keeps the last setup it could express.
 */
export function urlForState(config: RunConfig, demo: DemoSlice): URLSearchParams | null {
  const flags = { presenter: demo.presenter, theme: demo.theme };
  if (isPresetRun(config, demo)) {
    const params = new URLSearchParams([['seed', String(config.train.seed)]]);
    const tail = encodeUrlState({ demo: { ...flags, preset: demo.preset, run: demo.run } });
    tail.forEach((v, k) => params.append(k, v));
    return params;
  }
  try {
    return encodeUrlState({ config, demo: flags });
  } catch {
    return null;
  }
}

/** Puts a page setup in the store: the config (validated again by its slice) and demo settings. */
export function applySetup(store: AppStore, setup: PageSetup): void {
  store.setState((s) => ({
    config: configSlice(setup.config),
    demo: { ...s.demo, ...setup.demo, problems: setup.problems },
  }));
}

/** The parts of `window` the URL sync touches. */
export interface UrlHost {
  location: { pathname: string; search: string; hash: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url: string): void };
}

/**
 * Keeps the address in step with the store from now on: writes it once, then after every change of
 * the config or the demo settings (replaceState: no history entry per keystroke). Returns the
 * unsubscribe function.
 */
export function installUrlSync(store: AppStore, host: UrlHost): () => void {
  const write = (s: AppState): void => {
    const params = urlForState(s.config.config, s.demo);
    if (params === null) return;
    const query = params.toString();
    const search = query === '' ? '' : `?${query}`;
    if (search === host.location.search) return;
    host.history.replaceState(
      host.history.state,
      '',
      `${host.location.pathname}${search}${host.location.hash}`,
    );
  };
  write(store.getState());
  return store.subscribe((s, prev) => {
    const d = s.demo;
    const p = prev.demo;
    const demoChanged =
      d.presenter !== p.presenter ||
      d.theme !== p.theme ||
      d.preset !== p.preset ||
      d.run !== p.run;
    if (s.config.config !== prev.config.config || demoChanged) write(s);
  });
}
