// End-to-end: a reload in the middle of a run resumes it (issue 5, items 4 and 7). A tiny run on
// the embedded task (WebGPU, SwiftShader here) saves a resume point at its first dev evaluation;
// the page is reloaded mid-run; the run is listed as interrupted with a Resume button; Resume
// continues it from the saved step (never from step 1) in the same saved run, which ends 'done'
// with each step recorded once. No console errors.
import { expect, test } from '@playwright/test';
import { collectPageErrors } from './fixtures';
import { AppPage } from './pages/app-page';

/** The resume points stored in the page's IndexedDB: run id → step. */
async function resumePoints(app: AppPage): Promise<Record<string, number>> {
  return app.page.evaluate(
    () =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const req = indexedDB.open('distillery');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('resume')) {
            db.close();
            resolve({});
            return;
          }
          const all = db.transaction('resume').objectStore('resume').getAll();
          all.onsuccess = () => {
            const out: Record<string, number> = {};
            for (const r of all.result as { runId: string; step: number }[]) out[r.runId] = r.step;
            db.close();
            resolve(out);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

test('a reload mid-run: the run is interrupted, Resume continues it from its last evaluation to done', async ({
  page,
}) => {
  // On an idle machine: first step ~15-40 s (kernel compilation), ~1 step/s, a dev pass over the
  // 800 dev rows ~20 s; the reload compiles again. 8 steps with an evaluation at 4 and 8 (the last
  // one leaves time to reload before the run ends). Generous limits for a loaded machine.
  test.setTimeout(1_500_000);
  const errors = collectPageErrors(page);
  const app = new AppPage(page);
  await app.goto();
  expect(await app.backendName()).toBe('webgpu');
  await expect(app.byTestId('task.rows.train')).not.toHaveText('0');
  await app.configure({
    preset: 'tiny-L1-H32',
    batchSize: 8,
    maxLen: 24,
    lr: 0.01,
    warmup: 0,
    seed: 3,
    steps: 8,
    evalEvery: 4,
  });
  await app.start();

  // The first evaluation lands, then its resume point; reload while the run goes on.
  await expect
    .poll(async () => Object.values(await resumePoints(app)), {
      message: 'a resume point',
      timeout: 720_000,
    })
    .toEqual([4]);
  const before = await app.snapshot();
  expect(before.phase).toBe('training');
  expect(before.step).toBeLessThan(8);
  const lossesBefore = before.firstLosses.slice(0, 4);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();

  const row = app.byTestId('runs.row').first();
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  const runId = await row.getAttribute('data-run-id');
  expect(runId).toBeTruthy();
  expect(Object.keys(await resumePoints(app))).toEqual([runId]);
  await expect(app.byTestId('runs.interrupted')).toContainText('press Resume');
  await expect(row.getByTestId('runs.resume')).toBeVisible();
  await row.getByTestId('runs.resume').click();

  // Every step the page sees from now on is at or past the resume point's: no restart.
  const seen: number[] = [];
  await expect
    .poll(
      async () => {
        const s = await app.snapshot();
        if (s.progress) seen.push(s.step);
        return s.phase;
      },
      { message: 'the resumed run ends', timeout: 720_000, intervals: [500] },
    )
    .toBe('done');
  expect(seen.length).toBeGreaterThan(0);
  expect(Math.min(...seen)).toBeGreaterThanOrEqual(4);
  const done = await app.snapshot();
  expect(done.step).toBe(8);
  // The charts hold the stored history and the resumed steps, each step once.
  expect(done.lossCount).toBe(8);
  expect(done.firstLosses.slice(0, 4)).toEqual(lossesBefore);
  expect(done.evalCount).toBe(2);

  const same = app.page.locator(`[data-testid="runs.row"][data-run-id="${runId}"]`);
  await expect(same).toHaveAttribute('data-status', 'done');
  await expect(same).toContainText('8 of 8 steps');
  await expect(app.byTestId('runs.row')).toHaveCount(1);
  // The ended run's resume point is deleted (after its status is written).
  await expect.poll(() => resumePoints(app), { message: 'no resume point left' }).toEqual({});
  expect(errors).toEqual([]);
});
