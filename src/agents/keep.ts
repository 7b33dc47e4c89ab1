import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  failureReason,
  firstMeaningfulLine,
  parseStatusV2,
  restoreIndex,
  restorePaths,
  samePath,
  snapshotIndex,
  snapshotPaths,
} from '../git';
import {
  type AgentChanges,
  type AgentWorktreeLocation,
  type ChangedFile,
  captureAgentChanges,
  locateAgentWorktree,
  PATCH_FLAGS,
  requireAgentMetadata,
} from './agentChanges';
import { type AgentMetadata, keptRefName, writeAgentMetadata } from './agentMetadata';
import { selectHunks, splitPatch } from './hunks';
import { pathsHoldingKeptContent } from './keptContent';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

const BOOKKEEPING_IDENTITY = {
  GIT_AUTHOR_NAME: 'Agent Worktrees',
  GIT_AUTHOR_EMAIL: 'agent-worktrees@localhost',
  GIT_COMMITTER_NAME: 'Agent Worktrees',
  GIT_COMMITTER_EMAIL: 'agent-worktrees@localhost',
};

export interface KeepOptions {
  /** Keep only these files (paths after the change); default: all. */
  readonly files?: readonly string[];
  /** Keep only these hunks: file path → indexes of its hunks (0-based). Files not named here are kept whole. */
  readonly hunks?: Readonly<Record<string, readonly number[]>>;
  /** The worktree to apply to; default: the one the agent worktree was created from. */
  readonly target?: string;
  /** Apply even when a three-way merge leaves conflicts (markers for the merge editor). */
  readonly allowConflicts?: boolean;
  /** Leave the kept changes staged in the target (default: unstaged). */
  readonly staged?: boolean;
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
  /** The new kept-up-to commit recorded in the agent worktree's metadata. */
  readonly keptUpTo: string | undefined;
}

/**
 * Applies (part of) an agent's work onto the target worktree. Refuses, writing nothing, when the
 * target has uncommitted changes on any path the patch touches. The patch goes through a temp
 * file: a plain apply when it fits, a three-way merge when needed (conflicts only if allowed).
 * Afterwards the kept state is recorded as a commit that is on no branch, so the next review shows
 * only new work. The agent's worktree, index and branch are never touched.
 */
