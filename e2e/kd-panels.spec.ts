// End-to-end: the KD pipeline panels in Chromium with WebGPU (SwiftShader here), through their
// labels (getByLabel), as a person would:
// 1. Student: a KroneckerBERT shows its factor shapes and a live size readout equal to the pure
//    arithmetic (config/model-size); TextCNN and BiLSTM show their settings; back to a tiny BERT.
// 2. Teacher: train one in the app (tiny-L1-H32, few steps); the ensemble field and its note.
// 3. Methods: each method's explanation and citation; Annealing-KD with small unit counts; its
//    schedule preview draws lines and lists the two phases; the SWA add-on marks its start.
// 4. A very small KD run (teacher then student) finishes: one chart per loss term, and a phase
//    marker where Annealing-KD moves to the labels, on the loss, term and dev-metric charts.
// 5. axe finds no serious or critical WCAG 2.1 A/AA violations in the three panels.
// 6. No console errors or uncaught page errors.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { runStudentSize } from '../src/config/model-size';
import { kronPresetSpec, modelPreset } from '../src/config/presets';
import { collectPageErrors, easyTaskFiles } from './fixtures';
import { AppPage } from './pages/app-page';

let context: BrowserContext;
let page: Page;
let app: AppPage;
let errors: string[];

test.beforeAll(async ({ browser }) => {
  // A context of our own: axe's Playwright builder needs one (not browser.newPage()).
  context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
  page = await context.newPage();
  errors = collectPageErrors(page);
  // React 19 reports an uncaught render error with window.reportError, which Playwright's
  // 'pageerror' does not see; turn it into a console error the collector does.
  await page.addInitScript(() => {
    window.addEventListener('error', (e) => console.error(`window error: ${e.message}`));
  });
  app = new AppPage(page);
  await app.goto();
});

test.afterAll(async () => {
  await context.close();
});

test('student panel: KroneckerBERT factors and a live size readout; CNN and LSTM settings', async () => {
  await expect(app.byTestId('task.rows.train')).not.toHaveText('0');
  const student = page.getByTestId('students.panel');
  await student.getByLabel('Student model').selectOption({ label: 'KroneckerBERT' });
  await expect(student.getByLabel('Kronecker preset')).toHaveValue('kron-mini-8x');
  await expect(app.byTestId('students.factors')).toContainText('Attention Q, K, V, O');
  await expect(app.byTestId('students.factors')).toContainText('128×64'); // A of the 8× preset

  // The readout is the pure arithmetic at the form's vocabulary, the task's labels and maxLen.
  const vocab = Number(await app.byTestId('config.vocabSize').inputValue());
  const maxLen = Number(await app.byTestId('config.maxLen').inputValue());
  const ctx = {
    vocabSize: vocab,
    numLabels: 2,
    maxPositions: Math.max(512, maxLen),
    seqLen: maxLen,
  };
  const kron = runStudentSize(
    { model: modelPreset('bert-L4-H256')!, student: kronPresetSpec('kron-mini-8x') },
    ctx,
  );
  await expect(app.byTestId('students.params')).toHaveAttribute('data-value', String(kron.params));
  await expect(app.byTestId('students.flops')).toHaveAttribute(
    'data-value',
    String(kron.flopsPerToken),
  );
  await expect(app.byTestId('students.compression')).toHaveText(
    `${kron.compression!.toFixed(1)}× vs dense twin`,
  );

  // Editing a factor updates the readout live; one that does not tile says why.
  await student.getByLabel('Attention A cols n1').fill('128');
  await expect(student.getByLabel('Kronecker preset')).toHaveValue('custom');
  await student.getByLabel('Attention A cols n1').fill('100');
  await expect(app.byTestId('students.factors.error')).toContainText('does not tile');
  await student.getByLabel('Kronecker preset').selectOption('kron-mini-16x');
  await expect(app.byTestId('students.factors.error')).toHaveCount(0);

  await student.getByLabel('Student model').selectOption({ label: 'TextCNN' });
  await expect(student.getByLabel('Window widths')).toHaveValue('3, 4, 5');
  await expect(student.getByLabel('Filters per width')).toHaveValue('100');
  await student.getByLabel('Student model').selectOption({ label: 'BiLSTM' });
  await expect(student.getByLabel('LSTM state size')).toHaveValue('150');

  await student.getByLabel('Student model').selectOption({ label: 'BERT (dense)' });
  await student.getByLabel('Student size').selectOption('tiny-L1-H32');
  await expect(app.byTestId('config.preset')).toHaveValue('tiny-L1-H32');
});

