// End-to-end: the whole pipeline in one flow, in Chromium with WebGPU (SwiftShader here).
// Data (a small task the tiny model learns; the embedded task's 8,000 training rows would make
// each student's teacher-logit cache and 800-row dev evaluations take minutes on SwiftShader) →
// a teacher (a plain tiny run, saved) → two students under two methods (vanilla KD, then
// Annealing-KD), each taught by the saved teacher checkpoint (loaded, not retrained; its
// vocabulary adopted) → Compare with the two students and the teacher (metrics, agreement) →
// typed text answered by each checkpoint. A bad teacher (a checkpoint gone from this browser) is
// refused in the Teacher panel. Screenshots go to test-results and are checked for content; no
// console errors.
import { statSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { collectPageErrors, easyTaskFiles } from './fixtures';
import { AppPage } from './pages/app-page';

let context: BrowserContext;
let page: Page;
let app: AppPage;
let errors: string[];

const TINY = { preset: 'tiny-L1-H32', batchSize: 8, maxLen: 24, lr: 0.01, warmup: 0 };

test.beforeAll(async ({ browser }) => {
  // A context of our own: axe's Playwright builder needs one (not browser.newPage()).
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  page = await context.newPage();
  errors = collectPageErrors(page);
  app = new AppPage(page);
  await app.goto();
  await expect(app.byTestId('runs.empty')).toBeVisible();
});

test.afterAll(async () => {
  await context.close();
});

/** Starts the configured run and waits for it to end; returns the snapshot. */
async function runToEnd(what: string, steps: number) {
  await app.start();
  const done = await app.waitFor(
    `${what} done`,
    (s) => s.phase === 'done' || s.phase === 'failed',
    420_000, // the first step compiles every kernel: minutes on a loaded SwiftShader machine
  );
  expect(done.runError).toBeNull();
  expect(done.lossCount).toBe(steps);
  // The run is saved (status written) before the next one starts.
  await expect(app.byTestId('runs.row').first()).toHaveAttribute('data-status', 'done', {
    timeout: 60_000,
  });
  return done;
}

/** A full-page screenshot in this test's output folder, checked to hold an image of some size. */
async function screenshot(name: string): Promise<void> {
  const path = test.info().outputPath(name);
  await page.screenshot({ path, fullPage: true });
  // A blank page PNG is a few kB; the app with its panels and charts is far more.
  expect(statSync(path).size).toBeGreaterThan(50_000);
}

test('data, teacher, two students under two methods from the saved teacher, compare, typed text', async () => {
  test.setTimeout(1_200_000);
  expect(await app.backendName()).toBe('webgpu');

  // Data.
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(app.byTestId('task.rows.train')).toHaveText('128');
  await expect(app.byTestId('task.rows.dev')).toHaveText('32');

  // The teacher: a plain tiny run, saved with its best checkpoint.
  await app.configure({ ...TINY, steps: 30, evalEvery: 15, seed: 1 });
  await runToEnd('teacher run', 30);
  const rows = app.byTestId('runs.row');
  await expect(rows).toHaveCount(1);

  const teacherPanel = page.getByTestId('teacher.panel');
  const methods = page.getByTestId('methods.panel');
  const source = teacherPanel.getByLabel('Teacher source');
  const pick = teacherPanel.getByLabel('Saved checkpoint');

  // Student 1: vanilla KD from the saved checkpoint (keyboard: focus the select, pick by arrows).
  await app.configure({ ...TINY, steps: 12, evalEvery: 12, seed: 2 });
  await methods.getByLabel('KD method').selectOption({ label: 'Vanilla KD' });
  // The Hugging Face fields validate in place (a run with one: e2e/hf-teacher.spec.ts).
  await source.selectOption({ label: 'Hugging Face BERT' });
  const hfModel = teacherPanel.getByLabel('Model id or URL');
  await expect(app.byTestId('error.teacher.hf')).toContainText('give a Hugging Face model id');
  await hfModel.fill('not a/valid id');
  await expect(app.byTestId('error.teacher.hf')).toContainText('not a Hugging Face model id');
  await hfModel.fill('https://huggingface.co/owner/tiny-bert-sst2');
  await expect(app.byTestId('error.teacher.hf')).toHaveCount(0);
  await teacherPanel.getByLabel('Hugging Face files from').selectOption('files');
  await expect(app.byTestId('error.teacher.hf')).toContainText(
    'pick config.json, model.safetensors',
  );
  await teacherPanel.getByLabel('Teacher files').setInputFiles([
    { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from('{}') },
    { name: 'vocab.txt', mimeType: 'text/plain', buffer: Buffer.from('[PAD]\n[UNK]\n') },
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.alloc(16) },
  ]);
  await expect(app.byTestId('teacher.hf.held')).toContainText('model.safetensors (16 B)');
  await expect(app.byTestId('error.teacher.hf')).toHaveCount(0);
  await expect(app.byTestId('teacher.tokenizer')).toContainText("teacher's vocabulary");
  await source.selectOption({ label: 'Saved checkpoint' });
  // Until one is picked the run cannot start and the field says why.
  await expect(app.byTestId('error.teacher.checkpoint')).toContainText('pick a saved checkpoint');
  await expect(app.byTestId('run.start')).toBeDisabled();
  const options = pick.locator('option');
  await expect(options).toHaveCount(2); // the prompt and the teacher run's best
  await expect(options.nth(1)).toContainText(
    / · best · step 30 · dev [01]?\.\d+ · [\d.]+ (KiB|MiB)/,
  );
  await pick.focus();
  await page.keyboard.press('ArrowDown');
  await expect(pick).not.toHaveValue('');
  const teacherKey = await pick.inputValue();
  expect(teacherKey).toMatch(/^kd\/[^/]+\/step-\d+$/);
  await expect(app.byTestId('error.teacher.checkpoint')).toHaveCount(0);
  // The tokenizer is the teacher's: the vocabulary field is fixed and says so.
  await expect(app.byTestId('teacher.tokenizer')).toContainText("teacher's vocabulary");
  await expect(app.byTestId('config.vocabSize')).toBeDisabled();
  await expect(page.getByText('fixed by the teacher')).toBeVisible();
  await screenshot('pipeline-teacher-panel.png');
  const axe = await new AxeBuilder({ page })
    .include('[data-testid="teacher.panel"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, bad.join('\n')).toEqual([]);
  await runToEnd('vanilla KD student', 12);
  // The teacher was loaded (its dev result shown, from its checkpoint), not trained again.
  await expect(app.byTestId('teacher.result')).toContainText(`checkpoint ${teacherKey}`);
  await expect(app.byTestId('teacher.result')).toContainText(/dev \d/);
  await expect(rows).toHaveCount(2);

  // Student 2: Annealing-KD (small unit counts) from the same checkpoint.
  await app.configure({ seed: 3 });
  await methods.getByLabel('KD method').selectOption({ label: 'Annealing-KD' });
  await methods.getByLabel('τ_max', { exact: true }).fill('2');
  await methods.getByLabel('Phase-1 units n1', { exact: true }).fill('2');
  await methods.getByLabel('Phase-2 units n2', { exact: true }).fill('1');
  await expect(pick).toHaveValue(teacherKey);
  const annealed = await runToEnd('Annealing-KD student', 12);
  expect(annealed.runError).toBeNull();
  await expect(app.byTestId('teacher.result')).toContainText(`checkpoint ${teacherKey}`);
  await expect(app.byTestId('chart.stages')).toContainText('anneal');
  await expect(rows).toHaveCount(3);

  // A checkpoint that is not in this browser (a link from elsewhere): named, and nothing starts.
  await page.evaluate(() => {
    const url = new URL(window.location.href);
    url.searchParams.set('teacher.params', JSON.stringify({ key: 'kd/elsewhere/step-5' }));
    window.history.replaceState(null, '', url);
  });
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
  await expect(app.byTestId('teacher.checkpoint.missing')).toContainText('kd/elsewhere/step-5');
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(rows).toHaveCount(3);
  await app.start();
  await expect(app.byTestId('teacher.error')).toContainText(
    'no saved checkpoint kd/elsewhere/step-5 in this browser',
    { timeout: 60_000 },
  );
  await expect(rows).toHaveCount(3); // nothing was recorded

  // Compare: both students (newest first) and the teacher run's best.
  for (const row of [rows.nth(0), rows.nth(1), rows.nth(2)]) {
    await row.locator('[data-testid="runs.pick"][data-label^="best"]').check();
  }
  await app.byTestId('compare.run').click();
  await expect(app.byTestId('compare.results')).toBeVisible({ timeout: 300_000 });
  await expect(app.byTestId('compare.row')).toHaveCount(3);
  await expect(app.byTestId('compare.row.error')).toHaveCount(0);
  for (const cell of await app.byTestId('compare.metric.accuracy').all()) {
    const v = Number(await cell.innerText());
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
  await expect(app.byTestId('compare.confusion')).toHaveCount(3);
  const agreement = app.byTestId('compare.agreement');
  await expect(agreement).toBeVisible();
  await expect(agreement.locator('td')).not.toHaveCount(0);
  for (const td of await agreement.locator('td').allInnerTexts()) {
    expect(td).toMatch(/\d/);
  }

  // Typed inference: each of the three answers with a label, probabilities and a latency.
  await app.byTestId('predict.input').fill('the plot was wonderful .');
  await expect(app.byTestId('predict.result')).toHaveCount(3, { timeout: 120_000 });
  for (const r of await app.byTestId('predict.result').all()) {
    await expect(r.getByTestId('predict.label')).toHaveText(/positive|negative/);
    await expect(r.getByTestId('predict.latency')).toContainText('ms');
  }
  await screenshot('pipeline-compare.png');
  expect(errors).toEqual([]);
});
