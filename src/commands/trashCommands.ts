import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import {
  deleteTrash,
  expiredTrash,
  type GitService,
  listTrash,
  type RestoredWorktree,
  requireRepository,
  restoreFromTrash,
  type TrashItem,
  WorktreeOperationError,
} from '../agents';
import type { Logger } from '../git';
import { readSettings } from '../settings';
import { trashDescription, trashLabel } from '../views/presentation';
import type { WorktreesModel } from '../views/worktreesModel';
import { classifyArgument, parseArguments } from './commandArguments';
import { registerCommand } from './commandRunner';

export interface TrashCommandDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly showLog: () => void;
}

const text = v.pipe(v.string(), v.nonEmpty());

/** `restoreDiscarded`'s argument object: restores without a prompt. */
export const RestoreArguments = v.strictObject({
  id: text,
  /** A folder of the item's repository (default: the workspace's repository that has the item). */
  repoPath: v.optional(text),
  path: v.optional(text),
  branch: v.optional(text),
});

export function registerTrashCommands(deps: TrashCommandDeps): vscode.Disposable[] {
  return [registerCommand('agentWorktrees.restoreDiscarded', (argument?: unknown) => restoreCommand(deps, argument), deps)];
}

/** Every item in the trash of the workspace's repositories (or of the repository of `repoPath`), newest first. */
export async function trashOfWorkspace(
  deps: Pick<TrashCommandDeps, 'service' | 'model'>,
  repoPath?: string,
): Promise<TrashItem[]> {
  const commonDirs = repoPath === undefined ? workspaceCommonDirs(deps.model) : [await commonDirOf(deps.service, repoPath)];
  const listed = await Promise.all(commonDirs.map((commonDir) => listTrash(deps.service, commonDir)));
  return listed.flatMap((found) => found.items).sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

function workspaceCommonDirs(model: WorktreesModel): string[] {
  return [...new Set(model.repositories().flatMap((entry) => (entry.snapshot ? [entry.snapshot.commonDir] : [])))];
}

async function commonDirOf(service: GitService, repoPath: string): Promise<string> {
  return (await requireRepository(service, repoPath)).commonDir;
}

/**
 * Restores an item by id (the API, an argument object): from the repository of `repoPath`, else
 * from whichever workspace repository has it. Never prompts.
 */
export async function restoreById(
  deps: Pick<TrashCommandDeps, 'service' | 'model'>,
  id: string,
  options: { repoPath?: string; path?: string; branch?: string } = {},
): Promise<RestoredWorktree> {
  const commonDir =
    options.repoPath !== undefined
      ? await commonDirOf(deps.service, options.repoPath)
      : (await trashOfWorkspace(deps)).find((item) => item.id === id)?.commonDir;
  if (!commonDir)
    throw new WorktreeOperationError('invalid', `There is no item ${id} in the trash of this workspace’s repositories.`);
  return restoreFromTrash(deps.service, commonDir, id, { path: options.path, branch: options.branch });
}

async function restoreCommand(deps: TrashCommandDeps, argument: unknown): Promise<RestoredWorktree | undefined> {
  const classified = classifyArgument(argument);
  if (classified.kind === 'object') {
    const { id, ...options } = parseArguments(RestoreArguments, classified.value, 'Restore Discarded Agent Work');
    return announce(deps, await restoreById(deps, id, options));
  }
  const items = await trashOfWorkspace(deps);
  if (items.length === 0) {
    void vscode.window.showInformationMessage('The trash is empty: no discarded agent work to restore.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    items.map((item) => ({ label: trashLabel(item), description: trashDescription(item), detail: item.path, item })),
    { title: 'Restore Discarded Agent Work', placeHolder: 'Choose the work to bring back as a worktree', matchOnDetail: true },
  );
  if (!picked) return undefined;
  return announce(deps, await restoreAskingForBranch(deps, picked.item));
}

/** Restores; when the branch name was taken meanwhile, asks for a new one (nothing changed until then). */
async function restoreAskingForBranch(deps: TrashCommandDeps, item: TrashItem): Promise<RestoredWorktree | undefined> {
  try {
    return await restoreFromTrash(deps.service, item.commonDir, item.id);
  } catch (error) {
    if (!(error instanceof WorktreeOperationError) || error.code !== 'exists' || !item.branch) throw error;
    const branch = await vscode.window.showInputBox({
      title: 'Restore Discarded Agent Work',
      prompt: `${error.message.replace(/ Nothing was changed\.$/, '')} New branch name:`,
      value: `${item.branch}-restored`,
      validateInput: (value) => (value.trim() === '' || value.startsWith('-') ? 'Enter a branch name' : undefined),
    });
    if (!branch) return undefined;
    return restoreFromTrash(deps.service, item.commonDir, item.id, { branch: branch.trim() });
  }
}

async function announce(deps: TrashCommandDeps, restored: RestoredWorktree | undefined): Promise<RestoredWorktree | undefined> {
  if (!restored) return undefined;
  deps.logger.info(
    `Restored ${restored.item.id} at ${restored.path}${restored.branch ? ` on ${restored.branch}` : ' (detached)'}`,
  );
  const conflicted =
    restored.conflicted.length > 0
      ? ` ${restored.conflicted.length} file(s) were in conflict: they are back with their markers.`
      : '';
  void vscode.window
    .showInformationMessage(
      `Restored ${path.basename(restored.path)}${restored.branch ? ` on ${restored.branch}` : ''}.${conflicted}`,
      'Open in New Window',
    )
    .then((choice) => {
      if (choice)
        void vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(restored.path), { forceNewWindow: true });
    });
  return restored;
}

/** Items past `agentWorktrees.trashDays`: what Clean Up Stale offers to delete. */
export async function expiredTrashOfWorkspace(deps: Pick<TrashCommandDeps, 'service' | 'model'>, now = Date.now()) {
  return expiredTrash(await trashOfWorkspace(deps), readSettings().trashDays, now);
}

/** Deletes the chosen items for good after one modal that says so; returns how many went. */
export async function confirmDeleteTrash(deps: TrashCommandDeps, items: readonly TrashItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const choice = await vscode.window.showWarningMessage(
    `Delete ${items.length} discarded item${items.length === 1 ? '' : 's'} from the trash for good?`,
    {
      modal: true,
      detail: `${items.map((item) => `• ${trashLabel(item)} — ${trashDescription(item)}`).join('\n')}\n\nThis cannot be undone.`,
    },
    'Delete for Good',
  );
  if (choice !== 'Delete for Good') {
    deps.logger.info('Delete from trash: not confirmed, nothing was deleted');
    return 0;
  }
  for (const commonDir of new Set(items.map((item) => item.commonDir))) {
    await deleteTrash(
      deps.service,
      commonDir,
      items.filter((item) => item.commonDir === commonDir),
    );
  }
  deps.logger.info(`Deleted ${items.length} item(s) from the trash`);
  return items.length;
}
