import { firstMeaningfulLine } from '../git';
import { type AgentMetadata, readAgentMetadata, writeAgentMetadata } from './agentMetadata';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

export interface UpdateFromBaseOptions {
  /** `merge` (default): the base branch's new commits merged in; `rebase`: the agent's commits replayed on them. */
  readonly mode?: 'merge' | 'rebase';
  /** Carry the agent worktree's uncommitted changes over the update (stashed, then restored); without it, refused. */
  readonly carryUncommitted?: boolean;
}

export interface UpdateFromBaseResult {
  /** The base branch's commits brought in (0: it was up to date). */
  readonly commits: number;
  /** The base commit the agent's work is measured from now. */
  readonly baseCommit: string;
  /** Files git left conflicted (the merge or rebase stopped there, as git leaves it). */
  readonly conflicted: readonly string[];
  /** Uncommitted changes carried over: restored, or (after a conflict) still in this stash entry. */
  readonly carried: 'restored' | 'stashed' | undefined;
}

const STASH_MESSAGE = 'Agent Worktrees: uncommitted changes carried over Update from Base';

/**
 * Brings the commits its base branch gained since the agent started into an agent worktree's
 * branch, inside that worktree. Refuses, changing nothing, when it has uncommitted changes (unless
 * `carryUncommitted`), after a keep (the kept record is measured from the old base), or when it
 * was not branched from a branch. On a conflict nothing is lost: the worktree is left as git
 * leaves a conflicted merge or rebase (carried changes stay stashed), the files are named, and the
 * recorded base moves only once it is finished (Update from Base again).
 */
export async function updateFromBase(
  service: GitService,
  agentPath: string,
  options: UpdateFromBaseOptions = {},
): Promise<UpdateFromBaseResult> {
  const found = await service.discover(agentPath);
  if (found.kind !== 'worktree') throw new WorktreeOperationError('invalid', `${agentPath} is not a worktree.`);
  return service.mutate(found.commonDir, async () => {
    const metadata = await readAgentMetadata(found.gitDir);
    if (!metadata) throw new WorktreeOperationError('invalid', `${found.topLevel} is not an agent worktree.`);
    if (!metadata.baseBranch) {
      throw new WorktreeOperationError(
        'invalid',
        'This agent worktree was made from a detached HEAD: there is no branch to update from.',
      );
    }
    if (metadata.keptUpTo) {
      throw new WorktreeOperationError(
        'blocked',
        'Some of this agent’s work was kept already; updating its base now would show the base’s new commits as the agent’s work. Keep or discard the rest first.',
      );
    }
    const git: Git = (args, accept = [0], magic = false) =>
      service.runner.run(args, { cwd: found.topLevel, acceptExitCodes: accept, pathspecMagic: magic });
    const baseRef = `refs/heads/${metadata.baseBranch}`;
    const tip = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${baseRef}^{commit}`], [0, 1]);
    if (tip.exitCode !== 0)
      throw new WorktreeOperationError('invalid', `The base branch ${metadata.baseBranch} does not exist any more.`);
    const baseTip = tip.stdout.trim();
    const commits = await service.countCommits(found.topLevel, `HEAD..${baseTip}`);
    if (commits === 0) {
      // Up to date (or a conflicted update finished by hand since): measured from the new base.
      if (baseTip !== metadata.baseCommit) await writeAgentMetadata(found.gitDir, { ...metadata, baseCommit: baseTip });
      return { commits: 0, baseCommit: baseTip, conflicted: [], carried: undefined };
    }
    const carried = await carryOrRefuse(git, options.carryUncommitted === true);
    const mode = options.mode ?? 'merge';
    const ran =
      mode === 'rebase'
        ? await git(['rebase', '--end-of-options', baseTip], [0, 1])
        : await git(
            [
              'merge',
              '--no-edit',
              '-m',
              `Merge ${metadata.baseBranch} into ${metadata.branch ?? 'the agent branch'}`,
              '--end-of-options',
              baseTip,
            ],
            [0, 1],
          );
    if (ran.exitCode !== 0) {
      const conflicted = await service.conflictedFiles(found.topLevel);
      if (conflicted.length === 0) {
        // Not a conflict (a hook, an identity missing): whatever git started is taken back, the
        // carried changes put back, and git's reason said.
        await git([mode, '--abort'], [0, 1, 128]);
        if (carried) await restoreCarried(service, git, found.topLevel);
        throw new WorktreeOperationError(
          'failed',
          `git ${mode} failed, nothing was merged: ${firstMeaningfulLine(ran.stderr || ran.stdout)}`,
        );
      }
      // The base stays where it was until the merge is finished (an aborted one must not make the
      // base's commits look undone by the agent); Update from Base again then moves it.
      return { commits, baseCommit: metadata.baseCommit, conflicted, carried: carried ? 'stashed' : undefined };
    }
    // The agent's work is measured from the new base: the base's commits are not its work.
    await writeAgentMetadata(found.gitDir, { ...metadata, baseCommit: baseTip });
    const restored = carried ? await restoreCarried(service, git, found.topLevel) : undefined;
    return { commits, baseCommit: baseTip, conflicted: restored?.conflicted ?? [], carried: restored?.state };
  });
}

/**
 * How many commits an agent's base branch gained since its base commit (what Update from Base
 * would look at); undefined when it was branched from a detached HEAD or that branch is gone.
 */
export async function baseBranchGained(
  service: GitService,
  agentPath: string,
  metadata: Pick<AgentMetadata, 'baseCommit' | 'baseBranch'>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  if (!metadata.baseBranch) return undefined;
  const range = `${metadata.baseCommit}..refs/heads/${metadata.baseBranch}`;
  return service.countCommits(agentPath, range, signal).catch(() => undefined); // a base branch deleted since: nothing to say
}

type Git = (args: string[], accept?: number[], magic?: boolean) => ReturnType<GitService['runner']['run']>;

/** Uncommitted changes: stashed when the caller carries them (true), refused otherwise; false when clean. */
async function carryOrRefuse(git: Git, carry: boolean): Promise<boolean> {
  const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  const files = status.stdout.split('\0').filter((entry) => /^.. /.test(entry)).length;
  if (files === 0) return false;
  if (!carry) {
    throw new WorktreeOperationError(
      'blocked',
      `The agent worktree has ${files} uncommitted file${files === 1 ? '' : 's'}. Commit them, or choose to carry them over the update.`,
    );
  }
  await git(['stash', 'push', '--include-untracked', '-m', STASH_MESSAGE], [0], true);
  return true;
}

/** The carried changes back on top (`stash pop --index`); when they conflict, they stay in the stash. */
async function restoreCarried(
  service: GitService,
  git: Git,
  worktree: string,
): Promise<{ state: 'restored' | 'stashed'; conflicted: string[] }> {
  const popped = await git(['stash', 'pop', '--index'], [0, 1], true);
  if (popped.exitCode === 0) return { state: 'restored', conflicted: [] };
  return { state: 'stashed', conflicted: await service.conflictedFiles(worktree) };
}
