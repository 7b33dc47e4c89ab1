import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import type { GitRunner } from '../../src/git';
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
    // Discarded work of earlier tests is in the trash: its row comes last, after the worktrees.
    const shown = rows().filter(({ node }) => node.type !== 'trash');
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

  it('Refresh re-reads everything with one discovery, one list, one trash listing and one status per worktree', async () => {
    const folder = realpathSync(workspaceFolder());
    const worktrees = gitWorktreePaths(folder);
    await withAutoRefreshOff(async () => {
      await api.testing.model.refreshAll(); // reads the watchers started before they stopped finish first
      const runner = api.testing.service.runner;
      const before = runner.spawnCount;
      const calls = await recordGitCalls(runner, () => vscode.commands.executeCommand('agentWorktrees.refresh'));
      assert.deepEqual(
        calls.sort(),
        [
          `rev-parse in ${folder}`,
          `worktree in ${path.join(folder, '.git')}`,
          `for-each-ref in ${path.join(folder, '.git')}`,
          ...worktrees.map((worktreePath) => `status in ${worktreePath}`),
        ].sort(),
      );
      assert.equal(runner.spawnCount - before, calls.length, 'no git ran that the recording missed');
    });
    assert.equal(api.testing.model.state, 'ready');
    assert.equal(rows().filter(({ node }) => node.type === 'worktree').length, worktrees.length);
  });
});

/** Every git call (`<subcommand> in <cwd>`) the runner starts while `action` runs. */
async function recordGitCalls(runner: GitRunner, action: () => Thenable<unknown>): Promise<string[]> {
  const calls: string[] = [];
  const original = runner.run;
  runner.run = (args, options) => {
    calls.push(`${args[0]} in ${options.cwd}`);
    return original.call(runner, args, options);
  };
  try {
    await action();
  } finally {
    runner.run = original;
  }
  return calls;
}

/**
 * Runs `action` with the file watchers off, so the only git calls are the ones it causes. Waits
 * for the configuration event: the extension's own listener (registered first) has run by then.
 */
async function withAutoRefreshOff(action: () => Promise<void>): Promise<void> {
  const settings = () => vscode.workspace.getConfiguration('agentWorktrees');
  assert.equal(settings().get('autoRefresh'), true, 'the harness runs with the default: watchers on');
  const previous = settings().inspect<boolean>('autoRefresh')?.globalValue;
  const setAutoRefresh = async (value: boolean | undefined) => {
    const applied = new Promise<void>((resolve) => {
      const listener = vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('agentWorktrees.autoRefresh')) return;
        listener.dispose();
        resolve();
      });
    });
    // User settings: a workspace setting would write .vscode/settings.json into the fixture repo.
    await settings().update('autoRefresh', value, vscode.ConfigurationTarget.Global);
    await applied;
  };
  await setAutoRefresh(false);
  try {
    await action();
  } finally {
    await setAutoRefresh(previous);
  }
}
