#!/usr/bin/env node
// `npm test`: lint, types, unit tests, then the extension in a real VS Code (integration suite
// inside the extension host, UI suite through Chromium), ending with one line `N passed, N failed`.
// Usage: node scripts/test.mjs [--only unit|integration|ui]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'out', 'test-results');
mkdirSync(resultsDir, { recursive: true });
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const totals = { passed: 0, failed: 0 };
const failures = [];

function record(name, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  if (failed > 0) failures.push(name);
}

function heading(text) {
  console.log(`\n━━ ${text}`);
}

/** A check that is one pass or one fail (lint, type-check, preparing the harness). */
function check(name, command, args) {
  heading(`${name}: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  record(name, status === 0 ? 1 : 0, status === 0 ? 0 : 1);
  return status === 0;
}

function testFiles(folder) {
  return readdirSync(path.join(root, folder))
    .filter((file) => file.endsWith('.test.ts'))
    .sort()
    .map((file) => path.join(folder, file));
}

/** A node:test suite: counts come from its TAP report; a crash without a report is a failure. */
function nodeTestSuite(name, files, extraArgs = []) {
  const tap = path.join(resultsDir, `${name}.tap`);
  rmSync(tap, { force: true });
  heading(`${name}: ${files.length} files`);
  const { status } = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      ...extraArgs,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  let passed = 0;
  let failed = 0;
  try {
    const report = readFileSync(tap, 'utf8');
    passed = Number(/^# pass (\d+)$/m.exec(report)?.[1] ?? 0);
    failed = Number(/^# fail (\d+)$/m.exec(report)?.[1] ?? 0) + Number(/^# cancelled (\d+)$/m.exec(report)?.[1] ?? 0);
  } catch {
    // no report at all: counted below as a failure of the suite
  }
  if (status !== 0 && failed === 0) failed = 1; // the runner failed without saying which test
  if (passed + failed === 0) failed = 1; // a suite that ran nothing is not a pass
  record(name, passed, failed);
}

/** The mocha suite inside the extension host: counts from the JSON the runner writes. */
function integrationSuite() {
  const results = path.join(resultsDir, 'integration.json');
  rmSync(results, { force: true });
  heading('integration: mocha inside the VS Code extension host (code-server)');
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', 'test/e2e/integration.ts'], { cwd: root, stdio: 'inherit' });
  let counts = { passed: 0, failed: 1 };
  try {
    counts = JSON.parse(readFileSync(results, 'utf8'));
  } catch {
    // the runner died before writing results: one failure
  }
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  if (counts.passed + counts.failed === 0) counts.failed = 1;
  record('integration', counts.passed, counts.failed);
}

const want = (suite) => only === undefined || only === suite;

if (only === undefined) {
  check('lint', 'npx', ['biome', 'check', '.']);
  check('types', 'npx', ['tsc', '-p', '.']);
}
if (want('unit')) nodeTestSuite('unit', testFiles('test/unit'));
if (want('integration') || want('ui')) {
  // Debian packages, the cached code-server/Chromium harness, a fresh build and .vsix.
  const ready = check('prepare real VS Code', process.execPath, ['--import', 'tsx', 'test/e2e/prepare.ts']);
  if (ready) {
    if (only === undefined) check('types (e2e harness)', 'npx', ['tsc', '-p', 'test/e2e']);
    if (want('integration')) integrationSuite();
    if (want('ui')) {
      nodeTestSuite(
        'ui',
        [...testFiles('test/e2e/ui'), 'test/e2e/harness.test.ts'],
        [
          '--test-concurrency=1', // each file runs its own code-server; two cores
          '--test-timeout=300000', // a hung workbench fails instead of hanging CI
        ],
      );
    }
  } else {
    record('integration', 0, 1);
    record('ui', 0, 1);
  }
}

if (failures.length > 0) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
