import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, WorktreeOperationError } from '../../src/agents';
import { commitFile, createRepo, divergeOnFile, git, recordingService, write } from './helpers/gitFixture';

/** The invoking worktree's git files that bringing its changes along must never write. */
function invokingGitFiles(repo: string) {
  const index = path.join(repo, '.git', 'index');
  return {
    index: readFileSync(index).toString('base64'),
    indexMtime: statSync(index).mtimeMs,
    gitDir: readdirSync(path.join(repo, '.git'))
      .filter((name) => name !== 'worktrees')
      .sort(),
  };
}

describe('includeUncommitted reads the user’s state without writing it', () => {
  test('the invoking worktree’s index is not rewritten (no write-tree on it, no index.lock)', async () => {
    const repo = createRepo();
    commitFile(repo, 'src/a.txt', 'a\n');
    commitFile(repo, 'src/deep/b.txt', 'b\n');
    write(repo, 'src/deep/b.txt', 'staged\n');
    git(repo, 'add', 'src/deep/b.txt'); // a staged change invalidates the index's cache tree
    write(repo, 'src/a.txt', 'unstaged\n');
    const before = invokingGitFiles(repo);
    const created = await createAgentWorktree(recordingService().service, {
      repoPath: repo,
      name: 'carry',
      includeUncommitted: true,
    });
    assert.deepEqual(invokingGitFiles(repo), before);
    assert.equal(git(created.path, 'diff', '--cached', '--name-only').trim(), 'src/deep/b.txt');
    assert.equal(readFileSync(path.join(created.path, 'src/a.txt'), 'utf8'), 'unstaged\n');
  });

  test('another git holds index.lock: refused before anything is created, and the message says so', async () => {
    const repo = createRepo();
    write(repo, 'dirty.txt', 'uncommitted\n');
    writeFileSync(path.join(repo, '.git', 'index.lock'), '');
    const before = invokingGitFiles(repo);
    await assert.rejects(
      createAgentWorktree(recordingService().service, { repoPath: repo, name: 'locked', includeUncommitted: true }),
      (error: unknown) => {
        assert.ok(error instanceof WorktreeOperationError, String(error));
        assert.equal(error.code, 'blocked');
        assert.match(error.message, /Another git process is using the index .*index\.lock exists/);
        return true;
      },
    );
    assert.deepEqual(invokingGitFiles(repo), before);
    assert.deepEqual(readdirSync(path.dirname(repo)), [path.basename(repo)], 'no worktree folder was made');
    assert.equal(git(repo, 'branch', '--list', 'agent/locked').trim(), '');
  });

  test('unresolved conflicts in the invoking worktree: refused as such, nothing created', async () => {
    const repo = createRepo();
    divergeOnFile(repo, 'clash.txt', { side: 'side\n', current: 'current\n' });
    assert.throws(() => git(repo, 'merge', '--quiet', 'side', '-m', 'merge'), 'the merge conflicts');
    const before = invokingGitFiles(repo);
    await assert.rejects(
      createAgentWorktree(recordingService().service, { repoPath: repo, name: 'conflicted', includeUncommitted: true }),
      (error: unknown) => {
        assert.ok(error instanceof WorktreeOperationError, String(error));
        assert.equal(error.code, 'invalid');
        assert.match(error.message, /unresolved conflicts/);
        return true;
      },
    );
    assert.deepEqual(invokingGitFiles(repo), before);
    assert.equal(git(repo, 'branch', '--list', 'agent/conflicted').trim(), '');
  });
});
