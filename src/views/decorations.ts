import * as vscode from 'vscode';
import { worktreeBadge } from './presentation';
import type { WorktreesModel } from './worktreesModel';

/** Private scheme for tree rows, so our badges never decorate real files in the Explorer. */
export const WORKTREE_DECORATION_SCHEME = 'agent-worktrees-item';

export function worktreeDecorationUri(worktreePath: string): vscode.Uri {
  return vscode.Uri.file(worktreePath).with({ scheme: WORKTREE_DECORATION_SCHEME });
}

/** Badges and label colours for worktree rows (dirty count, conflicts, missing folder …). */
export class WorktreeDecorationProvider implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly model: WorktreesModel) {
    // Decorations are cached per URI by VS Code: say which ones may have changed.
    this.subscription = model.onDidChange(() =>
      this.changed.fire(model.allWorktrees().map((snapshot) => worktreeDecorationUri(snapshot.worktree.path))),
    );
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== WORKTREE_DECORATION_SCHEME) return undefined;
    const found = this.model.findWorktree(uri.fsPath);
    if (!found) return undefined;
    const badge = worktreeBadge(found.snapshot);
    if (!badge) return undefined;
    const decoration = new vscode.FileDecoration(
      badge.badge,
      badge.tooltip,
      badge.color ? new vscode.ThemeColor(badge.color) : undefined,
    );
    decoration.propagate = false;
    return decoration;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
