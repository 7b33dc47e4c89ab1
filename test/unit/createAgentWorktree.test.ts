import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, WorktreeOperationError } from '../../src/agents';
import { commitFile, createRepo, failGitSubcommand, git, recordingService, tempDir, write } from './helpers/gitFixture';

/** Everything a failed create must leave exactly as it was. */
function repoState(repo: string) {
  const parent = path.dirname(repo);
  return {
    branches: git(repo, 'branch', '--list', '--format=%(refname)'),
    worktrees: git(repo, 'worktree', 'list', '--porcelain'),
    siblings: readdirSync(parent).sort(),
    status: git(repo, 'status', '--porcelain=v2', '--untracked-files=all'),
  };
}

const isOperationError = (code: string) => (error: unknown) => error instanceof WorktreeOperationError && error.code === code;

describe('createAgentWorktree', () => {
  test('creates <repo>.worktrees/<slug> on agent/<slug> from the invoking HEAD, with metadata', async () => {
    const repo = createRepo('shop');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const { service } = recordingService();
    const created = await createAgentWorktree(service, { repoPath: repo, task: 'Fix the tax rounding', now: () => new Date(0) });
    assert.equal(created.slug, 'fix-the-tax-rounding');
    assert.equal(created.branch, 'agent/fix-the-tax-rounding');
    assert.equal(created.path, path.join(path.dirname(repo), 'shop.worktrees', 'fix-the-tax-rounding'));
    assert.equal(git(created.path, 'rev-parse', 'HEAD').trim(), head);
    assert.equal(git(created.path, 'symbolic-ref', '--short', 'HEAD').trim(), 'agent/fix-the-tax-rounding');
    assert.ok(existsSync(path.join(created.path, 'README.md')));
    assert.deepEqual(created.metadata, {
      version: 1,
      baseCommit: head,
      branch: 'agent/fix-the-tax-rounding',
      baseBranch: 'main',
      createdAt: '1970-01-01T00:00:00.000Z',
      task: 'Fix the tax rounding',
      createdFrom: repo,
      agentCommand: undefined,
    });
    const listed = (await service.listWorktrees({ commonDir: path.join(repo, '.git') })).find((w) => w.path === created.path);
    assert.equal(listed?.agent?.baseCommit, head, 'metadata is read back from the admin dir');
    assert.equal(git(repo, 'status', '--porcelain').trim(), '', 'the invoking worktree is untouched');
  });

  test('the base is the invoking linked worktree’s HEAD, and the new one still goes next to the main repo', async () => {
    const repo = createRepo('app');
    const { service } = recordingService();
    const first = await createAgentWorktree(service, { repoPath: repo, name: 'first' });
    const agentCommit = commitFile(first.path, 'agent.txt', 'agent work');
    const nested = await createAgentWorktree(service, { repoPath: path.join(first.path), name: 'second' });
    assert.equal(nested.path, path.join(path.dirname(repo), 'app.worktrees', 'second'), 'no nesting inside the agent worktree');
    assert.equal(nested.metadata.baseCommit, agentCommit);
    assert.equal(nested.metadata.baseBranch, 'agent/first');
    assert.equal(nested.metadata.createdFrom, first.path);
  });

  test('an explicit baseRef and a detached base', async () => {
    const repo = createRepo();
    const initial = git(repo, 'rev-parse', 'HEAD').trim();
    commitFile(repo, 'later.txt', 'later');
    const { service } = recordingService();
    const fromRef = await createAgentWorktree(service, { repoPath: repo, name: 'from-ref', baseRef: initial });
    assert.equal(fromRef.metadata.baseCommit, initial);
    assert.equal(fromRef.metadata.baseBranch, undefined);
    git(repo, 'checkout', '--quiet', '--detach', initial);
    const detached = await createAgentWorktree(service, { repoPath: repo, name: 'from-detached' });
    assert.equal(detached.metadata.baseBranch, undefined);
    assert.equal(detached.metadata.baseCommit, initial);
  });

  test('hostile or invalid names are refused and nothing is created', async () => {
    const repo = createRepo();
    const before = repoState(repo);
    const { service } = recordingService();
    for (const name of [
      'with space',
      'ünï',
      "it's",
      '$(touch pwned)',
      '`id`',
      '-rf',
      '..',
      'a..b',
      'x.lock',
      'a'.repeat(200),
      '',
      'A',
    ]) {
      await assert.rejects(createAgentWorktree(service, { repoPath: repo, name }), isOperationError('invalid'), name);
    }
    await assert.rejects(
      createAgentWorktree(service, { repoPath: repo, name: 'ok', branchPrefix: '-x/' }),
      isOperationError('invalid'),
    );
    await assert.rejects(
      createAgentWorktree(service, { repoPath: repo, name: 'ok', baseRef: '--output=/tmp/x' }),
      isOperationError('invalid'),
    );
    await assert.rejects(
      createAgentWorktree(service, { repoPath: repo, name: 'ok', baseRef: 'no-such-branch' }),
      isOperationError('invalid'),
    );
    assert.deepEqual(repoState(repo), before);
    assert.equal(existsSync(path.join(repo, 'pwned')), false);
  });

  test('a hostile task becomes a safe slug', async () => {
    const repo = createRepo();
    const { service } = recordingService();
    const created = await createAgentWorktree(service, {
      repoPath: repo,
      task: `Don't "quote" $(touch pwned) \`id\` -- ../../etc`,
    });
    assert.equal(created.slug, 'don-t-quote-touch-pwned-id-.-.-etc');
    assert.ok(created.path.startsWith(path.join(path.dirname(repo), 'repo.worktrees') + path.sep));
    assert.equal(existsSync(path.join(repo, 'pwned')), false);
    assert.equal(created.metadata.task, `Don't "quote" $(touch pwned) \`id\` -- ../../etc`);
  });

  test('an existing branch or folder is refused, never reused', async () => {
    const repo = createRepo('r');
    git(repo, 'branch', 'agent/taken');
    mkdirSync(path.join(path.dirname(repo), 'r.worktrees', 'occupied'), { recursive: true });
    writeFileSync(path.join(path.dirname(repo), 'r.worktrees', 'occupied', 'precious.txt'), 'mine');
    const before = repoState(repo);
    const { service } = recordingService();
    await assert.rejects(createAgentWorktree(service, { repoPath: repo, name: 'taken' }), isOperationError('exists'));
    await assert.rejects(createAgentWorktree(service, { repoPath: repo, name: 'occupied' }), isOperationError('exists'));
    assert.deepEqual(repoState(repo), before);
    assert.equal(readFileSync(path.join(path.dirname(repo), 'r.worktrees', 'occupied', 'precious.txt'), 'utf8'), 'mine');
  });

  test('bare repositories, folders outside git and empty repositories get a clear error', async () => {
    const { service } = recordingService();
    const bare = path.join(tempDir('bare'), 'b.git');
    git(path.dirname(bare), 'init', '--quiet', '--bare', bare);
    await assert.rejects(createAgentWorktree(service, { repoPath: bare, name: 'x' }), isOperationError('invalid'));
    await assert.rejects(createAgentWorktree(service, { repoPath: tempDir('plain'), name: 'x' }), isOperationError('invalid'));
    const empty = path.join(tempDir('empty'), 'e');
    mkdirSync(empty);
    git(empty, 'init', '--quiet');
    await assert.rejects(createAgentWorktree(service, { repoPath: empty, name: 'x' }), /no commits yet/);
  });

  test('location "inside": <repo>/.worktrees/<slug>, excluded once in the common dir’s info/exclude', async () => {
    const repo = createRepo();
    const { service } = recordingService();
    const first = await createAgentWorktree(service, { repoPath: repo, name: 'one', location: 'inside' });
    const linked = await createAgentWorktree(service, { repoPath: first.path, name: 'two', location: 'inside' });
    assert.equal(first.path, path.join(repo, '.worktrees', 'one'));
    assert.equal(linked.path, path.join(repo, '.worktrees', 'two'), 'from a linked worktree it still goes inside the main one');
    const exclude = readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8');
    assert.equal(exclude.split('\n').filter((line) => line === '/.worktrees/').length, 1);
    assert.equal(git(repo, 'status', '--porcelain').trim(), '', 'the main worktree does not see .worktrees/');
  });

  test('a custom location folder', async () => {
    const repo = createRepo();
    const folder = tempDir('custom place');
    const created = await createAgentWorktree(recordingService().service, { repoPath: repo, name: 'x', location: { folder } });
    assert.equal(created.path, path.join(folder, 'x'));
    await assert.rejects(
      createAgentWorktree(recordingService().service, { repoPath: repo, name: 'y', location: { folder: 'relative/path' } }),
      isOperationError('invalid'),
    );
  });

  test('includeUncommitted brings staged, unstaged, untracked, deleted and binary changes; the source is untouched', async () => {
    const repo = createRepo();
    commitFile(repo, 'staged.txt', 'v1\n');
    commitFile(repo, 'unstaged.txt', 'v1\n');
    commitFile(repo, 'deleted.txt', 'gone soon\n');
    write(repo, 'staged.txt', 'v2 staged\n');
    git(repo, 'add', 'staged.txt');
    write(repo, 'unstaged.txt', 'v2 unstaged\n');
    write(repo, 'new dir/untracked file.txt', 'new\n');
    writeFileSync(path.join(repo, 'image.bin'), Buffer.from([0, 1, 2, 255, 254, 0]));
    git(repo, 'rm', '--quiet', 'deleted.txt');
    const sourceStatus = git(repo, 'status', '--porcelain=v1', '--untracked-files=all');
    const created = await createAgentWorktree(recordingService().service, {
      repoPath: repo,
      name: 'carry',
      includeUncommitted: true,
    });
    assert.equal(git(repo, 'status', '--porcelain=v1', '--untracked-files=all'), sourceStatus, 'source unchanged');
    assert.equal(
      git(created.path, 'status', '--porcelain=v1', '--untracked-files=all'),
      sourceStatus,
      'same state in the new worktree',
    );
    assert.equal(readFileSync(path.join(created.path, 'unstaged.txt'), 'utf8'), 'v2 unstaged\n');
    assert.deepEqual([...readFileSync(path.join(created.path, 'image.bin'))], [0, 1, 2, 255, 254, 0]);
  });

  test('.worktreeinclude and the setting copy ignored files only, never over tracked ones', async () => {
    const repo = createRepo();
    commitFile(repo, '.gitignore', '.env\n*.local\nsecrets/\nnode_modules/\n');
    commitFile(repo, '.worktreeinclude', '# copy the env\n.env\nsecrets/\nconfig.json\n');
    commitFile(repo, 'config.json', '{"tracked": true}\n');
    write(repo, '.env', 'TOKEN=1\n');
    write(repo, 'secrets/key.pem', 'KEY\n');
    write(repo, 'app.local', 'local\n');
    write(repo, 'node_modules/x/index.js', '');
    write(repo, 'config.json', '{"tracked": "modified in source"}\n');
    write(repo, 'untracked-not-ignored.env', 'x');
    const created = await createAgentWorktree(recordingService().service, {
      repoPath: repo,
      name: 'with-env',
      copyIncludes: ['*.local'],
    });
    assert.deepEqual([...created.copiedFiles].sort(), ['.env', 'app.local', 'secrets/key.pem']);
    assert.equal(readFileSync(path.join(created.path, '.env'), 'utf8'), 'TOKEN=1\n');
    assert.equal(
      readFileSync(path.join(created.path, 'config.json'), 'utf8'),
      '{"tracked": true}\n',
      'tracked file not overwritten',
    );
    assert.equal(existsSync(path.join(created.path, 'node_modules')), false);
    assert.equal(existsSync(path.join(created.path, 'untracked-not-ignored.env')), false);
  });

  test('atomic: a failure after `git worktree add` removes exactly what was created', async () => {
    const repo = createRepo('atomic');
    commitFile(repo, '.gitignore', '.env\n');
    commitFile(repo, '.worktreeinclude', '.env\n');
    write(repo, '.env', 'x');
    const worktreesFolder = path.join(path.dirname(repo), 'atomic.worktrees');
    const before = repoState(repo);
    const { service, runner } = recordingService();
    // Simulate a step failing after the worktree exists: the listing of files to copy.
    failGitSubcommand(runner, 'ls-files', 'simulated failure while copying includes');
    await assert.rejects(
      createAgentWorktree(service, { repoPath: repo, name: 'doomed', includeUncommitted: true }),
      (error: unknown) => {
        assert.ok(error instanceof WorktreeOperationError);
        assert.equal(error.code, 'failed');
        assert.match(error.message, /simulated failure/);
        assert.match(error.message, /Nothing was left behind/);
        return true;
      },
    );
    assert.deepEqual(repoState(repo), before, 'no branch, no worktree, no folder, source untouched');
    assert.equal(existsSync(worktreesFolder), false, 'the folder made for it is gone too');
    assert.equal(existsSync(path.join(repo, '.git', 'worktrees', 'doomed')), false, 'no admin entry left');
  });

  test('a post-checkout hook that fails: git made the worktree anyway; it is removed with its branch, and the error says why', async () => {
    const repo = createRepo('hooked');
    const hook = path.join(repo, '.git', 'hooks', 'post-checkout');
    writeFileSync(hook, '#!/bin/sh\necho "hook says no" >&2\nexit 1\n', { mode: 0o755 });
    const before = repoState(repo);
    const { service } = recordingService();
    await assert.rejects(createAgentWorktree(service, { repoPath: repo, name: 'hooked-task' }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError);
      assert.equal(error.code, 'failed');
      assert.match(error.message, /a hook of the repository failed/);
      assert.match(error.message, /Nothing was left behind/);
      return true;
    });
    assert.deepEqual(repoState(repo), before, 'no branch, no worktree, no folder');
    assert.equal(existsSync(path.join(path.dirname(repo), 'hooked.worktrees')), false);
    assert.equal(existsSync(path.join(repo, '.git', 'worktrees', 'hooked-task')), false, 'no admin entry left');
  });

  test('atomic: a folder that already holds the parent is kept; only the new worktree goes', async () => {
    const repo = createRepo('keep');
    const { service, runner } = recordingService();
    const existing = await createAgentWorktree(service, { repoPath: repo, name: 'existing' });
    failGitSubcommand(runner, 'read-tree', 'simulated');
    write(repo, 'dirty.txt', 'so includeUncommitted has work to do');
    await assert.rejects(
      createAgentWorktree(service, { repoPath: repo, name: 'second', includeUncommitted: true }),
      isOperationError('failed'),
    );
    assert.ok(existsSync(existing.path), 'the earlier worktree and its folder stay');
    assert.equal(existsSync(path.join(path.dirname(existing.path), 'second')), false);
    assert.equal(git(repo, 'branch', '--list', 'agent/second').trim(), '');
  });
});

describe('two windows creating the same agent worktree at once', () => {
  test('the one that loses the race removes nothing of the winner’s (worktree, branch, work)', async () => {
    const repo = createRepo('race');
    const { service, runner } = recordingService();
    const target = path.join(path.dirname(repo), 'race.worktrees', 'same-task');
    // The other window creates the same branch and folder between this call's checks and its writes.
    const run = runner.run.bind(runner);
    let raced = false;
    runner.run = (args, options) => {
      const writes = (args[0] === 'branch' && args[1] === '--no-track') || (args[0] === 'worktree' && args[1] === 'add');
      if (writes && !raced) {
        raced = true;
        git(repo, 'worktree', 'add', '--quiet', '-b', 'agent/same-task', target);
        write(target, 'winner.txt', 'the other window’s agent is working here\n');
      }
      return run(args, options);
    };
    await assert.rejects(createAgentWorktree(service, { repoPath: repo, name: 'same-task' }), isOperationError('failed'));
    assert.equal(readFileSync(path.join(target, 'winner.txt'), 'utf8'), 'the other window’s agent is working here\n');
    assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'agent/same-task').trim(), 'agent/same-task');
    assert.match(git(repo, 'worktree', 'list', '--porcelain'), /same-task/);
  });
});
