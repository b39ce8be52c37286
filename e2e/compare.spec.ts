// End-to-end: saved runs and checkpoint comparison in Chromium with WebGPU (SwiftShader here).
// Two tiny runs on a task the tiny model learns (one trained 30 steps, one stopped learning after
// 3, so their predictions differ); a reload lists both and shows the last run's curves; comparing
// their best checkpoints gives metrics, latency, confusion matrices and disagreements; typed text
// gets a prediction from each; a run is deleted; no console errors.
import { expect, test, type Page } from '@playwright/test';
import { collectPageErrors, easyTaskFiles } from './fixtures';
import { AppPage } from './pages/app-page';

let page: Page;
let app: AppPage;
let errors: string[];

const TINY = { preset: 'tiny-L1-H32', batchSize: 8, maxLen: 24, lr: 0.01, warmup: 0 };

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  errors = collectPageErrors(page);
  app = new AppPage(page);
  await app.goto();
  // A fresh origin per browser context, but be explicit: no runs from elsewhere.
  await expect(app.byTestId('runs.empty')).toBeVisible();
});

test.afterAll(async () => {
  await page.close();
});

async function trainRun(steps: number, evalEvery: number, seed: number): Promise<void> {
  await app.configure({ ...TINY, steps, evalEvery, seed });
  await app.start();
  const done = await app.waitFor(
    `run of ${steps} steps done`,
    (s) => s.phase === 'done' || s.phase === 'failed',
    420_000, // the first step compiles every kernel: minutes on a loaded SwiftShader machine
  );
  expect(done.runError).toBeNull();
  expect(done.lossCount).toBe(steps);
}

test('saves two runs, lists them after a reload, compares them and runs typed text', async () => {
  test.setTimeout(1_200_000);
  expect(await app.backendName()).toBe('webgpu');
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(app.byTestId('task.rows.train')).toHaveText('128');

  await trainRun(30, 15, 1);
  const rows = app.byTestId('runs.row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await trainRun(3, 3, 2);
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  // Best dev metric, size on disk and the storage total are shown.
  await expect(rows.first().getByTestId('runs.best')).toContainText('accuracy');
  await expect(app.byTestId('runs.usage')).toContainText('2 runs');
  await expect(rows.nth(1).getByTestId('runs.size')).toContainText(/KiB|MiB/);

  // After a reload: both runs listed, the last run's curves in the charts.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('shown in the charts');
  await app.waitFor('restored curves', (s) => s.lossCount === 3);
  await expect(app.byTestId('chart.loss').locator('.recharts-line')).not.toHaveCount(0);
  // Any saved run's curves on demand.
  await rows.nth(1).getByTestId('runs.show').click();
  await app.waitFor("the older run's curves", (s) => s.lossCount === 30 && s.evalCount === 2);
  await expect(rows.nth(1)).toContainText('shown in the charts');

  // Compare the two best checkpoints on the task they were trained on.
  await app.backendName();
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(app.byTestId('task.rows.dev')).toHaveText('32');
  for (const row of [rows.nth(0), rows.nth(1)]) {
    await row.locator('[data-testid="runs.pick"][data-label^="best"]').check();
  }
  await app.byTestId('compare.run').click();
  await expect(app.byTestId('compare.results')).toBeVisible({ timeout: 300_000 });
  await expect(app.byTestId('compare.row')).toHaveCount(2);
  await expect(app.byTestId('compare.row.error')).toHaveCount(0);
  for (const cell of await app.byTestId('compare.metric.accuracy').all()) {
    const v = Number(await cell.innerText());
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
  const accs = await Promise.all(
    (await app.byTestId('compare.metric.accuracy').all()).map(async (c) =>
      Number(await c.innerText()),
    ),
  );
  for (const cell of await app.byTestId('compare.latency').all()) {
    expect(parseFloat(await cell.innerText())).toBeGreaterThan(0);
  }
  await expect(app.byTestId('compare.confusion')).toHaveCount(2);
  // Each confusion matrix counts the 32 dev examples.
  for (const m of await app.byTestId('compare.confusion').all()) {
    const counts = await m.locator('tbody td').allInnerTexts();
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(32);
  }
  await expect(app.byTestId('compare.agreement')).toBeVisible();
  const disagreeing = Number(await app.byTestId('compare.disagreements.count').innerText());
  if (accs[0] !== accs[1]) expect(disagreeing).toBeGreaterThan(0);
  if (disagreeing > 0) {
    const first = app.byTestId('compare.disagreement').first();
    await expect(first.locator('td')).toHaveCount(4); // text, gold, two predictions
    await app.byTestId('compare.filter.gold').selectOption({ label: 'positive' });
    const shown = await app.byTestId('compare.disagreement').count();
    for (const r of await app.byTestId('compare.disagreement').all()) {
      await expect(r.locator('td').nth(1)).toHaveText('positive');
    }
    expect(shown).toBeLessThanOrEqual(disagreeing);
    await app.byTestId('compare.filter.gold').selectOption('any');
  }

  // Typed inference: each picked checkpoint answers with a label, probabilities and a latency.
  await app.byTestId('predict.input').fill('the plot was wonderful .');
  await expect(app.byTestId('predict.result')).toHaveCount(2, { timeout: 120_000 });
  for (const r of await app.byTestId('predict.result').all()) {
    await expect(r.getByTestId('predict.label')).toHaveText(/positive|negative/);
    await expect(r.getByTestId('predict.latency')).toContainText('ms');
    await expect(r.locator('meter')).toHaveCount(2);
  }

  // Delete the short run: one run left, and the storage total follows.
  page.once('dialog', (d) => void d.accept());
  await rows.first().getByTestId('runs.delete').click();
  await expect(rows).toHaveCount(1);
  await expect(app.byTestId('runs.usage')).toContainText('1 run,');
  expect(errors).toEqual([]);
});
