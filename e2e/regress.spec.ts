// Regression runs: each case of a suite (e2e/regress/suites.ts; REGRESS_SUITE=short|full, short by
// default, which is what `npx playwright test` and CI run) trains in a fresh page on WebGPU and its
// final metrics and losses are compared with e2e/regress/baselines/<case>.json (tolerances in
// e2e/regress/compare.ts). REGRESS_UPDATE=1 rewrites the baselines. A failure names the metric, the
// two values, the difference and the limit. Reports: reports/regress/report.{json,html}.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { format } from 'prettier';
import { encodeRunConfig, jsonEqual } from '../src/config/url';
import { collectPageErrors } from './fixtures';
import { AppPage } from './pages/app-page';
import { compareRun, describeFailures, parseBaseline, type Baseline } from './regress/compare';
import {
  applyByControls,
  controlsGaps,
  hookVersion,
  pageConfig,
  runEnv,
  startAndMeasure,
} from './regress/driver';
import { writeReport, type CaseReport } from './regress/report';
import { suiteCases, suiteFromEnv } from './regress/suites';

const suite = suiteFromEnv(process.env['REGRESS_SUITE']);
const update = process.env['REGRESS_UPDATE'] === '1';
const BASELINES = join(import.meta.dirname, 'regress', 'baselines');
const REPORT_DIR = join('reports', 'regress');
const reports: CaseReport[] = [];

function readBaseline(name: string): Baseline | null {
  const path = join(BASELINES, `${name}.json`);
  if (!existsSync(path)) return null;
  return parseBaseline(readFileSync(path, 'utf8'), path);
}

/** Writes a baseline as Prettier formats JSON, so committed baselines pass `prettier --check`. */
async function writeBaseline(b: Baseline): Promise<void> {
  mkdirSync(BASELINES, { recursive: true });
  const text = await format(JSON.stringify(b), { parser: 'json' });
  writeFileSync(join(BASELINES, `${b.case}.json`), text);
}

test.afterAll(() => {
  const paths = writeReport(REPORT_DIR, {
    suite,
    createdAt: new Date().toISOString(),
    update,
    cases: reports,
  });
  console.log(`regression report: ${paths.html}`);
});

for (const c of suiteCases(suite)) {
  test(`regress ${c.name}: ${c.title}`, async ({ browser }) => {
    // SwiftShader: ~30 s of kernel compilation, then ~1 step/s for the tiny models.
    test.setTimeout(suite === 'short' ? 720_000 : 1_800_000);
    const configUrl = encodeRunConfig(c.config).toString();
    const rep: CaseReport = {
      name: c.name,
      title: c.title,
      configUrl,
      status: 'error',
      reason: null,
      env: null,
      measure: null,
      baseline: null,
      verdict: null,
    };
    reports.push(rep);
    rep.baseline = update ? null : readBaseline(c.name);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectPageErrors(page);
    try {
      for (const [url, body] of Object.entries(c.serve)) {
        await page.route(url, (route) =>
          route.fulfill({ status: 200, contentType: 'text/tab-separated-values', body }),
        );
      }
      const app = new AppPage(page);
      await page.goto(`/?${configUrl}`);
      await expect(page.getByRole('heading', { name: 'Distillery' })).toBeVisible();
      if ((await hookVersion(page)) >= 2) {
        // The page read the run from the URL: it must hold exactly the case's config.
        await app.waitFor('task loaded', (s) => s.taskRows !== null, 120_000);
        expect(jsonEqual(await pageConfig(page), c.config), 'the page holds the URL config').toBe(
          true,
        );
      } else {
        const gaps = controlsGaps(c.config);
        if (gaps.length > 0) {
          rep.status = 'skipped';
          rep.reason =
            `the page cannot take this run from its URL yet (test hook version 1), and the form ` +
            `controls cannot set ${gaps.join(', ')}`;
          test.skip(true, rep.reason);
          return;
        }
        await applyByControls(app, c.config);
      }
      rep.env = await runEnv(app);
      const { measure } = await startAndMeasure(app, suite === 'short' ? 600_000 : 1_500_000);
      rep.measure = measure;
      expect(errors, 'console errors during the run').toEqual([]);
      if (update) {
        await writeBaseline({
          case: c.name,
          configUrl,
          env: rep.env,
          createdAt: new Date().toISOString(),
          measure,
        });
        rep.status = 'updated';
        return;
      }
      if (!rep.baseline) {
        rep.status = 'no-baseline';
        rep.reason = `no baseline e2e/regress/baselines/${c.name}.json: run \`npm run regress -- --update\``;
        throw new Error(rep.reason);
      }
      const verdict = compareRun(c.name, configUrl, rep.env, measure, rep.baseline);
      rep.verdict = verdict;
      rep.status = verdict.ok ? 'pass' : 'fail';
      if (!verdict.ok) rep.reason = describeFailures(verdict);
      expect(verdict.ok, rep.reason ?? '').toBe(true);
    } catch (e) {
      if (rep.status === 'error') rep.reason = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      await page.close();
    }
  });
}
