import * as path from 'node:path';
import * as vscode from 'vscode';
import { type CherryPickResult, cherryPickAgentCommits, type KeepResult, keep, suggestCommitMessage } from '../agents';
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
  const targetBranch = deps.model.findWorktree(target)?.snapshot.worktree.branch ?? 'its branch';
  const pickIt = 'Cherry-pick';
  const choice = await vscode.window.showInformationMessage(
    `Cherry-pick the agent's commits onto ${targetBranch} in ${path.basename(target)}?`,
    {
      modal: true,
      detail:
        'Each commit lands with its own message and author. Nothing changes if a pick conflicts or your checkout has uncommitted changes on those files. The agent’s uncommitted work stays to review and keep.',
    },
    pickIt,
  );
  if (choice !== pickIt) return undefined;
  const result = await cherryPickAgentCommits(deps.service, snapshot.worktree.path);
  const review = 'Review the Rest';
  const picked = `Picked ${result.picked.length} commit${result.picked.length === 1 ? '' : 's'} onto ${targetBranch}.`;
  if (result.uncommittedLeft) {
    const next = await vscode.window.showInformationMessage(`${picked} The agent has uncommitted work left to review.`, review);
    if (next === review)
      await vscode.commands.executeCommand('agentWorktrees.reviewChanges', { worktreePath: snapshot.worktree.path });
  } else {
    void vscode.window.showInformationMessage(picked);
  }
  return result;
}
