import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import { type GitService, hasUnkeptWork } from '../agents';
import { type Logger, relativeInside } from '../git';
import type { WorktreesModel } from '../views/worktreesModel';
import { gitContentUri } from '../webview/gitContentProvider';
import type { ReviewPanel, ReviewPanels } from '../webview/reviewPanel';
import { findShownWorktree, parseArguments, resolveWorktree } from './commandArguments';
import { registerCommand, UserError } from './commandRunner';

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
    registerCommand('agentWorktrees.openAgentChange', (arg?: unknown) => openAgentChange(deps, arg), deps),
  ];
}

/** A changed-file row's click: the file at the agent's base against the agent's file, in VS Code's diff editor. */
const AgentChangeArguments = v.strictObject({
  worktreePath: v.pipe(v.string(), v.nonEmpty()),
  revision: v.pipe(v.string(), v.regex(/^[0-9a-f]{40,64}$/)),
  path: v.pipe(v.string(), v.nonEmpty()),
  oldPath: v.optional(v.pipe(v.string(), v.nonEmpty())),
});

async function openAgentChange(deps: ReviewCommandDeps, arg: unknown): Promise<void> {
  const change = parseArguments(AgentChangeArguments, arg, 'Open Changes');
  // Only a worktree the view shows as an agent's, and only a path inside it.
  const shown = await findShownWorktree(deps.model, change.worktreePath);
  if (!shown.worktree.agent) throw new UserError(`${change.worktreePath} is not an agent worktree.`);
  const file = path.join(shown.worktree.path, change.path);
  if (relativeInside(shown.worktree.path, file) === undefined)
    throw new UserError(`Not a file of ${shown.worktree.path}: ${change.path}`);
  const left = gitContentUri(vscode.Uri, {
    cwd: shown.worktree.path,
    revision: change.revision,
    path: change.oldPath ?? change.path,
  });
  await vscode.commands.executeCommand('vscode.diff', left, vscode.Uri.file(file), `${change.path} (agent changes since base)`);
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
