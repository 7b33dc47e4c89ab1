import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  failureReason,
  firstMeaningfulLine,
  inChunks,
  listTreeEntries,
  restoreIndex,
  restorePaths,
  samePath,
  snapshotIndex,
  snapshotPaths,
} from '../git';
import {
  type AgentChanges,
  type AgentWorktreeLocation,
  captureAgentChanges,
  locateAgentWorktree,
  requireAgentMetadata,
} from './agentChanges';
import { writeMerged } from './dirtyMerge';
import { keptCommit, recordKeep } from './keepBookkeeping';
import { commitKeptPaths, defaultCommitMessage, refuseCommittingUncommitted } from './keepCommit';
import { type KeepPlan, planKeep, refuseOutdated } from './keepPlan';
import type { KeepStates } from './keepRecord';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

export interface KeepOptions {
  /** Keep only these files (paths after the change); default: all. */
  readonly files?: readonly string[];
  /** Keep only these hunks: file path → indexes of its hunks (0-based). Files not named here are kept whole. */
  readonly hunks?: Readonly<Record<string, readonly number[]>>;
  /** The worktree to apply to; default: the one the agent worktree was created from. */
  readonly target?: string;
  /** Apply even when a three-way merge leaves conflicts (markers for the merge editor). */
  readonly allowConflicts?: boolean;
  /**
   * Keep the rest when some files cannot be merged with the target's own uncommitted edits
   * (binary, deleted or renamed by the user, deleted or renamed by the agent); those are left out.
   */
  readonly skipUnmergeable?: boolean;
  /** Leave the kept changes staged in the target (default: unstaged). */
  readonly staged?: boolean;
  /** How many keeps per target stay undoable (setting `agentWorktrees.undoKeeps`; default 10). */
  readonly undoLimit?: number;
  /**
   * Keep and Commit: commit exactly the kept paths in the target (the user's identity and hooks),
   * with this message, or one made from the task and the agent's commit subjects. Refused when a
   * kept file holds uncommitted edits of the user's (they would be committed too). Such a keep is
   * undone by reverting its commit, not by Undo Keep.
   */
  readonly commit?: { readonly message?: string };
  /**
   * Keep from this capture — the one the user reviewed — instead of capturing again: what lands is
   * exactly what was shown, and hunk numbers mean the hunks that were shown. Refused when a keep
   * happened since (it no longer starts where the worktree's kept state is).
   */
  readonly reviewed?: AgentChanges;
}

export interface KeepResult {
  readonly target: string;
  /** Paths written in the target. Empty when there was nothing to keep. */
  readonly keptFiles: readonly string[];
  readonly conflicts: readonly string[];
  /** Files merged with the target's own uncommitted edits (three-way), conflicts included. */
  readonly merged: readonly string[];
  /** Files left out (with `skipUnmergeable`) and why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** What `undoKeep` takes to undo this keep (undefined when nothing was kept, or it was committed). */
  readonly undoId: string | undefined;
  /** Keep and Commit: the commit made in the target. */
  readonly commit: string | undefined;
  /** The new kept-up-to commit recorded in the agent worktree's metadata. */
  readonly keptUpTo: string | undefined;
}

/**
 * Applies (part of) an agent's work onto the target worktree. Files the target has clean get the
 * patch (a plain apply, or git's three-way apply when the target moved on); files it has its own
 * uncommitted edits on get a per-file three-way merge, written only when every file merges (or the
 * caller consented to conflict markers, or to leaving unmergeable files out). Staged changes of
 * the user are never unstaged or overwritten. All or nothing: a failure puts every path back.
 * Afterwards the kept state is recorded as a commit that is on no branch, so the next review shows
 * only new work. The agent's worktree, index and branch are never touched.
 */
