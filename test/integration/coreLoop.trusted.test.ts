import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AgentWorktreesApi } from '../../src/api';
import { activatedApi } from './activated';

const DOCUMENTED_CODES = ['invalid', 'exists', 'blocked', 'needs-confirmation', 'failed'];

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

/** Rejects with a WorktreeOperationError of `code` (and nothing else): the API's documented contract. */
function documentedRejection(code: string, message?: RegExp) {
  return (error: Error & { code?: string; name?: string; cause?: unknown }) => {
    assert.equal(error.name, 'WorktreeOperationError', `${error.name}: ${error.message}`);
    assert.ok(DOCUMENTED_CODES.includes(error.code ?? ''), `undocumented code ${error.code}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

describe('The core loop through the API, in a real extension host', () => {
  let api: AgentWorktreesApi;
  let repo: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  it('create → the agent edits (committed, staged, unstaged, untracked) → Keep All → discard without force', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'loop-keep-all' });
    writeFileSync(path.join(created.path, 'loop-untracked.txt'), 'untracked\n');
    writeFileSync(path.join(created.path, 'loop-staged.txt'), 'staged\n');
    git(created.path, 'add', 'loop-staged.txt');
    const kept = await api.keep(created.path);
    assert.deepEqual([...kept.keptFiles].sort(), ['loop-staged.txt', 'loop-untracked.txt']);
    const outcome = await api.discard(created.path);
    assert.equal(outcome.removed, true, outcome.error);
    assert.equal(outcome.branchDeleted, true);
    assert.equal(existsSync(created.path), false);
    assert.equal(readFileSync(path.join(repo, 'loop-untracked.txt'), 'utf8'), 'untracked\n');
    for (const file of ['loop-untracked.txt', 'loop-staged.txt']) rmSync(path.join(repo, file));
  });

  it('every API failure is a documented code, with the git error as its cause', async () => {
    await assert.rejects(api.getAgentChanges(repo), documentedRejection('invalid', /not an agent worktree/));
    await assert.rejects(api.keep(path.join(repo, 'no such folder')), documentedRejection('invalid', /missing/));
    await assert.rejects(api.discard(repo), documentedRejection('blocked', /main worktree/));
    // Discard is for agent worktrees: a plain one (and its branch) is left alone.
    const plain = path.join(path.dirname(repo), 'loop-plain-worktree');
    git(repo, 'worktree', 'add', '--quiet', '-b', 'loop-plain', plain);
    await assert.rejects(api.discard(plain, { force: true }), documentedRejection('invalid', /not an agent worktree/));
    assert.ok(existsSync(plain));
    assert.equal((await api.removeWorktrees([plain], { deleteBranch: false }))[0]?.removed, true);
    git(repo, 'branch', '-D', 'loop-plain');
    await assert.rejects(api.removeWorktrees('not an array' as never), documentedRejection('invalid'));
    await assert.rejects(api.createAgentWorktree({ repoPath: repo, baseRef: '--output=/tmp/x' }), documentedRejection('invalid'));

    // A ref lock left by a crashed git: the keep's bookkeeping fails, the keep is rolled back.
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'loop-ref-lock' });
    writeFileSync(path.join(created.path, 'loop-locked.txt'), 'agent\n');
    const lock = path.join(repo, '.git', 'refs', 'agent-worktrees', 'kept', 'loop-ref-lock.lock');
    execFileSync('mkdir', ['-p', path.dirname(lock)]);
    writeFileSync(lock, '');
    try {
      await assert.rejects(api.keep(created.path), documentedRejection('failed', /Nothing was kept/));
      assert.equal(existsSync(path.join(repo, 'loop-locked.txt')), false, 'the target is as it was');
    } finally {
      rmSync(lock);
    }
    await api.discard(created.path, { force: true });
  });

  it('git refusing a removal rejects with `failed`, unless per-item outcomes were asked for', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'loop-refused' });
    // A claim another window holds: git is not even asked, the outcome says why.
    const claim = path.join(repo, '.git', 'worktrees', 'loop-refused', 'agent-worktrees-removing');
    execFileSync('mkdir', [claim]);
    try {
      await assert.rejects(api.removeWorktrees([created.path]), documentedRejection('failed', /being removed already/));
      await assert.rejects(api.discard(created.path), documentedRejection('failed', /being removed already/));
      const [outcome] = await api.removeWorktrees([created.path], { perItemOutcomes: true });
      assert.equal(outcome?.removed, false);
      assert.match(outcome?.error ?? '', /being removed already/);
      assert.ok(existsSync(created.path));
    } finally {
      rmSync(claim, { recursive: true });
    }
    assert.equal((await api.discard(created.path)).removed, true);
  });

  it('a worktree whose folder is gone, of a repository outside the workspace, is removed given its repoPath', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-outside-'));
    try {
      const other = path.join(outside, 'other');
      git(outside, 'init', '--quiet', '-b', 'main', other);
      git(other, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', 'init');
      const created = await api.createAgentWorktree({ repoPath: other, name: 'gone-one' });
      rmSync(created.path, { recursive: true, force: true });
      const listed = await api.listWorktrees(other);
      assert.ok(listed.some((snapshot) => snapshot.worktree.path === created.path && snapshot.worktree.gone));
      await assert.rejects(api.removeWorktrees([created.path]), documentedRejection('blocked', /no repository was named/));
      const [outcome] = await api.removeWorktrees([created.path], { repoPath: other });
      assert.equal(outcome?.removed, true, outcome?.error);
      assert.ok(!git(other, 'worktree', 'list', '--porcelain').includes(created.path));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('keep into the user’s dirty checkout (merged), then Undo Keep gives their file back byte for byte', async () => {
    // A file of its own, committed for this test and taken out again at its end.
    const notes = path.join(repo, 'loop-undo.txt');
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
    writeFileSync(notes, `${lines.join('\n')}\n`);
    git(repo, 'add', 'loop-undo.txt');
    git(repo, 'commit', '--quiet', '-m', 'loop-undo fixture');
    try {
      const created = await api.createAgentWorktree({ repoPath: repo, name: 'loop-undo' });
      const userEdit = `${['the user’s line 1', ...lines.slice(1)].join('\n')}\n`;
      writeFileSync(notes, userEdit);
      writeFileSync(path.join(created.path, 'loop-undo.txt'), `${[...lines.slice(0, 11), 'the agent’s line 12'].join('\n')}\n`);
      const kept = await api.keep(created.path);
      assert.deepEqual(kept.merged, ['loop-undo.txt']);
      assert.match(readFileSync(notes, 'utf8'), /^the user’s line 1\n[\s\S]*the agent’s line 12\n$/);
      const [listed] = await api.listKeeps(repo);
      assert.equal(listed?.id, kept.undoId);
      const undone = await api.undoKeep(kept.undoId ?? '');
      assert.deepEqual(undone.restored, ['loop-undo.txt']);
      assert.equal(readFileSync(notes, 'utf8'), userEdit, 'the user’s edit, exactly');
      assert.deepEqual(
        (await api.getAgentChanges(created.path)).files.map((file) => file.path),
        ['loop-undo.txt'],
      );
      await assert.rejects(api.undoKeep('--output=/tmp/x'), documentedRejection('invalid'));
      await api.discard(created.path, { force: true });
    } finally {
      git(repo, 'reset', '--quiet', '--soft', 'HEAD~1');
      git(repo, 'rm', '--quiet', '--cached', '-f', '--', 'loop-undo.txt');
      rmSync(notes, { force: true });
    }
  });
});
