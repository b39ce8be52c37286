// Page object for the Distillery app: locators by data-testid, the typed window.__kdTest hook,
// and the few compound actions the specs need (configure a run, load files, wait for a phase).
import { expect, type Locator, type Page } from '@playwright/test';
import type { KdTestSnapshot } from '../../src/store/test-hook';
import type {} from '../../src/ui/test-hook'; // window.__kdTest's global type

/** Run settings the specs change; everything else keeps its default. */
export interface RunSettings {
  preset?: string;
  steps?: number;
  batchSize?: number;
  lr?: number;
  warmup?: number;
  evalEvery?: number;
  maxLen?: number;
  seed?: number;
}

const NUMBER_FIELDS: ReadonlyArray<[Exclude<keyof RunSettings, 'preset'>, string]> = [
  ['steps', 'config.steps'],
  ['batchSize', 'config.batchSize'],
  ['lr', 'config.lr'],
  ['warmup', 'config.warmup'],
  ['evalEvery', 'config.evalEvery'],
  ['maxLen', 'config.maxLen'],
  ['seed', 'config.seed'],
];

export class AppPage {
  constructor(readonly page: Page) {}

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  get backendBadge(): Locator {
    return this.byTestId('backend.badge');
  }

  async goto(): Promise<void> {
    await this.page.goto('/');
    await expect(this.page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
  }

  /** The test hook's snapshot of the store. */
  async snapshot(): Promise<KdTestSnapshot> {
    return this.page.evaluate(() => {
      const hook = window.__kdTest;
      if (!hook) throw new Error('window.__kdTest is not installed');
      return hook.snapshot();
    });
  }

  /** Polls the snapshot until `ok` holds (or the expect timeout passes). */
  async waitFor(
    what: string,
    ok: (s: KdTestSnapshot) => boolean,
    timeout = 120_000,
  ): Promise<KdTestSnapshot> {
    await expect.poll(async () => ok(await this.snapshot()), { message: what, timeout }).toBe(true);
    return this.snapshot();
  }

  /** Waits for the backend to be ready and returns its name. */
  async backendName(): Promise<string> {
    const s = await this.waitFor('backend ready', (x) => x.backendStatus !== 'starting', 60_000);
    if (s.backendStatus === 'failed') throw new Error('the backend failed to start');
    return s.backend ?? '';
  }

  async configure(settings: RunSettings): Promise<void> {
    if (settings.preset) await this.byTestId('config.preset').selectOption(settings.preset);
    for (const [key, testId] of NUMBER_FIELDS) {
      const value = settings[key];
      if (value !== undefined) await this.byTestId(testId).fill(String(value));
    }
    await expect(this.byTestId('config.errors')).toHaveCount(0);
  }

  async start(): Promise<void> {
    await expect(this.byTestId('run.start')).toBeEnabled();
    await this.byTestId('run.start').click();
  }

  async pause(): Promise<void> {
    await this.byTestId('run.pause').click();
  }

  async resume(): Promise<void> {
    await this.byTestId('run.resume').click();
  }

  async stop(): Promise<void> {
    await this.byTestId('run.stop').click();
  }

  /** Chooses files through the file chooser (the Files source), with a GLUE layout or 'own'. */
  async loadFiles(
    files: string[] | Array<{ name: string; mimeType: string; buffer: Buffer }>,
    layout: string,
  ): Promise<void> {
    await this.byTestId('task.source.file').check();
    await this.byTestId('task.layout').selectOption(layout);
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByText('Choose files…').click();
    await (await chooser).setFiles(files);
    await expect(this.byTestId('task.loading')).toHaveCount(0, { timeout: 60_000 });
  }

  /** Train and dev rows as the task summary shows them (thousands separators removed). */
  async taskRows(): Promise<{ train: number; dev: number }> {
    const num = async (id: string) =>
      Number((await this.byTestId(id).innerText()).replace(/,/g, ''));
    return { train: await num('task.rows.train'), dev: await num('task.rows.dev') };
  }
}