test('teacher and method panels: explanation, citation, editable defaults and a schedule preview', async () => {
  await app.loadFiles(easyTaskFiles(), 'own');
  await expect(app.byTestId('task.rows.train')).toHaveText('128');
  await app.configure({ steps: 20, batchSize: 8, maxLen: 24, lr: 0.01, warmup: 0, evalEvery: 100 });

  const teacher = page.getByTestId('teacher.panel');
  await teacher.getByLabel('Teacher source').selectOption({ label: 'Train one in the app' });
  await teacher.getByLabel('Teacher model').selectOption('tiny-L1-H32');
  await teacher.getByLabel('Teacher steps', { exact: true }).fill('12');
  await teacher.getByLabel('Teacher learning rate').fill('0.01');
  // An ensemble of teachers: the note says what it does; back to one for the run.
  const members = teacher.getByLabel('Ensemble members', { exact: true });
  await expect(members).toHaveValue('1');
  await members.fill('3');
  await expect(app.byTestId('teacher.footprints')).toContainText('3 teachers are trained');
  await members.fill('1');
  await expect(app.byTestId('teacher.footprints')).toContainText('Trained first');

  const methods = page.getByTestId('methods.panel');
  const kind = methods.getByLabel('KD method');
  await kind.selectOption({ label: 'Vanilla KD' });
  await expect(app.byTestId('methods.citation')).toContainText('arXiv:1503.02531');
  await expect(methods.getByLabel('Temperature T', { exact: true })).toHaveValue('2');
  await expect(methods.getByLabel('α (label weight)', { exact: true })).toHaveValue('0.5');

  await kind.selectOption({ label: 'Annealing-KD' });
  await expect(app.byTestId('methods.citation')).toContainText('arXiv:2104.07163');
  await expect(methods.getByLabel('τ_max', { exact: true })).toHaveValue('10');
  await methods.getByLabel('τ_max', { exact: true }).fill('2');
  await methods.getByLabel('Phase-1 units n1', { exact: true }).fill('2');
  await methods.getByLabel('Phase-2 units n2', { exact: true }).fill('1');
  const preview = app.byTestId('methods.preview');
  await expect(app.byTestId('methods.preview.stages')).toHaveText(
    /anneal: steps 1–13\s*labels: steps 14–20/,
  );
  await expect(preview.locator('.recharts-line')).not.toHaveCount(0);
  await expect(preview).toContainText('teacher scale Φ / φ');

  // SWA marks its start on the preview; switched off again for the run.
  await methods.getByLabel('SWA fine-tuning').check();
  await expect(app.byTestId('methods.preview.stages')).toContainText('SWA from step 17');
  await methods.getByLabel('SWA fine-tuning').uncheck();
  await expect(app.byTestId('methods.preview.stages')).not.toContainText('SWA');

  // The Glitter add-on: its fields, a cross-field error, the URL; switched off again.
  const glitter = app.byTestId('methods.glitter');
  await glitter.getByLabel('Glitter augmentation').check();
  await expect(glitter.getByLabel('Candidates K', { exact: true })).toHaveValue('8');
  await expect(glitter.getByLabel('Weight', { exact: true })).toHaveValue('0.5');
  await glitter.getByLabel('Selected k', { exact: true }).fill('9');
  await expect(app.byTestId('error.methods.glitter.select')).toContainText('select must be ≤');
  await glitter.getByLabel('Selected k', { exact: true }).fill('2');
  await expect(app.byTestId('error.methods.glitter.select')).toHaveCount(0);
  await expect
    .poll(() => new URL(page.url()).searchParams.get('kd.glitter'))
    .toContain('"select":2');
  // Label noise: on, an out-of-range rate is refused, off.
  const noise = app.byTestId('methods.noise');
  await noise.getByLabel('Noisy labels').check();
  await expect(noise.getByLabel('Noise rate')).toHaveValue('0.2');
  await noise.getByLabel('Noise rate').fill('1');
  await expect(app.byTestId('error.methods.noise.rate')).toBeVisible();
  await noise.getByLabel('Noise rate').fill('0.3');
  const axe = await new AxeBuilder({ page })
    .include('[data-testid="methods.glitter"]')
    .include('[data-testid="methods.noise"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
    [],
  );
  await noise.getByLabel('Noisy labels').uncheck();
  await glitter.getByLabel('Glitter augmentation').uncheck();
  await expect(page).not.toHaveURL(/kd\.glitter/);
  await expect(app.byTestId('config.errors')).toHaveCount(0);
});

test('axe: the KD panels have no serious or critical violations', async () => {
  const result = await new AxeBuilder({ page })
    .include('[data-testid="teacher.panel"]')
    .include('[data-testid="students.panel"]')
    .include('[data-testid="methods.panel"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, bad.join('\n')).toEqual([]);
});

test('a tiny KD run on WebGPU: loss terms and a stage marker', async () => {
  // Teacher (12 steps) then student (20 steps, the teacher's kernels already compiled). On an idle
  // machine about a minute; the first step compiles kernels (10-40 s on SwiftShader, minutes when
  // the CPU is shared), hence the generous limits.
  test.setTimeout(600_000);
  expect(await app.backendName()).toBe('webgpu');
  await app.start();
  const done = await app.waitFor(
    'done',
    (s) => s.phase === 'done' || s.phase === 'failed',
    540_000,
  );
  expect(done.runError).toBeNull();
  expect(done.phase).toBe('done');
  expect(done.lossCount).toBe(20);
  await expect(app.byTestId('teacher.result')).toContainText('parameters');

  const terms = app.byTestId('chart.terms');
  await expect(terms.getByTestId('chart.term.mse')).toBeVisible();
  await expect(terms.getByTestId('chart.term.phi')).toBeVisible();
  await expect(terms.getByTestId('chart.term.ce')).toBeVisible();
  await expect(terms.locator('.recharts-line')).toHaveCount(3);
  await expect(app.byTestId('chart.stages')).toHaveText(
    'Stages — anneal: steps 1–13 · labels: steps 14–20',
  );
  // A vertical marker line (zero width, so not 'visible' to Playwright) on both charts.
  for (const chart of ['chart.loss', 'chart.metric']) {
    const line = app.byTestId(chart).locator('.recharts-reference-line-line').first();
    await expect(line).toHaveAttribute('x1', /^\d/);
    expect(await line.getAttribute('x1')).toBe(await line.getAttribute('x2'));
  }
  await expect(app.byTestId('chart.loss')).toContainText('labels');
  if (process.env['DISTILLERY_KD_SCREENSHOT']) {
    await page.screenshot({ path: process.env['DISTILLERY_KD_SCREENSHOT'], fullPage: true });
  }
});

test('no console errors or uncaught page errors', async () => {
  expect(errors).toEqual([]);
  // React reports a render error by unmounting the app; the page must still be there.
  await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
  await expect(app.byTestId('methods.panel')).toBeVisible();
});
