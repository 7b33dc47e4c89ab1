import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorktreeSnapshot } from '../agents';
import {
  describeBlocked,
  describeLossOf,
  executeRemoval,
  failIfRefused,
  findStaleWorktrees,
  type GitService,
  planRemoval,
  type RemovalOptions,
  type RemovalOutcome,
  type RemovalPlan,
  type RemovalRequest,
  type StaleCandidate,
  WorktreeOperationError,
} from '../agents';
import type { Logger } from '../git';
import { readSettings } from '../settings';
import { trashDescription, trashLabel } from '../views/presentation';
import type { WorktreesModel } from '../views/worktreesModel';
import {
  type CommandArgument,
  classifyArgument,
  findShownWorktree,
  parseArguments,
  RemoveArguments,
  selectedRows,
} from './commandArguments';
import { registerCommand, UserError } from './commandRunner';
import { confirmDeleteTrash, expiredTrashOfWorkspace } from './trashCommands';

export interface RemoveCommandDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly showLog: () => void;
  readonly state: vscode.Memento;
}

const DAY = 24 * 60 * 60 * 1000;
const LAST_STALE_NOTICE_KEY = 'agentWorktrees.lastStaleNotice';

export function registerRemoveCommands(deps: RemoveCommandDeps): vscode.Disposable[] {
  const remove = (clicked?: unknown, selected?: unknown) => removeCommand(deps, clicked, selected);
  return [
    registerCommand('agentWorktrees.removeWorktrees', remove, deps),
    registerCommand('agentWorktrees.discardAgentWork', remove, deps),
    registerCommand('agentWorktrees.cleanUpStale', () => cleanUpStaleCommand(deps), deps),
  ];
}

/** Worktrees open in this window: the guard that keeps a window from removing its own folder. */
export function openFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((folder) => folder.uri.scheme === 'file')
    .map((folder) => folder.uri.fsPath);
}

/** Paths (with their repository, which a missing folder cannot tell) for the service. */
export function removalRequests(model: WorktreesModel, paths: readonly string[]): RemovalRequest[] {
  return paths.map((worktreePath) => ({ path: worktreePath, commonDir: model.findWorktree(worktreePath)?.repository.commonDir }));
}

/**
 * From the view (one row, or a multi-selection) or the palette (a multi-pick). With an argument
 * object `{ paths, force?, deleteBranch?, forceLocked? }` it runs without prompts: every guard
 * applies and force is used only when passed.
 */
async function removeCommand(
  deps: RemoveCommandDeps,
  clicked: unknown,
  selected: unknown,
): Promise<RemovalOutcome[] | undefined> {
  const argument = classifyArgument(clicked);
  if (argument.kind === 'object') {
    const { paths, ...options } = parseArguments(RemoveArguments, argument.value, 'Remove Worktrees');
    const plan = await planRemoval(deps.service, removalRequests(deps.model, paths), {
      ...options,
      protectedPaths: openFolders(),
    });
    return finish(deps, await executeRemoval(deps.service, plan, { ...options, protectedPaths: openFolders() }));
  }
  const targets = await chosenWorktrees(deps.model, argument, selectedRows(clicked, selected));
  if (!targets || targets.length === 0) return undefined;
  return confirmAndRemove(
    deps,
    // The row knows its repository: a worktree whose folder is gone cannot tell it by itself.
    targets.map(({ snapshot, commonDir }) => ({ path: snapshot.worktree.path, commonDir })),
    targets.some(({ snapshot }) => snapshot.worktree.agent),
  );
}

/**
 * Plan, say exactly what would be lost in one modal, then remove. Blocked → nothing is removed.
 * `report: 'caller'` (the review panel, which shows the outcome itself): a blocked plan or a git
 * refusal is thrown, not also shown as a dialog or toast.
 */
