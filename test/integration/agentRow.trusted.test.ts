import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import type { WorktreesNode } from '../../src/views/worktreesTree';
import { activatedApi } from './activated';
import { waitFor } from './waitFor';

describe('An agent worktree’s row expands into what its agent changed', () => {
  let api: AgentWorktreesApi;
  let repo: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  it('lists its changed files with status letters and its commits ahead; a click opens the diff against the base', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'row-expands' });
    writeFileSync(path.join(created.path, 'README.md'), '# changed by the agent\n');
    writeFileSync(path.join(created.path, 'row-new.txt'), 'new\n');
    await api.testing.model.refreshAll();
    const tree = api.testing.treeDataProvider;
    const row = (tree.getChildren() as WorktreesNode[]).find(
      (node) => node.type === 'worktree' && node.snapshot.worktree.path === created.path,
    );
    assert.ok(row);
    assert.equal(tree.getTreeItem(row).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const children = await tree.getChildren(row);
    const items = children.map((node) => tree.getTreeItem(node) as vscode.TreeItem);
    assert.equal(items[0]?.label, '0 commits ahead · 2 files');
    const files = children.flatMap((node) => (node.type === 'agentChange' ? [[node.file.path, node.file.status]] : []));
    assert.deepEqual(files, [
      ['README.md', 'modified'],
      ['row-new.txt', 'added'],
    ]);
    const readme = items[1] as vscode.TreeItem;
    assert.equal(readme.resourceUri?.query, 'modified');
    assert.equal(readme.command?.command, 'agentWorktrees.openAgentChange');
    await vscode.commands.executeCommand(readme.command.command, ...(readme.command.arguments ?? []));
    const tab = await waitFor('the diff tab', () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find((candidate) => candidate.input instanceof vscode.TabInputTextDiff && candidate.label.includes('README.md')),
    );
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.modified.fsPath, path.join(created.path, 'README.md'));
    assert.equal(input.original.scheme, 'agent-worktrees-git');
    const original = await vscode.workspace.openTextDocument(input.original);
    const atBase = execFileSync('git', ['show', `${created.metadata.baseCommit}:README.md`], { cwd: repo, encoding: 'utf8' });
    assert.equal(original.getText(), atBase);
    await vscode.window.tabGroups.close(tab);
    // Arguments from anywhere else are checked: a path outside the worktree is refused, nothing opens.
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).length;
    await vscode.commands.executeCommand('agentWorktrees.openAgentChange', {
      worktreePath: created.path,
      revision: created.metadata.baseCommit,
      path: '../../etc/passwd',
    });
    assert.equal(vscode.window.tabGroups.all.flatMap((group) => group.tabs).length, tabs);
    await api.discard(created.path, { force: true });
  });
});
