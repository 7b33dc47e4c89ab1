// Planning a removal: what each requested worktree is, whether it may go, and what it would lose.
// Reads only; the removal itself is in removeWorktrees.ts.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { comparablePath, GitError, isInsideOrSame, parseStatusV2, realOrResolved, samePath } from '../git';
import { snapshotTree } from './agentChanges';
import type { AgentMetadata } from './agentMetadata';
import { findLandedCommits } from './landedCommits';
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
  /** Commits reachable only from this worktree's branch (or its detached HEAD), not landed elsewhere. */
  readonly uniqueCommits: number;
  /** Commits reachable only from it whose change already landed (patch-equal) in `landedIn`: not lost. */
  readonly landedCommits: number;
  readonly landedIn: string | undefined;
  /** Why landing could not be checked (its commits then all count as unique). */
  readonly landedProblem: string | undefined;
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
  readonly totals: { readonly uncommittedFiles: number; readonly uniqueCommits: number; readonly landedCommits?: number };
}

export interface RemovalOutcome {
  readonly path: string;
  readonly removed: boolean;
  readonly branchDeleted: boolean;
  /** Why the branch was kept, when it was. */
  readonly branchKept: string | undefined;
  /** git's reason when it refused. */
  readonly error: string | undefined;
  /** The trash item holding what it would have lost (Restore Discarded Agent Work brings it back). */
  readonly trashId: string | undefined;
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
    const landingTargets = worktree ? landingBranches(worktree, listing) : [];
    targets.push(await classify(service, resolvedPath, commonDir, worktree, { ...options, keptCopiesSurvive, landingTargets }));
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
      landedCommits: targets.reduce((sum, target) => sum + target.landedCommits, 0),
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
    landedCommits: 0,
    landedIn: undefined,
    landedProblem: undefined,
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
  options: RemovalOptions & { readonly keptCopiesSurvive: boolean; readonly landingTargets: readonly string[] },
): Promise<RemovalTarget> {
  if (!worktree) return blockedTarget(targetPath, commonDir, 'git does not list it as a worktree of this repository');
  const blocked = await whyNeverRemoved(targetPath, worktree, options);
  if (blocked) return blockedTarget(targetPath, commonDir, blocked, worktree);
  const tip = worktree.head && /^[0-9a-f]{40,64}$/.test(worktree.head) && !/^0+$/.test(worktree.head) ? worktree.head : undefined;
  const dirtyFiles = worktree.gone ? 0 : await countUncommittedFiles(service, targetPath);
  const unique = tip ? await listUniqueCommits(service, commonDir, tip, worktree.branch) : [];
  const landed = tip ? await findLandedCommits(service, commonDir, tip, unique, options.landingTargets) : undefined;
  let landedCommits = landed?.count ?? 0;
  let uniqueCommits = unique.length - landedCommits;
  let uncommittedFiles = dirtyFiles;
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
      landedCommits = 0;
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
    landedCommits,
    landedIn: landed?.into,
    landedProblem: landed?.problem,
    branch: worktree.branch,
    branchTip: tip,
    branchNotOurs: branchNotOurs(worktree),
    hasSubmodules: !worktree.gone && existsSync(path.join(targetPath, '.gitmodules')),
  };
}

/** Why this worktree is never removed by this request (main, open in this window, locked), if it is. */
async function whyNeverRemoved(targetPath: string, worktree: Worktree, options: RemovalOptions): Promise<string | undefined> {
  if (worktree.isMain || worktree.bare) return 'it is the main worktree, which is never removed';
  // Compared as given and with symlinks resolved: git lists real paths, a window may have opened a link.
  const [realTarget, ...protectedPaths] = await Promise.all(
    [targetPath, ...(options.protectedPaths ?? [])].map((folder) => realOrResolved(folder)),
  );
  const open = [...(options.protectedPaths ?? []), ...protectedPaths].find(
    (folder) => isInsideOrSame(targetPath, folder) || isInsideOrSame(realTarget as string, folder),
  );
  if (open) return 'it is open in this window';
  if (worktree.locked && !options.forceLocked) return `it is locked${worktree.lockReason ? ` (${worktree.lockReason})` : ''}`;
  return undefined;
}