export async function confirmAndRemove(
  deps: RemoveCommandDeps,
  targets: readonly (string | RemovalRequest)[],
  agentWork: boolean,
  { report = 'toasts', title }: { report?: 'toasts' | 'caller'; title?: string } = {},
): Promise<RemovalOutcome[] | undefined> {
  const base: RemovalOptions = { protectedPaths: openFolders(), deleteBranch: true };
  const requests = targets.flatMap((target) =>
    typeof target === 'string' || target.commonDir === undefined
      ? removalRequests(deps.model, [typeof target === 'string' ? target : target.path])
      : [target],
  );
  const plan = await vscode.window.withProgress({ location: { viewId: 'agentWorktrees.worktrees' } }, () =>
    planRemoval(deps.service, requests, base),
  );
  if (plan.blocked && report === 'caller') throw new WorktreeOperationError('blocked', describeBlocked(plan));
  if (plan.blocked) {
    await vscode.window.showErrorMessage('Nothing was removed.', {
      modal: true,
      detail: describeBlocked(plan).replace(/^Nothing was removed\. /, ''),
    });
    return undefined;
  }
  const count = plan.targets.length;
  const noun = agentWork ? 'Discard agent work' : `Remove ${count === 1 ? 'worktree' : `${count} worktrees`}`;
  const lines = plan.targets.map((target) => `• ${path.basename(target.path)}${describeTarget(target)}`);
  const action = plan.losesWork ? (agentWork ? 'Discard to Trash' : 'Remove to Trash') : agentWork ? 'Discard' : 'Remove';
  const warning = plan.losesWork
    ? `\n\n${describeLossOf(plan.totals)} will be saved to the trash first: Restore Discarded Agent Work brings ${plan.targets.length === 1 ? 'it' : 'them'} back for ${readSettings().trashDays} days. Ignored files (such as node_modules and build output) are not saved.`
    : '';
  // When only commits are at stake, keeping the branches loses nothing: offer that too.
  const onlyCommits =
    plan.losesWork &&
    plan.totals.uncommittedFiles === 0 &&
    plan.targets.every((target) => target.branch || !target.uniqueCommits);
  const keepBranches = 'Remove, Keep Branches';
  const choice = await vscode.window.showWarningMessage(
    title ?? `${noun}${agentWork && count > 1 ? ` (${count} worktrees)` : ''}?`,
    { modal: true, detail: `${lines.join('\n')}${warning}` },
    action,
    ...(onlyCommits ? [keepBranches] : []),
  );
  if (choice === keepBranches) {
    const keeping = { ...base, deleteBranch: false };
    const replanned = await planRemoval(deps.service, requests, keeping);
    return finish(deps, await executeRemoval(deps.service, replanned, keeping));
  }
  if (choice !== action) {
    // Every outcome leaves a line in the log, a declined one too (the UI tests wait for it).
    deps.logger.info(`${noun}: not confirmed, nothing was removed`);
    return undefined;
  }
  const outcomes = await executeRemoval(deps.service, plan, { ...base, force: plan.losesWork });
  return finish(deps, outcomes);
}

function describeTarget(target: RemovalPlan['targets'][number]): string {
  const parts: string[] = [];
  if (target.worktree?.gone) parts.push('folder already missing');
  // Its work landed by a keep: say so, so "nothing but the branch" reads as kept, not as empty.
  const keptInto = target.worktree?.agent?.keptInto ?? [];
  if (keptInto.length > 0) parts.push(`its work kept into ${keptInto.map((folder) => path.basename(folder)).join(', ')}`);
  if (target.uncommittedFiles > 0)
    parts.push(`${target.uncommittedFiles} uncommitted file${target.uncommittedFiles === 1 ? '' : 's'}`);
  if (target.uniqueCommits > 0)
    parts.push(`${target.uniqueCommits} commit${target.uniqueCommits === 1 ? '' : 's'} found nowhere else`);
  if (target.landedCommits > 0)
    parts.push(`${target.landedCommits} commit${target.landedCommits === 1 ? '' : 's'}, already landed in ${target.landedIn}`);
  if (target.landedProblem) parts.push(`could not check whether its commits landed (${target.landedProblem})`);
  if (target.branch) parts.push(target.branchNotOurs ? `branch ${target.branch} kept` : `branch ${target.branch} deleted`);
  return parts.length > 0 ? ` — ${parts.join(', ')}` : '';
}

async function finish(deps: RemoveCommandDeps, outcomes: RemovalOutcome[]): Promise<RemovalOutcome[]> {
  const kept = outcomes.filter((outcome) => outcome.branchKept);
  for (const outcome of outcomes) {
    deps.logger.info(
      `${outcome.path}: ${outcome.removed ? 'removed' : `not removed (${outcome.error})`}${outcome.branchKept ? `; branch kept: ${outcome.branchKept}` : ''}`,
    );
  }
  // One message, to the caller or through the command wrapper (with Show Log); no toast of our own too.
  failIfRefused(outcomes);
  const summary = `Removed ${outcomes.length} worktree${outcomes.length === 1 ? '' : 's'}.`;
  const trashed = outcomes.flatMap((outcome) => (outcome.trashId ? [outcome.trashId] : []));
  if (trashed.length > 0) {
    offerRestore(summary, trashed);
  } else if (kept.length > 0) {
    void vscode.window.showInformationMessage(
      `${summary} Kept ${kept.length} branch${kept.length === 1 ? '' : 'es'}: ${kept[0]?.branchKept}.`,
    );
  } else {
    vscode.window.setStatusBarMessage(summary, 4000);
  }
  return outcomes;
}

/** Right after a removal that saved work to the trash: one click brings it back (an undo). */
function offerRestore(summary: string, trashIds: readonly string[]): void {
  const what = trashIds.length === 1 ? 'What it held is' : 'What they held is';
  void vscode.window.showInformationMessage(`${summary} ${what} in the trash.`, 'Restore').then(async (choice) => {
    if (choice !== 'Restore') return;
    for (const id of trashIds) await vscode.commands.executeCommand('agentWorktrees.restoreDiscarded', { id });
  });
}

type PickedWorktree = { readonly snapshot: WorktreeSnapshot; readonly commonDir: string | undefined };

