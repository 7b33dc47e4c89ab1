import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { formatArgs, GitError, GitRunner } from '../../src/git';
import { createRepo, git, recordingLogger, tempDir, write } from './helpers/gitFixture';

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

  test('paths are literal (GIT_LITERAL_PATHSPECS=1) unless a call asks for pathspec magic', async () => {
    const runner = new GitRunner({ gitPath: fakeGit('env') });
    const literal = (await runner.run(['diff'], { cwd: tempDir('env') })).stdout;
    const magic = (await runner.run(['stash'], { cwd: tempDir('env'), pathspecMagic: true, env: { GIT_LITERAL_PATHSPECS: '1' } }))
      .stdout;
    assert.match(literal, /^GIT_LITERAL_PATHSPECS=1$/m);
    assert.doesNotMatch(magic, /^GIT_LITERAL_PATHSPECS=/m);
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

  test('a non-zero exit with empty stderr fails, with exit code and stdout bytes (simple-git alone calls it a success)', async () => {
    const runner = new GitRunner({ gitPath: fakeGit(`printf 'partial\\377'; exit 3`) });
    const error = await runner.run(['status'], { cwd: tempDir('silent-fail') }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.exitCode, 3);
    assert.equal(error.stderr, '');
    assert.deepEqual(error.stdoutBytes, Buffer.from([...Buffer.from('partial'), 0xff]));
    assert.equal(error.code, 'Failed');

    const quiet = await new GitRunner({ gitPath: fakeGit('exit 1') })
      .run(['diff', '--quiet'], { cwd: tempDir('silent-fail') })
      .catch((e: unknown) => e);
    assert.ok(quiet instanceof GitError);
    assert.equal(quiet.exitCode, 1);
  });

  test('stdout bytes of non-UTF-8 file names arrive byte for byte', async () => {
    const repo = createRepo();
    const name = Buffer.from([0x66, 0xff, 0xfe, 0x80, 0x2e, 0x74, 0x78, 0x74]); // "f\xff\xfe\x80.txt"
    writeFileSync(Buffer.concat([Buffer.from(`${repo}/`), name]), 'content\n');
    const untracked = await new GitRunner().run(['status', '--porcelain=v2', '-z', '--untracked-files=all'], { cwd: repo });
    assert.deepEqual(untracked.stdoutBytes, Buffer.concat([Buffer.from('? '), name, Buffer.from([0])]));
    git(repo, 'add', '--all');
    const listed = await new GitRunner().run(['ls-files', '-z'], { cwd: repo });
    assert.deepEqual(listed.stdoutBytes, Buffer.concat([Buffer.from('README.md\0'), name, Buffer.from([0])]));
  });

  test('a command that prints nothing completes without waiting on a timer (simple-git would wait 50 ms)', async (t) => {
    const runner = new GitRunner();
    const repo = createRepo();
    // With setTimeout mocked no timer ever fires, so the call can only settle if nothing waits on one.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let settled = false;
    const pending = runner.run(['diff', '--cached', '--quiet'], { cwd: repo }).finally(() => {
      settled = true;
    });
    // A bound on the wait, so a regression fails instead of hanging; it asserts no speed.
    for (let turn = 0; turn < 100_000 && !settled; turn++) await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.reset();
    assert.ok(settled, 'the call waited on a timer');
    assert.equal((await pending).exitCode, 0);
  });

  test('git never waits on stdin', async () => {
    const result = await new GitRunner().run(['hash-object', '--stdin'], { cwd: createRepo(), timeoutMs: 20_000 });
    assert.equal(result.stdout.trim(), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'); // the empty blob
  });

  test('stdin bytes reach git exactly (input), e.g. for cat-file --batch', async () => {
    const bytes = Buffer.from([0x68, 0x69, 0x00, 0xff, 0x0a]);
    const repo = createRepo();
    const written = await new GitRunner().run(['hash-object', '-w', '--stdin'], { cwd: repo, input: bytes });
    const oid = written.stdout.trim();
    assert.equal(oid, execFileSync('git', ['hash-object', '--stdin'], { input: bytes, encoding: 'utf8' }).trim());
    const batch = await new GitRunner().run(['cat-file', '--batch'], { cwd: repo, input: Buffer.from(`${oid}\n`) });
    assert.deepEqual(batch.stdoutBytes, Buffer.concat([Buffer.from(`${oid} blob 5\n`), bytes, Buffer.from('\n')]));
  });

  test('hooks do not see abbreviated options switched off (simple-git sets GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS)', async () => {
    const repo = createRepo();
    const out = tempDir('hook-out');
    write(
      repo,
      '.git/hooks/post-commit',
      `#!/bin/sh\nenv > '${out}/env'\ngit status --porc > /dev/null 2> '${out}/stderr'\necho $? > '${out}/exit'\n`,
    );
    chmodSync(path.join(repo, '.git/hooks/post-commit'), 0o755);
    await new GitRunner().run(['commit', '--allow-empty', '--quiet', '-m', 'hooked'], { cwd: repo });
    assert.equal(readFileSync(path.join(out, 'exit'), 'utf8').trim(), '0', readFileSync(path.join(out, 'stderr'), 'utf8'));
    const seen = /^GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS=(.*)$/m.exec(readFileSync(path.join(out, 'env'), 'utf8'))?.[1];
    // simple-git 4 always sets it; `false` is git's default, so the hook's git behaves as without it.
    assert.ok(seen === undefined || seen === 'false', `hook saw GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS=${seen}`);
  });

  test("the user's environment reaches git as it is, while arguments stay under simple-git's guard", async () => {
    const saved = { EDITOR: process.env.EDITOR, GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND };
    process.env.EDITOR = 'vi';
    process.env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
    try {
      const runner = new GitRunner({ gitPath: fakeGit('env') });
      const env = (await runner.run(['status'], { cwd: tempDir('env') })).stdout;
      assert.match(env, /^EDITOR=vi$/m);
      assert.match(env, /^GIT_SSH_COMMAND=ssh -o BatchMode=yes$/m);
      assert.match(env, /^GIT_CONFIG_GLOBAL=/m); // set by the test fixture, as a user may
      for (const args of [
        ['-c', 'core.editor=touch pwned', 'commit'], // a category the environment needed: checked by the runner
        ['-C', '/', 'status'],
        ['-c', 'core.fsmonitor=touch pwned', 'status'], // one it did not: simple-git's own check
        ['clone', '--upload-pack=touch pwned', 'x'],
      ]) {
        const error = await runner.run(args, { cwd: tempDir('guard') }).catch((e: unknown) => e);
        assert.ok(error instanceof GitError, args.join(' '));
        assert.equal(error.code, 'Failed');
      }
      assert.equal(runner.spawnCount, 1, 'no refused call started git');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test('a git path with spaces works', async () => {
    const dir = tempDir('fake git dir');
    const gitPath = write(dir, 'my git', `#!/bin/sh\nprintf 'ran %s' "$1"\n`);
    chmodSync(gitPath, 0o755);
    const result = await new GitRunner({ gitPath }).run(['status'], { cwd: dir });
    assert.equal(result.stdout, 'ran status');
  });

  test('a git that ignores SIGINT is killed after the grace period', { timeout: 30_000 }, async () => {
    const dir = tempDir('stubborn');
    // Ignores SIGINT, and would give up by itself after ~10 s, leaving a mark.
    const stubborn = `trap '' INT\necho $$ > '${dir}/pid'\nfor i in $(seq 50); do sleep 0.2; done\ntouch '${dir}/ran-to-the-end'`;
    const runner = new GitRunner({ gitPath: fakeGit(stubborn) });
    const error = await runner.run(['status'], { cwd: dir, timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'Timeout');
    const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the process is gone');
    assert.equal(existsSync(path.join(dir, 'ran-to-the-end')), false, 'it was killed, it did not end by itself');
  });

  test('the runner checks arguments with the very @simple-git/argv-parser simple-git uses', () => {
    const simpleGitDir = path.dirname(path.dirname(require.resolve('simple-git'))); // …/simple-git/dist/index.cjs
    assert.equal(
      require.resolve('@simple-git/argv-parser', { paths: [simpleGitDir] }),
      require.resolve('@simple-git/argv-parser'),
      'one copy: bump both pins in package.json together',
    );
  });

  test('formatArgs quotes only what a shell would need quoted', () => {
    assert.equal(formatArgs(['status', '--porcelain=v2', '-z']), 'status --porcelain=v2 -z');
    assert.equal(formatArgs(['add', '--', "it's a file"]), `add -- 'it'\\''s a file'`);
  });
});
