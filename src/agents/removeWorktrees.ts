import { existsSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { failureReason } from '../git';
import { snapshotTree } from './agentChanges';
import { keptRefName } from './agentMetadata';
import { WorktreeOperationError } from './operationErrors';
import { releasePortBlock } from './portBlocks';
import {
  describeBlocked,
  describeLoss,
  type RemovalOptions,
  type RemovalOutcome,
  type RemovalPlan,
  type RemovalTarget,
} from './removalPlan';
import type { GitService } from './service';
import { deleteTrashRefs, saveToTrash, type TrashItem } from './trash';

/**
 * A batch git refused in part is a failure of the whole call, for callers that report one result
 * (the API, MCP, a command run by a script): which worktrees git refused and why — they are
 * unchanged — and how many it did remove.
 */
export function failIfRefused(outcomes: readonly RemovalOutcome[]): void {
  const refused = outcomes.filter((outcome) => !outcome.removed);
  if (refused.length === 0) return;
  const removed = outcomes.length - refused.length;
  const reasons = refused.map((outcome) => `${outcome.path}: ${outcome.error}`).join('\n');
  throw new WorktreeOperationError(
    'failed',
    `git refused to remove ${refused.length === 1 ? 'one worktree' : `${refused.length} worktrees`} (unchanged)${removed > 0 ? `; ${removed} removed` : ''}:\n${reasons}`,
  );
}

/**
 * Removes the planned worktrees with git, one repository mutation at a time. Force flags are
 * passed only for what the plan found and the caller confirmed; when git refuses, its reason is
 * reported and the worktree stays. There is no fallback that deletes files by other means.
 */
export async function executeRemoval(
  service: GitService,
  plan: RemovalPlan,
  options: RemovalOptions = {},
): Promise<RemovalOutcome[]> {
  if (plan.blocked) throw new WorktreeOperationError('blocked', describeBlocked(plan));
  if (plan.losesWork && !options.force) throw new WorktreeOperationError('needs-confirmation', describeLoss(plan));
  const deleteBranch = options.deleteBranch ?? true;
  // One mutation per repository (so the view re-reads each once), the outcomes in the plan's order.
  const outcomes = new Map<RemovalTarget, RemovalOutcome>();
  for (const commonDir of new Set(plan.targets.map((target) => target.commonDir))) {
    await service.mutate(commonDir, async () => {
      for (const target of plan.targets.filter((candidate) => candidate.commonDir === commonDir))
        outcomes.set(target, await removeOne(service, target, options, deleteBranch));
    });
  }
  return plan.targets.map((target) => outcomes.get(target) as RemovalOutcome);
}

async function removeOne(
  service: GitService,
  target: RemovalTarget,
  options: RemovalOptions,
  deleteBranch: boolean,
): Promise<RemovalOutcome> {
  const { refused, trash } = await removeWorktreeFolder(service, target, options, deleteBranch);
  if (refused !== undefined)
    return { path: target.path, removed: false, branchDeleted: false, branchKept: undefined, error: refused, trashId: trash?.id };
  if (target.worktree?.agent?.keptUpTo && target.worktree.gitDir) {
    // The kept-up-to bookkeeping ref has no use without its worktree (what was kept is in the target).
    await service.runner
      .run(['update-ref', '-d', keptRefName(target.worktree.gitDir)], { cwd: target.commonDir })
      .catch(() => undefined);
  }
  // Its ports are free for the next agent worktree (housekeeping: a failure only leaves the block
  // held until its folder has been gone a while).
  if (target.worktree?.agent?.ports) await releasePortBlock(target.path).catch(() => undefined);
  const branchKept = deleteBranch && target.branch ? await deleteOwnBranch(service, target, target.branch, options) : undefined;
  return {
    path: target.path,
    removed: true,
    branchDeleted: deleteBranch && target.branch !== undefined && branchKept === undefined,
    branchKept,
    error: undefined,
    trashId: trash?.id,
  };
}

/**
 * Whether removing loses anything that exists nowhere else: uncommitted files, or commits that go
 * with the branch (or a detached HEAD) — landed ones too, as patch-equality is not byte-equality.
 */
function needsTrash(target: RemovalTarget, deleteBranch: boolean): boolean {
  const commitsGo = !target.branch || (deleteBranch && target.branchNotOurs === undefined);
  return target.uncommittedFiles > 0 || (commitsGo && target.uniqueCommits + target.landedCommits > 0);
}

/**
 * `git worktree remove`, with --force for what the plan accounted for (kept already, or a
 * confirmed loss) and for submodules, twice for a locked one the caller chose to remove. What it
 * would lose is saved to the trash first: no save, no removal. Returns why it was not removed, or
 * the trash item (when one was needed).
 */
async function removeWorktreeFolder(
  service: GitService,
  target: RemovalTarget,
  options: RemovalOptions,
  deleteBranch: boolean,
): Promise<{ refused?: string; trash?: TrashItem }> {
  const lockedAndForced = target.worktree?.locked === true && options.forceLocked === true;
  const accounted = target.uncommittedFiles === 0 || options.force === true;
  const unclean = (target.dirtyFiles > 0 && accounted) || target.hasSubmodules;
  const force = lockedAndForced ? ['--force', '--force'] : unclean ? ['--force'] : [];
  const claimed = await claimRemoval(target.worktree?.gitDir);
  if (claimed !== true) return { refused: claimed };
  let trash: TrashItem | undefined;
  let removeRan = false;
  try {
    const changed = await changedSincePlanned(service, target);
    if (changed) throw new WorktreeOperationError('blocked', changed);
    trash = await saveBeforeRemoval(service, target, deleteBranch);
    removeRan = true;
    await service.runner.run(['worktree', 'remove', ...force, '--', target.path], { cwd: target.commonDir });
    return { trash };
  } catch (error) {
    if (target.worktree?.gitDir) await rmdir(path.join(target.worktree.gitDir, REMOVAL_CLAIM)).catch(() => undefined);
    const reason = failureReason(error);
    if (!trash) return { refused: reason };
    // git deletes files until one cannot go, then gives up: only a worktree that is still whole
    // may lose its copy in the trash (then the failed removal left everything as it was).
    if (removeRan && !(await stillWhole(service, target, trash))) {
      return { refused: `${reason} (it was partly removed; what it held is in the trash: ${trash.id})`, trash };
    }
    const leftover = await deleteTrashRefs(service, target.commonDir, [trash]).then(
      () => '',
      (problem: Error) => ` (its copy stays in the trash: ${problem.message})`,
    );
    return { refused: `${reason}${leftover}` };
  }
}

/** Whether a worktree git failed to remove is still registered and holds exactly what was saved. */
async function stillWhole(service: GitService, target: RemovalTarget, trash: TrashItem): Promise<boolean> {
  const gitDir = target.worktree?.gitDir;
  if (!gitDir || !existsSync(gitDir) || !existsSync(target.path)) return false;
  try {
    const [now, saved] = await Promise.all([
      snapshotTree(service, target.path, gitDir),
      service.runner.run(['rev-parse', '--verify', '--end-of-options', `${trash.commit}^{tree}`], { cwd: target.commonDir }),
    ]);
    return now === saved.stdout.trim();
  } catch {
    return false; // cannot tell: the copy stays
  }
}

/** The trash item of what the removal would lose (none when it loses nothing); a failed save is a refusal. */
async function saveBeforeRemoval(
  service: GitService,
  target: RemovalTarget,
  deleteBranch: boolean,
): Promise<TrashItem | undefined> {
  if (!target.worktree || !needsTrash(target, deleteBranch)) return undefined;
  try {
    return await saveToTrash(service, {
      path: target.path,
      commonDir: target.commonDir,
      worktree: target.worktree,
      head: target.branchTip,
      plannedState: target.plannedState,
      uncommittedFiles: target.uncommittedFiles,
      uniqueCommits: target.uniqueCommits + target.landedCommits,
    });
  } catch (error) {
    throw new WorktreeOperationError('failed', `Saving it to the trash failed, so it was not removed: ${failureReason(error)}`, {
      cause: error,
    });
  }
}

/** Deletes the worktree's branch when it is ours and holds nothing unconfirmed; else says why it stays. */
async function deleteOwnBranch(
  service: GitService,
  target: RemovalTarget,
  branch: string,
  options: RemovalOptions,
): Promise<string | undefined> {
  if (target.branchNotOurs) return target.branchNotOurs;
  if (target.uniqueCommits > 0 && !options.force)
    return `${target.uniqueCommits} commit${target.uniqueCommits === 1 ? '' : 's'} exist only on it`;
  // Delete only the tip we planned for: if the branch moved since, it holds work nobody confirmed.
  const current = await service.runner
    .run(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: target.commonDir, acceptExitCodes: [0, 1] })
    .then((result) => result.stdout.trim());
  if (current !== target.branchTip) return 'it moved since the removal was planned';
  try {
    await service.runner.run(['branch', '-D', '--', branch], { cwd: target.commonDir });
    return undefined;
  } catch (error) {
    return failureReason(error);
  }
}

