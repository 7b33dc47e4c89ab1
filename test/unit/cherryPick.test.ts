import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  cherryPickAgentCommits,
  createAgentWorktree,
  executeRemoval,
  getAgentChanges,
  keep,
  planRemoval,
  type WorktreeOperationError,
} from '../../src/agents';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';
import { refusal } from './helpers/refusal';

async function setup() {
  const repo = createRepo('pick');
  commitFile(repo, 'notes.txt', 'one\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
  git(agent.path, 'config', 'user.name', 'The Agent');
  git(agent.path, 'config', 'user.email', 'agent@example.com');
  return { repo, service, agent };
}

const state = (repo: string) => ({
  head: git(repo, 'rev-parse', 'HEAD'),
  index: git(repo, 'ls-files', '-s'),
  status: git(repo, 'status', '--porcelain=v2', '--untracked-files=all'),
});

describe('Cherry-pick the agent’s commits', () => {
  test('its commits land with their messages and author; the uncommitted rest is left to keep', async () => {
    const { repo, service, agent } = await setup();
    commitFile(agent.path, 'a.txt', 'a\n', 'Add a');
    commitFile(agent.path, 'b.txt', 'b\n', 'Add b');
    write(agent.path, 'notes.txt', 'one\nuncommitted\n');
    write(repo, 'unrelated.txt', 'the user’s own\n');
    const result = await cherryPickAgentCommits(service, agent.path);
    assert.equal(result.picked.length, 2);
    assert.equal(git(repo, 'log', '-2', '--format=%s|%an').trim(), 'Add b|The Agent\nAdd a|The Agent');
    assert.equal(result.uncommittedLeft, true);
    assert.deepEqual(
      (await getAgentChanges(service, agent.path)).files.map((file) => file.path),
      ['notes.txt'],
    );
    assert.equal(git(repo, 'status', '--porcelain', '--', 'unrelated.txt').trim(), '?? unrelated.txt');
    await keep(service, agent.path);
    const plan = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(plan.losesWork, false, 'picked and kept: removing loses nothing');
    await executeRemoval(service, plan);
  });

  test('the target has uncommitted changes on a file the commits change: refused, nothing changed', async () => {
    const { repo, service, agent } = await setup();
    commitFile(agent.path, 'notes.txt', 'one\nagent\n', 'Agent edit');
    write(repo, 'notes.txt', 'one\nuser\n');
    const before = state(repo);
    await assert.rejects(cherryPickAgentCommits(service, agent.path), refusal('blocked', /uncommitted changes .*notes\.txt/));
    assert.deepEqual(state(repo), before);
  });

  test('a pick that conflicts with the target’s commits: aborted, nothing changed, and asks to resolve instead', async () => {
    const { repo, service, agent } = await setup();
    commitFile(agent.path, 'notes.txt', 'agent\n', 'Agent edit');
    commitFile(repo, 'notes.txt', 'user\n', 'User edit');
    const before = state(repo);
    await assert.rejects(cherryPickAgentCommits(service, agent.path), (error: unknown) => {
      refusal('needs-confirmation', /conflict .*notes\.txt.*merge editor/)(error);
      assert.deepEqual((error as WorktreeOperationError).consent, { kind: 'pick-conflicts', files: ['notes.txt'] });
      return true;
    });
    assert.deepEqual(state(repo), before);
    assert.equal(existsSync(path.join(repo, '.git', 'CHERRY_PICK_HEAD')), false, 'no pick left in progress');
  });

  test('resolving in the merge editor: git stops at the conflicting commit, the ones before are picked, nothing counts as kept', async () => {
    const { repo, service, agent } = await setup();
    commitFile(agent.path, 'a.txt', 'a\n', 'Add a');
    commitFile(agent.path, 'notes.txt', 'agent\n', 'Agent edit');
    commitFile(agent.path, 'b.txt', 'b\n', 'Add b');
    commitFile(repo, 'notes.txt', 'user\n', 'User edit');
    const result = await cherryPickAgentCommits(service, agent.path, { resolveConflicts: true });
    assert.deepEqual(result.stopped, { conflicted: ['notes.txt'], remaining: 1 });
    assert.equal(result.picked.length, 1);
    assert.equal(git(repo, 'log', '-1', '--format=%s').trim(), 'Add a');
    assert.equal(existsSync(path.join(repo, '.git', 'CHERRY_PICK_HEAD')), true, 'git stopped there, for the user');
    assert.match(git(repo, 'diff', '--name-only', '--diff-filter=U'), /notes\.txt/);
    assert.equal(result.keptUpTo, undefined, 'nothing counted as kept');
    assert.equal((await getAgentChanges(service, agent.path)).files.length, 3, 'all of it still to review');
    // The user resolves and continues with git: the rest lands as git picks it.
    write(repo, 'notes.txt', 'resolved\n');
    git(repo, 'add', 'notes.txt');
    git(repo, '-c', 'core.editor=true', 'cherry-pick', '--continue');
    assert.deepEqual(git(repo, 'log', '-3', '--format=%s').trim().split('\n'), ['Add b', 'Agent edit', 'Add a']);
  });

  test('after a keep, or with no commits: refused, saying what to do instead', async () => {
    const { service, agent } = await setup();
    await assert.rejects(cherryPickAgentCommits(service, agent.path), refusal('invalid', /no commits/));
    commitFile(agent.path, 'a.txt', 'a\n', 'Add a');
    await keep(service, agent.path);
    commitFile(agent.path, 'b.txt', 'b\n', 'Add b');
    await assert.rejects(cherryPickAgentCommits(service, agent.path), refusal('blocked', /kept already/));
  });
});
