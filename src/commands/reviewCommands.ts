import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GitService } from '../agents';
import type { Logger } from '../git';
import { hasUnkeptWork } from '../views/presentation';
import type { WorktreesModel } from '../views/worktreesModel';
import type { ReviewPanel, ReviewPanels } from '../webview/reviewPanel';
import { registerCommand, UserError } from './commandRunner';
import { confirmAndRemove } from './removeCommands';
import { resolveWorktree } from './worktreeCommands';

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

/** From a row, a path, `{ worktreePath }`, or a pick among agent worktrees (those with unkept work first). */
async function openReview(deps: ReviewCommandDeps, arg: unknown): Promise<ReviewPanel | undefined> {
  const given = typeof arg === 'object' && arg !== null && typeof (arg as { worktreePath?: unknown }).worktreePath === 'string';
  let worktreePath: string | undefined;
  if (given) worktreePath = (arg as { worktreePath: string }).worktreePath;
  else if (arg !== undefined)
    worktreePath = (await resolveWorktree(deps.model, arg, 'Review Agent Changes', { needsFolder: true }))?.worktree.path;
  else {
    const agents = deps.model.allWorktrees().filter(({ worktree }) => worktree.agent && !worktree.gone);
    if (agents.length === 0) throw new UserError('There is no agent worktree to review. Create one with "New Agent Worktree…".');
    agents.sort((a, b) => Number(hasUnkeptWork(b)) - Number(hasUnkeptWork(a)));
    const picked = await vscode.window.showQuickPick(
      agents.map((snapshot) => ({
        label: path.basename(snapshot.worktree.path),
        description: `${hasUnkeptWork(snapshot) ? '$(circle-filled) ' : ''}${snapshot.worktree.agent?.task ?? snapshot.worktree.branch ?? ''}`,
        detail: snapshot.worktree.path,
        snapshot,
      })),
      { title: 'Review Agent Changes', placeHolder: 'Which agent worktree?' },
    );
    worktreePath = picked?.snapshot.worktree.path;
  }
  if (!worktreePath) return undefined;
  return deps.panels().open(worktreePath);
}

/** `agentWorktrees.afterKeep`: ask (default), remove, or keep the agent worktree after a keep. */
export async function afterKeep(deps: ReviewCommandDeps, worktreePath: string, summary: string): Promise<void> {
  const mode = vscode.workspace.getConfiguration('agentWorktrees').get<string>('afterKeep', 'ask');
  if (mode === 'keep') return;
  if (mode === 'ask') {
    const choice = await vscode.window.showInformationMessage(
      `${summary} Remove the agent worktree?`,
      'Remove Worktree',
      'Keep It',
    );
    if (choice !== 'Remove Worktree') return;
  }
  const removed = await confirmAndRemove(deps, [worktreePath], true);
  if (removed?.some((outcome) => outcome.removed)) deps.panels().get(worktreePath)?.dispose();
}