/** Uncommitted files (staged, unstaged, untracked, conflicted), each counted once. */
async function countUncommittedFiles(service: GitService, worktreePath: string): Promise<number> {
  // -uall: every untracked file counts, so the confirmation's number is the number that is lost.
  const status = await service.runner.run(['status', '--porcelain=v2', '-z', '--untracked-files=all'], {
    cwd: worktreePath,
    readOnly: true,
  });
  return new Set(parseStatusV2(status.stdout).changedPaths).size; // a file both staged and unstaged is one file
}

/** Commits reachable from `tip` and from no other branch, remote-tracking branch or tag. */
async function listUniqueCommits(service: GitService, commonDir: string, tip: string, branch: string | undefined) {
  // An object id (never an option): `--not` and `--branches` follow it, so no --end-of-options here.
  // Fail closed: if git cannot answer, the error stops the plan (nothing is removed).
  const exclude = branch ? [`--exclude=${branch}`] : [];
  const listed = await service.runner.run(['rev-list', tip, '--not', ...exclude, '--branches', '--remotes', '--tags'], {
    cwd: commonDir,
    readOnly: true,
  });
  const commits = listed.stdout.split('\n').filter(Boolean);
  if (commits.some((commit) => !/^[0-9a-f]{40,64}$/.test(commit))) {
    throw new GitError('Unexpected rev-list output', { code: 'ParseError', args: listed.args });
  }
  return commits;
}

/**
 * The branches a worktree's commits are meant to land in: an agent's base branch and the branches
 * of the worktrees its work was kept into; for any other worktree, the main worktree's branch.
 */
function landingBranches(worktree: Worktree, listing: readonly Worktree[]): string[] {
  const branchAt = (folder: string) => listing.find((candidate) => samePath(candidate.path, folder))?.branch;
  const candidates = worktree.agent
    ? [worktree.agent.baseBranch, ...(worktree.agent.keptInto ?? [worktree.agent.createdFrom]).map(branchAt)]
    : [listing.find((candidate) => candidate.isMain)?.branch];
  return [...new Set(candidates)].filter((branch): branch is string => branch !== undefined && branch !== worktree.branch);
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

/** The kept-up-to commit's tree; undefined when that commit is gone (then nothing counts as kept). */
async function keptTreeOf(service: GitService, commonDir: string, keptUpTo: string): Promise<string | undefined> {
  const result = await service.runner.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${keptUpTo}^{tree}`], {
    cwd: commonDir,
    readOnly: true,
    acceptExitCodes: [0, 1],
  });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export function describeBlocked(plan: RemovalPlan): string {
  const lines = plan.targets.filter((target) => target.blocked).map((target) => `${target.path}: ${target.blocked}`);
  return `Nothing was removed. ${lines.length === 1 ? 'One worktree cannot' : `${lines.length} worktrees cannot`} be removed:\n${lines.join('\n')}`;
}

/**
 * Discard is for agent worktrees: a plain worktree (and its branch, perhaps the user's own) is
 * removed only by asking for a removal. Throws `invalid` naming the first one that is not.
 */
export function refuseNonAgentTargets(plan: RemovalPlan): void {
  const plain = plan.targets.find((target) => !target.blocked && !target.worktree?.agent);
  if (plain) {
    throw new WorktreeOperationError(
      'invalid',
      `${plain.path} is not an agent worktree, so it is not discarded; remove it as a worktree instead.`,
    );
  }
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
  return `Removing would lose ${describeLossOf(plan.totals)}. Nothing was removed; confirm (force) to proceed: it is saved to the trash first, and Restore Discarded Agent Work brings it back.`;
}
