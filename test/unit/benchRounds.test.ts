import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capPatch, describeFailure, type RoundFailure, reasonOf, runRounds } from '../../bench/rounds';

/** An attempt that fails on the listed (round, attempt) pairs and otherwise returns `round * 10 + attempt`. */
function scripted(failOn: ReadonlyArray<readonly [number, number]>, reason = 'boom') {
  const calls: Array<[number, number]> = [];
  const attempt = async (round: number, attemptNo: number) => {
    calls.push([round, attemptNo]);
    if (failOn.some(([r, a]) => r === round && a === attemptNo)) throw new Error(`${reason} ${round}/${attemptNo}\ncall log…`);
    return round * 10 + attemptNo;
  };
  return { calls, attempt };
}

describe('bench rounds: retries and partial results', () => {
  test('every round succeeding: one attempt each, no failures', async () => {
    const { calls, attempt } = scripted([]);
    const outcome = await runRounds({ part: 'p', rounds: 3, retries: 2, maxFailures: 5, attempt });
    assert.deepEqual(outcome.values, [0, 10, 20]);
    assert.deepEqual(outcome.failures, []);
    assert.deepEqual(outcome.missingRounds, []);
    assert.deepEqual(calls, [
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  test('a failed attempt is reported with its reason and retried; the round counts once', async () => {
    const { attempt } = scripted([[1, 0]], 'timed out');
    const reported: RoundFailure[] = [];
    const results: Array<[number, number]> = [];
    const outcome = await runRounds({
      part: 'panel paint',
      rounds: 3,
      retries: 2,
      maxFailures: 5,
      attempt,
      onFailure: (failure) => reported.push(failure),
      onResult: (value, round) => results.push([value, round]),
    });
    assert.deepEqual(outcome.values, [0, 11, 20]);
    assert.deepEqual(outcome.missingRounds, []);
    assert.deepEqual(reported, [{ part: 'panel paint', round: 1, attempt: 0, reason: 'timed out 1/0' }]);
    assert.deepEqual(outcome.failures, reported);
    assert.deepEqual(results, [
      [0, 0],
      [11, 1],
      [20, 2],
    ]);
  });

  test('a round failing every attempt is missing, and the other rounds are kept', async () => {
    const { calls, attempt } = scripted([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    const outcome = await runRounds({ part: 'p', rounds: 3, retries: 2, maxFailures: 5, attempt });
    assert.deepEqual(outcome.values, [0, 20]);
    assert.deepEqual(outcome.missingRounds, [1]);
    assert.equal(outcome.failures.length, 3);
    assert.equal(calls.filter(([round]) => round === 1).length, 3, 'the first attempt and two retries');
  });

  test('after maxFailures in all, the rounds not yet run are given up as missing', async () => {
    const everything = Array.from({ length: 5 }, (_, round) => [0, 1, 2].map((a) => [round, a] as const)).flat();
    const { calls, attempt } = scripted(everything);
    const willRetry: boolean[] = [];
    const onFailure = (_: unknown, retry: boolean) => willRetry.push(retry);
    const outcome = await runRounds({ part: 'p', rounds: 5, retries: 2, maxFailures: 4, attempt, onFailure });
    assert.deepEqual(willRetry, [true, true, false, false], 'the last try of round 1, then the fourth failure in all');
    assert.deepEqual(outcome.values, []);
    assert.deepEqual(outcome.missingRounds, [0, 1, 2, 3, 4]);
    assert.equal(outcome.failures.length, 4);
    assert.equal(calls.length, 4, 'no attempt after the fourth failure');
  });

  test('no retries: a failure makes its round missing at once', async () => {
    const { attempt } = scripted([[0, 0]]);
    const outcome = await runRounds({ part: 'p', rounds: 2, retries: 0, maxFailures: 5, attempt });
    assert.deepEqual(outcome.values, [10]);
    assert.deepEqual(outcome.missingRounds, [0]);
  });

  test('reasonOf keeps the first non-empty line, bounded; non-errors are stringified', () => {
    assert.equal(
      reasonOf(new Error('\nlocator.waitFor: Timeout 30000ms exceeded.\nCall log:\n  - waiting')),
      'locator.waitFor: Timeout 30000ms exceeded.',
    );
    assert.equal(reasonOf('plain'), 'plain');
    assert.equal(reasonOf(new Error('')), 'unknown error');
    const long = reasonOf(new Error('x'.repeat(1000)));
    assert.equal(long.length, 300);
    assert.ok(long.endsWith('…'));
  });

  test('describeFailure names the part, round and attempt (1-based), or setting up', () => {
    assert.equal(
      describeFailure({ part: 'activation', round: 2, attempt: 1, reason: 'crashed' }),
      'activation, round 3, attempt 2: crashed',
    );
    assert.equal(
      describeFailure({ part: 'real VS Code', round: -1, attempt: 0, reason: 'no port' }),
      'real VS Code, setting up: no port',
    );
  });
});

describe('bench: the eager floor cap', () => {
  const section = (i: number) => `diff --git a/f${i} b/f${i}\n--- a/f${i}\n+++ b/f${i}\n@@ -1 +1 @@\n-old ${i}\n+new ${i}\n`;
  const patch = [0, 1, 2, 3].map(section).join('');

  test('keeps whole file sections, the first maxFiles of them', () => {
    const capped = capPatch(patch, 2);
    assert.equal(capped.patch, section(0) + section(1));
    assert.equal(capped.files, 2);
    assert.equal(capped.lines, capped.patch.split('\n').length);
  });

  test('a cap at or above the file count leaves the patch whole', () => {
    for (const max of [4, 100]) {
      const capped = capPatch(patch, max);
      assert.equal(capped.patch, patch);
      assert.equal(capped.files, 4);
    }
  });

  test('a "diff --git" inside a line is not a file header', () => {
    const tricky = `${section(0)}diff --git a/g b/g\n@@ -1 +1 @@\n-x diff --git y\n+z\n`;
    assert.equal(capPatch(tricky, 1).patch, section(0));
  });
});
