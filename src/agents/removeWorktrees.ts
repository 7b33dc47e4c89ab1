import { existsSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { comparablePath, failureReason, GitError, isInsideOrSame, parseStatusV2, realOrResolved, samePath } from '../git';
import { snapshotTree } from './agentChanges';
import { type AgentMetadata, keptRefName } from './agentMetadata';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';
import type { Worktree } from './worktrees';

export interface RemovalRequest {
  readonly path: string;
  /** The repository's common dir when the caller knows it (needed for a worktree whose folder is gone). */
  readonly commonDir?: string;
}

export interface RemovalOptions {
  /** The user confirmed losing uncommitted files and commits found nowhere else. */
  readonly force?: boolean;
  /** Also remove locked worktrees (git's double force). */
  readonly forceLocked?: boolean;
  /** Delete the worktree's branch too (default true). Without `force`, a branch with unique commits is kept. */
  readonly deleteBranch?: boolean;
  /** Worktrees open in this window: never removed from under it. */
  readonly protectedPaths?: readonly string[];
}

/** What removing one worktree would do and lose; decided before anything is removed. */
export interface RemovalTarget {
  readonly path: string;
  readonly commonDir: string;
  readonly worktree: Worktree | undefined;
  /** Why this target cannot be removed at all; a blocked target stops the whole batch. */
  readonly blocked: string | undefined;
  /** Uncommitted files that removing would lose (staged, unstaged, untracked, conflicted); 0 when all was kept. */
  readonly uncommittedFiles: number;
  /**
   * Files git sees as uncommitted, lost or not. When everything was kept these are accounted for,
   * yet git still needs `--force` to remove them.
   */
  readonly dirtyFiles: number;
  /**
   * The worktree's whole state (a tree of everything in it) when it was planned, set when it had
   * uncommitted files: what the confirmation counted. Checked again just before git is forced.
   */
  readonly plannedState: string | undefined;
  /** Commits reachable only from this worktree's branch (or its detached HEAD). */
  readonly uniqueCommits: number;
  readonly branch: string | undefined;
  readonly branchTip: string | undefined;
  /** Why the branch is never deleted with this worktree (an agent worktree on a branch it was not given). */
  readonly branchNotOurs: string | undefined;
  readonly hasSubmodules: boolean;
}

export interface RemovalPlan {
  readonly targets: readonly RemovalTarget[];
  readonly blocked: boolean;
  /** Something would be lost: uncommitted files, or commits of a detached HEAD, or of a branch we would delete. */
  readonly losesWork: boolean;
  readonly totals: { readonly uncommittedFiles: number; readonly uniqueCommits: number };
}

export interface RemovalOutcome {
  readonly path: string;
  readonly removed: boolean;
  readonly branchDeleted: boolean;
  /** Why the branch was kept, when it was. */
  readonly branchKept: string | undefined;
  /** git's reason when it refused. */
  readonly error: string | undefined;
}

/**
 * Decides, for every requested worktree, whether it may be removed and what would be lost.
 * Reads only. Duplicates are merged; a path git does not list is blocked, never guessed at.
 */
export async function planRemoval(
  service: GitService,
  requests: readonly RemovalRequest[],
  options: RemovalOptions = {},
): Promise<RemovalPlan> {
  const unique = new Map<string, RemovalRequest>();
  for (const request of requests) {
    // A duplicate that names the repository wins over one that does not (a gone folder needs it).
    const key = comparablePath(request.path);
    if (!unique.get(key)?.commonDir || request.commonDir) unique.set(key, { ...request, path: path.resolve(request.path) });
  }
  const listings = new Map<string, Promise<Worktree[]>>();
  const targets: RemovalTarget[] = [];
  for (const request of unique.values()) {
    const resolvedPath = request.path;
    const found = request.commonDir ?? (await commonDirOf(service, resolvedPath));
    if (typeof found !== 'string') {
      targets.push(blockedTarget(resolvedPath, '', found.reason));
      continue;
    }
    const commonDir = found;
    if (!listings.has(commonDir)) listings.set(commonDir, service.listWorktrees({ commonDir }));
    const listing = (await listings.get(commonDir)) ?? [];
    const worktree = listing.find((candidate) => samePath(candidate.path, resolvedPath));
    const removing = [...unique.values()].map((other) => other.path);
    const keptCopiesSurvive = worktree?.agent ? keptCopiesRemain(worktree.agent, listing, removing) : false;
    targets.push(await classify(service, resolvedPath, commonDir, worktree, { ...options, keptCopiesSurvive }));
  }
  const deleteBranch = options.deleteBranch ?? true;
  // Commits are lost with a detached HEAD, or with a branch that goes too.
  const losesCommits = (target: RemovalTarget) =>
    target.uniqueCommits > 0 && (!target.branch || (deleteBranch && target.branchNotOurs === undefined));
  const losesWork = targets.some((target) => target.uncommittedFiles > 0 || losesCommits(target));
  return {
    targets,
    blocked: targets.some((target) => target.blocked !== undefined),
    losesWork,
    totals: {
      uncommittedFiles: targets.reduce((sum, target) => sum + target.uncommittedFiles, 0),
      uniqueCommits: targets.reduce((sum, target) => sum + (losesCommits(target) ? target.uniqueCommits : 0), 0),
    },
  };
}

/**
 * Whether every worktree the agent's work was kept into is still there and stays (is not removed in
 * the same batch): only then is the kept copy a copy, and removing the agent worktree loses nothing.
 */
function keptCopiesRemain(agent: AgentMetadata, listing: readonly Worktree[], removing: readonly string[]): boolean {
  const keptInto = agent.keptInto ?? [agent.createdFrom];
  return keptInto.every(
    (target) =>
      listing.some((candidate) => !candidate.gone && samePath(candidate.path, target)) &&
      !removing.some((other) => samePath(other, target)),
  );
}

/** The repository of a path, or why there is none to remove it from. */
async function commonDirOf(service: GitService, worktreePath: string): Promise<string | { reason: string }> {
  const found = await service.discover(worktreePath);
  if (found.kind === 'worktree' || found.kind === 'bare') return found.commonDir;
  return {
    reason:
      found.kind === 'missing'
        ? 'the folder does not exist and no repository was named for it'
        : 'it is not in a git repository, so it is no worktree',
  };
}

function blockedTarget(targetPath: string, commonDir: string, reason: string, worktree?: Worktree): RemovalTarget {
  return {
    path: targetPath,
    commonDir,
    worktree,
    blocked: reason,
    uncommittedFiles: 0,
    dirtyFiles: 0,
    plannedState: undefined,
    uniqueCommits: 0,
    branch: worktree?.branch,
    branchTip: worktree?.head,
    branchNotOurs: undefined,
    hasSubmodules: false,
  };
}

async function classify(
  service: GitService,
  targetPath: string,
  commonDir: string,
  worktree: Worktree | undefined,
  options: RemovalOptions & { readonly keptCopiesSurvive: boolean },
): Promise<RemovalTarget> {
  if (!worktree) return blockedTarget(targetPath, commonDir, 'git does not list it as a worktree of this repository');
  if (worktree.isMain || worktree.bare) {
    return blockedTarget(targetPath, commonDir, 'it is the main worktree, which is never removed', worktree);
  }
  // Compared as given and with symlinks resolved: git lists real paths, a window may have opened a link.
  const [realTarget, ...protectedPaths] = await Promise.all(
    [targetPath, ...(options.protectedPaths ?? [])].map((folder) => realOrResolved(folder)),
  );
  const open = [...(options.protectedPaths ?? []), ...protectedPaths].find(
    (folder) => isInsideOrSame(targetPath, folder) || isInsideOrSame(realTarget as string, folder),
  );
  if (open) return blockedTarget(targetPath, commonDir, 'it is open in this window', worktree);
  if (worktree.locked && !options.forceLocked) {
    return blockedTarget(
      targetPath,
      commonDir,
      `it is locked${worktree.lockReason ? ` (${worktree.lockReason})` : ''}`,
      worktree,
    );
  }

  const git = (args: string[], cwd: string) => service.runner.run(args, { cwd, readOnly: true });
  let uncommittedFiles = 0;
  if (!worktree.gone) {
    // -uall: every untracked file counts, so the confirmation's number is the number that is lost.
    const status = parseStatusV2((await git(['status', '--porcelain=v2', '-z', '--untracked-files=all'], targetPath)).stdout);
    uncommittedFiles = new Set(status.changedPaths).size; // a file both staged and unstaged is one file
  }
  // An object id (never an option): `--not` and `--branches` follow it, so no --end-of-options here.
  const tip = worktree.head && /^[0-9a-f]{40,64}$/.test(worktree.head) && !/^0+$/.test(worktree.head) ? worktree.head : undefined;
  let uniqueCommits = 0;
  if (tip) {
    // Fail closed: if git cannot answer, the error stops the plan (nothing is removed).
    const exclude = worktree.branch ? [`--exclude=${worktree.branch}`] : [];
    const count = await git(['rev-list', '--count', tip, '--not', ...exclude, '--branches', '--remotes', '--tags'], commonDir);
    uniqueCommits = Number(count.stdout.trim());
    if (!Number.isInteger(uniqueCommits))
      throw new GitError('Unexpected rev-list output', { code: 'ParseError', args: count.args });
  }
  const dirtyFiles = uncommittedFiles;
  const gitDir = worktree.gone ? undefined : worktree.gitDir;
  const plannedState = dirtyFiles > 0 && gitDir ? await snapshotTree(service, targetPath, gitDir) : undefined;
  if ((uncommittedFiles > 0 || uniqueCommits > 0) && worktree.agent?.keptUpTo && options.keptCopiesSurvive && gitDir) {
    // Everything the agent has was kept already (its whole state equals the kept-up-to tree):
    // removing it loses nothing, even though its commits are on no other branch.
    const [now, kept] = await Promise.all([
      plannedState ?? snapshotTree(service, targetPath, gitDir),
      keptTreeOf(service, commonDir, worktree.agent.keptUpTo),
    ]);
    if (now === kept) {
      uncommittedFiles = 0;
      uniqueCommits = 0;
    }
  }
  return {
    path: targetPath,
    commonDir,
    worktree,
    blocked: undefined,
    uncommittedFiles,
    dirtyFiles,
    plannedState,
    uniqueCommits,
    branch: worktree.branch,
    branchTip: tip,
    branchNotOurs: branchNotOurs(worktree),
    hasSubmodules: !worktree.gone && existsSync(path.join(targetPath, '.gitmodules')),
  };
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
  const git = (args: string[]) => service.runner.run(args, { cwd: target.commonDir });
  // git: --force for unclean worktrees or ones with submodules, twice for a locked one. Dirty
  // content needs --force whenever the plan accounted for it: kept already, or a confirmed loss.
  const lockedAndForced = target.worktree?.locked === true && options.forceLocked === true;
  const accounted = target.uncommittedFiles === 0 || options.force === true;
  const unclean = (target.dirtyFiles > 0 && accounted) || target.hasSubmodules;
  const force = lockedAndForced ? ['--force', '--force'] : unclean ? ['--force'] : [];
  const notRemoved = (error: string) => ({
    path: target.path,
    removed: false,
    branchDeleted: false,
    branchKept: undefined,
    error,
  });
  const claimed = await claimRemoval(target.worktree?.gitDir);
  if (claimed !== true) return notRemoved(claimed);
  try {
    const changed = await changedSincePlanned(service, target);
    if (changed) throw new WorktreeOperationError('blocked', changed);
    await git(['worktree', 'remove', ...force, '--', target.path]);
  } catch (error) {
    if (target.worktree?.gitDir) await rmdir(path.join(target.worktree.gitDir, REMOVAL_CLAIM)).catch(() => undefined);
    return notRemoved(failureReason(error));
  }
  if (target.worktree?.agent?.keptUpTo && target.worktree.gitDir) {
    // The kept-up-to bookkeeping ref has no use without its worktree (what was kept is in the target).
    await git(['update-ref', '-d', keptRefName(target.worktree.gitDir)]).catch(() => undefined);
  }
  if (!deleteBranch || !target.branch)
    return { path: target.path, removed: true, branchDeleted: false, branchKept: undefined, error: undefined };
  if (target.branchNotOurs) {
    return { path: target.path, removed: true, branchDeleted: false, branchKept: target.branchNotOurs, error: undefined };
  }
  if (target.uniqueCommits > 0 && !options.force) {
    const kept = `${target.uniqueCommits} commit${target.uniqueCommits === 1 ? '' : 's'} exist only on it`;
    return { path: target.path, removed: true, branchDeleted: false, branchKept: kept, error: undefined };
  }
  // Delete only the tip we planned for: if the branch moved since, it holds work nobody confirmed.
  const current = await service.runner
    .run(['rev-parse', '--verify', '--quiet', `refs/heads/${target.branch}`], { cwd: target.commonDir, acceptExitCodes: [0, 1] })
    .then((result) => result.stdout.trim());
  if (current !== target.branchTip) {
    return {
      path: target.path,
      removed: true,
      branchDeleted: false,
      branchKept: 'it moved since the removal was planned',
      error: undefined,
    };
  }
  try {
    await git(['branch', '-D', '--', target.branch]);
    return { path: target.path, removed: true, branchDeleted: true, branchKept: undefined, error: undefined };
  } catch (error) {
    const reason = failureReason(error);
    return { path: target.path, removed: true, branchDeleted: false, branchKept: reason, error: undefined };
  }
}

/**
 * An agent worktree's branch goes with it only when it is the branch created for the agent: an
 * agent (or the user) may have checked out another branch there, such as the user's `feature-y`.
 */
function branchNotOurs(worktree: Worktree): string | undefined {
  if (worktree.agentMetadataProblem && worktree.branch) {
    return `${worktree.branch} may not be the agent's: ${worktree.agentMetadataProblem}`;
  }
  if (!worktree.agent || !worktree.branch) return undefined;
  if (worktree.agent.branch === undefined) return `${worktree.branch} was not recorded as the branch created for the agent`;
  if (worktree.agent.branch !== worktree.branch) {
    return `${worktree.branch} is not the branch created for the agent (${worktree.agent.branch})`;
  }
  return undefined;
}

/**
 * The confirmation counted what the worktree held when it was planned (or counted nothing, as all
 * of it was kept). If anything was written since, forcing git would lose work nobody was told
 * about, in this worktree or — with one confirmation for a batch — in another: refuse instead.
 * Checked under the repository's mutation lock, just before git runs.
 */
async function changedSincePlanned(service: GitService, target: RemovalTarget): Promise<string | undefined> {
  if (!target.plannedState || !target.worktree?.gitDir) return undefined;
  const now = await snapshotTree(service, target.path, target.worktree.gitDir);
  return now === target.plannedState
    ? undefined
    : 'It changed since the removal was planned (new work would be lost without being counted): review it and try again.';
}

/** The kept-up-to commit's tree; undefined when that commit is gone (then nothing counts as kept). */
async function keptTreeOf(service: GitService, commonDir: string, keptUpTo: string): Promise<string | undefined> {
  const result = await service.runner.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${keptUpTo}^{tree}`], {
    cwd: commonDir,
    readOnly: true,
    acceptExitCodes: [0, 1],
  });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
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

export function describeBlocked(plan: RemovalPlan): string {
  const lines = plan.targets.filter((target) => target.blocked).map((target) => `${target.path}: ${target.blocked}`);
  return `Nothing was removed. ${lines.length === 1 ? 'One worktree cannot' : `${lines.length} worktrees cannot`} be removed:\n${lines.join('\n')}`;
}

/** What a plan would lose, e.g. `3 uncommitted files and 2 commits found nowhere else`. */
export function describeLossOf(totals: RemovalPlan['totals']): string {
  const { uncommittedFiles, uniqueCommits } = totals;
  const parts: string[] = [];
  if (uncommittedFiles > 0) parts.push(`${uncommittedFiles} uncommitted file${uncommittedFiles === 1 ? '' : 's'}`);
  if (uniqueCommits > 0) parts.push(`${uniqueCommits} commit${uniqueCommits === 1 ? '' : 's'} found nowhere else`);
  return parts.join(' and ');
}

export function describeLoss(plan: RemovalPlan): string {
  return `Removing would permanently lose ${describeLossOf(plan.totals)}. Nothing was removed; confirm (force) to proceed.`;
}
