// Concurrency against real repositories: mutations on one repository are serialised, a refresh
// during a keep sees a consistent state, and two windows (two services) cannot both remove the
// same worktree half-way.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, executeRemoval, getAgentChanges, keep, planRemoval } from '../../src/agents';
import type { StatusCounts } from '../../src/git/types';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';

describe('concurrent operations on one repository', () => {
  test('six creates, keeps and removals at once: all succeed, no index.lock error', async () => {
    const repo = createRepo();
    commitFile(repo, 'base.txt', 'base\n');
    const { service } = recordingService();
    const first = await createAgentWorktree(service, { repoPath: repo, name: 'first' });
    const second = await createAgentWorktree(service, { repoPath: repo, name: 'second' });
    write(first.path, 'from-first.txt', 'first\n');
    write(second.path, 'from-second.txt', 'second\n');

    const results = await Promise.allSettled([
      createAgentWorktree(service, { repoPath: repo, name: 'third' }),
      keep(service, first.path),
      createAgentWorktree(service, { repoPath: repo, name: 'fourth' }),
      keep(service, second.path),
      createAgentWorktree(service, { repoPath: repo, name: 'fifth' }),
      planRemoval(service, [{ path: first.path }]).then((plan) => executeRemoval(service, plan, { force: true })),
    ]);
    const failures = results.filter((result) => result.status === 'rejected');
    assert.deepEqual(
      failures.map((failure) => String((failure as PromiseRejectedResult).reason)),
      [],
      'every operation succeeded',
    );
    assert.equal(readFileSync(path.join(repo, 'from-first.txt'), 'utf8'), 'first\n');
    assert.equal(readFileSync(path.join(repo, 'from-second.txt'), 'utf8'), 'second\n');
    const branches = git(repo, 'branch', '--list', '--format=%(refname:short)').split('\n').filter(Boolean).sort();
    assert.deepEqual(branches, ['agent/fifth', 'agent/fourth', 'agent/second', 'agent/third', 'main'].sort());
    assert.equal(existsSync(first.path), false);
  });

  test('refreshes during a keep never fail (no lock fight) and then see the whole keep', async () => {
    const repo = createRepo();
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'many' });
    const count = 200;
    for (let i = 0; i < count; i++) write(agent.path, `f-${i}.txt`, `${i}\n`);
    const reviewed = await getAgentChanges(service, agent.path);
    const commonDir = path.join(repo, '.git');
    const headBefore = git(repo, 'rev-parse', 'HEAD').trim();
    const snapshots: StatusCounts[] = [];
    let keeping = true;
    const kept = keep(service, agent.path, { reviewed }).finally(() => {
      keeping = false;
    });
    while (keeping) {
      const snapshot = await service.readRepository({ commonDir });
      const main = snapshot.worktrees.find((entry) => entry.worktree.path === repo);
      assert.equal(main?.statusError, undefined, 'the refresh during the keep did not fail');
      assert.ok(main?.status, 'and read a status');
      assert.equal(main.status.headOid, headBefore, 'a keep never commits in the target');
      const { staged, unstaged, untracked, conflicted } = main.status;
      snapshots.push({ staged, unstaged, untracked, conflicted });
    }
    await kept;
    // Reads take no locks (GIT_OPTIONAL_LOCKS=0), so a refresh never fails or blocks the keep; it
    // may see the files arriving, and afterwards sees all of them.
    const final = await service.readRepository({ commonDir });
    const main = final.worktrees.find((entry) => entry.worktree.path === repo);
    assert.equal(main?.status?.untracked, count);
    assert.ok(snapshots.length > 0, 'at least one refresh ran during the keep');
    // Consistent means: only the kept files arriving as new files, never more of them than were
    // kept, never fewer than a read before saw, and never a stage or conflict on the way (a keep
    // that went through the user's index, even for a moment, would show here).
    for (const [index, seen] of snapshots.entries()) {
      const before = snapshots[index - 1]?.untracked ?? 0;
      const context = `read ${index + 1} of ${snapshots.length}: ${JSON.stringify(seen)}`;
      assert.deepEqual({ ...seen, untracked: 0 }, { staged: 0, unstaged: 0, untracked: 0, conflicted: 0 }, context);
      assert.ok(seen.untracked >= before && seen.untracked <= count, context);
    }
  });

  test('two windows removing the same worktree: one removes it, the other gets a clear error', async () => {
    const repo = createRepo();
    const windowA = recordingService().service;
    const windowB = recordingService().service; // its own queue, as in another VS Code window
    const agent = await createAgentWorktree(windowA, { repoPath: repo, name: 'contested' });
    const [planA, planB] = await Promise.all([
      planRemoval(windowA, [{ path: agent.path }]),
      planRemoval(windowB, [{ path: agent.path }]),
    ]);
    const results = await Promise.allSettled([executeRemoval(windowA, planA), executeRemoval(windowB, planB)]);
    const removed = results.flatMap((result) => (result.status === 'fulfilled' ? result.value.filter((o) => o.removed) : []));
    assert.equal(removed.length, 1, 'exactly one window removed it');
    const other = results.find(
      (result) => result.status === 'rejected' || (result.status === 'fulfilled' && !result.value[0]?.removed),
    );
    assert.ok(other, 'the other window did not claim a removal');
    const reason = other.status === 'rejected' ? String((other.reason as Error).message) : String(other.value[0]?.error ?? '');
    assert.ok(reason.length > 0, 'and says why');
    if (other.status === 'rejected') assert.ok(other.reason instanceof Error);
    assert.equal(existsSync(agent.path), false);
    assert.equal(git(repo, 'branch', '--list', 'agent/contested'), '', 'the branch is gone once');
    assert.equal(git(repo, 'worktree', 'list', '--porcelain').includes('contested'), false, 'no half-removed entry');
  });
});