/**
 * The confirmation counted what the worktree held when it was planned (or counted nothing, as all
 * of it was kept). If anything was written since, forcing git would lose work nobody was told
 * about, in this worktree or — with one confirmation for a batch — in another: refuse instead.
 * Checked under the repository's mutation lock, just before git runs.
 */
async function changedSincePlanned(service: GitService, target: RemovalTarget): Promise<string | undefined> {
  if (!target.worktree?.gitDir || target.worktree.gone) return undefined;
  // A commit made since (an agent still running) is work nobody counted: its HEAD must not have moved.
  const head = await service.runner.run(['rev-parse', '--verify', '--quiet', 'HEAD'], {
    cwd: target.path,
    readOnly: true,
    acceptExitCodes: [0, 1],
  });
  if ((head.stdout.trim() || undefined) !== target.branchTip) {
    return 'Its HEAD moved since the removal was planned (a new commit would be lost without being counted): review it and try again.';
  }
  if (!target.plannedState) return undefined;
  const now = await snapshotTree(service, target.path, target.worktree.gitDir);
  return now === target.plannedState
    ? undefined
    : 'It changed since the removal was planned (new work would be lost without being counted): review it and try again.';
}

/** Made in the worktree's admin dir for the time of a removal; goes with the admin dir. */
const REMOVAL_CLAIM = 'agent-worktrees-removing';

/** A claim older than this was left by a window that died mid-removal: it is taken over. */
const STALE_CLAIM_MS = 10 * 60_000;

/**
 * Another window (another extension host) may be removing the same worktree: `git worktree
 * remove` takes no lock, so both would run and both report success. An atomic mkdir in the admin
 * dir lets exactly one go on. Returns true, or why not.
 */
async function claimRemoval(gitDir: string | undefined): Promise<true | string> {
  if (!gitDir) return true;
  const claim = path.join(gitDir, REMOVAL_CLAIM);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(claim);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 'It was removed meanwhile (by another window).';
      if (code !== 'EEXIST') throw error;
      const age =
        Date.now() -
        (await stat(claim).then(
          (found) => found.mtimeMs,
          () => Date.now(),
        ));
      if (age < STALE_CLAIM_MS) return 'It is being removed already (by another window).';
      await rmdir(claim).catch(() => undefined);
    }
  }
  return 'It is being removed already (by another window).';
}
