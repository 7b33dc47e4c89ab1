#!/usr/bin/env node
// `npm test`: lint, types, then every test suite, ending with one line `N passed, N failed`.
// Each suite reports to the console (spec) and to a TAP file that this script counts from.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'out', 'test-results');
mkdirSync(resultsDir, { recursive: true });

const totals = { passed: 0, failed: 0 };
const failures = [];

/** A check that is one pass or one fail (lint, type-check). */
function check(name, command, args) {
  console.log(`\n━━ ${name}: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  record(name, status === 0 ? 1 : 0, status === 0 ? 0 : 1);
}

/** A node:test suite: counts come from its TAP report; a crash without a report is a failure. */
function nodeTestSuite(name, folder) {
  const files = readdirSync(path.join(root, folder))
    .filter((file) => file.endsWith('.test.ts'))
    .sort()
    .map((file) => path.join(folder, file));
  const tap = path.join(resultsDir, `${name}.tap`);
  console.log(`\n━━ ${name}: ${files.length} files`);
  const { status } = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
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

function record(name, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  if (failed > 0) failures.push(name);
}

check('lint', 'npx', ['biome', 'check', '.']);
check('types', 'npx', ['tsc', '-p', '.']);
nodeTestSuite('unit', 'test/unit');

if (failures.length > 0) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
