import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeRow, missingRows, stats, tableLines } from '../../bench/stats';
import { activationStats, type PaintResult, type PaintSample, paintRow, unrecoveredFailures } from '../../bench/vscodeResult';

const sample = (round: number, oursMs: number, eagerMs: number): PaintSample => ({
  round,
  oursMs,
  eagerMs,
  eagerHeapMiB: undefined,
  endToEndMs: 0,
  pageLoadedMs: 0,
});

const paint = (samples: PaintSample[], eagerFiles = 100): PaintResult => ({
  files: 500,
  diffLines: 102_501,
  eagerFiles,
  eagerLines: 20_501,
  roundsAsked: 3,
  samples,
});

describe('bench results: rows, missing rows, partial rounds', () => {
  test('stats: median (upper middle), min and max; none is an error', () => {
    assert.deepEqual(stats([5, 1, 3]), { median: 3, min: 1, max: 5 });
    assert.deepEqual(stats([4, 1, 3, 2]), { median: 3, min: 1, max: 4 });
    assert.throws(() => stats([]));
  });

  test('makeRow: ratio of medians against the target, or no target', () => {
    const row = makeRow('r', 'f', [10, 10, 10], [11, 12, 13], 1.1);
    assert.equal(row.ratio, 1.2);
    assert.equal(row.met, false);
    assert.equal(row.target, '≤ 1.1');
    assert.equal(makeRow('r', 'f', [10], [10], undefined).met, undefined);
  });

  test('missing rows get the reason of the part that failed, or "not run"', () => {
    const rows = [makeRow('a', 'f', [1], [1], 2)];
    const expected = [
      ['a', 'one'],
      ['b', 'one'],
      ['c', 'two'],
    ] as const;
    const missing = missingRows(expected, rows, new Map([['one', 'one: git exited 128']]));
    assert.deepEqual(missing, [
      { name: 'b', reason: 'one: git exited 128' },
      { name: 'c', reason: 'two: not run' },
    ]);
  });

  test('the table lists measured and missing rows in the expected order', () => {
    const rows = [makeRow('c', 'fixture c', [1], [1], 2), makeRow('a', 'fixture a', [2], [1], 1)];
    const lines = tableLines(['a', 'b', 'c'], rows, [{ name: 'b', reason: 'timed out' }]);
    assert.equal(lines.length, 5);
    assert.match(lines[2] as string, /^\| a \| fixture a \|.*\*\*0\.50\*\* \| ≤ 1 ✓ \|$/);
    assert.equal(lines[3], '| b | **not measured**: timed out | — | — | — | — |');
    assert.match(lines[4] as string, /^\| c \|/);
  });

  test('paint row: none without samples; a partial one says how many rounds', () => {
    assert.equal(paintRow(undefined), undefined);
    assert.equal(paintRow(paint([])), undefined);
    const partial = paintRow(paint([sample(0, 300, 6000), sample(2, 280, 6400)]));
    assert.ok(partial);
    assert.deepEqual(partial.rounds, { measured: 2, asked: 3 });
    assert.equal(partial.met, true);
    assert.match(partial.fixture, /first 100 files \(20,501 lines\).*\(capped\)/);
    assert.match(tableLines([], [partial], [])[2] as string, /\(2 of 3 rounds\)/);
    const whole = paintRow(paint([sample(0, 1, 20), sample(1, 1, 20), sample(2, 1, 20)], 500));
    assert.equal(whole?.rounds, undefined);
    assert.match(whole?.fixture ?? '', /rendering it all eagerly/);
  });

  test('failures made good by a retry are not counted against the result; the others are', () => {
    const failures = [
      { part: 'panel paint', round: 1, attempt: 0, reason: 'crashed' },
      { part: 'panel paint', round: 2, attempt: 0, reason: 'timed out' },
      { part: 'activation', round: 0, attempt: 0, reason: 'no row' },
      { part: 'real VS Code', round: -1, attempt: 0, reason: 'code-server did not start' },
    ];
    const result = {
      paint: paint([sample(0, 1, 20), sample(1, 1, 20)]),
      activation: { roundsAsked: 1, samples: [{ round: 0, activationText: 'Activation: 50ms', activationMs: 50 }] },
      failures,
    };
    assert.deepEqual(
      unrecoveredFailures(result).map((failure) => failure.reason),
      ['timed out', 'code-server did not start'],
    );
  });

  test('activation stats skip unreadable times; none readable gives none', () => {
    const samples = [
      { round: 0, activationText: '', activationMs: undefined },
      { round: 1, activationText: 'Activation: 60ms', activationMs: 60 },
      { round: 2, activationText: 'Activation: 40ms', activationMs: 40 },
    ];
    assert.deepEqual(activationStats({ roundsAsked: 3, samples }), { median: 60, min: 40, max: 60 });
    assert.equal(activationStats({ roundsAsked: 1, samples: [samples[0] as (typeof samples)[0]] }), undefined);
    assert.equal(activationStats(undefined), undefined);
  });
});
