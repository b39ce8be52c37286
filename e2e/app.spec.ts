// End-to-end: the app in Chromium with WebGPU (SwiftShader here). One page, and so one worker and
// one GPU device, serves every test: a second worker would compile every kernel again (10–15 s).
// 1. train the embedded task on WebGPU with a tiny model: loss points arrive; pause holds the step,
//    resume continues, stop ends the run; then, in the same worker, a short run on a task the tiny
//    model can learn in 40 steps finishes with a falling loss and dev metrics;
// 2. SST-2 dev.tsv through the file chooser: 872 rows;
// 3. a malformed file: its error names the file and line, and the previous task stays;
// 4. no console errors or uncaught page errors in all of the above.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { SHARED_DATA_MISSING, sharedDataFile } from '../src/cli/shared-data';
import { collectPageErrors, easyTaskFiles, mean } from './fixtures';
import { AppPage } from './pages/app-page';

let page: Page;
let app: AppPage;
let errors: string[];

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  errors = collectPageErrors(page);
  app = new AppPage(page);
  await app.goto();
});

test.afterAll(async () => {
  await page.close();
});

// Tiny model, small batches, short sequences: SwiftShader runs real WebGPU, slowly.
const TINY = { preset: 'tiny-L1-H32', batchSize: 8, maxLen: 24, lr: 0.01, warmup: 0, seed: 1 };

test("trains on WebGPU: pause, resume and stop the embedded task; a learnable task's loss falls", async () => {
  // First step ~15-40 s (kernel compilation on SwiftShader), then ~1 step/s; a dev pass over the
  // embedded task's 800 rows takes ~20 s, so its run is stopped before its first evaluation.
  test.setTimeout(600_000);
  expect(await app.backendName()).toBe('webgpu');
  await expect(app.backendBadge).toContainText('webgpu');
  await expect(app.byTestId('task.rows.train')).not.toHaveText('0');

  // Many steps so the run is still going when it is paused and stopped; no eval before the stop.
  await app.configure({ ...TINY, steps: 400, evalEvery: 100 });
  await app.start();
  await expect(app.byTestId('progress.phase')).toHaveAttribute(
    'data-phase',
    /preparing|compiling|training/,
  );

  const trained = await app.waitFor('≥ 12 loss points', (s) => s.lossCount >= 12, 180_000);
  expect(trained.phase).toBe('training');
  expect(trained.firstLosses.every(Number.isFinite)).toBe(true);
  expect(trained.lastLosses.every(Number.isFinite)).toBe(true);
  await expect(app.byTestId('chart.loss').locator('.recharts-line')).not.toHaveCount(0);

  await app.pause();
  const paused = await app.waitFor('paused', (s) => s.phase === 'paused', 60_000);
  await expect(app.byTestId('run.resume')).toBeEnabled();
  await page.waitForTimeout(2_000);
  expect((await app.snapshot()).step, 'the step must not advance while paused').toBe(paused.step);

  await app.resume();
  await app.waitFor(
    'training again',
    (s) => s.phase === 'training' && s.step > paused.step,
    60_000,
  );

  await app.stop();
  const stopped = await app.waitFor('stopped', (s) => s.phase === 'stopped', 60_000);
  await expect(app.byTestId('run.start')).toBeEnabled();
  expect(stopped.progress?.numTensors ?? 0).toBeGreaterThan(0);

  // A short run to the end in the same worker (most kernels already compiled), on a task the
  // tiny model learns within 40 steps: the loss falls and dev metrics arrive.
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(app.byTestId('task.rows.train')).toHaveText('128');
  await app.configure({ steps: 40, evalEvery: 20 });
  await app.start();
  const done = await app.waitFor(
    'done',
    (s) => s.phase === 'done' || s.phase === 'failed',
    240_000,
  );
  expect(done.runError).toBeNull();
  expect(done.phase).toBe('done');
  expect(done.lossCount).toBe(40);
  const first = mean(done.firstLosses.slice(0, 3));
  const last = mean(done.lastLosses.slice(-3));
  expect(last, `loss should fall: first-3 mean ${first}, last-3 mean ${last}`).toBeLessThan(
    0.8 * first,
  );
  expect(done.evalCount).toBe(2);
  expect(done.lastMain).not.toBeNull();
  await expect(app.byTestId('run.outcome')).toBeVisible();
  await expect(app.byTestId('chart.metric').locator('.recharts-line')).not.toHaveCount(0);
  if (process.env['DISTILLERY_SCREENSHOT']) {
    await page.screenshot({ path: process.env['DISTILLERY_SCREENSHOT'], fullPage: true });
  }
});

const sst2Dev = sharedDataFile('glue', 'SST-2', 'dev.tsv');

test('loads SST-2 dev.tsv through the file chooser: 872 rows', async () => {
  test.skip(!sst2Dev, SHARED_DATA_MISSING);
  if (!sst2Dev) return;
  await app.loadFiles([sst2Dev], 'sst2');
  await expect(app.byTestId('error.data')).toHaveCount(0);
  await expect(app.byTestId('task.name')).toHaveText('SST-2');
  const rows = await app.taskRows();
  // One file is split into train and dev (90/10); together they are the file's 872 rows.
  expect(rows.train + rows.dev).toBe(872);
  expect((await app.snapshot()).taskRows).toEqual(rows);
  await expect(app.byTestId('task.examples')).toBeVisible();
  await expect(app.byTestId('task.balance')).toContainText('positive');
});

test('a malformed file shows its file and line, and the previous task stays', async () => {
  const before = await app.snapshot();
  expect(before.taskRows).not.toBeNull();
  const lines = ['sentence\tlabel', 'a fine film\t1', 'this row has no label column', 'dull\t0'];
  const broken = {
    name: 'broken_train.tsv',
    mimeType: 'text/tab-separated-values',
    buffer: Buffer.from(lines.join('\n')),
  };
  await app.loadFiles([broken], 'sst2');
  const error = app.byTestId('error.data');
  await expect(error).toBeVisible();
  await expect(app.byTestId('error.data.place')).toHaveText('broken_train.tsv, line 3');
  await expect(error).toContainText('previous task is still loaded');
  const after = await app.snapshot();
  expect(after.taskRows).toEqual(before.taskRows);
  expect(after.dataError).toMatch(/broken_train\.tsv line 3/);
  if (sst2Dev) {
    await expect(app.byTestId('task.name')).toHaveText('SST-2');
    expect(readFileSync(sst2Dev, 'utf8').trim().split('\n')).toHaveLength(873);
  }
});

test('no console errors or uncaught page errors', async () => {
  expect(errors).toEqual([]);
});
