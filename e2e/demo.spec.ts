// End-to-end: demo mode. The page URL sets up a run (bad keys named, the rest applied) and follows
// every edit; Copy link reproduces the setup in a fresh page; demo presets load from the menu and
// from the URL; presenter mode, theme, the shortcuts help, panel focus and start/pause work from
// the keyboard (and not while typing); the metrics CSV and a chart PNG download with real content;
// axe finds no serious or critical violations in the light or the dark theme; no console errors.
// One page trains (one worker: SwiftShader compiles kernels once); other pages only read setups.
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { demoPresetRuns, DEMO_PRESETS } from '../src/config/demo-presets';
import { jsonEqual } from '../src/config/url';
import { setupFromSearch, urlForState } from '../src/store/url-sync';
import { initialDemoSlice } from '../src/store/slices/demo';
import { collectPageErrors } from './fixtures';
import { AppPage } from './pages/app-page';

let context: BrowserContext;
let page: Page;
let app: AppPage;
let errors: string[];

// A tiny model, short sequences, many steps (the run is paused and stopped, never finished), no
// evaluation before the stop; plus two keys the page must reject (and say so).
const SETUP =
  'seed=7&arch=tiny-L1-H32&batch=8&maxLen=24&steps=400&lr=0.01&warmup=0&evalEvery=400' +
  '&bogus=1&wd=abc';

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  page = await context.newPage();
  errors = collectPageErrors(page);
  app = new AppPage(page);
  await page.goto(`/?${SETUP}`);
  await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
});

test.afterAll(async () => {
  await context.close();
});