/** The view's selection, a worktree given by path or Uri, or the user's pick. */
async function chosenWorktrees(
  model: WorktreesModel,
  argument: CommandArgument,
  rows: ReturnType<typeof selectedRows>,
): Promise<PickedWorktree[] | undefined> {
  if (rows.length > 0) return rows.map((row) => ({ snapshot: row.snapshot, commonDir: row.repository.commonDir }));
  if (argument.kind === 'path') {
    const snapshot = await findShownWorktree(model, argument.path);
    return [{ snapshot, commonDir: model.findWorktree(snapshot.worktree.path)?.repository.commonDir }];
  }
  if (argument.kind === 'repository') throw new UserError('Remove Worktrees acts on worktrees, not on a repository row.');
  return pickWorktrees(model);
}

async function pickWorktrees(model: WorktreesModel): Promise<PickedWorktree[] | undefined> {
  const candidates = model.allWorktrees().filter(({ worktree }) => !worktree.isMain && !worktree.bare);
  if (candidates.length === 0) throw new UserError('There is no linked worktree to remove.');
  const picked = await vscode.window.showQuickPick(
    candidates.map((snapshot) => ({
      label: path.basename(snapshot.worktree.path),
      description: snapshot.worktree.agent?.task ?? snapshot.worktree.branch ?? 'detached',
      detail: snapshot.worktree.path,
      snapshot,
    })),
    { title: 'Remove Worktrees', canPickMany: true, placeHolder: 'Choose the worktrees to remove' },
  );
  return picked?.map((item) => ({
    snapshot: item.snapshot,
    commonDir: model.findWorktree(item.snapshot.worktree.path)?.repository.commonDir,
  }));
}

/** Stale candidates across the workspace's repositories (see findStaleWorktrees). */
export function findStaleCandidates(
  deps: Pick<RemoveCommandDeps, 'service' | 'model'>,
  now = Date.now(),
): Promise<StaleCandidate[]> {
  const repositories = deps.model.repositories().flatMap((entry) => (entry.snapshot ? [entry.snapshot] : []));
  return findStaleWorktrees(deps.service, repositories, {
    staleAfterDays: readSettings().staleAfterDays,
    now,
    protectedPaths: openFolders(),
  });
}

/**
 * Stale agent worktrees (nothing unkept, quiet for `staleAfterDays`) and trash items older than
 * `trashDays`, offered in one list; nothing goes without the modal confirmation that follows.
 */
async function cleanUpStaleCommand(deps: RemoveCommandDeps): Promise<RemovalOutcome[] | undefined> {
  const [candidates, expired] = await Promise.all([findStaleCandidates(deps), expiredTrashOfWorkspace(deps)]);
  if (candidates.length === 0 && expired.length === 0) {
    void vscode.window.showInformationMessage(
      `Nothing to clean up: no stale agent worktrees, and nothing in the trash older than ${readSettings().trashDays} days.`,
    );
    return undefined;
  }
  type Choice = vscode.QuickPickItem & { readonly worktree?: string; readonly trash?: (typeof expired)[number] };
  const choices: Choice[] = [
    ...candidates.map(({ snapshot, reason }) => ({
      label: path.basename(snapshot.worktree.path),
      description: reason,
      detail: snapshot.worktree.path,
      picked: true,
      worktree: snapshot.worktree.path,
    })),
    ...(expired.length > 0
      ? [{ label: `In the trash for more than ${readSettings().trashDays} days`, kind: vscode.QuickPickItemKind.Separator }]
      : []),
    ...expired.map((item) => ({
      label: `$(trash) ${trashLabel(item)}`,
      description: trashDescription(item),
      detail: item.path,
      picked: true,
      trash: item,
    })),
  ];
  const picked = await vscode.window.showQuickPick(choices, {
    title: 'Clean Up Stale Agent Worktrees',
    canPickMany: true,
    placeHolder: 'Nothing is removed or deleted until you confirm',
  });
  if (!picked || picked.length === 0) return undefined;
  await confirmDeleteTrash(
    deps,
    picked.flatMap((choice) => (choice.trash ? [choice.trash] : [])),
  );
  const worktrees = picked.flatMap((choice) => (choice.worktree ? [choice.worktree] : []));
  return worktrees.length > 0 ? confirmAndRemove(deps, worktrees, false) : undefined;
}

/** At most once a day, and only when enabled: tell the user that stale worktrees exist. Never deletes. */
export async function maybeNotifyStale(deps: RemoveCommandDeps, now = Date.now()): Promise<void> {
  if (!readSettings().staleNotification) return;
  const last = deps.state.get<number>(LAST_STALE_NOTICE_KEY, 0);
  if (now - last < DAY) return;
  const candidates = await findStaleCandidates(deps, now);
  if (candidates.length === 0) return;
  await deps.state.update(LAST_STALE_NOTICE_KEY, now);
  const choice = await vscode.window.showInformationMessage(
    `${candidates.length} agent worktree${candidates.length === 1 ? ' looks' : 's look'} stale.`,
    'Review…',
    'Don’t Show Again',
  );
  if (choice === 'Review…') await vscode.commands.executeCommand('agentWorktrees.cleanUpStale');
  if (choice === 'Don’t Show Again') {
    await vscode.workspace
      .getConfiguration('agentWorktrees')
      .update('staleNotification', false, vscode.ConfigurationTarget.Global);
  }
}
