// Drives one regression case through the page and measures it. Two ways in: URL state (the page
// reads ?<run keys> itself; announced by window.__kdTest.version >= 2 with `config` in its
// snapshot), or, until then, the existing form controls, which cover plain training on the embedded
// or a URL task. A case the available way cannot express is skipped with the reason.
import { expect, type Page } from '@playwright/test';
import { DEFAULT_RUN_CONFIG } from '../../src/config/defaults';
import { modelPreset } from '../../src/config/presets';
import type { RunConfig } from '../../src/config/run-config';
import { jsonEqual } from '../../src/config/url';
import type { KdTestSnapshot } from '../../src/store/test-hook';
import type {} from '../../src/ui/test-hook'; // window.__kdTest's global type
import type { AppPage } from '../pages/app-page';
import { CurveRecorder, mean, type RunEnv, type RunMeasure } from './compare';

export type DriverKind = 'url-state' | 'controls';

/** The test-hook version the page reports (1: read-only snapshot without the config). */
export async function hookVersion(page: Page): Promise<number> {
  await expect
    .poll(() => page.evaluate(() => window.__kdTest !== undefined), { message: 'test hook' })
    .toBe(true);
  return page.evaluate(() => Number(window.__kdTest?.version ?? 0));
}

/** The run config the page holds, where its test hook exposes it (hook version >= 2), else null. */
export async function pageConfig(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const snap: object | undefined = window.__kdTest?.snapshot();
    return snap && 'config' in snap ? snap.config : null;
  });
}

// Number inputs of the config form: test id → the RunConfig value it sets.
// prettier-ignore
const FORM_NUMBERS: ReadonlyArray<[string, (c: RunConfig) => number]> = [
  ['config.steps', (c) => c.train.steps],
  ['config.batchSize', (c) => c.train.batchSize],
  ['config.lr', (c) => c.train.lr],
  ['config.warmup', (c) => c.train.warmup],
  ['config.weightDecay', (c) => c.train.weightDecay],
  ['config.clipNorm', (c) => c.train.clipNorm],
  ['config.evalEvery', (c) => c.train.evalEvery],
  ['config.maxLen', (c) => c.tokenizer.maxLen],
  ['config.vocabSize', (c) => c.tokenizer.vocabSize],
  ['config.seed', (c) => c.train.seed],
  ['config.dropout', (c) => c.model.hiddenDropout],
  ['config.attentionDropout', (c) => c.model.attentionDropout],
];

/** The config the form controls produce when set from `c` (name aside): what they can express. */
function reachableByControls(c: RunConfig): RunConfig {
  const d = structuredClone(DEFAULT_RUN_CONFIG);
  const arch = modelPreset(c.preset);
  return {
    ...d,
    name: c.name,
    task: c.task.source === 'embedded' || c.task.source === 'url' ? c.task : d.task,
    tokenizer: { ...d.tokenizer, maxLen: c.tokenizer.maxLen, vocabSize: c.tokenizer.vocabSize },
    ...(arch
      ? {
          preset: c.preset,
          model: { ...arch, hiddenDropout: c.model.hiddenDropout, attentionDropout: c.model.attentionDropout },
        }
      : {}),
    train: {
      ...d.train,
      steps: c.train.steps,
      batchSize: c.train.batchSize,
      lr: c.train.lr,
      warmup: c.train.warmup,
      weightDecay: c.train.weightDecay,
      clipNorm: c.train.clipNorm,
      evalEvery: c.train.evalEvery,
      seed: c.train.seed,
      deterministic: c.train.deterministic,
    },
  };
}

/** Paths where `c` differs from what the controls can set (empty: the controls can run it). */
export function controlsGaps(c: RunConfig): string[] {
  const gaps: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (jsonEqual(a, b)) return;
    const rec = (x: unknown): x is Record<string, unknown> =>
      typeof x === 'object' && x !== null && !Array.isArray(x);
    if (rec(a) && rec(b) && path.split('.').length < 2) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk(a[k], b[k], path ? `${path}.${k}` : k);
      }
    } else gaps.push(path);
  };
  walk(c, reachableByControls(c), '');
  return gaps;
}