/** Blurs whatever has focus, so keys go to the page. */
async function focusPage(p: Page): Promise<void> {
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

/** The page's address query, as the store wrote it. */
function query(p: Page): string {
  return new URL(p.url()).search;
}

test('the URL sets the run up: the form shows it, bad keys are named, the rest applied', async () => {
  const expected = setupFromSearch(SETUP);
  const notice = app.byTestId('url.problems');
  await expect(notice).toBeVisible();
  await expect(notice.getByTestId('url.problem')).toHaveCount(2);
  await expect(notice.locator('[data-key="bogus"]')).toContainText("unknown URL key 'bogus'");
  await expect(notice.locator('[data-key="wd"]')).toContainText("'abc' is not a number");

  await expect(app.byTestId('config.preset')).toHaveValue('tiny-L1-H32');
  await expect(app.byTestId('config.seed')).toHaveValue('7');
  await expect(app.byTestId('config.steps')).toHaveValue('400');
  await expect(app.byTestId('config.batchSize')).toHaveValue('8');
  await expect(app.byTestId('config.lr')).toHaveValue('0.01');
  await expect(app.byTestId('config.maxLen')).toHaveValue('24');
  await expect(app.byTestId('config.weightDecay')).toHaveValue('0.01');
  await app.waitFor('task loaded', (s) => s.taskRows !== null, 60_000);
  const snap = await app.snapshot();
  expect(jsonEqual(snap.config, expected.config)).toBe(true);
  expect(snap.demo.problems.map((p) => p.key)).toEqual(['bogus', 'wd']);

  // The address now says exactly the setup, bad keys gone, seed included.
  const canonical = urlForState(expected.config, initialDemoSlice)!.toString();
  expect(query(page)).toBe(`?${canonical}`);

  await app.byTestId('url.problems.dismiss').click();
  await expect(notice).toHaveCount(0);

  // An edit rewrites the address at once.
  await app.byTestId('config.steps').fill('300');
  await expect.poll(() => query(page)).toContain('steps=300');
  await app.byTestId('config.steps').fill('400');
  await expect.poll(() => query(page)).toBe(`?${canonical}`);
});

test('Copy link reproduces the setup in a fresh page', async () => {
  await app.byTestId('demo.copyLink').click();
  await expect(app.byTestId('demo.status')).not.toBeEmpty();
  const link =
    (await app.byTestId('demo.link').count()) > 0
      ? await app.byTestId('demo.link').inputValue()
      : await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(page.url());
  const other = await context.newPage();
  const otherErrors = collectPageErrors(other);
  await other.goto(link);
  const otherApp = new AppPage(other);
  await otherApp.waitFor('task loaded', (s) => s.taskRows !== null, 60_000);
  const [a, b] = [await app.snapshot(), await otherApp.snapshot()];
  expect(jsonEqual(b.config, a.config)).toBe(true);
  expect(b.demo.problems).toEqual([]);
  await expect(otherApp.byTestId('config.seed')).toHaveValue('7');
  await other.close();
  expect(otherErrors).toEqual([]);
});

test('demo presets: from the menu and from the URL', async () => {
  const other = await context.newPage();
  const otherErrors = collectPageErrors(other);
  const o = new AppPage(other);
  await other.goto('/?seed=1');
  await o.waitFor('task loaded', (s) => s.taskRows !== null, 60_000);
  // The first page keeps the stored queue (its Web Lock): this second tab says its queue is not
  // saved, and its queue works all the same (below).
  await expect(o.byTestId('queue.notice')).toContainText(
    'Another Distillery tab keeps the run queue',
  );
  await expect(o.byTestId('queue.notice')).toHaveAttribute('data-tone', 'problem');

  await o.byTestId('demo.presets.open').click();
  const menu = o.byTestId('demo.presets');
  for (const p of Object.values(DEMO_PRESETS)) await expect(menu).toContainText(p.title);
  await expect(menu).toContainText('Queue them all');
  await o.byTestId('demo.load.annealing-vs-vanilla.2').click();
  const run2 = demoPresetRuns('annealing-vs-vanilla')[1]!;
  await expect(o.byTestId('demo.current')).toContainText(
    DEMO_PRESETS['annealing-vs-vanilla']!.title,
  );
  await expect(o.byTestId('demo.current')).toContainText(`run 2 of 2: ${run2.name}`);
  expect(jsonEqual((await o.snapshot()).config, run2)).toBe(true);
  await expect.poll(() => query(other)).toBe('?seed=1&preset=annealing-vs-vanilla&run=2');
  await expect(o.byTestId('demo.load.annealing-vs-vanilla.2')).toHaveAttribute(
    'aria-current',
    'true',
  );
  await expect(o.byTestId('demo.load.annealing-vs-vanilla.1')).not.toHaveAttribute('aria-current');
  await expect(o.byTestId('config.preset')).toHaveValue(run2.preset);

  // By URL, with another seed: the preset's run 2 under seed 3.
  await other.goto('/?preset=vanilla-vs-none&run=2&seed=3');
  await o.waitFor('task loaded', (s) => s.taskRows !== null, 60_000);
  const vRun2 = demoPresetRuns('vanilla-vs-none')[1]!;
  const snap = await o.snapshot();
  expect(jsonEqual(snap.config, { ...vRun2, train: { ...vRun2.train, seed: 3 } })).toBe(true);
  expect(snap.demo).toMatchObject({ preset: 'vanilla-vs-none', run: 2, problems: [] });
  await expect(o.byTestId('demo.current')).toContainText(vRun2.name);
  await expect(o.byTestId('config.seed')).toHaveValue('3');

  // Queue a whole preset: both runs listed in order, the first one starts.
  await o.byTestId('demo.presets.open').click();
  await o.byTestId('demo.queue.annealing-vs-vanilla').click();
  const names = demoPresetRuns('annealing-vs-vanilla').map((r) => r.name);
  await o.waitFor(
    'the first queued run starts',
    (x) => x.session.runs.length === 2 && x.session.runs[0]!.status === 'running',
    60_000,
  );
  expect((await o.snapshot()).session.runs.map((r) => r.name)).toEqual(names);
  // Hold the queue (the second run stays queued) and leave: closing the page ends its worker.
  await o.byTestId('queue.hold').click();
  await o.waitFor('queue held', (x) => !x.session.auto && x.session.runs[1]!.status === 'queued');
  await other.close();
  expect(otherErrors).toEqual([]);
});

test('presenter mode, theme, help and panel focus from the keyboard; not while typing', async () => {
  const html = page.locator('html');
  await focusPage(page);
  await page.keyboard.press('m');
  await expect(html).toHaveAttribute('data-presenter', '');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(app.byTestId('demo.presenter')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => query(page)).toContain('presenter=1');

  await page.keyboard.press('d');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect.poll(() => query(page)).toContain('theme=light');
  await page.keyboard.press('d');
  await expect(html).toHaveAttribute('data-theme', 'dark');

  // Typing in a field: the keys are text, not shortcuts.
  const steps = app.byTestId('config.steps');
  await steps.focus();
  await page.keyboard.press('m');
  await page.keyboard.press('k');
  await page.keyboard.press('Shift+?');
  await expect(html).toHaveAttribute('data-presenter', '');
  expect((await app.snapshot()).phase).toBe('idle');
  await expect(app.byTestId('shortcuts.dialog')).toBeHidden();

  // The help: a modal dialog, focus inside, Escape closes it.
  await focusPage(page);
  await page.keyboard.press('Shift+?');
  const dialog = app.byTestId('shortcuts.dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading', { name: 'Keyboard shortcuts' })).toBeVisible();
  await expect(dialog).toContainText('start, pause or resume');
  await expect(app.byTestId('shortcuts.close')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect((await app.snapshot()).demo).toMatchObject({ presenter: true, theme: 'dark' });

  // n / p move focus between the dashboard panels.
  await focusPage(page);
  const focusedPanel = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el instanceof HTMLElement && el.matches('main section.panel')
        ? (el.querySelector('h2')?.textContent ?? '')
        : null;
    });
  const panels = await page.locator('main section.panel h2').allTextContents();
  await page.keyboard.press('n');
  await expect.poll(focusedPanel).toBe(panels[0]);
  await page.keyboard.press('n');
  await expect.poll(focusedPanel).toBe(panels[1]);
  await page.keyboard.press('p');
  await expect.poll(focusedPanel).toBe(panels[0]);
});

