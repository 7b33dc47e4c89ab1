import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RestoredWorktree } from '../../src/agents';
import type { AgentWorktreesApi } from '../../src/api';
import type { WorktreesNode } from '../../src/views/worktreesTree';
import { activatedApi } from './activated';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('The trash: a confirmed discard can be taken back', () => {
  let api: AgentWorktreesApi;
  let repo: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  const trashRow = () =>
    (api.testing.treeDataProvider.getChildren() as WorktreesNode[]).find(
      (node): node is Extract<WorktreesNode, { type: 'trash' }> => node.type === 'trash',
    );

  it('discard saves to the trash, the view counts it, and Restore (argument object) brings the worktree back', async () => {
    const trashBefore = trashRow()?.items.length ?? 0; // earlier tests' discards are in the trash too
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'trash-restore', task: 'Trash me' });
    writeFileSync(path.join(created.path, 'agent-work.txt'), 'uncommitted agent work\n');
    git(created.path, 'add', 'agent-work.txt');
    writeFileSync(path.join(created.path, 'untracked.txt'), 'untracked\n');
    const outcome = await api.discard(created.path, { force: true });
    assert.ok(outcome.trashId, 'the discard went to the trash');
    assert.equal(existsSync(created.path), false);
    assert.equal(trashRow()?.items.length, trashBefore + 1, 'the view counts one more item in the trash');
    const item = (await api.listTrash()).find((entry) => entry.id === outcome.trashId);
    assert.equal(item?.agent?.task, 'Trash me');
    assert.equal(item?.files, 2);

    // A malformed argument object is refused without a prompt and restores nothing.
    assert.equal(await vscode.commands.executeCommand('agentWorktrees.restoreDiscarded', { id: 5 }), undefined);
    assert.equal(existsSync(created.path), false);

    const restored = (await vscode.commands.executeCommand('agentWorktrees.restoreDiscarded', {
      id: outcome.trashId,
    })) as RestoredWorktree | undefined;
    assert.equal(restored?.path, created.path);
    assert.equal(readFileSync(path.join(created.path, 'agent-work.txt'), 'utf8'), 'uncommitted agent work\n');
    assert.match(git(created.path, 'status', '--porcelain'), /^A {2}agent-work\.txt$/m, 'staged as it was');
    assert.equal(api.testing.model.findWorktree(created.path)?.snapshot.worktree.agent?.task, 'Trash me');
    assert.equal(trashRow()?.items.length ?? 0, trashBefore, 'the restored item left the trash (and the view)');
    await api.discard(created.path, { force: true });
    const again = (await api.listTrash()).find((entry) => entry.path === created.path);
    assert.ok(again);
    await api.restore(again.id);
    await api.discard(created.path, { force: true });
  });

  it('a re-used branch name is refused through the API, changing nothing; a new name restores', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'trash-branch' });
    writeFileSync(path.join(created.path, 'work.txt'), 'work\n');
    const outcome = await api.discard(created.path, { force: true });
    git(repo, 'commit', '--allow-empty', '--quiet', '-m', 'main moves on');
    git(repo, 'branch', created.branch);
    await assert.rejects(api.restore(outcome.trashId as string), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'exists');
      assert.match(error.message, /now points elsewhere/);
      return true;
    });
    assert.equal(existsSync(created.path), false);
    const restored = await api.restore(outcome.trashId as string, { branch: `${created.branch}-2` });
    assert.equal(restored.branch, `${created.branch}-2`);
    assert.equal(readFileSync(path.join(restored.path, 'work.txt'), 'utf8'), 'work\n');
    await api.discard(restored.path, { force: true });
    git(repo, 'branch', '-D', created.branch);
    for (const entry of await api.listTrash()) git(repo, 'update-ref', '-d', `refs/agent-worktrees/trash/${entry.id}`);
  });
});
