// One worker of `npm run fuzz` (scripts/fuzz.mjs starts several, each with its own seed).
// Runs under node:test so the fixture's temporary folders are cleaned up at the end.
import { test } from 'node:test';
import { fuzzLifecycles } from './lifecycle';

const seed = Number(process.env.FUZZ_SEED);
const runs = Number(process.env.FUZZ_RUNS);
const maxSteps = Number(process.env.FUZZ_MAX_STEPS ?? 24);

test(`lifecycle fuzzing: ${runs} sequences, seed ${seed}`, { timeout: 6 * 60 * 60 * 1000 }, async () => {
  if (!Number.isInteger(seed) || !Number.isInteger(runs)) throw new Error('FUZZ_SEED and FUZZ_RUNS must be integers');
  const report = await fuzzLifecycles({ seed, runs, maxSteps });
  console.log(`FUZZ-REPORT ${JSON.stringify({ seed, ...report })}`);
});
