import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';

const EXTENSION_ID = 'agent-worktrees.agent-worktrees';

describe('Agent Worktrees in Restricted Mode', () => {
  it('the folder is really untrusted in this window', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('activates, runs no git at all, and shows the Restricted Mode state', async () => {
    const extension = vscode.extensions.getExtension<AgentWorktreesApi>(EXTENSION_ID);
    assert.ok(extension);
    const api = await extension.activate();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // time for any refresh that would (wrongly) start
    assert.equal(api.testing.model.state, 'untrusted');
    assert.equal(api.testing.service.runner.spawnCount, 0);
    assert.deepEqual(api.testing.treeDataProvider.getChildren(), []);
  });

  it('Refresh is disabled rather than running git', async () => {
    const extension = vscode.extensions.getExtension<AgentWorktreesApi>(EXTENSION_ID);
    const api = await extension?.activate();
    assert.ok(api);
    await vscode.commands.executeCommand('agentWorktrees.refresh').then(
      () => undefined,
      () => undefined, // a disabled command may reject; either way git must not run
    );
    assert.equal(api.testing.service.runner.spawnCount, 0);
  });
});
