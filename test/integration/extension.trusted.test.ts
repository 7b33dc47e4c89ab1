import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import type { WorktreesNode } from '../../src/views/worktreesTree';
import { waitFor } from './waitFor';

const EXTENSION_ID = 'agent-worktrees.agent-worktrees';

function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens a fixture repository as the workspace folder');
  return folder.uri.fsPath;
}

/** What git itself says, parsed independently of the extension's parser. */
function gitWorktreePaths(cwd: string): string[] {
  const output = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd, encoding: 'utf8' });
  return output
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

function gitChangedCount(cwd: string): number {
  return execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8' }).split('\n').filter(Boolean).length;
}

describe('Agent Worktrees in a real extension host', () => {
  let extension: vscode.Extension<AgentWorktreesApi>;
  let api: AgentWorktreesApi;

  const rows = () =>
    (api.testing.treeDataProvider.getChildren() as WorktreesNode[]).map((node) => ({
      node,
      item: api.testing.treeDataProvider.getTreeItem(node) as vscode.TreeItem,
    }));
  const rowFor = (worktreePath: string) =>
    rows().find(({ node }) => node.type === 'worktree' && node.snapshot.worktree.path === worktreePath);

  before(async () => {
    const found = vscode.extensions.getExtension<AgentWorktreesApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is installed`);
    extension = found;
    api = await extension.activate();
    await api.testing.model.refreshAll();
  });

  it('activates and exposes its API', () => {
    assert.equal(extension.isActive, true);
    assert.equal(api.testing.model.state, 'ready');
  });

  it('registers every command it contributes', async () => {
    const contributed: Array<{ command: string }> = extension.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map(({ command }) => command).filter((command) => !registered.has(command));
    assert.deepEqual(missing, []);
    assert.ok(contributed.length >= 7);
  });

  it("shows one row per worktree git lists, with git's dirty state", () => {
    const folder = workspaceFolder();
    const expected = gitWorktreePaths(folder);
    assert.ok(expected.length >= 3, 'fixture has a main and two linked worktrees');
    const shown = rows();
    assert.deepEqual(
      shown.map(({ node }) => (node.type === 'worktree' ? node.snapshot.worktree.path : node.type)).sort(),
      [...expected].sort(),
    );
    for (const worktreePath of expected) {
      const row = rowFor(worktreePath);
      assert.ok(row);
      assert.equal(row.item.label, path.basename(worktreePath));
      const changed = gitChangedCount(worktreePath);
      const dirtyInView = String(row.item.contextValue).includes('+dirty');
      assert.equal(dirtyInView, changed > 0, `${worktreePath}: git reports ${changed} changed`);
      if (worktreePath === folder) assert.match(String(row.item.contextValue), /^worktree\+main\b/);
      else assert.match(String(row.item.contextValue), /^worktree\+linked\b/);
    }
  });

  it('re-reads a worktree by itself when a file in it changes', async () => {
    const clean = gitWorktreePaths(workspaceFolder()).find(
      (worktreePath) => worktreePath !== workspaceFolder() && gitChangedCount(worktreePath) === 0,
    );
    assert.ok(clean, 'fixture has a clean linked worktree');
    writeFileSync(path.join(clean, `touched-by-integration-test-${Date.now()}.txt`), 'new\n');
    const row = await waitFor('the dirty badge on the edited worktree', () => {
      const found = rowFor(clean);
      return found && String(found.item.contextValue).includes('+dirty') ? found : undefined;
    });
    assert.match(String(row.item.description), /\?1/);
  });

  it('Open Terminal in Worktree opens a terminal in that folder', async () => {
    const linked = gitWorktreePaths(workspaceFolder()).find((worktreePath) => worktreePath !== workspaceFolder());
    assert.ok(linked);
    const row = rowFor(linked);
    assert.ok(row);
    await vscode.commands.executeCommand('agentWorktrees.openTerminal', row.node);
    const terminal = await waitFor('the terminal', () => vscode.window.terminals.find((t) => t.name === path.basename(linked)));
    const options = terminal.creationOptions as vscode.TerminalOptions;
    assert.equal(typeof options.cwd === 'string' ? options.cwd : options.cwd?.fsPath, linked);
    terminal.dispose();
  });

  it('Refresh re-reads everything with one discovery, one list and one status per worktree', async () => {
    const worktrees = gitWorktreePaths(workspaceFolder()).length;
    const before = api.testing.service.runner.spawnCount;
    await vscode.commands.executeCommand('agentWorktrees.refresh');
    // The watchers may add their own reads meanwhile; the Refresh itself is exactly this many.
    assert.ok(api.testing.service.runner.spawnCount - before >= 1 + 1 + worktrees);
    assert.equal(api.testing.model.state, 'ready');
    assert.equal(rows().length, worktrees);
  });
});
