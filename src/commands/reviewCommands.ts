import type * as vscode from 'vscode';
import type { GitService } from '../agents';
import type { Logger } from '../git';
import { hasUnkeptWork } from '../views/presentation';
import type { WorktreesModel } from '../views/worktreesModel';
import type { ReviewPanel, ReviewPanels } from '../webview/reviewPanel';
import { resolveWorktree } from './commandArguments';
import { registerCommand } from './commandRunner';

export interface ReviewCommandDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly showLog: () => void;
  readonly state: vscode.Memento;
  readonly panels: () => ReviewPanels;
}

export function registerReviewCommands(deps: ReviewCommandDeps): vscode.Disposable[] {
  const open = (arg?: unknown) => openReview(deps, arg);
  return [
    registerCommand('agentWorktrees.reviewChanges', open, deps),
    registerCommand('agentWorktrees.reviewAgentChanges', open, deps),
  ];
}

/**
 * From a row, a path, `{ worktreePath }`, else the only agent worktree, else a pick among them
 * (those with unkept work first).
 */
async function openReview(deps: ReviewCommandDeps, arg: unknown): Promise<ReviewPanel | undefined> {
  const target = await resolveWorktree(deps.model, arg, {
    title: 'Review Agent Changes',
    needsFolder: true,
    candidates: ({ worktree }) => worktree.agent !== undefined && !worktree.gone,
    order: (a, b) => Number(hasUnkeptWork(b)) - Number(hasUnkeptWork(a)),
    noneMessage: 'There is no agent worktree to review. Create one with "New Agent Worktree…".',
    describe: (snapshot) =>
      `${hasUnkeptWork(snapshot) ? '$(circle-filled) ' : ''}${snapshot.worktree.agent?.task ?? snapshot.worktree.branch ?? ''}`,
  });
  return target ? deps.panels().open(target.worktree.path) : undefined;
}
