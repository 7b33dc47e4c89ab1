import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, createAttempts, WorktreeOperationError } from '../../src/agents';
import { readAgentMetadata } from '../../src/agents/agentMetadata';
import { adminDirOf } from '../../src/agents/createAgentWorktree';
import type { GitRunner } from '../../src/git';
import { commitFile, createRepo, git, recordingService } from './helpers/gitFixture';

const isOperationError = (code: string, message?: RegExp) => (error: unknown) =>
  error instanceof WorktreeOperationError && error.code === code && (!message || message.test(error.message));

/** Everything a refused or failed call must leave as it was. */
function repoState(repo: string) {
  return {
    branches: git(repo, 'branch', '--list', '--format=%(refname) %(objectname)'),
    worktrees: git(repo, 'worktree', 'list', '--porcelain'),
    siblings: readdirSync(path.dirname(repo)).sort(),
    status: git(repo, 'status', '--porcelain=v2', '--untracked-files=all'),
  };
}

/** Runs `before` just ahead of the `nth` git call whose first arguments are `prefix` (1-based). */
function beforeNthCall(runner: GitRunner, prefix: readonly string[], nth: number, before: () => void): void {
  const run = runner.run.bind(runner);
  let seen = 0;
  runner.run = (args, options) => {
    if (prefix.every((part, index) => args[index] === part) && ++seen === nth) before();
    return run(args, options);
  };
}

