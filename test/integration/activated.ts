import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';

export const EXTENSION_ID = 'agent-worktrees.agent-worktrees';

/** The activated extension's API and the fixture repository the window has open. */
export async function activatedApi(): Promise<{ api: AgentWorktreesApi; repo: string }> {
  const extension = vscode.extensions.getExtension<AgentWorktreesApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  const api = await extension.activate();
  const repo = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  assert.ok(repo, 'a folder is open');
  return { api, repo };
}
