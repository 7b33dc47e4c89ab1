import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { formatArgs, GitError, GitRunner } from '../../src/git';
import { createRepo, recordingLogger, tempDir, write } from './helpers/gitFixture';

/** A stand-in "git" that reports how it was called, to see exactly what the runner passes. */
function fakeGit(script: string): string {
  const file = write(tempDir('fake-git'), 'git', `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('GitRunner', () => {
  test('passes arguments verbatim, with no shell in between', async () => {
    const runner = new GitRunner({ gitPath: fakeGit(`for arg in "$@"; do printf '%s\\0' "$arg"; done`) });
    const hostile = ['status', '$(touch pwned)', '`id`', "it's", 'a b', '--', '-dash', 'ü\nline', '; rm -rf /'];
    const cwd = tempDir('args');
    const result = await runner.run(hostile, { cwd });
    assert.deepEqual(result.stdout.split('\0').slice(0, -1), hostile);
    assert.equal(existsSync(path.join(cwd, 'pwned')), false);
  });

  test('sets LC_ALL=C, GIT_OPTIONAL_LOCKS=0 for reads only, and drops inherited GIT_DIR', async () => {
    const runner = new GitRunner({ gitPath: fakeGit('env') });
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = '/somewhere/else';
    try {
      const read = (await runner.run(['status'], { cwd: tempDir('env'), readOnly: true })).stdout;
      const write = (await runner.run(['commit'], { cwd: tempDir('env') })).stdout;
      assert.match(read, /^LC_ALL=C$/m);
      assert.match(read, /^GIT_OPTIONAL_LOCKS=0$/m);
      assert.doesNotMatch(write, /^GIT_OPTIONAL_LOCKS=/m);
      assert.doesNotMatch(read, /^GIT_DIR=/m);
      const custom = (await runner.run(['diff'], { cwd: tempDir('env'), env: { GIT_INDEX_FILE: '/tmp/idx' } })).stdout;
      assert.match(custom, /^GIT_INDEX_FILE=\/tmp\/idx$/m);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });

  test('logs exactly one line per call, with args and duration', async () => {
    const { lines, logger } = recordingLogger();
    const runner = new GitRunner({ logger });
    const repo = createRepo();
    await runner.run(['rev-parse', 'HEAD'], { cwd: repo });
    await assert.rejects(runner.run(['rev-parse', '--verify', 'no-such-ref'], { cwd: repo }));
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^> git rev-parse HEAD \[\d+ms\]$/);
    assert.match(lines[1] ?? '', /^> git rev-parse --verify no-such-ref \[\d+ms\] \(exit 128: fatal: .*\)$/);
  });

  test('a non-zero exit is a typed error carrying args, exit code and stderr', async () => {
    const runner = new GitRunner();
    const repo = createRepo();
    const error = await runner.run(['rev-parse', '--verify', 'no-such-ref'], { cwd: repo }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.exitCode, 128);
    assert.deepEqual(error.args, ['rev-parse', '--verify', 'no-such-ref']);
    assert.match(error.stderr, /Needed a single revision/);
    assert.equal(error.cwd, repo);
  });

  test('a non-zero exit with empty stderr is still an error unless the caller accepts it', async () => {
    const runner = new GitRunner();
    const repo = createRepo();
    const args = ['rev-parse', '--verify', '--quiet', 'no-such-ref'];
    const error = await runner.run(args, { cwd: repo }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.exitCode, 1);
    assert.equal(error.stderr, '');
    const accepted = await runner.run(args, { cwd: repo, acceptExitCodes: [0, 1] });
    assert.equal(accepted.exitCode, 1);
  });

  test('classifies "not a repository", missing git and a missing folder', async () => {
    const notRepo = await new GitRunner().run(['status'], { cwd: tempDir('plain') }).catch((e: unknown) => e);
    assert.ok(notRepo instanceof GitError);
    assert.equal(notRepo.code, 'NotARepository');

    const noGit = await new GitRunner({ gitPath: '/nonexistent/git' })
      .run(['status'], { cwd: tempDir('x') })
      .catch((e: unknown) => e);
    assert.ok(noGit instanceof GitError);
    assert.equal(noGit.code, 'GitNotFound');

    const noFolder = await new GitRunner().run(['status'], { cwd: '/nonexistent/folder' }).catch((e: unknown) => e);
    assert.ok(noFolder instanceof GitError);
    assert.equal(noFolder.code, 'WorkingDirectoryMissing');
  });

  test('a hung git is killed at the timeout', async () => {
    const { lines, logger } = recordingLogger();
    const runner = new GitRunner({ gitPath: fakeGit('exec sleep 30'), logger });
    const started = Date.now();
    const error = await runner.run(['status'], { cwd: tempDir('hang'), timeoutMs: 200 }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'Timeout');
    assert.ok(Date.now() - started < 5000, 'returned long before the child would have finished');
    assert.equal(lines.length, 1);
  });

  test('an AbortSignal cancels a running git, and an aborted signal spawns nothing', async () => {
    const { lines, logger } = recordingLogger();
    const runner = new GitRunner({ gitPath: fakeGit('exec sleep 30'), logger });
    const controller = new AbortController();
    const pending = runner.run(['status'], { cwd: tempDir('abort'), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'Cancelled');

    const early = await runner.run(['status'], { cwd: tempDir('abort'), signal: AbortSignal.abort() }).catch((e: unknown) => e);
    assert.ok(early instanceof GitError);
    assert.equal(early.code, 'Cancelled');
    assert.equal(lines.length, 1, 'only the first call spawned git');
    assert.equal(runner.spawnCount, 1);
  });

  test('a disabled runner (Restricted Mode) refuses every call without spawning git', async () => {
    const { lines, logger } = recordingLogger();
    const runner = new GitRunner({ logger, enabled: false });
    const error = await runner.run(['status'], { cwd: createRepo() }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'Disabled');
    assert.equal(runner.spawnCount, 0);
    assert.equal(lines.length, 0);
    runner.setEnabled(true);
    await runner.run(['status'], { cwd: createRepo() });
    assert.equal(runner.spawnCount, 1);
  });

  test('stdout keeps raw bytes (binary output is not mangled by decoding)', async () => {
    const runner = new GitRunner({ gitPath: fakeGit(`printf '\\377\\376\\000binary'`) });
    const result = await runner.run(['cat-file'], { cwd: tempDir('bytes') });
    assert.deepEqual([...result.stdoutBytes.subarray(0, 3)], [0xff, 0xfe, 0x00]);
  });

  test('formatArgs quotes only what a shell would need quoted', () => {
    assert.equal(formatArgs(['status', '--porcelain=v2', '-z']), 'status --porcelain=v2 -z');
    assert.equal(formatArgs(['add', '--', "it's a file"]), `add -- 'it'\\''s a file'`);
  });
});
