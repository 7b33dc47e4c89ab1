import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, getAgentChanges, keep, readAgentMetadata } from '../../src/agents';
import { updateFromBase } from '../../src/agents/updateFromBase';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';
import { refusal } from './helpers/refusal';

async function setup() {
  const repo = createRepo('update-base');
  commitFile(repo, 'shared.txt', 'one\ntwo\nthree\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
  const metadata = async () =>
    (await readAgentMetadata(path.join(repo, '.git', 'worktrees', 'agent'))) ?? assert.fail('no metadata');
  return { repo, service, agent, metadata };
}

describe('Update from Base', () => {
  test('merges the base branch’s new commits; the review then shows only the agent’s own work', async () => {
    const { repo, service, agent, metadata } = await setup();
    commitFile(agent.path, 'agent.txt', 'by the agent\n');
    commitFile(repo, 'main-1.txt', 'main moved\n');
    const tip = commitFile(repo, 'main-2.txt', 'main moved again\n');
    const result = await updateFromBase(service, agent.path);
    assert.deepEqual(result, { commits: 2, baseCommit: tip, conflicted: [], carried: undefined });
    assert.equal((await metadata()).baseCommit, tip);
    assert.equal(readFileSync(path.join(agent.path, 'main-2.txt'), 'utf8'), 'main moved again\n');
    const review = await getAgentChanges(service, agent.path, { since: 'base' });
    assert.deepEqual(
      review.files.map((file) => file.path),
      ['agent.txt'],
    );
    assert.deepEqual(await updateFromBase(service, agent.path), {
      commits: 0,
      baseCommit: tip,
      conflicted: [],
      carried: undefined,
    });
  });

  test('rebase: the agent’s commits replayed on the base', async () => {
    const { repo, service, agent } = await setup();
    commitFile(agent.path, 'agent.txt', 'by the agent\n');
    const tip = commitFile(repo, 'main.txt', 'main moved\n');
    await updateFromBase(service, agent.path, { mode: 'rebase' });
    assert.equal(git(agent.path, 'rev-parse', 'HEAD~1').trim(), tip);
    assert.equal(git(agent.path, 'log', '-1', '--format=%s').trim(), 'change agent.txt');
  });

  test('uncommitted changes: refused, changing nothing; carried over and restored when asked', async () => {
    const { repo, service, agent, metadata } = await setup();
    write(agent.path, 'shared.txt', 'one\ntwo\nthree\nfour by the agent\n');
    write(agent.path, 'untracked.txt', 'new\n');
    git(agent.path, 'add', 'untracked.txt');
    write(agent.path, 'untracked.txt', 'new, edited after staging\n');
    const tip = commitFile(repo, 'main.txt', 'main moved\n');
    const head = git(agent.path, 'rev-parse', 'HEAD');
    const status = git(agent.path, 'status', '--porcelain=v2');
    await assert.rejects(updateFromBase(service, agent.path), refusal('blocked', /2 uncommitted files/));
    assert.equal(git(agent.path, 'rev-parse', 'HEAD'), head);
    assert.equal(git(agent.path, 'status', '--porcelain=v2'), status);
    const result = await updateFromBase(service, agent.path, { carryUncommitted: true });
    assert.equal(result.carried, 'restored');
    assert.equal((await metadata()).baseCommit, tip);
    assert.equal(readFileSync(path.join(agent.path, 'shared.txt'), 'utf8'), 'one\ntwo\nthree\nfour by the agent\n');
    assert.equal(readFileSync(path.join(agent.path, 'untracked.txt'), 'utf8'), 'new, edited after staging\n');
    assert.equal(git(agent.path, 'show', ':untracked.txt'), 'new\n', 'the staged version stays staged');
    assert.equal(git(repo, 'stash', 'list'), '', 'no stash entry left behind');
  });

  test('a conflict: left as git leaves it, named, nothing lost; the base moves once it is finished', async () => {
    const { repo, service, agent, metadata } = await setup();
    const before = (await metadata()).baseCommit;
    commitFile(agent.path, 'shared.txt', 'one\nTWO by the agent\nthree\n');
    write(agent.path, 'notes.txt', 'uncommitted notes\n');
    const tip = commitFile(repo, 'shared.txt', 'one\nTWO on main\nthree\n');
    const result = await updateFromBase(service, agent.path, { carryUncommitted: true });
    assert.deepEqual(result.conflicted, ['shared.txt']);
    assert.equal(result.carried, 'stashed');
    assert.equal((await metadata()).baseCommit, before, 'not moved while the merge is unfinished');
    assert.match(readFileSync(path.join(agent.path, 'shared.txt'), 'utf8'), /<<<<<<<[\s\S]*TWO by the agent[\s\S]*TWO on main/);
    assert.match(git(repo, 'stash', 'list'), /carried over Update from Base/, 'the uncommitted notes are in the stash');
    // The user resolves and commits; Update from Base again moves the base.
    write(agent.path, 'shared.txt', 'one\nTWO, both\nthree\n');
    git(agent.path, 'add', 'shared.txt');
    git(agent.path, 'commit', '--quiet', '--no-edit');
    assert.deepEqual(await updateFromBase(service, agent.path), {
      commits: 0,
      baseCommit: tip,
      conflicted: [],
      carried: undefined,
    });
    git(agent.path, 'stash', 'pop');
    assert.equal(readFileSync(path.join(agent.path, 'notes.txt'), 'utf8'), 'uncommitted notes\n');
  });

  test('refused with a reason: after a keep, from a detached HEAD, a base branch deleted', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'kept.txt', 'kept\n');
    await keep(service, agent.path);
    commitFile(repo, 'main.txt', 'main moved\n');
    await assert.rejects(updateFromBase(service, agent.path), refusal('blocked', /kept already/));

    git(repo, 'checkout', '--quiet', '--detach');
    const detached = await createAgentWorktree(service, { repoPath: repo, name: 'from-detached' });
    await assert.rejects(updateFromBase(service, detached.path), refusal('invalid', /detached HEAD/));

    git(repo, 'checkout', '--quiet', 'main');
    git(repo, 'branch', 'side');
    git(repo, 'checkout', '--quiet', 'side');
    const fromSide = await createAgentWorktree(service, { repoPath: repo, name: 'from-side' });
    git(repo, 'checkout', '--quiet', 'main');
    git(repo, 'branch', '-D', 'side');
    await assert.rejects(updateFromBase(service, fromSide.path), refusal('invalid', /does not exist any more/));
  });
});
