#!/usr/bin/env node
// The whole test suite, as `npm test` runs it: type checks and lint (each counted as one check),
// the Vitest unit and integration projects, then the Playwright e2e suite in Chromium.
// Ends with the line `N passed, N failed` (skipped tests are reported on the line before it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const only = process.argv.slice(2); // e.g. `npm test -- unit e2e` runs those stages only
const want = (stage) => only.length === 0 || only.includes(stage);
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function check(name, cmd, args) {
  if (run(cmd, args)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

rmSync('reports', { recursive: true, force: true });
mkdirSync('reports', { recursive: true });

if (want('static')) {
  check('typecheck (worker realm)', 'npx', ['tsc', '-p', 'tsconfig.worker.json', '--noEmit']);
  check('typecheck (app realm)', 'npx', ['tsc', '-p', 'tsconfig.app.json', '--noEmit']);
  check('typecheck (node realm)', 'npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
  check('lint', 'npx', ['eslint', '.', '--max-warnings', '0']);
}

if (want('unit') || want('integration')) {
  const projects = ['unit', 'integration'].filter(want).flatMap((p) => ['--project', p]);
  const ok = run('npx', ['vitest', 'run', ...projects, '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json']);
  if (existsSync('reports/vitest.json')) {
    const r = JSON.parse(readFileSync('reports/vitest.json', 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    for (const file of r.testResults) {
      for (const t of file.assertionResults) if (t.status === 'failed') failures.push(t.fullName);
    }
    if (!ok && r.numFailedTests === 0) {
      failed++;
      failures.push('vitest exited non-zero (a suite failed to load)');
    }
  } else {
    failed++;
    failures.push('vitest produced no report');
  }
}

if (want('e2e')) {
  // Debian's Chromium (what .ci/run installs) or, elsewhere, Playwright's own build.
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
    console.log('\nNo system Chromium: fetching Playwright\'s (npx playwright install chromium)');
    run('npx', ['playwright', 'install', 'chromium']);
  }
  const ok = run('npx', ['playwright', 'test']);
  if (existsSync('reports/e2e.json')) {
    const s = JSON.parse(readFileSync('reports/e2e.json', 'utf8')).stats;
    passed += s.expected + s.flaky;
    failed += s.unexpected;
    skipped += s.skipped;
    if (!ok && s.unexpected === 0) {
      failed++;
      failures.push('playwright exited non-zero');
    }
  } else {
    failed++;
    failures.push('playwright produced no report');
  }
}

if (failures.length > 0) console.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
console.log(`\n${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
