import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedApi } from './activated';

describe('Agent Worktrees in Restricted Mode', () => {
  it('the folder is really untrusted in this window', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('activates, runs no git at all, and shows the Restricted Mode state', async () => {
    const { api, repo } = await activatedApi();
    assert.equal(api.testing.model.state, 'untrusted');
    // Reads of the whole workspace run one after another: a refresh that (wrongly) started at
    // activation is ahead of this one in the queue, so once this one is done that one is too,
    // and any git it ran is counted below.
    await api.testing.model.refreshAll();
    assert.equal(api.testing.model.state, 'untrusted');
    assert.equal(api.testing.service.runner.spawnCount, 0);
    assert.deepEqual(api.testing.treeDataProvider.getChildren(), []);
    assert.equal(api.testing.mcpServer, 'untrusted', 'the MCP server (which runs git) is not offered');
    // The last line of defence is really up: the runner refuses any call without starting git.
    await assert.rejects(api.testing.service.runner.run(['version'], { cwd: repo }), { code: 'Disabled' });
    assert.equal(api.testing.service.runner.spawnCount, 0);
  });

  it('Refresh is registered, and run anyway (enablement does not stop executeCommand) it does nothing', async () => {
    const { api } = await activatedApi();
    assert.ok((await vscode.commands.getCommands(true)).includes('agentWorktrees.refresh'));
    let changes = 0;
    const listener = api.onDidChangeWorktrees(() => changes++);
    try {
      // Resolves (no "command not found", no error, no warning waiting for an answer) ...
      assert.equal(await vscode.commands.executeCommand('agentWorktrees.refresh'), undefined);
    } finally {
      listener.dispose();
    }
    // ... because the model stays untrusted and reads nothing: no state change, no git.
    assert.equal(changes, 0, 'the view was not told anything changed');
    assert.equal(api.testing.model.state, 'untrusted');
    assert.equal(api.testing.service.runner.spawnCount, 0);
  });
});
