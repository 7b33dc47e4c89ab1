import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asOperationError, WorktreeOperationError } from '../../src/agents';
import { classifyGitFailure, GitError } from '../../src/git';

describe('errors as the API documents them', () => {
  test('a ref lock is a ref lock, not the index’s', () => {
    assert.equal(
      classifyGitFailure("fatal: Unable to create '/r/.git/refs/agent-worktrees/kept/a.lock': File exists."),
      'RefLocked',
    );
    assert.equal(classifyGitFailure("error: cannot lock ref 'refs/heads/x': reference already exists"), 'RefLocked');
    assert.equal(classifyGitFailure("fatal: Unable to create '/r/.git/index.lock': File exists."), 'IndexLocked');
    assert.equal(classifyGitFailure("fatal: Unable to create '/r/.git/worktrees/a/index.lock': File exists."), 'IndexLocked');
  });

  test('a GitError becomes a documented code and stays the cause; operation errors pass through', () => {
    const locked = new GitError('git update-ref exited with 128', {
      code: 'RefLocked',
      args: ['update-ref'],
      exitCode: 128,
      stderr: "fatal: Unable to create '/r/.git/refs/x.lock': File exists.",
    });
    const mapped = asOperationError(locked);
    assert.equal(mapped.code, 'blocked');
    assert.equal(mapped.cause, locked);
    assert.match(mapped.message, /x\.lock': File exists/);
    assert.equal(asOperationError(new GitError('bad', { code: 'BadRevision', args: [] })).code, 'invalid');
    assert.equal(asOperationError(new GitError('boom', { code: 'Failed', args: [] })).code, 'failed');
    assert.equal(asOperationError(new Error('disk full')).code, 'failed');
    const own = new WorktreeOperationError('exists', 'there');
    assert.equal(asOperationError(own), own);
  });
});
