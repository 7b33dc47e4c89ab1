import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, executeRemoval, listTrash, planRemoval } from '../../src/agents';
import { commitFile, createRepo, failGitSubcommand, git, recordingService } from './helpers/gitFixture';

/** An agent worktree with two commits of its own on its branch. */
async function agentWithCommits() {
  const repo = createRepo('project');
  const { service, runner } = recordingService();
  const created = await createAgentWorktree(service, { repoPath: repo, name: 'feature' });
  const first = commitFile(created.path, 'one.txt', 'first change\n');
  const second = commitFile(created.path, 'two.txt', 'second change\n');
  // main moves on first: a pick onto the same parent in the same second would be the same commit.
  commitFile(repo, 'main.txt', 'main moved on\n');
  const commonDir = path.join(repo, '.git');
  const plan = () => planRemoval(service, [{ path: created.path, commonDir }]);
  return { repo, service, runner, created, first, second, commonDir, plan };
}

describe('landed work is not counted as lost', () => {
  test('commits cherry-picked into the base branch count as landed there', async () => {
    const setup = await agentWithCommits();
    git(setup.repo, 'cherry-pick', setup.first, setup.second);
    const plan = await setup.plan();
    assert.equal(plan.targets[0]?.uniqueCommits, 0);
    assert.equal(plan.targets[0]?.landedCommits, 2);
    assert.equal(plan.targets[0]?.landedIn, 'main');
    assert.equal(plan.losesWork, false, 'nothing to confirm: the work is in main');
  });

  test('a branch squash-merged into the base branch counts as landed as a whole', async () => {
    const setup = await agentWithCommits();
    git(setup.repo, 'merge', '--squash', '--quiet', setup.created.branch);
    git(setup.repo, 'commit', '--quiet', '-m', 'squashed feature');
    const plan = await setup.plan();
    assert.equal(plan.targets[0]?.uniqueCommits, 0);
    assert.equal(plan.targets[0]?.landedCommits, 2);
    assert.equal(plan.losesWork, false);
  });

  test('only the picked one of two commits is landed; the other still needs confirmation', async () => {
    const setup = await agentWithCommits();
    git(setup.repo, 'cherry-pick', setup.first);
    const plan = await setup.plan();
    assert.equal(plan.targets[0]?.uniqueCommits, 1);
    assert.equal(plan.targets[0]?.landedCommits, 1);
    assert.equal(plan.losesWork, true);
  });

  test('changes like the branch’s but not equal to them (nor to its whole) still count as unique', async () => {
    const setup = await agentWithCommits();
    // Both files in one commit, the second different: neither commit nor the whole branch landed.
    commitFile(setup.repo, 'one.txt', 'first change, edited\n');
    commitFile(setup.repo, 'two.txt', 'another second change\n');
    const plan = await setup.plan();
    assert.equal(plan.targets[0]?.uniqueCommits, 2);
    assert.equal(plan.losesWork, true);
  });

  test('fails closed: when git cannot compare, every commit counts as unique, and the plan says why', async () => {
    const setup = await agentWithCommits();
    git(setup.repo, 'cherry-pick', setup.first, setup.second);
    failGitSubcommand(setup.runner, 'patch-id', 'fatal: simulated failure');
    const plan = await setup.plan();
    assert.equal(plan.targets[0]?.uniqueCommits, 2);
    assert.equal(plan.targets[0]?.landedCommits, 0);
    assert.match(plan.targets[0]?.landedProblem ?? '', /simulated failure/);
    assert.equal(plan.losesWork, true);
  });

  test('a landed branch is removed without force, and still saved to the trash (patch-equal is not byte-equal)', async () => {
    const setup = await agentWithCommits();
    git(setup.repo, 'cherry-pick', setup.first, setup.second);
    const [outcome] = await executeRemoval(setup.service, await setup.plan());
    assert.equal(outcome?.removed, true, outcome?.error);
    assert.equal(outcome?.branchDeleted, true);
    const { items } = await listTrash(setup.service, setup.commonDir);
    assert.equal(items[0]?.id, outcome?.trashId);
    assert.equal(items[0]?.head, setup.second);
  });

  test('a change that differs only in whitespace has not landed (indentation matters, in Python for one)', async () => {
    const repo = createRepo('project');
    const { service } = recordingService();
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'indent' });
    commitFile(created.path, 'a.py', 'if ready:\n    run()\ndone()\n');
    commitFile(repo, 'a.py', 'if ready:\n    run()\n    done()\n');
    const plan = await planRemoval(service, [{ path: created.path, commonDir: path.join(repo, '.git') }]);
    assert.equal(plan.targets[0]?.uniqueCommits, 1);
    assert.equal(plan.targets[0]?.landedCommits, 0);
  });

  test('a commit that changes nothing never counts as landed (not even against an empty commit there)', async () => {
    const repo = createRepo('project');
    const { service } = recordingService();
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'empty' });
    git(created.path, 'commit', '--quiet', '--allow-empty', '-m', 'the agent’s notes, in the message only');
    git(repo, 'commit', '--quiet', '--allow-empty', '-m', 'an empty commit on main');
    const plan = await planRemoval(service, [{ path: created.path, commonDir: path.join(repo, '.git') }]);
    assert.equal(plan.targets[0]?.uniqueCommits, 1);
    assert.equal(plan.targets[0]?.landedCommits, 0);
  });
});
