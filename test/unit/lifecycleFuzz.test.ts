import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzLifecycles } from '../fuzz/lifecycle';

// A fixed-seed slice of `npm run fuzz` (about a minute): the same sequences on every run, so a
// failure here is reproducible with the seed and path fast-check prints.
const SEED = 20261121;
const RUNS = 100;

test(`lifecycle fuzzing: ${RUNS} fixed-seed sequences keep every byte of work`, { timeout: 15 * 60_000 }, async () => {
  const report = await fuzzLifecycles({ seed: SEED, runs: RUNS, maxSteps: 24 });
  // The sequences must have exercised the product, not only passed through empty steps.
  assert.ok(report.steps >= RUNS * 4, `only ${report.steps} steps ran`);
  for (const kind of ['Create', 'Keep', 'Remove', 'Discard', 'SweepStale']) {
    assert.ok((report.tally[kind]?.done ?? 0) > 0, `no ${kind} went through`);
  }
  console.log(
    `${report.sequences} sequences, ${report.steps} steps, ${report.refusals} refused: ${JSON.stringify(report.tally)}`,
  );
});
