import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLimiter, KeyedQueue } from '../../src/git';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createLimiter', () => {
  test('runs at most `limit` tasks at once and all of them eventually', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await tick();
          active--;
          return index;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('a failing task frees its slot and rejects only its own caller', async () => {
    const limit = createLimiter(1);
    const failed = limit(async () => {
      throw new Error('boom');
    });
    const next = limit(async () => 'ran');
    await assert.rejects(failed, /boom/);
    assert.equal(await next, 'ran');
  });

  test('rejects a nonsensical limit', () => {
    assert.throws(() => createLimiter(0), RangeError);
  });
});

describe('KeyedQueue', () => {
  test('serialises tasks on one key, in order, even when one fails', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await tick();
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a = queue.run('repo', task('a'));
    const b = queue.run('repo', task('b', true));
    const c = queue.run('repo', task('c'));
    assert.equal(queue.isBusy('repo'), true);
    assert.equal(await a, 'a');
    await assert.rejects(b, /b/);
    assert.equal(await c, 'c');
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await tick();
    assert.equal(queue.isBusy('repo'), false);
  });

  test('different keys run in parallel', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`start ${name}`);
      await tick();
      events.push(`end ${name}`);
    };
    await Promise.all([queue.run('one', task('one')), queue.run('two', task('two'))]);
    assert.deepEqual(events.slice(0, 2), ['start one', 'start two']);
  });
});
