import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type CherryPickResult,
  cherryPickAgentCommits,
  type GitService,
  type KeepResult,
  keep,
  suggestCommitMessage,
  WorktreeOperationError,
} from '../agents';
import { readSettings } from '../settings';
import { resolveWorktree, type WorktreeChoice } from './commandArguments';
import { registerCommand, UserError } from './commandRunner';
import type { KeepHistoryDeps } from './keepHistoryCommands';

// Landing an agent's work as commits: Keep and Commit (the kept paths as one commit of the user's),
// and Cherry-pick (the agent's own commits, with their messages and authors).

const AGENT_WORKTREE = (title: string): WorktreeChoice => ({
  title,
  needsFolder: true,
  candidates: ({ worktree }) => worktree.agent !== undefined && !worktree.gone,
  noneMessage: 'There is no agent worktree. Create one with "New Agent Worktree…".',
  describe: (snapshot) => snapshot.worktree.agent?.task ?? snapshot.worktree.branch ?? '',
});

export function registerLandCommands(deps: KeepHistoryDeps): vscode.Disposable[] {
  return [
    registerCommand('agentWorktrees.keepAndCommit', (arg?: unknown) => keepAndCommitCommand(deps, arg), deps),
    registerCommand('agentWorktrees.cherryPickCommits', (arg?: unknown) => cherryPickCommand(deps, arg), deps),
  ];
}

/** Everything the agent changed, kept and committed in the target; the message is prefilled and editable. */
async function keepAndCommitCommand(deps: KeepHistoryDeps, arg: unknown): Promise<KeepResult | undefined> {
  const snapshot = await resolveWorktree(deps.model, arg, AGENT_WORKTREE('Keep and Commit'));
  if (!snapshot) return undefined;
  const suggested = await suggestCommitMessage(deps.service, snapshot.worktree.path);
  const [subject = '', ...body] = suggested.split('\n');
  const edited = await vscode.window.showInputBox({
    title: 'Keep and Commit: commit message',
    prompt: body.filter(Boolean).length > 0 ? `The body lists the agent's commits: ${body.filter(Boolean).join(' ')}` : undefined,
    value: subject,
    validateInput: (value) => (value.trim() ? undefined : 'A commit needs a message.'),
  });
  if (edited === undefined) return undefined;
  const message = [edited.trim(), ...body].join('\n');
  const result = await keep(deps.service, snapshot.worktree.path, { commit: { message }, undoLimit: readSettings().undoKeeps });
  if (result.keptFiles.length === 0) throw new UserError('Nothing to keep: everything was kept already.');
  void vscode.window.showInformationMessage(
    `Committed ${result.keptFiles.length} file${result.keptFiles.length === 1 ? '' : 's'} as ${result.commit?.slice(0, 8)} in ${path.basename(result.target)}.`,
  );
  return result;
}

/** The agent's own commits onto the target's branch, after saying exactly that. */
async function cherryPickCommand(deps: KeepHistoryDeps, arg: unknown): Promise<CherryPickResult | undefined> {
  const snapshot = await resolveWorktree(deps.model, arg, AGENT_WORKTREE('Cherry-pick Agent Commits'));
  if (!snapshot) return undefined;
  const agent = snapshot.worktree.agent;
  const target = agent?.createdFrom ?? '';
  const targetBranch = deps.model.findWorktree(target)?.snapshot.worktree.branch;
  const pickIt = 'Cherry-pick';
  const choice = await vscode.window.showInformationMessage(
    `Cherry-pick the agent's commits onto ${targetBranch ?? 'its branch'} in ${path.basename(target)}?`,
    {
      modal: true,
      detail:
        'Each commit lands with its own message and author. Nothing changes if your checkout has uncommitted changes on those files; if a pick conflicts, you are asked first. The agent’s uncommitted work stays to review and keep.',
    },
    pickIt,
  );
  if (choice !== pickIt) return undefined;
  const picked = await cherryPickWithConsent(deps.service, snapshot.worktree.path, undefined);
  if (!picked) return undefined;
  const review = 'Review the Rest';
  const summary = describePick(picked, targetBranch);
  if (picked.uncommittedLeft && !picked.stopped) {
    const next = await vscode.window.showInformationMessage(summary, review);
    if (next === review)
      await vscode.commands.executeCommand('agentWorktrees.reviewChanges', { worktreePath: snapshot.worktree.path });
  } else {
    void vscode.window.showInformationMessage(summary);
  }
  return picked;
}

/**
 * Cherry-pick, asking when a pick conflicts: nothing changes unless the user chooses to resolve in
 * the merge editor; then git stops at that commit and its conflicted files open there. Undefined
 * when the user said no.
 */
export async function cherryPickWithConsent(
  service: GitService,
  worktreePath: string,
  target: string | undefined,
): Promise<CherryPickResult | undefined> {
  let result: CherryPickResult;
  try {
    result = await cherryPickAgentCommits(service, worktreePath, { target });
  } catch (error) {
    if (!(error instanceof WorktreeOperationError && error.consent?.kind === 'pick-conflicts')) throw error;
    const resolve = 'Resolve in Merge Editor';
    const choice = await vscode.window.showWarningMessage(
      'The agent’s commits conflict with your branch.',
      {
        modal: true,
        detail: `${error.message}\n\nGit then stops at the conflicting commit: resolve its files in the merge editor, stage them and run "git cherry-pick --continue" (or "git cherry-pick --abort" to put everything back).`,
      },
      resolve,
    );
    if (choice !== resolve) return undefined;
    result = await cherryPickAgentCommits(service, worktreePath, { target, resolveConflicts: true });
  }
  if (result.stopped) await openInMergeEditor(result.target, result.stopped.conflicted);
  return result;
}

/** What a cherry-pick did, in words. */
export function describePick(result: CherryPickResult, targetBranch: string | undefined): string {
  const commits = (count: number) => `${count} commit${count === 1 ? '' : 's'}`;
  const onto = targetBranch ? `${targetBranch} in ${path.basename(result.target)}` : result.target;
  if (result.stopped) {
    const { conflicted, remaining } = result.stopped;
    const more = remaining > 0 ? ` (${commits(remaining)} more to pick)` : '';
    return `Picked ${commits(result.picked.length)} onto ${onto}, then git stopped at a conflict in ${conflicted.join(', ')}: resolve it in the merge editor, stage it and run "git cherry-pick --continue"${more}, or "git cherry-pick --abort" to put everything back.`;
  }
  const rest = result.uncommittedLeft ? ' The agent’s uncommitted work is left to review and keep.' : '';
  return `Picked ${commits(result.picked.length)} onto ${onto}, each with its own message and author.${rest}`;
}

/** The conflicted files (at most five) in VS Code's merge editor, or as text where it is not available. */
async function openInMergeEditor(target: string, files: readonly string[]): Promise<void> {
  for (const relative of files.slice(0, 5)) {
    const uri = vscode.Uri.file(path.join(target, relative));
    await Promise.resolve(vscode.commands.executeCommand('git.openMergeEditor', uri)).catch(() =>
      vscode.window.showTextDocument(uri, { preview: false }),
    );
  }
}