test('Space / K start, pause and resume a run; the CSV and a chart PNG download', async () => {
  // SwiftShader: 15-60 s of kernel compilation before the first step on an idle machine (minutes
  // on a busy one), then a few steps/s.
  test.setTimeout(600_000);
  expect(await app.backendName()).toBe('webgpu');
  await focusPage(page);
  await page.keyboard.press('k');
  await app.waitFor('started', (s) => s.phase !== 'idle', 30_000);
  const trained = await app.waitFor('≥ 6 loss points', (s) => s.lossCount >= 6, 480_000);
  expect(trained.phase).toBe('training');

  await page.keyboard.press('Space');
  const paused = await app.waitFor('paused', (s) => s.phase === 'paused', 60_000);
  await page.waitForTimeout(1_500);
  expect((await app.snapshot()).step).toBe(paused.step);
  await page.keyboard.press('k');
  await app.waitFor('resumed', (s) => s.phase === 'training' && s.step > paused.step, 60_000);
  await page.keyboard.press(' ');
  await app.waitFor('paused again', (s) => s.phase === 'paused', 60_000);
  await app.stop();
  const stopped = await app.waitFor('stopped', (s) => s.phase === 'stopped', 60_000);

  await app.byTestId('export.open').click();
  const csvDownload = page.waitForEvent('download');
  await app.byTestId('export.csv').click();
  const csvFile = await csvDownload;
  expect(csvFile.suggestedFilename()).toMatch(/^distillery-.*-metrics\.csv$/);
  const lines = readFileSync(await csvFile.path(), 'utf8')
    .trim()
    .split('\n');
  expect(lines[0]).toMatch(/^step,loss,lr,grad_norm,stage,/);
  const rows = lines.slice(1).map((l) => l.split(','));
  expect(rows).toHaveLength(stopped.lossCount);
  expect(rows.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i + 1));
  const losses = rows.map((r) => Number(r[1]));
  expect(losses.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
  expect(losses.slice(-stopped.lastLosses.length)).toEqual(stopped.lastLosses);
  await expect(app.byTestId('export.status')).toContainText(csvFile.suggestedFilename());

  const pngDownload = page.waitForEvent('download');
  await app.byTestId('export.png').filter({ hasText: 'Training loss' }).click();
  const png = readFileSync(await (await pngDownload).path());
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  expect(width).toBeGreaterThan(400);
  expect(height).toBeGreaterThan(200);
  await page.keyboard.press('Escape');
});

test('axe: no serious or critical violations in the dark and the light theme', async () => {
  for (const theme of ['dark', 'light'] as const) {
    if ((await page.locator('html').getAttribute('data-theme')) !== theme) {
      await app.byTestId('demo.theme').click();
    }
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await app.byTestId('demo.presets.open').click();
    await expect(app.byTestId('demo.presets').locator('.preset-list')).toBeVisible();
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${theme}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
      );
    expect(bad, bad.join('\n')).toEqual([]);
    await app.byTestId('demo.presets.open').click();
  }
});

test('no console errors or uncaught page errors', async () => {
  expect(errors).toEqual([]);
});
