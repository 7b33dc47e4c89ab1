// Restore Discarded Agent Work: a trash item back as a worktree, on its branch, with its staged,
// unstaged and untracked files as they were (issue 15).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { failureReason, parseWorktreeList, pathExists, samePath } from '../git';
import { keptRefName, writeAgentMetadata } from './agentMetadata';
import { adminDirOf, rollback } from './createAgentWorktree';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';
import type { Git } from './startingState';
import { findTrashItem, TRASH_REF_PREFIX, type TrashItem } from './trash';
import { writeRawBytes } from './trashBytes';

export interface RestoreOptions {
  /** Where to recreate it (absolute, must not exist). Default: where it was, or `<that>-restored` when taken. */
  readonly path?: string;
  /** A new name for its branch, for when the saved name now points elsewhere. */
  readonly branch?: string;
}

export interface RestoredWorktree {
  readonly path: string;
  /** The branch it is on (undefined: detached, as it was). */
  readonly branch: string | undefined;
  /** Whether the branch was created again (it had been deleted, or a new name was given). */
  readonly branchCreated: boolean;
  /** Files that were in conflict when it was saved: back as they were in the folder, unstaged. */
  readonly conflicted: readonly string[];
  readonly item: TrashItem;
}

type BranchPlan =
  | { readonly kind: 'detached' }
  | { readonly kind: 'existing'; readonly name: string }
  | { readonly kind: 'create'; readonly name: string }
  /** A branch with no commit yet (an orphan branch when it was saved): HEAD names it, unborn. */
  | { readonly kind: 'unborn'; readonly name: string };

/**
 * Recreates the saved worktree and takes the item out of the trash. Every check runs before
 * anything is written; once `git worktree add` ran, a failure removes exactly what this call made.
 */
export async function restoreFromTrash(
  service: GitService,
  commonDir: string,
  id: string,
  options: RestoreOptions = {},
): Promise<RestoredWorktree> {
  return service.mutate(commonDir, async () => {
    const item = await findTrashItem(service, commonDir, id);
    const git: Git = (args, extra = {}) =>
      service.runner.run(args, { cwd: extra.cwd ?? commonDir, acceptExitCodes: extra.accept ?? [0], env: extra.env });
    const branch = await chooseBranch(git, item, options.branch);
    const target = await chooseTarget(git, item, options.path);
    await recreate(service, git, item, branch, target);
    return {
      path: target,
      branch: branch.kind === 'detached' ? undefined : branch.name,
      branchCreated: branch.kind === 'create',
      conflicted: item.conflicted,
      item,
    };
  });
}

/** The saved branch, again where it was; refused (offer a new name) when the name now points elsewhere. */
async function chooseBranch(git: Git, item: TrashItem, newName: string | undefined): Promise<BranchPlan> {
  if (newName !== undefined) {
    const valid = newName.trim() === newName && (await branchNameValid(git, newName));
    if (!valid) throw new WorktreeOperationError('invalid', `"${newName}" is not a valid branch name.`);
    if ((await branchTip(git, newName)) !== undefined) {
      throw new WorktreeOperationError('exists', `Branch "${newName}" already exists. Choose a name no branch has.`);
    }
    return { kind: item.head ? 'create' : 'unborn', name: newName };
  }
  if (!item.branch) {
    if (!item.head) throw new WorktreeOperationError('invalid', `Trash item ${item.id} has neither a commit nor a branch.`);
    return { kind: 'detached' };
  }
  // The record is data (anyone can write a ref): its branch name is checked like any other input.
  if (!(await branchNameValid(git, item.branch))) {
    throw new WorktreeOperationError(
      'invalid',
      `Trash item ${item.id} names no valid branch ("${item.branch}"): restore it under a new name.`,
    );
  }
  const tip = await branchTip(git, item.branch);
  if (tip === undefined) return { kind: item.head ? 'create' : 'unborn', name: item.branch };
  if (tip === item.head) return { kind: 'existing', name: item.branch };
  throw new WorktreeOperationError(
    'exists',
    `Branch "${item.branch}" now points elsewhere (${tip.slice(0, 7)}, not the saved ${item.head?.slice(0, 7)}): ` +
      'restore it under a new branch name. Nothing was changed.',
  );
}

/** A plain branch name: no `@{-1}` (which `--branch` would expand to another branch), no option. */
async function branchNameValid(git: Git, name: string): Promise<boolean> {
  if (name.startsWith('-') || name.includes('@{')) return false;
  return (await git(['check-ref-format', `refs/heads/${name}`], { accept: [0, 1, 128] })).exitCode === 0;
}

