import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { acquireFileLock, withFileLock } from '../e2e/harness/fileLock';
import { tempDir } from './helpers/gitFixture';

const HOLDER = path.join(__dirname, 'helpers', 'holdLock.ts');

/** Starts a holder process; resolves with its exit (code or signal) when it ends. */
function startHolder(lockPath: string, journal: string, name: string, ending: 'release' | 'die') {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, lockPath, journal, name, ending], { stdio: 'inherit' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid, exited };
}

const journalLines = (journal: string) => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean) : []);

async function waitForJournal(journal: string, what: string, done: (lines: string[]) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done(journalLines(journal))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; journal:\n${journalLines(journal).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Each holder's "acquired" is followed directly by its own "released": nobody held it at once. */
function assertOneHolderAtATime(lines: readonly string[], names: readonly string[]): void {
  const events = lines.filter((line) => !line.startsWith('waiting')).map((line) => line.split(' ').slice(0, 2).join(' '));
  assert.equal(events.length, names.length * 2, `every holder took and released the lock once:\n${lines.join('\n')}`);
  for (let index = 0; index < events.length; index += 2) {
    const name = events[index]?.split(' ')[1];
    assert.deepEqual([events[index], events[index + 1]], [`acquired ${name}`, `released ${name}`], lines.join('\n'));
  }
  assert.deepEqual(
    events
      .filter((event) => event.startsWith('acquired'))
      .map((event) => event.split(' ')[1])
      .sort(),
    [...names].sort(),
  );
}

describe('file lock for the real-VS-Code harness install', () => {
  test('two processes that contend for the lock take it one after the other', async () => {
    const dir = tempDir('lock-contend');
    const lockPath = path.join(dir, 'install.lock');
    const journal = path.join(dir, 'journal');
    // This process holds the lock until both others are seen waiting, so they really contend.
    const release = acquireFileLock(lockPath, 'the test itself');
    const holders = ['a', 'b'].map((name) => startHolder(lockPath, journal, name, 'release'));
    await waitForJournal(
      journal,
      'both holders to wait',
      (lines) => lines.filter((line) => line.startsWith('waiting')).length === 2,
    );
    assert.equal(journalLines(journal).filter((line) => line.startsWith('acquired')).length, 0, 'nobody took a held lock');
    release();
    const exits = await Promise.all(holders.map((holder) => holder.exited));
    assert.deepEqual(exits, [
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    assertOneHolderAtATime(journalLines(journal), ['a', 'b']);
    assert.equal(existsSync(lockPath), false, 'the last holder released it');
  });

  test('a lock whose owner was killed is taken over, by exactly one waiter at a time', async () => {
    const dir = tempDir('lock-stale');
    const lockPath = path.join(dir, 'install.lock');
    const journal = path.join(dir, 'journal');
    const killed = startHolder(lockPath, journal, 'killed', 'die');
    assert.deepEqual(await killed.exited, { code: null, signal: 'SIGKILL' });
    assert.equal(JSON.parse(readFileSync(lockPath, 'utf8')).pid, killed.pid, 'the dead owner left its lock behind');

    const waiters = ['x', 'y', 'z'].map((name) => startHolder(lockPath, journal, name, 'release'));
    const exits = await Promise.all(waiters.map((waiter) => waiter.exited));
    assert.ok(
      exits.every(({ code }) => code === 0),
      `every waiter took the lock: ${JSON.stringify(exits)}`,
    );
    const afterKill = journalLines(journal).filter((line) => !line.startsWith('acquired killed'));
    assertOneHolderAtATime(afterKill, ['x', 'y', 'z']);
    assert.equal(existsSync(lockPath), false);
  });

  test('waiting is bounded: the error names the holder and the lock file', () => {
    const dir = tempDir('lock-timeout');
    const lockPath = path.join(dir, 'install.lock');
    const release = acquireFileLock(lockPath, 'installing the harness');
    try {
      const started = Date.now();
      assert.throws(
        () => acquireFileLock(lockPath, 'a second install', { timeoutMs: 300, pollMs: 20 }),
        (error: Error) => {
          assert.match(error.message, /Gave up after 0 s waiting to start a second install/);
          assert.match(error.message, new RegExp(`process ${process.pid} \\(installing the harness, since `));
          assert.ok(error.message.includes(`delete ${lockPath}`), error.message);
          return true;
        },
      );
      assert.ok(Date.now() - started >= 300, 'it did wait before giving up');
    } finally {
      release();
    }
    assert.equal(existsSync(lockPath), false);
  });

  test('releasing never deletes a lock that is no longer ours', () => {
    const dir = tempDir('lock-release');
    const lockPath = path.join(dir, 'install.lock');
    const release = acquireFileLock(lockPath, 'first');
    const someoneElse = JSON.stringify({ pid: process.pid, purpose: 'second', since: 'now', token: 'not-ours' });
    writeFileSync(lockPath, someoneElse); // as if our lock had been taken over meanwhile
    release();
    assert.equal(readFileSync(lockPath, 'utf8'), someoneElse);
  });

  test('withFileLock releases the lock when the guarded step throws', () => {
    const lockPath = path.join(tempDir('lock-throws'), 'install.lock');
    assert.throws(
      () =>
        withFileLock(lockPath, 'a failing install', () => {
          assert.equal(existsSync(lockPath), true, 'held while the step runs');
          throw new Error('npm ci failed');
        }),
      /npm ci failed/,
    );
    assert.equal(existsSync(lockPath), false);
  });
});