/** Sets up `c` through the task panel and the config form of a freshly loaded page. */
export async function applyByControls(app: AppPage, c: RunConfig): Promise<void> {
  const t = c.task;
  if (t.source === 'url') {
    await app.byTestId('task.source.url').check();
    await app.byTestId('task.url.layout').selectOption(t.task);
    await app.byTestId('task.url.train').fill(t.trainUrl);
    await app.byTestId('task.url.dev').fill(t.devUrl);
    await app.byTestId('task.load.url').click();
  } else if (t.source === 'embedded' && t.seed !== 1) {
    await app.byTestId('task.seed').fill(String(t.seed));
    await app.byTestId('task.load.embedded').click();
  }
  await app.waitFor('task loaded', (s) => s.taskRows !== null && s.dataError === null, 120_000);
  await expect(app.byTestId('task.loading')).toHaveCount(0, { timeout: 120_000 });
  await expect(app.byTestId('error.data')).toHaveCount(0);
  await app.byTestId('config.preset').selectOption(c.preset);
  for (const [id, get] of FORM_NUMBERS) await app.byTestId(id).fill(String(get(c)));
  await app.byTestId('config.deterministic').setChecked(c.train.deterministic);
  await expect(app.byTestId('config.errors')).toHaveCount(0);
}

/** Backend, adapter and browser of the page, for the baseline's environment. */
export async function runEnv(app: AppPage): Promise<RunEnv> {
  const backend = await app.backendName();
  const detail = app.byTestId('backend.badge').locator('.badge-detail');
  const adapter = (await detail.count()) > 0 ? ((await detail.textContent()) ?? '').trim() : '';
  const browser = app.page.context().browser();
  return {
    backend,
    adapter,
    browser: `${browser?.browserType().name() ?? '?'} ${browser?.version() ?? '?'}`,
  };
}

const FINISHED = ['done', 'failed', 'stopped'];

/**
 * Starts the run and polls the test hook every 250 ms until it finishes, rebuilding the loss
 * curve and the dev metric per evaluation. Throws with the run's error if it did not finish 'done'.
 */
export async function startAndMeasure(
  app: AppPage,
  timeoutMs: number,
): Promise<{ measure: RunMeasure; final: KdTestSnapshot }> {
  const t0 = Date.now();
  await app.start();
  const rec = new CurveRecorder();
  let s = await app.snapshot();
  // A fresh page starts 'idle', so the first finished phase seen is this run's.
  while (!FINISHED.includes(s.phase)) {
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(
        `run did not finish in ${timeoutMs / 1000} s (phase ${s.phase}, step ${s.step}/${s.totalSteps})`,
      );
    }
    rec.addLosses(s.lossCount, s.lastLosses);
    rec.addEval(s.evalCount, s.lastMain);
    await app.page.waitForTimeout(250);
    s = await app.snapshot();
  }
  rec.addLosses(s.lossCount, s.lastLosses);
  rec.addEval(s.evalCount, s.lastMain);
  if (s.phase !== 'done')
    throw new Error(`run ended ${s.phase}: ${s.runError ?? 'no error message'}`);
  const first = rec.losses.slice(0, 3).filter((x): x is number => x !== null);
  const measure: RunMeasure = {
    lossCount: s.lossCount,
    losses: rec.losses,
    evalCount: s.evalCount,
    mains: rec.mains,
    firstLoss: first.length > 0 ? mean(first) : NaN,
    finalLoss: mean(s.lastLosses.slice(-5)),
    finalMain: s.lastMain,
    wallSec: (Date.now() - t0) / 1000,
  };
  return { measure, final: s };
}