async function branchTip(git: Git, name: string): Promise<string | undefined> {
  const found = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`], { accept: [0, 1] });
  return found.exitCode === 0 ? found.stdout.trim() : undefined;
}

/** The old path when it is free, else `<old>-restored`, `-restored-2`, …; a given path must be free. */
async function chooseTarget(git: Git, item: TrashItem, given: string | undefined): Promise<string> {
  const registered = parseWorktreeList((await git(['worktree', 'list', '--porcelain', '-z'])).stdout).map((entry) => entry.path);
  const free = async (candidate: string) =>
    !(await pathExists(candidate)) && !registered.some((listed) => samePath(listed, candidate));
  if (given !== undefined) {
    if (!path.isAbsolute(given))
      throw new WorktreeOperationError('invalid', `The restore path must be absolute, not "${given}".`);
    if (!(await free(path.resolve(given)))) {
      throw new WorktreeOperationError('exists', `${given} already exists (or is a worktree). A folder is never reused.`);
    }
    return path.resolve(given);
  }
  if (!path.isAbsolute(item.path)) {
    throw new WorktreeOperationError(
      'invalid',
      `Trash item ${item.id} names no absolute path ("${item.path}"): give a path to restore to.`,
    );
  }
  for (let attempt = 1; attempt <= 100; attempt++) {
    const candidate = attempt === 1 ? item.path : `${item.path}-restored${attempt === 2 ? '' : `-${attempt - 1}`}`;
    if (await free(candidate)) return candidate;
  }
  throw new WorktreeOperationError('exists', `${item.path} and 99 alternatives are taken: give a path to restore to.`);
}

/** Creates the worktree, writes its files and index, its metadata; then takes the item out of the trash. */
async function recreate(service: GitService, git: Git, item: TrashItem, branch: BranchPlan, target: string): Promise<void> {
  const made = {
    target,
    branch: branch.kind === 'create' ? branch.name : '',
    branchCreated: false,
    worktreeAdded: false,
    createdFolder: undefined as string | undefined,
  };
  let keptRef: string | undefined;
  try {
    made.createdFolder = await mkdir(path.dirname(target), { recursive: true });
    if (branch.kind === 'create') {
      await git(['branch', '--no-track', '--end-of-options', branch.name, item.head as string]);
      made.branchCreated = true;
    }
    await git(['worktree', 'add', '--quiet', '--no-checkout', ...checkoutArguments(item, branch, target)]);
    made.worktreeAdded = true;
    // An unborn branch: the worktree was added detached at any commit; HEAD now names the branch.
    if (branch.kind === 'unborn') await git(['symbolic-ref', 'HEAD', `refs/heads/${branch.name}`], { cwd: target });
    await writeFilesAndIndex(service, git, item, target);
    const adminDir = await adminDirOf(target);
    if (item.agent) {
      const agentBranch = branch.kind !== 'detached' && branch.name !== item.branch ? branch.name : item.agent.branch;
      await writeAgentMetadata(adminDir, { ...item.agent, branch: agentBranch });
      if (item.keptUpTo) {
        await git(['update-ref', keptRefName(adminDir), item.keptUpTo, '']);
        keptRef = keptRefName(adminDir);
      }
    }
    if (item.locked !== undefined)
      await git(['worktree', 'lock', ...(item.locked ? ['--reason', item.locked] : []), '--', target]);
    // Last: from here the item is the worktree again. Only the commit that was read is deleted.
    await git(['update-ref', '-d', `${TRASH_REF_PREFIX}${item.id}`, item.commit]);
  } catch (error) {
    const leftovers = await rollback(git, made);
    if (keptRef) await git(['update-ref', '-d', keptRef]).catch(() => leftovers.push(`ref ${keptRef}`));
    const tail =
      leftovers.length > 0 ? ` Could not undo: ${leftovers.join('; ')}.` : ' Nothing was changed; it is still in the trash.';
    throw new WorktreeOperationError('failed', `Restoring failed: ${failureReason(error)}.${tail}`, { cause: error });
  }
}

/** `git worktree add --no-checkout` arguments: on the branch, detached at the saved HEAD, or (unborn) at any commit. */
function checkoutArguments(item: TrashItem, branch: BranchPlan, target: string): string[] {
  if (branch.kind === 'detached') return ['--detach', '--', target, item.head as string];
  if (branch.kind === 'unborn') return ['--detach', '--', target, item.index];
  return ['--', target, branch.name];
}

/**
 * Every saved file written by git from the saved tree (through a scratch index, so untracked files
 * are written too, with their modes and symlinks), then the real index set to the saved staged state.
 */
async function writeFilesAndIndex(service: GitService, git: Git, item: TrashItem, target: string): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-restore-'));
  try {
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    await git(['read-tree', '--end-of-options', `${item.commit}^{tree}`], { cwd: target, env });
    await git(['checkout-index', '--all', '--force'], { cwd: target, env });
    // What git's smudge filters or line-ending conversion changed goes back to the saved bytes.
    await writeRawBytes(service, { cwd: target, commonDir: item.commonDir, head: item.head }, `${item.commit}^{tree}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await git(['read-tree', '--end-of-options', `${item.index}^{tree}`], { cwd: target });
  // Fills the new index's stat data, so the first `git status` does not hash every file again.
  await service.runner.run(['update-index', '-q', '--refresh'], { cwd: target, acceptExitCodes: [0, 1] });
}
