// `npm run regress [-- --suite short|full] [--update] [--grep <case>]`: runs the regression suite
// (e2e/regress.spec.ts) headless in Chromium on WebGPU through Playwright, with the same config as
// the e2e tests (playwright.config.ts), and exits non-zero on a regression. Report:
// reports/regress/report.html and report.json; baselines: e2e/regress/baselines/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const HELP = `Usage: npm run regress -- [--suite short|full] [--update] [--grep <case name>]

  --suite   short (default; what CI runs, minutes on software WebGPU) or full (every demo preset
            too, sized for a real GPU)
  --update  rewrite e2e/regress/baselines/<case>.json from this run instead of comparing
  --grep    only the cases whose test title matches (Playwright --grep)

Tolerances: exact (1e-6) on the machine, browser and adapter that wrote a baseline; elsewhere 15%
(or 0.05) on losses and 0.1 on the dev metric. See docs/regression.md.`;

/** The Playwright command line and environment for the given flags (pure, for tests). */
export function regressCommand(argv: string[]): {
  args: string[];
  env: Record<string, string>;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      suite: { type: 'string', default: 'short' },
      update: { type: 'boolean', default: false },
      grep: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.suite !== 'short' && values.suite !== 'full') {
    throw new Error(`--suite must be short or full, not '${values.suite}'`);
  }
  const args = ['playwright', 'test', 'e2e/regress.spec.ts', '--reporter=list'];
  if (values.grep) args.push('--grep', values.grep);
  return {
    args,
    env: { REGRESS_SUITE: values.suite, REGRESS_UPDATE: values.update ? '1' : '0' },
  };
}

function main(): number {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  let cmd;
  try {
    cmd = regressCommand(argv);
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    return 2;
  }
  if (!existsSync(process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium')) {
    console.log("No system Chromium: fetching Playwright's (npx playwright install chromium)");
    spawnSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' });
  }
  console.log(
    `$ ${Object.entries(cmd.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} npx ${cmd.args.join(' ')}`,
  );
  const r = spawnSync('npx', cmd.args, { stdio: 'inherit', env: { ...process.env, ...cmd.env } });
  console.log('\nReport: reports/regress/report.html (and report.json)');
  return r.status ?? 1;
}

// Run as a script, not when a test imports regressCommand.
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) process.exit(main());
