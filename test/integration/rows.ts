import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import type { WorktreesNode } from '../../src/views/worktreesTree';

/** A worktree's row in the view: its description and its resolved tooltip's text. */
export async function rowOf(api: AgentWorktreesApi, worktreePath: string): Promise<{ description: string; tooltip: string }> {
  const tree = api.testing.treeDataProvider;
  const node = (tree.getChildren() as WorktreesNode[]).find(
    (candidate) => candidate.type === 'worktree' && candidate.snapshot.worktree.path === worktreePath,
  );
  assert.ok(node, `a row for ${worktreePath}`);
  const item = tree.getTreeItem(node);
  const resolved = await tree.resolveTreeItem(item, node, new vscode.CancellationTokenSource().token);
  const tooltip = resolved.tooltip instanceof vscode.MarkdownString ? resolved.tooltip.value : String(resolved.tooltip ?? '');
  return { description: String(item.description ?? ''), tooltip: tooltip.replace(/\\/g, '').replace(/&nbsp;/g, ' ') };
}