export async function keep(service: GitService, worktreePath: string, options: KeepOptions = {}): Promise<KeepResult> {
  const found = await locateAgentWorktree(service, worktreePath);
  return service.mutate(found.commonDir, async () => {
    const metadata = await requireAgentMetadata(found);
    const targetWorktree = await resolveTarget(service, options.target ?? metadata.createdFrom, found.commonDir, found.topLevel);
    const target = targetWorktree.topLevel;
    const changes = options.reviewed ?? (await captureAgentChanges(service, found, metadata));
    if (options.reviewed) refuseOutdated(options.reviewed, found.topLevel, metadata.keptUpTo ?? metadata.baseCommit);
    const nothing = {
      target,
      keptFiles: [],
      conflicts: [],
      merged: [],
      skipped: [],
      undoId: undefined,
      commit: undefined,
      keptUpTo: metadata.keptUpTo,
    };
    const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-keep-'));
    try {
      const plan = await planKeep(service, found.topLevel, {
        changes,
        target,
        // After an earlier keep, the target's copy of what it kept is the extension's own, not the user's.
        keptBefore: metadata.keptUpTo !== undefined && changes.from === metadata.keptUpTo ? changes.from : undefined,
        files: options.files,
        hunks: options.hunks ?? {},
        allowConflicts: options.allowConflicts === true,
        skipUnmergeable: options.skipUnmergeable === true,
        scratch,
      });
      if ('nothing' in plan) return { ...nothing, skipped: plan.skipped };
      if (options.commit) refuseCommittingUncommitted(plan);
      const message = options.commit
        ? options.commit.message?.trim() || (await defaultCommitMessage(service, found.topLevel, metadata, changes))
        : undefined;
      // The bookkeeping commit is only an object; the ref and metadata that point at it are
      // written after the apply, and a failure there takes the applied changes back out.
      const keptUpTo = await keptCommit(service, found.topLevel, changes.from, plan.keptTree);
      const { conflicts, landed } = await applyAllOrNothing(service, target, plan, options, (states) =>
        land(
          service,
          { agent: found, metadata, keptUpTo, target: targetWorktree, states, undoLimit: options.undoLimit },
          {
            paths: plan.touched,
            message,
          },
        ),
      );
      const merged = plan.merged.map((file) => file.path);
      const keptFiles = plan.files.map((file) => file.path);
      return { target, keptFiles, conflicts, merged, skipped: plan.skipped, ...landed, keptUpTo };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
}

/**
 * After the files are written: the bookkeeping (with an undo record), or for Keep and Commit the
 * commit and then the bookkeeping (no undo record: its commit is reverted instead). A failure takes
 * the commit back; the caller puts the files and index back.
 */
async function land(
  service: GitService,
  bookkeeping: Parameters<typeof recordKeep>[1],
  commit: { readonly paths: readonly string[]; readonly message: string | undefined },
): Promise<{ undoId: string | undefined; commit: string | undefined }> {
  if (commit.message === undefined) return { undoId: await recordKeep(service, bookkeeping), commit: undefined };
  const committed = await commitKeptPaths(service, bookkeeping.target.topLevel, commit.paths, commit.message);
  await recordKeep(service, { ...bookkeeping, undoable: false }).catch(async (error: unknown) => {
    await committed.takeBack();
    throw error;
  });
  return { undoId: undefined, commit: committed.commit };
}

/** The worktree a keep (or a cherry-pick) lands in: one of the same repository, not the agent's own. */
export async function resolveTarget(
  service: GitService,
  target: string,
  commonDir: string,
  agentPath: string,
): Promise<AgentWorktreeLocation> {
  const found = await service.discover(target);
  if (found.kind !== 'worktree' || found.commonDir !== commonDir) {
    throw new WorktreeOperationError('invalid', `The target ${target} is not a worktree of the same repository.`);
  }
  if (samePath(found.topLevel, agentPath))
    throw new WorktreeOperationError('invalid', 'The target cannot be the agent worktree itself.');
  return found;
}

/**
 * `git apply` checks the whole patch before writing, yet a write can still fail half-way (a new
 * file where the target has a file for a folder): then every touched path is put back byte for
 * byte, and its index entry too (those paths had no uncommitted changes, so the index had HEAD's).
 */
async function applyAllOrNothing<T>(
  service: GitService,
  target: string,
  plan: KeepPlan,
  options: KeepOptions,
  afterApply: (states: KeepStates) => Promise<T>,
): Promise<{ conflicts: string[]; landed: T }> {
  const paths = plan.touched;
  const [before, indexBefore] = await Promise.all([snapshotPaths(target, paths), snapshotIndex(service, target, paths)]);
  /** Puts the paths back (and their index entries when `index`); returns what could not be. */
  const restore = async (index: boolean) => {
    const { problems, rewritten } = await restorePaths(before);
    const inIndex = (step: Promise<unknown>) =>
      step.catch((failed: unknown) => {
        problems.push(`the index: ${failureReason(failed)}`);
      });
    if (index) await inIndex(restoreIndex(service, target, indexBefore));
    // Rewritten files (and restored entries) have new times: refresh the index's stat cache, or
    // git sees them as modified.
    if (index || rewritten > 0) {
      await inIndex(service.runner.run(['update-index', '-q', '--refresh'], { cwd: target, acceptExitCodes: [0, 1] }));
    }
    return problems;
  };
  let applied = false;
  try {
    // --3way stages what merged cleanly: those paths get back the index entries they had.
    const unstage = (clean: readonly string[]) =>
      restoreIndex(service, target, {
        paths: clean,
        entries: new Map([...indexBefore.entries].filter(([relative]) => clean.includes(relative))),
      });
    const conflicts = plan.patchFile
      ? await applyPatch(service, target, plan.patchFile, paths, options, { restore, unstage })
      : [];
    // The merged files: the working tree only (their index entries, the user's, stay as they are).
    await inChunks(plan.merged, (file) => writeMerged(target, file));
    // Written bytes have new times: refresh the stat cache, or git would re-hash them needlessly.
    if (plan.merged.length > 0)
      await service.runner.run(['update-index', '-q', '--refresh'], { cwd: target, acceptExitCodes: [0, 1] });
    conflicts.push(...plan.merged.filter((file) => file.conflictLines.length > 0).map((file) => file.path));
    applied = true;
    // The kept tree's blobs are stored: most written files are those bytes (the record need not ask).
    const [after, indexAfter, kept] = await Promise.all([
      snapshotPaths(target, paths),
      snapshotIndex(service, target, paths),
      listTreeEntries(service, target, plan.keptTree, paths),
    ]);
    const stored = new Set([...kept.values()].map((entry) => entry.oid));
    const landed = await afterApply({ before, indexBefore, after, indexAfter, stored });
    return { conflicts, landed };
  } catch (error) {
    const problems = await restore(true);
    if (problems.length > 0) {
      throw new WorktreeOperationError(
        'failed',
        `Keeping failed half-way (${failureReason(error)}) and ${target} could not be fully restored: ${problems.join('; ')}.`,
        { cause: error },
      );
    }
    if (error instanceof WorktreeOperationError) throw error;
    const what = applied
      ? `recording what was kept failed (${failureReason(error)}), so the applied changes were taken back out of ${target}`
      : `writing to ${target} failed half-way (${failureReason(error)}), and what was written was put back`;
    throw new WorktreeOperationError('failed', `Nothing was kept: ${what}.`, { cause: error });
  }
}

async function applyPatch(
  service: GitService,
  target: string,
  patchFile: string,
  paths: readonly string[],
  options: KeepOptions,
  undo: {
    /** Puts the paths back (and their index entries when asked); returns what could not be. */
    readonly restore: (index: boolean) => Promise<string[]>;
    /** Gives these paths back the index entries they had before the keep. */
    readonly unstage: (paths: readonly string[]) => Promise<void>;
  },
): Promise<string[]> {
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: target, acceptExitCodes: accept });
  // No separate --check first: a patch that does not apply is refused before anything is written.
  const plain = await git(['apply', '--recount', ...(options.staged ? ['--index'] : []), patchFile], [0, 1, 128]);
  if (plain.exitCode === 0) return [];
  // A write that failed half-way (not a check) left part of the patch: undo it before trying a merge.
  if ((await undo.restore(options.staged === true)).length > 0) {
    // The caller's own restore tries once more and says what is still not back.
    throw new WorktreeOperationError('failed', `The changes do not apply to ${target}: ${firstMeaningfulLine(plain.stderr)}`);
  }
  const threeWay = await git(['apply', '--check', '--3way', '--recount', patchFile], [0, 1, 128]);
  if (threeWay.exitCode !== 0) {
    throw new WorktreeOperationError(
      'failed',
      `The changes do not apply to ${target}: ${firstMeaningfulLine(threeWay.stderr || plain.stderr)}`,
    );
  }
  const conflicted = [...threeWay.stderr.matchAll(/Applied patch to '(.+)' with conflicts\./g)].map(
    (match) => match[1] as string,
  );
  if (conflicted.length > 0 && !options.allowConflicts) {
    throw new WorktreeOperationError(
      'needs-confirmation',
      `Keeping would leave conflicts in: ${conflicted.join(', ')}. Nothing was kept.`,
    );
  }
  await git(['apply', '--3way', '--recount', patchFile], [0, 1]);
  // --3way stages what merged cleanly; leave it unstaged unless asked, like a plain apply. A
  // failure here is the keep's failure (the caller puts everything back), never ignored.
  if (!options.staged) {
    const clean = paths.filter((file) => !conflicted.includes(file));
    if (clean.length > 0) await undo.unstage(clean);
  }
  return conflicted;
}