export async function keep(service: GitService, worktreePath: string, options: KeepOptions = {}): Promise<KeepResult> {
  const found = await locateAgentWorktree(service, worktreePath);
  return service.mutate(found.commonDir, async () => {
    const metadata = await requireAgentMetadata(found);
    const target = await resolveTarget(service, options.target ?? metadata.createdFrom, found.commonDir, found.topLevel);
    const changes = options.reviewed ?? (await captureAgentChanges(service, found, metadata));
    if (options.reviewed) refuseOutdated(options.reviewed, found.topLevel, metadata.keptUpTo ?? metadata.baseCommit);
    const selected = selectFiles(changes, options.files);
    if (selected.length === 0) return { target, keptFiles: [], conflicts: [], keptUpTo: metadata.keptUpTo };

    const { patch, everything, touched } = await choosePatch(service, changes, selected, options.hunks ?? {});
    if (patch.length === 0) return { target, keptFiles: [], conflicts: [], keptUpTo: metadata.keptUpTo };

    const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-keep-'));
    try {
      const patchFile = path.join(scratch, 'keep.patch');
      await writeFile(patchFile, patch);
      // After an earlier keep, the target's copy of what it kept is the extension's own, not the user's.
      const keptBefore = metadata.keptUpTo !== undefined && changes.from === metadata.keptUpTo ? changes.from : undefined;
      await refuseOverlap(service, target, touched, keptBefore);
      // The kept state is worked out before the target is touched: a choice that is no consistent
      // state on its own (a file kept under what is still a file) is refused with nothing written.
      const keptTree = everything ? changes.tree : await keptTreeWith(service, found.topLevel, changes.from, patchFile, scratch);
      // The bookkeeping commit is only an object; the ref and metadata that point at it are
      // written after the apply, and a failure there takes the applied changes back out.
      const keptUpTo = await keptCommit(service, found.topLevel, changes.from, keptTree);
      const conflicts = await applyAllOrNothing(service, target, patchFile, touched, options, () =>
        recordKept(service, found, metadata, keptUpTo, target),
      );
      return { target, keptFiles: selected.map((file) => file.path), conflicts, keptUpTo };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
}

/**
 * The patch for the chosen files (whole files in one diff, files with a hunk choice reduced to
 * those hunks) and every path it writes. That is more than the chosen paths: a pathspec names a
 * folder's files too, so a file that replaced a folder takes the folder's files with it, and those
 * must be checked for the user's work and put back on failure as well.
 */
async function choosePatch(
  service: GitService,
  changes: AgentChanges,
  selected: readonly ChangedFile[],
  hunkChoices: Readonly<Record<string, readonly number[]>>,
): Promise<{ patch: Buffer; everything: boolean; touched: string[] }> {
  const pathsOf = (file: ChangedFile) => (file.oldPath ? [file.oldPath, file.path] : [file.path]);
  const chosen = [...new Set(selected.flatMap(pathsOf))];
  const git = async (args: string[], paths: readonly string[]) =>
    service.runner.run([...args, '--end-of-options', changes.from, changes.tree, '--', ...paths], {
      cwd: changes.worktreePath,
      readOnly: true,
    });
  // Own keys only: a file named `constructor` or `__proto__` is a path, not an object property.
  const hunksOf = (file: ChangedFile) => (Object.hasOwn(hunkChoices, file.path) ? hunkChoices[file.path] : undefined);
  const everything = selected.length === changes.files.length && Object.keys(hunkChoices).length === 0;
  // Keeping everything: the captured patch is exactly it (no second diff).
  if (everything) return { patch: changes.patch, everything, touched: chosen };
  const wholePaths = [...new Set(selected.filter((file) => hunksOf(file) === undefined).flatMap(pathsOf))];
  const parts: Buffer[] = wholePaths.length > 0 ? [(await git(['diff', ...PATCH_FLAGS], wholePaths)).stdoutBytes] : [];
  for (const file of selected) {
    const hunks = hunksOf(file);
    if (hunks === undefined) continue;
    const sections = splitPatch((await git(['diff', ...PATCH_FLAGS], pathsOf(file))).stdoutBytes);
    if (sections.length !== 1) {
      // Its path names a folder's files too (it replaced a folder, or became one): no hunks of its own.
      throw new WorktreeOperationError('invalid', `${file.path} replaced a folder or became one: keep it whole.`);
    }
    parts.push(selectHunks(sections[0] as Buffer, hunks, file.path));
  }
  // Without rename detection both sides of every change are listed.
  const touched = new Set(chosen);
  for (const name of (await git(['diff', '--name-only', '-z', '--no-renames'], chosen)).stdout.split('\0')) {
    if (name) touched.add(name);
  }
  return { patch: Buffer.concat(parts), everything, touched: [...touched] };
}

function refuseOutdated(reviewed: AgentChanges, worktreePath: string, keptState: string): void {
  if (reviewed.worktreePath !== worktreePath || reviewed.from !== keptState) {
    throw new WorktreeOperationError(
      'blocked',
      'Nothing was kept: the review is out of date (changes were kept since it was captured). Review again.',
    );
  }
}

async function resolveTarget(service: GitService, target: string, commonDir: string, agentPath: string): Promise<string> {
  const found = await service.discover(target);
  if (found.kind !== 'worktree' || found.commonDir !== commonDir) {
    throw new WorktreeOperationError('invalid', `The target ${target} is not a worktree of the same repository.`);
  }
  if (found.topLevel === agentPath)
    throw new WorktreeOperationError('invalid', 'The target cannot be the agent worktree itself.');
  return found.topLevel;
}

function selectFiles(changes: AgentChanges, files: readonly string[] | undefined) {
  if (!files) return changes.files;
  const wanted = new Set(files);
  const unknown = files.filter((file) => !changes.files.some((change) => change.path === file));
  if (unknown.length > 0) throw new WorktreeOperationError('invalid', `Not among the agent's changes: ${unknown.join(', ')}`);
  return changes.files.filter((file) => wanted.has(file.path));
}

/**
 * Keep never overwrites uncommitted work: any overlap → refuse, name the paths, write nothing.
 * A path that holds exactly what the last keep put there is no overlap (it is no one's own work).
 */
async function refuseOverlap(
  service: GitService,
  target: string,
  paths: readonly string[],
  keptBefore: string | undefined,
): Promise<void> {
  const status = parseStatusV2(
    (await service.runner.run(['status', '--porcelain=v2', '-z', '--untracked-files=all'], { cwd: target, readOnly: true }))
      .stdout,
  );
  const touched = new Set(paths);
  let overlap = [...new Set(status.changedPaths.filter((changed) => touched.has(changed)))];
  if (overlap.length > 0 && keptBefore) {
    const own = await pathsHoldingKeptContent(service, target, keptBefore, overlap);
    overlap = overlap.filter((changed) => !own.has(changed));
  }
  if (overlap.length > 0) {
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was kept: ${target} has uncommitted changes on ${overlap.length === 1 ? 'a file' : 'files'} the agent changed too: ${overlap.join(', ')}. Commit or stash them first.`,
    );
  }
}

/**
 * `git apply` checks the whole patch before writing, yet a write can still fail half-way (a new
 * file where the target has a file for a folder): then every touched path is put back byte for
 * byte, and its index entry too (those paths had no uncommitted changes, so the index had HEAD's).
 */
async function applyAllOrNothing(
  service: GitService,
  target: string,
  patchFile: string,
  paths: readonly string[],
  options: KeepOptions,
  afterApply: () => Promise<void>,
): Promise<string[]> {
  const before = await snapshotPaths(target, paths);
  const indexBefore = await snapshotIndex(service, target, paths);
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
    const conflicts = await applyPatch(service, target, patchFile, paths, options, { restore, unstage });
    applied = true;
    await afterApply();
    return conflicts;
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

/** The previous kept tree plus the chosen patch, built in a temporary index (`apply --cached`). */
async function keptTreeWith(
  service: GitService,
  agentPath: string,
  from: string,
  patchFile: string,
  scratch: string,
): Promise<string> {
  const env = { GIT_INDEX_FILE: path.join(scratch, 'kept-index') };
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: agentPath, env, acceptExitCodes: accept });
  await git(['read-tree', '--end-of-options', from]);
  const applied = await git(['apply', '--cached', '--recount', patchFile], [0, 1, 128]);
  if (applied.exitCode !== 0) {
    throw new WorktreeOperationError(
      'invalid',
      `Nothing was kept: the chosen changes cannot be kept without others they depend on (${firstMeaningfulLine(applied.stderr)}). Keep them together with the related files, or keep everything.`,
    );
  }
  return (await git(['write-tree'])).stdout.trim();
}

/** The kept state as a commit on no branch (the agent's branch and index never move). */
async function keptCommit(service: GitService, agentPath: string, from: string, tree: string): Promise<string> {
  // A bookkeeping commit: a fixed identity, so it works where the user has none configured.
  const result = await service.runner.run(
    ['commit-tree', '-p', from, '-m', 'Agent Worktrees: kept changes', '--end-of-options', tree],
    {
      cwd: agentPath,
      env: BOOKKEEPING_IDENTITY,
    },
  );
  return result.stdout.trim();
}

/**
 * Points the kept-up-to ref (outside refs/heads and refs/tags, so gc keeps the commit) and the
 * metadata at the new kept state. All or nothing: a failure puts the ref back as it was.
 */
async function recordKept(
  service: GitService,
  found: AgentWorktreeLocation,
  metadata: AgentMetadata,
  keptUpTo: string,
  target: string,
): Promise<void> {
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: found.topLevel, acceptExitCodes: accept });
  const ref = keptRefName(found.gitDir);
  const previous = (await git(['rev-parse', '--verify', '--quiet', ref], [0, 1])).stdout.trim();
  await git(['update-ref', ref, keptUpTo]);
  try {
    const keptAtHead = (await git(['rev-parse', '--verify', 'HEAD'])).stdout.trim();
    const keptInto = [...(metadata.keptInto ?? []).filter((earlier) => !samePath(earlier, target)), target];
    await writeAgentMetadata(found.gitDir, { ...metadata, keptUpTo, keptInto, keptAtHead, keptAt: new Date().toISOString() });
  } catch (error) {
    await git(previous ? ['update-ref', ref, previous, keptUpTo] : ['update-ref', '-d', ref, keptUpTo]).catch((undo: unknown) => {
      throw new WorktreeOperationError(
        'failed',
        `Recording what was kept failed (${failureReason(error)}) and ${ref} could not be put back (${failureReason(undo)}).`,
        { cause: error },
      );
    });
    throw error;
  }
}
