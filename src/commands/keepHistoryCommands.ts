import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import {
  describeLossOf,
  type GitService,
  type KeepResult,
  type KeepSummary,
  listKeeps,
  planRemoval,
  type UndoResult,
  undoKeep,
  WorktreeOperationError,
} from '../agents';
import type { Logger } from '../git';
import type { WorktreesModel } from '../views/worktreesModel';
import { classifyArgument, parseArguments } from './commandArguments';
import { registerCommand, UserError } from './commandRunner';
import { confirmAndRemove, openFolders, type RemoveCommandDeps } from './removeCommands';

export interface KeepHistoryDeps extends RemoveCommandDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
}

/** `undoKeep`'s argument object: no prompt; `force` only when passed. */
const UndoArguments = v.strictObject({
  id: v.pipe(v.string(), v.nonEmpty()),
  repoPath: v.optional(v.pipe(v.string(), v.nonEmpty())),
  force: v.optional(v.boolean()),
});

export function registerKeepHistoryCommands(deps: KeepHistoryDeps): vscode.Disposable[] {
  return [registerCommand('agentWorktrees.undoKeep', (arg?: unknown) => undoKeepCommand(deps, arg), deps)];
}

/** From the palette: pick one of the undoable keeps (newest first). With `{ id }`: that one, no prompt. */
async function undoKeepCommand(deps: KeepHistoryDeps, arg: unknown): Promise<UndoResult | undefined> {
  const argument = classifyArgument(arg);
  if (argument.kind === 'object') {
    const { id, repoPath, force } = parseArguments(UndoArguments, argument.value, 'Undo Keep');
    const where = repoPath ?? openFolders()[0];
    if (!where) throw new UserError('Undo Keep: no folder is open; pass repoPath.');
    return undoKeep(deps.service, where, id, { force });
  }
  const keeps = await allKeeps(deps);
  if (keeps.length === 0) throw new UserError('There is no keep to undo.');
  const picked = await vscode.window.showQuickPick(
    keeps.map((entry) => ({
      label: describeKeep(entry),
      description: `${agoText(entry.at)} · into ${path.basename(entry.target)}`,
      detail: entry.paths.slice(0, 6).join(', ') + (entry.paths.length > 6 ? `, … (${entry.paths.length})` : ''),
      entry,
    })),
    { title: 'Undo Keep', placeHolder: 'Which keep? Its files go back to exactly what they were before it.' },
  );
  return picked ? undoWithConsent(deps, picked.entry.target, picked.entry.id) : undefined;
}

/** Undoes, asking first when the agent worktree is gone (the target has the last copy). */
export async function undoWithConsent(deps: KeepHistoryDeps, repoPath: string, id: string): Promise<UndoResult | undefined> {
  let result: UndoResult;
  try {
    result = await undoKeep(deps.service, repoPath, id);
  } catch (error) {
    if (!(error instanceof WorktreeOperationError && error.code === 'needs-confirmation')) throw error;
    const choice = await vscode.window.showWarningMessage('Undo this keep?', { modal: true, detail: error.message }, 'Undo Keep');
    if (choice !== 'Undo Keep') return undefined;
    result = await undoKeep(deps.service, repoPath, id, { force: true });
  }
  vscode.window.setStatusBarMessage(
    `Undid the keep: ${result.restored.length} file${result.restored.length === 1 ? '' : 's'} as before in ${path.basename(result.target)}.`,
    5000,
  );
  return result;
}

/**
 * After a keep (`agentWorktrees.afterKeep`): says what is left unkept in the agent worktree, offers
 * Undo, and removing it — first (the default) only when removing loses nothing.
 */
export async function afterKeep(
  deps: KeepHistoryDeps & { readonly closePanel: (worktreePath: string) => void },
  worktreePath: string,
  result: KeepResult,
  summary: string,
): Promise<void> {
  // Conflict markers were written with consent: put them in front of the user first.
  if (result.conflicts.length > 0) await openConflicts(result);
  const mode = vscode.workspace.getConfiguration('agentWorktrees').get<string>('afterKeep', 'ask');
  const undo = 'Undo Keep';
  if (mode === 'keep') {
    if ((await vscode.window.showInformationMessage(summary, undo)) === undo && result.undoId)
      await undoWithConsent(deps, result.target, result.undoId);
    return;
  }
  let choice = 'Remove Worktree';
  if (mode === 'ask') {
    const plan = await planRemoval(deps.service, [{ path: worktreePath }], { protectedPaths: openFolders() });
    const remove = 'Remove Worktree';
    const keepIt = 'Keep Worktree';
    const left = plan.losesWork
      ? `Still unkept there: ${describeLossOf(plan.totals)}; removing the agent worktree would lose ${plan.totals.uncommittedFiles + plan.totals.uniqueCommits === 1 ? 'it' : 'them'}.`
      : 'Nothing is left unkept: removing the agent worktree loses nothing.';
    const actions = plan.losesWork || plan.blocked ? [keepIt, undo, remove] : [remove, undo, keepIt];
    // Adopting one of several attempts: the others can go in the same breath (confirmed, to the trash).
    const others = otherAttemptsOf(deps.model, worktreePath);
    const discardOthers = `Discard ${others === 1 ? 'the Other Attempt' : `${others} Other Attempts`}…`;
    if (others > 0) {
      // Four buttons do not fit a notification: closing it keeps the worktree anyway.
      actions.splice(actions.indexOf(keepIt), 1);
      actions.unshift(discardOthers);
    }
    choice = (await vscode.window.showInformationMessage(`${summary} ${left}`, ...actions)) ?? keepIt;
    if (choice === discardOthers) {
      // A path, not an argument object: the confirmed flow, which says what each would lose.
      await vscode.commands.executeCommand('agentWorktrees.discardOtherAttempts', worktreePath);
      return;
    }
    if (choice === keepIt) return;
  }
  if (choice === undo) {
    if (result.undoId) await undoWithConsent(deps, result.target, result.undoId);
    return;
  }
  const removed = await confirmAndRemove(deps, [worktreePath], true);
  if (removed?.some((outcome) => outcome.removed)) deps.closePanel(worktreePath);
}

/** How many other attempts of the same group as `worktreePath` the view shows. */
function otherAttemptsOf(model: WorktreesModel, worktreePath: string): number {
  return (model.findAttempt(worktreePath)?.attempts.members.length ?? 1) - 1;
}

/** Opens the files left with conflict markers (at most five), where VS Code offers Accept Current / Incoming. */
async function openConflicts(result: KeepResult): Promise<void> {
  for (const relative of result.conflicts.slice(0, 5)) {
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(result.target, relative)), { preview: false });
  }
}

/** Every workspace repository's undoable keeps, newest first. */
async function allKeeps(deps: KeepHistoryDeps): Promise<KeepSummary[]> {
  const repositories = deps.model.repositories().flatMap((entry) => {
    const folder = entry.snapshot?.worktrees.find(({ worktree }) => !worktree.gone && !worktree.bare)?.worktree.path;
    return folder ? [folder] : [];
  });
  const lists = await Promise.all(repositories.map((folder) => listKeeps(deps.service, folder)));
  return lists.flat().sort((a, b) => b.at.localeCompare(a.at));
}

function describeKeep(entry: KeepSummary): string {
  const files = `${entry.paths.length} file${entry.paths.length === 1 ? '' : 's'}`;
  return entry.task ? `${files} from "${entry.task}"` : `${files} from ${path.basename(entry.agentWorktree)}`;
}

function agoText(iso: string): string {
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  if (!Number.isFinite(minutes)) return iso;
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}
