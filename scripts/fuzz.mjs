#!/usr/bin/env node
// `npm run fuzz`: model-based lifecycle fuzzing (test/fuzz) — at least 1,000 random sequences of
// create / edit / commit / keep / remove / sweep / … on fresh repositories, spread over one worker
// per core, each with its own seed. Any invariant violation prints fast-check's shrunk sequence;
// paste it into test/unit/lifecycleRegressions.test.ts once the bug is fixed.
// Usage: npm run fuzz [-- --runs 1000] [--seed N] [--workers N] [--max-steps 24]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const runs = option('runs', 1000);
const seed = option('seed', Date.now() % 2 ** 31);
const workers = Math.max(1, Math.min(option('workers', availableParallelism()), runs));
const maxSteps = option('max-steps', 24);
console.log(`Fuzzing ${runs} lifecycles (≤ ${maxSteps} steps each) in ${workers} workers, seeds ${seed}…${seed + workers - 1}`);

mkdirSync(path.join(root, 'out', 'fuzz'), { recursive: true });
const started = Date.now();
const results = await Promise.all(
  Array.from({ length: workers }, (_, worker) => {
    const share = Math.floor(runs / workers) + (worker < runs % workers ? 1 : 0);
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/fuzz/lifecycle.fuzz.ts'],
        {
          cwd: root,
          env: { ...process.env, FUZZ_SEED: String(seed + worker), FUZZ_RUNS: String(share), FUZZ_MAX_STEPS: String(maxSteps) },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.on('close', (status) => {
        const line = /FUZZ-REPORT (.*)/.exec(output)?.[1];
        if (status !== 0 || !line) {
          const log = path.join(root, 'out', 'fuzz', `worker-${worker}.log`);
          writeFileSync(log, output);
          console.log(`\n── worker ${worker} (seed ${seed + worker}) failed (whole output in ${log}):\n${output}`);
        }
        resolve(line ? JSON.parse(line) : undefined);
      });
    });
  }),
);

const done = results.filter(Boolean);
const total = { sequences: 0, steps: 0, refusals: 0, tally: {}, reasons: {}, checks: {} };
for (const report of done) {
  total.sequences += report.sequences;
  total.steps += report.steps;
  total.refusals += report.refusals;
  for (const [reason, count] of Object.entries(report.reasons)) total.reasons[reason] = (total.reasons[reason] ?? 0) + count;
  for (const [check, count] of Object.entries(report.checks)) total.checks[check] = (total.checks[check] ?? 0) + count;
  for (const [kind, counts] of Object.entries(report.tally)) {
    total.tally[kind] ??= { done: 0, refused: 0 };
    total.tally[kind].done += counts.done;
    total.tally[kind].refused += counts.refused;
  }
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
const failed = workers - done.length;
const summary = { seed, workers, runs, maxSteps, minutes: Number(minutes), failedWorkers: failed, ...total };
writeFileSync(path.join(root, 'out', 'fuzz', 'report.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `\n${total.sequences} sequences, ${total.steps} steps (${total.refusals} refused, each checked to change nothing) in ${minutes} min`,
);
for (const [kind, counts] of Object.entries(total.tally).sort())
  console.log(`  ${kind.padEnd(11)} ${counts.done} done, ${counts.refused} refused`);
console.log('Liveness and fault checks that applied:');
for (const [check, count] of Object.entries(total.checks).sort()) console.log(`  ${String(count).padStart(5)}  ${check}`);
console.log('Refusals (each checked to have changed nothing), most frequent first:');
for (const [reason, count] of Object.entries(total.reasons).sort(([, a], [, b]) => b - a)) {
  console.log(`  ${String(count).padStart(5)}  ${reason.length > 160 ? `${reason.slice(0, 157)}…` : reason}`);
}
console.log(failed === 0 ? 'No invariant violations.' : `${failed} worker(s) found a violation (above).`);
process.exitCode = failed === 0 ? 0 : 1;
