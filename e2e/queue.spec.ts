// End-to-end: the run queue and the overlaid charts, in Chromium with WebGPU (SwiftShader here).
// Two tiny runs (seeds 1 and 2, 20 steps, a dev pass every 10) on a small task are queued from the
// form, one named by hand and one automatically; a reload brings both back in order (IndexedDB),
// held, with a notice; once the task's files are picked again, Start queue trains them one after
// the other; the
// loss chart's legend names both and draws one line per run, as does the metric chart; the log
// scale and the smoothing slider redraw the lines (raw lines appear behind the smoothed ones); a
// run's toggle hides and shows it; a screenshot is written and has content; no console errors.
// Then the Methods panel's "Queue several methods" queues plain training and refuses vanilla KD
// (no teacher set) with the reason.
import { statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { collectPageErrors, easyTaskFiles } from './fixtures';
import { AppPage } from './pages/app-page';

let page: Page;
let app: AppPage;
let errors: string[];

const TINY = {
  preset: 'tiny-L1-H32',
  batchSize: 8,
  maxLen: 24,
  lr: 0.01,
  warmup: 0,
  steps: 20,
  evalEvery: 10,
};

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  errors = collectPageErrors(page);
  app = new AppPage(page);
  await app.goto();
});

test.afterAll(async () => {
  await page.close();
});

/** The names of the queued runs stored in the page's IndexedDB (the `app` record 'queue'). */
async function storedQueue(): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const req = indexedDB.open('distillery');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const get = db.transaction('app').objectStore('app').get('queue');
          get.onsuccess = () => {
            const record = get.result as { value?: { entries?: { name: string }[] } } | undefined;
            db.close();
            resolve((record?.value?.entries ?? []).map((e) => e.name));
          };
          get.onerror = () => reject(get.error);
        };
      }),
  );
}

/** The `d` attribute of a run's main line in the loss chart. */
async function lossPath(key: string): Promise<string> {
  const path = app
    .byTestId('chart.loss')
    .locator(`.recharts-wrapper g.run-line.run-${key} path.recharts-line-curve`)
    .first();
  return (await path.getAttribute('d')) ?? '';
}