describe('createAttempts: one task, several agent worktrees from the same base', () => {
  test('N attempts from the same commit, numbered, one group in their metadata, each with its agent', async () => {
    const repo = createRepo('shop');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const { service } = recordingService();
    const created = await createAttempts(service, {
      repoPath: repo,
      task: 'Speed up search',
      attempts: [{ agentCommand: 'claude' }, { agentCommand: 'codex' }, { agentCommand: 'claude' }],
    });
    assert.equal(created.baseCommit, head);
    assert.match(created.group, /^[0-9a-f]{16}$/);
    assert.deepEqual(
      created.attempts.map((attempt) => [attempt.slug, attempt.branch, attempt.metadata.agentCommand]),
      [
        ['speed-up-search-1', 'agent/speed-up-search-1', 'claude'],
        ['speed-up-search-2', 'agent/speed-up-search-2', 'codex'],
        ['speed-up-search-3', 'agent/speed-up-search-3', 'claude'],
      ],
    );
    for (const [index, attempt] of created.attempts.entries()) {
      assert.equal(git(attempt.path, 'rev-parse', 'HEAD').trim(), head);
      // What survives a reload is what is on disk, not the returned object.
      const stored = await readAgentMetadata(await adminDirOf(attempt.path));
      assert.deepEqual(stored?.attempt, { group: created.group, index: index + 1, count: 3 });
      assert.equal(stored?.task, 'Speed up search');
      assert.equal(stored?.baseCommit, head);
    }
  });

  test('the base is fixed once: a commit made while they are being created does not split them', async () => {
    const repo = createRepo('shop');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const { service, runner } = recordingService();
    // Between the second and third `git worktree add`, the invoking checkout moves on.
    beforeNthCall(runner, ['worktree', 'add'], 3, () => commitFile(repo, 'later.txt', 'later\n', 'Later'));
    const created = await createAttempts(service, { repoPath: repo, name: 'race', attempts: [{}, {}, {}] });
    assert.deepEqual(
      created.attempts.map((attempt) => git(attempt.path, 'rev-parse', 'HEAD').trim()),
      [head, head, head],
    );
  });

  test('fewer than 2 or more than 16 attempts, or a bad name, are refused and nothing is created', async () => {
    const repo = createRepo('shop');
    const before = repoState(repo);
    const { service } = recordingService();
    for (const attempts of [[], [{}], Array.from({ length: 17 }, () => ({}))]) {
      await assert.rejects(createAttempts(service, { repoPath: repo, task: 't', attempts }), isOperationError('invalid'));
    }
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: '--evil', attempts: [{}, {}] }),
      isOperationError('invalid'),
    );
    // 62 characters + "-10" is over the 64 a name may have: refused before anything is made.
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: 'a'.repeat(62), attempts: Array.from({ length: 10 }, () => ({})) }),
      isOperationError('invalid', /at most 64/),
    );
    assert.deepEqual(repoState(repo), before);
  });

  test('a branch under an attempt’s name (agent/fix-2/old) is refused before the first one is made', async () => {
    const repo = createRepo('shop');
    git(repo, 'branch', 'agent/fix-2/old');
    const before = repoState(repo);
    const { service } = recordingService();
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: 'fix', attempts: [{}, {}, {}] }),
      isOperationError('exists', /"agent\/fix-2" cannot be made: "agent\/fix-2\/old" exists/),
    );
    assert.deepEqual(repoState(repo), before);
  });

  test('a taken branch or folder for any attempt is refused before the first one is made', async () => {
    const repo = createRepo('shop');
    git(repo, 'branch', 'agent/fix-3');
    const before = repoState(repo);
    const { service } = recordingService();
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: 'fix', attempts: [{}, {}, {}, {}] }),
      isOperationError('exists', /agent\/fix-3/),
    );
    assert.deepEqual(repoState(repo), before);
  });

  test('all or nothing: when attempt 3 of 4 fails, exactly the 2 this call made go; nothing else is touched', async () => {
    const repo = createRepo('shop');
    const { service, runner } = recordingService();
    const earlier = await createAgentWorktree(service, { repoPath: repo, name: 'earlier' });
    const before = repoState(repo);
    // Another process takes attempt 3's branch name after the checks: `git branch` refuses it.
    beforeNthCall(runner, ['branch', '--no-track'], 3, () => git(repo, 'branch', 'agent/tune-3'));
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: 'tune', attempts: [{}, {}, {}, {}] }),
      isOperationError('failed', /attempt 3 of 4 failed.*The 2 made before it were removed again/s),
    );
    // The racing process's branch is not ours: it stays. Without it, everything is as it was.
    assert.match(git(repo, 'branch', '--list', 'agent/tune-3'), /agent\/tune-3/);
    git(repo, 'branch', '-D', 'agent/tune-3');
    assert.deepEqual(repoState(repo), before);
    assert.ok(existsSync(earlier.path), 'an agent worktree made before the call is untouched');
    assert.deepEqual(readdirSync(path.dirname(earlier.path)).sort(), ['earlier']);
  });

  test('a post-checkout hook that fails in attempt 3 of 3: all three go again, the hook’s words in the error', async () => {
    const repo = createRepo('shop');
    // The hook runs in the new worktree: it refuses only the third.
    writeFileSync(
      path.join(repo, '.git', 'hooks', 'post-checkout'),
      '#!/bin/sh\ncase "$PWD" in *-3) echo "no third attempt" >&2; exit 1;; esac\n',
      { mode: 0o755 },
    );
    const before = repoState(repo);
    const { service } = recordingService();
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: 'hooked', attempts: [{}, {}, {}] }),
      isOperationError(
        'failed',
        /^Creating attempt 3 of 3 failed: git made the worktree, but a hook of the repository failed \(no third attempt\), so it was removed again\. The 2 made before it were removed again\. Nothing was left behind\.$/,
      ),
    );
    assert.deepEqual(repoState(repo), before, 'no branch, worktree or folder of any attempt');
  });

  test('a failure on the first attempt into a new folder leaves no folder behind', async () => {
    const repo = createRepo('shop');
    const before = repoState(repo);
    const { service, runner } = recordingService();
    beforeNthCall(runner, ['branch', '--no-track'], 1, () => git(repo, 'branch', 'agent/first-1'));
    await assert.rejects(
      createAttempts(service, { repoPath: repo, name: 'first', attempts: [{}, {}] }),
      isOperationError('failed', /attempt 1 of 2 failed/),
    );
    git(repo, 'branch', '-D', 'agent/first-1');
    assert.deepEqual(repoState(repo), before, 'no shop.worktrees folder is left');
  });
});
