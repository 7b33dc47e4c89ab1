import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, keep, WorktreeOperationError } from '../../src/agents';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';

async function setup() {
  const repo = createRepo('keep-commit');
  commitFile(repo, 'notes.txt', 'one\n');
  commitFile(repo, 'user.txt', 'the user’s file\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent', task: 'Fix the rounding of totals' });
  return { repo, service, agent };
}

/** HEAD, index and status: what a refused Keep and Commit must leave as it was. */
const state = (repo: string) => ({
  head: git(repo, 'rev-parse', 'HEAD'),
  index: git(repo, 'ls-files', '-s'),
  status: git(repo, 'status', '--porcelain=v2', '--untracked-files=all'),
});

describe('Keep and Commit', () => {
  test('commits exactly the kept paths with the task and the agent’s subjects; the user’s staged change stays staged', async () => {
    const { repo, service, agent } = await setup();
    write(repo, 'user.txt', 'staged by the user\n');
    git(repo, 'add', 'user.txt');
    write(agent.path, 'notes.txt', 'one\ntwo\n');
    commitFile(agent.path, 'rounding.ts', 'export const round = Math.round;\n', 'Round with Math.round');
    write(agent.path, 'new.txt', 'new file\n');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const result = await keep(service, agent.path, { commit: {} });
    assert.equal(result.undoId, undefined, 'undone by reverting the commit');
    assert.equal(result.commit, git(repo, 'rev-parse', 'HEAD').trim());
    assert.equal(git(repo, 'rev-parse', 'HEAD~1').trim(), head);
    assert.deepEqual(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), [
      'new.txt',
      'notes.txt',
      'rounding.ts',
    ]);
    assert.equal(git(repo, 'log', '-1', '--format=%B').trim(), 'Fix the rounding of totals\n\n- Round with Math.round');
    assert.equal(git(repo, 'diff', '--cached', '--name-only').trim(), 'user.txt', 'still staged, not committed');
    assert.equal(git(repo, 'show', ':user.txt'), 'staged by the user\n');
    assert.equal(git(repo, 'status', '--porcelain', '--', 'notes.txt', 'new.txt', 'rounding.ts'), '');
  });

  test('the message given is the message used', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'notes.txt', 'changed\n');
    await keep(service, agent.path, { commit: { message: 'My own words\n\nwith a body' } });
    assert.equal(git(repo, 'log', '-1', '--format=%B').trim(), 'My own words\n\nwith a body');
  });

  test('a kept file with the user’s own uncommitted edits: refused before anything is written', async () => {
    const repo = createRepo('keep-commit-dirty');
    commitFile(repo, 'notes.txt', Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
    write(repo, 'notes.txt', git(repo, 'show', 'HEAD:notes.txt').replace('line 0', 'the user’s line'));
    write(agent.path, 'notes.txt', git(repo, 'show', 'HEAD:notes.txt').replace('line 11', 'the agent’s line'));
    const before = state(repo);
    await assert.rejects(keep(service, agent.path, { commit: {} }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'blocked', String(error));
      assert.match(error.message, /your own uncommitted edits in notes\.txt/);
      return true;
    });
    assert.deepEqual(state(repo), before);
  });

  test('over an earlier keep that is not committed yet: refused before anything is written (the commit could not bring it back)', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'notes.txt', 'one\nfirst pass\n');
    await keep(service, agent.path);
    write(agent.path, 'notes.txt', 'one\nsecond pass\n');
    const before = state(repo);
    await assert.rejects(keep(service, agent.path, { commit: {} }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'blocked', String(error));
      assert.match(error.message, /notes\.txt has uncommitted changes .*Commit or undo them first/);
      return true;
    });
    assert.deepEqual(state(repo), before);
    // A plain keep of the refinement is still fine (it records what it replaces, for Undo).
    await keep(service, agent.path);
    assert.equal(git(repo, 'show', ':notes.txt'), 'one\n');
  });

  test('a commit-msg hook that refuses: git’s reason, and nothing is kept or committed', async () => {
    const { repo, service, agent } = await setup();
    const hook = path.join(repo, '.git', 'hooks', 'commit-msg');
    writeFileSync(hook, '#!/bin/sh\necho "message must mention a ticket" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    write(agent.path, 'notes.txt', 'changed\n');
    const before = state(repo);
    await assert.rejects(keep(service, agent.path, { commit: {} }), /message must mention a ticket/);
    assert.deepEqual(state(repo), before);
  });

  test('recording the keep fails after the commit: the commit is taken back, the files put back', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'notes.txt', 'changed\n');
    const before = state(repo);
    const refs = path.join(repo, '.git', 'refs', 'agent-worktrees', 'kept');
    mkdirSync(refs, { recursive: true });
    writeFileSync(path.join(refs, 'agent.lock'), '');
    await assert.rejects(keep(service, agent.path, { commit: {} }), /Nothing was kept/);
    assert.deepEqual(state(repo), before);
  });
});
