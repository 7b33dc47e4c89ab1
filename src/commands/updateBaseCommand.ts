import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import { type UpdateFromBaseResult, updateFromBase, WorktreeOperationError } from '../agents';
import type { AgentCommandDeps } from './agentCommands';
import { classifyArgument, parseArguments, resolveWorktree, type WorktreeChoice } from './commandArguments';
import { registerCommand } from './commandRunner';

/** `updateFromBase`'s argument object: never prompts; carries uncommitted changes only when asked. */
const UpdateArguments = v.strictObject({
  worktreePath: v.pipe(v.string(), v.nonEmpty()),
  mode: v.optional(v.picklist(['merge', 'rebase'])),
  carryUncommitted: v.optional(v.boolean()),
});

const AGENT_WORKTREE: WorktreeChoice = {
  title: 'Update from Base',
  needsFolder: true,
  candidates: ({ worktree }) => worktree.agent?.baseBranch !== undefined && !worktree.gone,
  noneMessage: 'There is no agent worktree made from a branch.',
  describe: (snapshot) => `from ${snapshot.worktree.agent?.baseBranch ?? ''}`,
};

export function registerUpdateBaseCommand(deps: AgentCommandDeps): vscode.Disposable {
  return registerCommand('agentWorktrees.updateFromBase', (arg?: unknown) => updateFromBaseCommand(deps, arg), deps);
}

/**
 * Update from Base…: the base branch's new commits into the agent's branch (merge, or rebase by
 * setting). Refused while its agent is working; over uncommitted changes it asks to carry them.
 */
async function updateFromBaseCommand(deps: AgentCommandDeps, arg: unknown): Promise<UpdateFromBaseResult | undefined> {
  const argument = classifyArgument(arg);
  const options = argument.kind === 'object' ? parseArguments(UpdateArguments, argument.value, 'Update from Base') : undefined;
  const snapshot = await resolveWorktree(deps.model, options ? options.worktreePath : arg, AGENT_WORKTREE);
  if (!snapshot) return undefined;
  const worktreePath = snapshot.worktree.path;
  const mode =
    options?.mode ?? vscode.workspace.getConfiguration('agentWorktrees').get<'merge' | 'rebase'>('updateFromBase', 'merge');
  const result = await updateRefusingWhileWorking(deps, worktreePath, {
    mode,
    carryUncommitted: options?.carryUncommitted,
  }).catch(async (error: unknown) => {
    // Uncommitted changes: from the view, offer to carry them (never from an argument object).
    if (options || !(error instanceof WorktreeOperationError) || error.code !== 'blocked' || !/uncommitted/.test(error.message)) {
      throw error;
    }
    const carry = 'Carry Them Over';
    const choice = await vscode.window.showWarningMessage(
      error.message,
      {
        modal: true,
        detail:
          'They are stashed, the update runs, and they are put back. If anything conflicts, they stay in the stash: nothing is lost.',
      },
      carry,
    );
    return choice === carry ? updateRefusingWhileWorking(deps, worktreePath, { mode, carryUncommitted: true }) : undefined;
  });
  if (result) void tell(path.basename(worktreePath), snapshot.worktree.agent?.baseBranch ?? 'its base', result);
  return result;
}

/** The update, unless its agent is working in that worktree right now. */
export async function updateRefusingWhileWorking(
  deps: Pick<AgentCommandDeps, 'service' | 'agents'>,
  worktreePath: string,
  options: { mode?: 'merge' | 'rebase'; carryUncommitted?: boolean },
): Promise<UpdateFromBaseResult> {
  if (deps.agents.activityOf(worktreePath).state === 'working') {
    throw new WorktreeOperationError(
      'blocked',
      'Its agent is working: update its base once the agent is done or waiting (it would be changing files under the agent).',
    );
  }
  return updateFromBase(deps.service, worktreePath, options);
}

async function tell(name: string, baseBranch: string, result: UpdateFromBaseResult): Promise<void> {
  if (result.conflicted.length > 0) {
    const stashed =
      result.carried === 'stashed'
        ? ' Your uncommitted changes are kept in the stash ("Agent Worktrees: …"): `git stash pop` after.'
        : '';
    await vscode.window.showWarningMessage(
      `${name}: ${result.conflicted.length} file${result.conflicted.length === 1 ? '' : 's'} conflicted (${result.conflicted.join(', ')}). Git left the update there: resolve them and commit, then run Update from Base again.${stashed}`,
    );
    return;
  }
  const what =
    result.commits === 0
      ? `is up to date with ${baseBranch}`
      : `has ${baseBranch}'s ${result.commits} new commit${result.commits === 1 ? '' : 's'}`;
  await vscode.window.showInformationMessage(`${name} ${what}.`);
}