test('queues two runs, keeps them across a reload, trains them in turn and overlays their curves', async () => {
  // Each run compiles its kernels on its first step (10-40 s on SwiftShader, more when the CPU is
  // shared); the second reuses most of them.
  test.setTimeout(420_000);
  expect(await app.backendName()).toBe('webgpu');
  await app.loadFiles(easyTaskFiles(), 'own');

  await app.configure({ ...TINY, seed: 1 });
  await app.byTestId('queue.name').fill('tiny seed 1');
  await app.byTestId('queue.add').click();
  await app.configure({ ...TINY, seed: 2 });
  // The automatic name, by the keyboard: Enter in the name field adds the run.
  await expect(app.byTestId('queue.name')).toHaveAttribute(
    'placeholder',
    'tiny-L1-H32 · no KD · seed 2',
  );
  await app.byTestId('queue.name').press('Enter');

  const items = app.byTestId('queue.list').locator('li');
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveAttribute('data-status', 'queued');
  await expect(items.nth(1).getByTestId('queue.item.name')).toHaveText(
    'tiny-L1-H32 · no KD · seed 2',
  );
  await expect(app.byTestId('queue.start')).toHaveText('Start queue (2)');

  // A reload keeps the queue: both entries come back in order, held, with a notice.
  const queuedNames = ['tiny seed 1', 'tiny-L1-H32 · no KD · seed 2'];
  await expect.poll(storedQueue, { message: 'the queue is stored' }).toEqual(queuedNames);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
  await expect(app.byTestId('queue.notice')).toContainText(
    '2 queued runs restored. Press Start queue to run them.',
  );
  await expect(items).toHaveCount(2);
  await expect(items.getByTestId('queue.item.name')).toHaveText(queuedNames);
  await expect(items.nth(0)).toHaveAttribute('data-status', 'queued');
  await expect(items.nth(1)).toHaveAttribute('data-status', 'queued');
  expect((await app.snapshot()).session.auto).toBe(false);
  // The runs were queued for picked files, which a page cannot reopen: pick them again.
  await expect(app.byTestId('queue.notice')).toContainText('once those files are loaded again');
  expect(await app.backendName()).toBe('webgpu');
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(app.byTestId('queue.start')).toHaveText('Start queue (2)');
  await app.byTestId('queue.start').click();
  await expect(app.byTestId('queue.notice')).toHaveCount(0);

  // The first run trains, the second waits.
  await app.waitFor(
    'the first run is running',
    (s) => {
      const [a, b] = s.session.runs;
      return a?.status === 'running' && b?.status === 'queued';
    },
    60_000,
  );
  await app.waitFor(
    'both runs ended',
    (s) =>
      s.session.runs.length === 2 &&
      s.session.runs.every(
        (r) => r.status !== 'queued' && r.status !== 'running' && r.status !== 'paused',
      ),
    390_000,
  );
  const s = await app.snapshot();
  expect(s.session.runs.map((r) => [r.name, r.status, r.error])).toEqual([
    ['tiny seed 1', 'done', null],
    ['tiny-L1-H32 · no KD · seed 2', 'done', null],
  ]);
  expect(s.session.runs.map((r) => r.lossCount)).toEqual([20, 20]);
  expect(s.session.runs.map((r) => r.evalCount)).toEqual([2, 2]);
  expect(s.session.auto).toBe(false);
  expect(s.runError).toBeNull();
  const [k1, k2] = s.session.runs.map((r) => r.key) as [string, string];
  await expect(items.nth(1)).toHaveAttribute('data-status', 'done');

  // The legend names both runs; each run has one line in the loss chart and in the metric chart.
  const loss = app.byTestId('chart.loss');
  const legend = loss.locator('.recharts-legend-item-text');
  await expect(legend).toHaveText(['tiny seed 1', 'tiny-L1-H32 · no KD · seed 2']);
  for (const key of [k1, k2]) {
    await expect(loss.locator(`g.run-line.run-${key} path.recharts-line-curve`)).toHaveCount(1);
    await expect(loss.locator(`g.run-dev.run-${key}`)).toHaveCount(1);
  }
  // The metric chart: one line per run and metric (this binary task reports several metrics).
  const metric = app.byTestId('chart.metric');
  const metricLines = (key: string) =>
    metric.locator(`g.run-metric.run-${key} path.recharts-line-curve`);
  await expect(metric.locator('.recharts-legend-item-text').first()).toHaveText(
    'tiny seed 1 · dev accuracy',
  );
  const perRun = await metricLines(k1).count();
  expect(perRun).toBeGreaterThanOrEqual(1);
  await expect(metricLines(k2)).toHaveCount(perRun);
  await expect(metric.locator('.recharts-legend-item')).toHaveCount(2 * perRun);
  const linear = await lossPath(k1);
  expect(linear.length).toBeGreaterThan(20);

  // Log scale: the same points on another axis, so the path changes.
  await app.byTestId('chart.log').check();
  await expect.poll(() => lossPath(k1)).not.toBe(linear);
  const logged = await lossPath(k1);
  await expect(loss.locator('.recharts-yAxis .recharts-cartesian-axis-tick')).not.toHaveCount(0);
  await app.byTestId('chart.log').uncheck();
  await expect.poll(() => lossPath(k1)).toBe(linear);

  // Smoothing from the keyboard: End takes the slider to 0.99; the line changes and the raw line
  // appears behind it.
  const slider = app.byTestId('chart.smoothing');
  await slider.focus();
  await slider.press('End');
  await expect(app.byTestId('chart.smoothing.value')).toHaveText('0.99');
  await expect.poll(() => lossPath(k1)).not.toBe(linear);
  await expect(loss.locator('g.run-raw')).toHaveCount(2);
  const smoothed = await lossPath(k1);
  expect(smoothed).not.toBe(logged);
  await slider.press('Home');
  await expect(app.byTestId('chart.smoothing.value')).toHaveText('off');
  await expect(loss.locator('g.run-raw')).toHaveCount(0);

  // Hide the first run, then show it again.
  const toggle = app.byTestId(`chart.run.${k1}`).getByRole('checkbox', { name: 'tiny seed 1' });
  await toggle.uncheck();
  await expect(loss.locator(`g.run-line.run-${k1}`)).toHaveCount(0);
  await expect(legend).toHaveText(['tiny-L1-H32 · no KD · seed 2']);
  await toggle.check();
  await expect(loss.locator(`g.run-line.run-${k1}`)).toHaveCount(1);
  await expect(legend).toHaveText(['tiny seed 1', 'tiny-L1-H32 · no KD · seed 2']);

  const shot = test.info().outputPath('queue.png');
  await page.screenshot({ path: shot, fullPage: true });
  expect(statSync(shot).size).toBeGreaterThan(20_000);

  // Clear finished empties the list and the charts' session lines.
  await app.byTestId('queue.clear').click();
  await expect(items).toHaveCount(0);
  await expect(loss.locator('g.run-line')).toHaveCount(0);

  expect(errors).toEqual([]);
});

test('the Methods panel queues one setup under several methods; one it cannot run says why', async () => {
  const methods = page.getByTestId('methods.panel');
  const many = app.byTestId('methods.queueMany');
  await many.locator('summary').click();
  const add = app.byTestId('methods.queueMany.add');
  await expect(add).toBeDisabled();
  // No teacher is set: plain training queues, vanilla KD is refused with the reason.
  await methods.getByLabel('No distillation (as set above)').check();
  await methods.getByLabel('Vanilla KD', { exact: true }).check();
  await expect(add).toHaveText('Queue 2 runs');
  await add.click();
  const result = app.byTestId('methods.queueMany.result');
  await expect(result).toContainText('Queued 1 run: No distillation.');
  await expect(app.byTestId('methods.queueMany.refused')).toContainText(
    'Vanilla KD not queued: kd.teacher',
  );
  const items = app.byTestId('queue.list').locator('li');
  await expect(items).toHaveCount(1);
  await expect(items.getByTestId('queue.item.name')).toHaveText('tiny-L1-H32 · no KD · seed 2');
  await expect(items.nth(0)).toHaveAttribute('data-status', 'queued');
  await items.nth(0).getByTestId('queue.item.remove').click();
  await expect(items).toHaveCount(0);
  expect(errors).toEqual([]);
});
